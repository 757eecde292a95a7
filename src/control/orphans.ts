import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Store } from '../store/index.js';
import { processesUnder, terminateProcesses } from '../supervisor/process-info.js';
import type { Logger } from '../util/logger.js';

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
    databases: new Set(store.instances.all().map((instance) => instance.id)),
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
      const pids = await processesUnder(path.resolve(dir));
      if (pids.length > 0) await terminateProcesses(pids);
      await rm(dir, { recursive: true, force: true });
      removed.push(path.join(area, name));
    }
  }
  if (removed.length > 0) logger.warn('removed files that no metadata refers to', { removed });
  return removed;
}
