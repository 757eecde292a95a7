import { readdir, readFile, readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Store } from '../store/index.js';
import type { Logger } from '../util/logger.js';

/** Processes whose working directory lies under `dir` (a postmaster runs in its PGDATA, mariadbd in its datadir). */
async function processesUnder(dir: string): Promise<number[]> {
  const prefix = path.resolve(dir) + path.sep;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cwd.startsWith(prefix)) pids.push(Number(entry));
  }
  return pids;
}

async function isZombieOrGone(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat === '' || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

async function stopProcesses(pids: number[]): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const alive = await Promise.all(pids.map(async (pid) => !(await isZombieOrGone(pid))));
      if (!alive.some(Boolean)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * After a crash, files may exist that no metadata points at (a directory
 * made just before berth died, or one whose metadata a finished delete
 * removed before the files were gone). They are removed, servers running
 * out of them stopped, so every directory and process matches a record.
 */
export async function removeOrphans(store: Store, dataDir: string, logger: Logger): Promise<string[]> {
  const databaseIds = new Set(store.databases.all().map((database) => database.id));
  const snapshotIds = new Set(store.snapshots.all().map((snapshot) => snapshot.id));
  const known: Record<string, Set<string>> = {
    databases: databaseIds,
    backups: databaseIds,
    archive: databaseIds,
    snapshots: snapshotIds,
  };
  const removed: string[] = [];
  for (const [area, ids] of Object.entries(known)) {
    const root = path.join(dataDir, area);
    const entries = await readdir(root).catch(() => [] as string[]);
    for (const name of entries) {
      if (ids.has(name)) continue;
      const dir = path.join(root, name);
      const pids = await processesUnder(dir);
      if (pids.length > 0) await stopProcesses(pids);
      await rm(dir, { recursive: true, force: true });
      removed.push(path.join(area, name));
    }
  }
  if (removed.length > 0) logger.warn('removed files that no metadata refers to', { removed });
  return removed;
}
