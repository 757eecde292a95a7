import type { RestoreSource } from '../engines/backup.js';
import type { DatabaseRecord } from '../store/databases.js';
import type { Instances } from './instances.js';
import type { TaskHandler } from './tasks.js';

export interface SnapshotPayload {
  snapshotId: string;
}

/** Where a new database's data comes from. */
export type RestorePayload =
  | { kind: 'snapshot'; snapshotId: string }
  | { kind: 'point-in-time'; sourceDatabaseId: string; targetTime: number };

/** A running copy of the database into the snapshot; start a stopped database first (it is stopped again by its caller). */
export async function snapshotInto(instances: Instances, database: DatabaseRecord, snapshotId: string): Promise<void> {
  const driver = instances.driver(database);
  const spec = instances.spec(database);
  if (!(await driver.status(spec)).running) {
    await driver.provision(spec, await instances.tls(database));
    await driver.start(spec);
  }
  const manifest = await instances.backups.takeSnapshot(database, instances.backups.snapshot(snapshotId));
  await instances.backups.finishSnapshot(snapshotId, manifest);
}

/** A snapshot left `creating` by a failed task becomes `failed`, its files removed. */
export async function failUnfinishedSnapshot(instances: Instances, snapshotId: string): Promise<void> {
  const snapshot = instances.backups.snapshotOrUndefined(snapshotId);
  if (snapshot?.state === 'creating') await instances.backups.finishSnapshot(snapshotId, undefined);
}

export const snapshot: TaskHandler = {
  async run(instances, database, task) {
    const { snapshotId } = task.payload as unknown as SnapshotPayload;
    await snapshotInto(instances, database, snapshotId);
    return {
      changes: { state: 'available' },
      events: [{ message: `Snapshot ${instances.backups.snapshot(snapshotId).name} created`, categories: ['backup'] }],
    };
  },
  async afterFailure(instances, database, task) {
    await failUnfinishedSnapshot(instances, (task.payload as unknown as SnapshotPayload).snapshotId);
    const status = await instances.driver(database).status(instances.spec(database));
    return status.running ? 'available' : 'failed';
  },
  failureEvent: 'The snapshot failed',
};

function restoreSource(instances: Instances, payload: RestorePayload): RestoreSource {
  if (payload.kind === 'snapshot') return { backupDir: instances.backups.snapshotDir(payload.snapshotId) };
  const source = instances.databaseById(payload.sourceDatabaseId);
  if (!source) throw new Error('the source database of the point-in-time restore no longer exists');
  return instances.backups.pointInTimeSource(source, payload.targetTime);
}

/** Builds a new database from a snapshot or from a point in time of another. */
export const restore: TaskHandler = {
  async run(instances, database, task) {
    const payload = task.payload as unknown as RestorePayload;
    const source = restoreSource(instances, payload);
    const driver = instances.driver(database);
    const spec = instances.spec(database);
    const tls = await instances.tls(database);
    await driver.destroy(spec); // a half-made copy from before a crash
    await instances.backups.engine(database).restore(spec, tls, source);
    await driver.ensureMasterUser(spec, instances.masterPassword(database));
    await instances.verify(database);
    await instances.backups.applyRetention(database);
    const from =
      payload.kind === 'snapshot'
        ? `snapshot ${instances.backups.snapshot(payload.snapshotId).name}`
        : `the state of ${instances.databaseById(payload.sourceDatabaseId)?.name ?? 'its source'} at ${new Date(payload.targetTime * 1000).toISOString()}`;
    return { changes: { state: 'available' }, events: [{ message: `Relational database restored from ${from}`, categories: ['creation', 'restoration'] }] };
  },
  async afterFailure() {
    return 'failed';
  },
  failureEvent: 'The restore failed',
};
