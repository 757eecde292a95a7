/**
 * Measures the create path of one PostgreSQL instance, template already made:
 * provision (template copy + files) → start → ensureMasterUser → verify-full
 * query; then the idle memory (PSS) of the postmaster and its children.
 *
 *   npx vite-node bench/provision.ts [postgres_17] [runs]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createOpensslTls } from '../src/engines/conformance/tls.js';
import { freeLoopbackPort } from '../src/engines/conformance/net.js';
import type { InstanceSpec } from '../src/engines/driver.js';
import { childProcessIds, processPssBytes } from '../src/supervisor/process-info.js';
import { sleep } from '../src/supervisor/wait.js';
import { PostgresDriver } from '../src/engines/postgres/postgres-driver.js';
import { median, timeCreate, timeStopDestroy } from './engine-bench.js';

const blueprintId = process.argv[2] ?? 'postgres_17';
const runs = Number(process.argv[3] ?? 7);

const rootDir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-'));
await fs.chmod(rootDir, 0o711);
const tls = await createOpensslTls();
const driver = new PostgresDriver({ rootDir });
const phases: Record<string, number[]> = { provision: [], start: [], user: [], verify: [], total: [], stop: [], destroy: [] };
const specs: InstanceSpec[] = [];
try {
  // Create all first, remove all at the end: ext4 makes file creation slow for
  // minutes after mass deletion (inode allocation skips recently deleted inodes).
  for (let run = 0; run <= runs; run++) {
    const spec: InstanceSpec = {
      id: `bench-${run}`, blueprintId, dataDir: path.join(rootDir, 'instances', `bench-${run}`),
      port: await freeLoopbackPort(), publiclyAccessible: false, ramSizeInGb: 1, cpuCount: 2,
      masterUsername: 'dbmaster', masterDatabaseName: 'appdb',
    };
    specs.push(spec);
    const material = await tls.makeServerTls();
    const times = await timeCreate(driver, spec, material, { caPem: tls.ca, password: 'bench-Pass-1' });
    if (run === 0) {
      console.log(`first run (binaries install + template initdb included): ${times.total.toFixed(0)} ms`);
      continue;
    }
    for (const [name, ms] of Object.entries(times)) phases[name]?.push(ms);
  }
  await sleep(2_000); // let startup work settle
  const { pid } = await driver.status(specs[specs.length - 1] as InstanceSpec);
  if (pid) {
    const pids = [pid, ...(await childProcessIds(pid))];
    const pss = await Promise.all(pids.map(processPssBytes));
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(`idle PSS of one instance (postmaster + ${pids.length - 1} children, ${specs.length} instances running): ` +
      `${mb(pss.reduce((a, b) => a + b, 0))} MB (postmaster ${mb(pss[0] ?? 0)} MB)`);
  }
  await timeStopDestroy(driver, specs, phases);
  console.log(`${blueprintId}, ${runs} runs, medians (ms):`);
  for (const [name, xs] of Object.entries(phases)) console.log(`  ${name.padEnd(10)} ${median(xs).toFixed(1)}`);
} finally {
  for (const spec of specs) await driver.destroy(spec).catch(() => undefined);
  await tls.cleanup();
  await fs.rm(rootDir, { recursive: true, force: true });
}
