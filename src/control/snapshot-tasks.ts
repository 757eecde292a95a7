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

async function restoreSource(instances: Instances, database: DatabaseRecord, payload: RestorePayload, stagingKey: string): Promise<RestoreSource> {
  const { backups } = instances;
  if (payload.kind === 'snapshot') return { backupDir: await backups.localSnapshotDir(backups.snapshot(payload.snapshotId)) };
  if (payload.kind === 'backup-store') return backups.stageRecovery(database, payload, stagingKey);
  const source = instances.databaseById(payload.sourceDatabaseId);
  if (!source) throw new Error('the source database of the point-in-time restore no longer exists');
  return backups.pointInTimeSource(source, payload.targetTime);
}

function restoredFrom(instances: Instances, payload: RestorePayload): string {
  const at = (seconds: number) => new Date(seconds * 1000).toISOString();
  switch (payload.kind) {
    case 'snapshot':
      return `snapshot ${instances.backups.snapshot(payload.snapshotId).name}`;
    case 'backup-store':
      return `the backup store: ${payload.sourceName} as of ${at(payload.targetTime)}`;
    case 'point-in-time':
      return `the state of ${instances.databaseById(payload.sourceDatabaseId)?.name ?? 'its source'} at ${at(payload.targetTime)}`;
  }
}

/** Builds a new database from a snapshot or from a point in time of another (and its standby, for an HA bundle). */
export const restore: TaskHandler<'restore'> = {
  action: 'restore',
  async run(context, database, task) {
    const { instances } = context;
    const payload = task.payload;
    const source = await restoreSource(instances, database, payload, String(task.seq));
    const driver = instances.driver(database);
    const primary = instances.primary(database);
    const spec = instances.spec(database, primary);
    const tls = await instances.tls(database, primary);
    await driver.destroy(spec); // a half-made copy from before a crash
    try {
      await instances.backups.engine(database).restore(spec, tls, source);
    } finally {
      await instances.backups.discardStaging(String(task.seq));
    }
    await driver.ensureMasterUser(spec, instances.masterPassword(database));
    await instances.verify(database);
    instances.setState(primary, 'running');
    await instances.backups.applyRetention(database);
    await context.standbys.ensure(database);
    await instances.backups.takeFirstBackup(database);
    return { events: [{ message: `Relational database restored from ${restoredFrom(instances, payload)}`, categories: ['creation', 'restoration'] }] };
  },
  failureEvent: 'The restore failed',
};
