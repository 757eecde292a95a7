/**
 * postmaster.pid: PostgreSQL's lock file, and how berth finds (re-adopts) a
 * running postmaster. Lines: 1 pid, 2 data dir, 3 start time, 4 port,
 * 5 socket dir, 6 listen address, 7 shared memory key, 8 status
 * (`starting`, `stopping`, `ready`, `standby`).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive, processCommandLine, processCwd, processesWithCwd } from '../../supervisor/process-info.js';
import { pollUntil } from '../../supervisor/wait.js';

export interface PostmasterPidFile {
  pid: number;
  dataDir: string;
  port: number;
  status: string;
}

export async function readPostmasterPid(pgdata: string): Promise<PostmasterPidFile | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(pgdata, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, dataDir: lines[1] ?? '', port: Number(lines[3]), status: (lines[7] ?? '').trim() };
}

/**
 * Is `pid` the postmaster of `pgdata`? A postmaster chdirs into its data
 * directory; its command line names it too (we start it with `-D`).
 */
export async function isPostmasterOf(pid: number, pgdata: string): Promise<boolean> {
  if (!(await isProcessAlive(pid))) return false;
  const real = await fs.realpath(pgdata).catch(() => pgdata);
  const cwd = await processCwd(pid);
  if (cwd !== undefined) return cwd === real;
  const argv = await processCommandLine(pid);
  return argv.some((arg) => arg === pgdata || arg === real);
}

/** The running postmaster of `pgdata` according to its pid file, verified against /proc. */
export async function runningPostmasterPid(pgdata: string): Promise<number | undefined> {
  const pidFile = await readPostmasterPid(pgdata);
  if (!pidFile) return undefined;
  return (await isPostmasterOf(pidFile.pid, pgdata)) ? pidFile.pid : undefined;
}

/**
 * Before spawning: when postmaster.pid is stale (its postmaster is gone),
 * wait for orphaned backends of that postmaster to exit (they do on their
 * own when they notice its death; SIGKILL them after `graceMs`), then remove
 * the stale file. PostgreSQL would overwrite a stale file itself, but not
 * when the old pid was reused by another process of the same user (another
 * instance's backend), and it refuses to start while orphans still hold the
 * old shared memory.
 */
export async function clearStalePostmasterPid(pgdata: string, graceMs = 5_000): Promise<void> {
  const pidFile = await readPostmasterPid(pgdata);
  if (!pidFile || (await isPostmasterOf(pidFile.pid, pgdata))) return;
  const real = await fs.realpath(pgdata).catch(() => pgdata);
  const gone = await pollUntil(async () => (await processesWithCwd(real)).length === 0, { timeoutMs: graceMs, intervalMs: 25 });
  if (!gone) {
    for (const orphan of await processesWithCwd(real)) {
      try {
        process.kill(orphan, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await pollUntil(async () => (await processesWithCwd(real)).length === 0, { timeoutMs: graceMs, intervalMs: 25 });
  }
  await fs.rm(path.join(pgdata, 'postmaster.pid'), { force: true });
}
