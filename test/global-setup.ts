import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { killProcessesUsing } from './helpers/processes.js';

/**
 * Gives this test run an id that every temp dir it makes carries, and after
 * the run kills whatever a failed test may have left running under those
 * dirs and removes them: no postmaster, temp dir or port outlives `npm test`.
 */
export default function setup(): () => Promise<void> {
  const runId = randomBytes(4).toString('hex');
  process.env.BERTH_TEST_RUN = runId;
  return async () => {
    const prefix = `berth-test-${runId}`;
    const leftovers = (await readdir(os.tmpdir())).filter((name) => name.startsWith(prefix));
    for (const name of leftovers) {
      const dir = path.join(os.tmpdir(), name);
      const killed = await killProcessesUsing(dir);
      if (killed.length > 0) console.warn(`global teardown: killed ${killed.length} leftover processes under ${dir}`);
      await rm(dir, { recursive: true, force: true });
    }
  };
}
