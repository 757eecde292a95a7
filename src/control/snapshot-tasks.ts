import type { RestoreSource } from '../engines/backup.js';
import type { RestorePayload } from '../domain/tasks.js';
import type { DatabaseRecord } from '../store/databases.js';
import type { Instances } from './instances.js';
import type { TaskContext, TaskHandler } from './tasks.js';

/**
 * A running copy of the database into the snapshot, from its standby when it
 * has a healthy one (the primary never pauses for it); a stopped database is
 * started first (and stopped again by its caller).
 */
export async function snapshotInto(context: TaskContext, database: DatabaseRecord, snapshotId: string): Promise<void> {
  const { instances } = context;
  const driver = instances.driver(database);
  const primary = instances.primary(database);
  const spec = instances.spec(database, primary);
  if (!(await driver.status(spec)).running) {
    await driver.provision(spec, await instances.tls(database, primary));
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

export const snapshot: TaskHandler<'snapshot'> = {
  action: 'snapshot',
  async run(context, database, task) {
    await snapshotInto(context, database, task.payload.snapshotId);
    return { events: [{ message: `Snapshot ${context.instances.backups.snapshot(task.payload.snapshotId).name} created`, categories: ['backup'] }] };
  },
  async afterFailure(context, _database, task) {
    await failUnfinishedSnapshot(context.instances, task.payload.snapshotId);
  },
  failureEvent: 'The snapshot failed',
};

function restoreSource(instances: Instances, payload: RestorePayload): RestoreSource {
  if (payload.kind === 'snapshot') return { backupDir: instances.backups.snapshotDir(payload.snapshotId) };
  const source = instances.databaseById(payload.sourceDatabaseId);
  if (!source) throw new Error('the source database of the point-in-time restore no longer exists');
  return instances.backups.pointInTimeSource(source, payload.targetTime);
}

/** Builds a new database from a snapshot or from a point in time of another (and its standby, for an HA bundle). */
export const restore: TaskHandler<'restore'> = {
  action: 'restore',
  async run(context, database, task) {
    const { instances } = context;
    const payload = task.payload;
    const source = restoreSource(instances, payload);
    const driver = instances.driver(database);
    const primary = instances.primary(database);
    const spec = instances.spec(database, primary);
    const tls = await instances.tls(database, primary);
    await driver.destroy(spec); // a half-made copy from before a crash
    await instances.backups.engine(database).restore(spec, tls, source);
    await driver.ensureMasterUser(spec, instances.masterPassword(database));
    await instances.verify(database);
    instances.setState(primary, 'running');
    await instances.backups.applyRetention(database);
    await context.standbys.ensure(database);
    const from =
      payload.kind === 'snapshot'
        ? `snapshot ${instances.backups.snapshot(payload.snapshotId).name}`
        : `the state of ${instances.databaseById(payload.sourceDatabaseId)?.name ?? 'its source'} at ${new Date(payload.targetTime * 1000).toISOString()}`;
    return { events: [{ message: `Relational database restored from ${from}`, categories: ['creation', 'restoration'] }] };
  },
  failureEvent: 'The restore failed',
};
