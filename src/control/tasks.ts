import type { DatabaseChanges, DatabaseRecord } from '../store/databases.js';
import type { TaskRecord } from '../store/tasks.js';
import type { Instances } from './instances.js';
import { failUnfinishedSnapshot, restore, snapshot, snapshotInto } from './snapshot-tasks.js';
import { update } from './update-task.js';

export interface TaskEvent {
  message: string;
  categories: string[];
}

/** What a finished task changes in the metadata (applied in one transaction). */
export interface TaskOutcome {
  changes?: DatabaseChanges;
  /** The database is gone: remove its metadata. */
  deleted?: boolean;
  events?: TaskEvent[];
}

export interface TaskHandler {
  /** Idempotent: it may run again from the start after a crash. */
  run(instances: Instances, database: DatabaseRecord, task: TaskRecord): Promise<TaskOutcome>;
  /** Called when run() throws: tidies what must not linger and returns the state to record. */
  afterFailure(instances: Instances, database: DatabaseRecord, task: TaskRecord): Promise<string>;
  failureEvent: string;
}

async function stateFromEngine(instances: Instances, database: DatabaseRecord): Promise<string> {
  const status = await instances.driver(database).status(instances.spec(database));
  return status.running ? 'available' : 'stopped';
}

async function startAndVerify(instances: Instances, database: DatabaseRecord): Promise<void> {
  const driver = instances.driver(database);
  const spec = instances.spec(database);
  await driver.provision(spec, await instances.tls(database));
  await driver.start(spec);
  await instances.verify(database);
}

const create: TaskHandler = {
  async run(instances, database) {
    const driver = instances.driver(database);
    const spec = instances.spec(database);
    await driver.provision(spec, await instances.tls(database));
    await driver.start(spec);
    await driver.ensureMasterUser(spec, instances.masterPassword(database));
    await instances.verify(database);
    await instances.backups.applyRetention(database);
    return {
      changes: { state: 'available' },
      events: [{ message: 'Relational database created', categories: ['creation'] }],
    };
  },
  async afterFailure() {
    return 'failed';
  },
  failureEvent: 'Relational database creation failed',
};

/** A fresh start applies the parameters that waited for it. */
async function parameterApplyStatus(instances: Instances, database: DatabaseRecord): Promise<string> {
  return (await instances.pendingRebootParameters(database)).length > 0 ? 'pending-reboot' : 'in-sync';
}

const start: TaskHandler = {
  async run(instances, database) {
    await startAndVerify(instances, database);
    return {
      changes: { state: 'available', parameterApplyStatus: await parameterApplyStatus(instances, database) },
      events: [{ message: 'Relational database started', categories: ['availability'] }],
    };
  },
  afterFailure: stateFromEngine,
  failureEvent: 'Relational database failed to start',
};

const stop: TaskHandler = {
  async run(instances, database, task) {
    const { snapshotId } = task.payload as { snapshotId?: string };
    if (snapshotId !== undefined) await snapshotInto(instances, database, snapshotId);
    await instances.driver(database).stop(instances.spec(database));
    return { changes: { state: 'stopped' }, events: [{ message: 'Relational database stopped', categories: ['availability'] }] };
  },
  async afterFailure(instances, database, task) {
    const { snapshotId } = task.payload as { snapshotId?: string };
    if (snapshotId !== undefined) await failUnfinishedSnapshot(instances, snapshotId);
    return stateFromEngine(instances, database);
  },
  failureEvent: 'Relational database failed to stop',
};

const reboot: TaskHandler = {
  async run(instances, database) {
    await instances.driver(database).stop(instances.spec(database));
    await startAndVerify(instances, database);
    return {
      changes: { state: 'available', parameterApplyStatus: await parameterApplyStatus(instances, database) },
      events: [{ message: 'Relational database rebooted', categories: ['availability'] }],
    };
  },
  afterFailure: stateFromEngine,
  failureEvent: 'Relational database failed to reboot',
};

const remove: TaskHandler = {
  async run(instances, database, task) {
    const { finalSnapshotId } = task.payload as { finalSnapshotId?: string };
    if (finalSnapshotId !== undefined) await snapshotInto(instances, database, finalSnapshotId);
    await instances.driver(database).destroy(instances.spec(database));
    await instances.backups.dropAll(database);
    return { deleted: true };
  },
  async afterFailure(instances, _database, task) {
    const { finalSnapshotId } = task.payload as { finalSnapshotId?: string };
    if (finalSnapshotId !== undefined) await failUnfinishedSnapshot(instances, finalSnapshotId);
    return 'failed';
  },
  failureEvent: 'Relational database deletion failed',
};

export const TASK_HANDLERS: Readonly<Record<string, TaskHandler>> = {
  create,
  update,
  snapshot,
  restore,
  start,
  stop,
  reboot,
  delete: remove,
};
