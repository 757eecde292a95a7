import type { DatabaseAction } from '../domain/states.js';
import type { TaskKind, TaskOf } from '../domain/tasks.js';
import type { DatabaseChanges, DatabaseRecord } from '../store/databases.js';
import type { Standbys } from './ha/standbys.js';
import type { Instances } from './instances.js';
import { restore, snapshot, snapshotInto, failUnfinishedSnapshot } from './snapshot-tasks.js';
import { update } from './update-task.js';

export interface TaskEvent {
  message: string;
  categories: string[];
}

/** What a finished task changes in the metadata (applied in one transaction; the state comes from its action). */
export interface TaskOutcome {
  changes?: Omit<DatabaseChanges, 'state'>;
  /** The database is gone: remove its metadata. */
  deleted?: boolean;
  events?: TaskEvent[];
}

/** What task handlers work with. */
export interface TaskContext {
  instances: Instances;
  standbys: Standbys;
}

export interface TaskHandler<K extends TaskKind> {
  /**
   * The transition it makes: the states reported after it and after a
   * failure. Without one (background work on an available database) the
   * state is left as it is.
   */
  action?: DatabaseAction;
  /** Idempotent: it may run again from the start after a crash. */
  run(context: TaskContext, database: DatabaseRecord, task: TaskOf<K>): Promise<TaskOutcome>;
  /** Called when run() throws: tidies what must not linger. */
  afterFailure?(context: TaskContext, database: DatabaseRecord, task: TaskOf<K>): Promise<void>;
  failureEvent: string;
}

/**
 * The primary started (provisioned first: TLS files and configuration as the
 * metadata says), its master user made (or repaired) when asked, and
 * verified on the endpoint.
 */
export async function startPrimary({ instances }: TaskContext, database: DatabaseRecord, options: { ensureMasterUser?: boolean } = {}): Promise<void> {
  const driver = instances.driver(database);
  const primary = instances.primary(database);
  const spec = instances.spec(database, primary);
  await driver.provision(spec, await instances.tls(database, primary));
  await driver.start(spec);
  if (options.ensureMasterUser) await driver.ensureMasterUser(spec, instances.masterPassword(database));
  await instances.verify(database);
  instances.setState(primary, 'running');
}

/** A fresh start applies the parameters that waited for it. */
async function parameterApplyStatus(instances: Instances, database: DatabaseRecord): Promise<string> {
  return (await instances.pendingRebootParameters(database)).length > 0 ? 'pending-reboot' : 'in-sync';
}

const create: TaskHandler<'create'> = {
  action: 'create',
  async run(context, database) {
    const { instances } = context;
    await startPrimary(context, database, { ensureMasterUser: true });
    await instances.backups.applyRetention(database);
    await context.standbys.ensure(database);
    await instances.backups.takeFirstBackup(database);
    return { events: [{ message: 'Relational database created', categories: ['creation'] }] };
  },
  failureEvent: 'Relational database creation failed',
};

const start: TaskHandler<'start'> = {
  action: 'start',
  async run(context, database) {
    await startPrimary(context, database);
    await context.standbys.ensure(database);
    return {
      changes: { parameterApplyStatus: await parameterApplyStatus(context.instances, database) },
      events: [{ message: 'Relational database started', categories: ['availability'] }],
    };
  },
  failureEvent: 'Relational database failed to start',
};

const stop: TaskHandler<'stop'> = {
  action: 'stop',
  async run(context, database, task) {
    const { instances } = context;
    if (task.payload.snapshotId !== undefined) await snapshotInto(context, database, task.payload.snapshotId);
    // The primary first: a standby still receives everything up to the primary's shutdown.
    for (const instance of instances.serving(database)) {
      await instances.driver(database).stop(instances.spec(database, instance));
      instances.setState(instance, 'stopped');
    }
    return { events: [{ message: 'Relational database stopped', categories: ['availability'] }] };
  },
  async afterFailure(context, _database, task) {
    if (task.payload.snapshotId !== undefined) await failUnfinishedSnapshot(context.instances, task.payload.snapshotId);
  },
  failureEvent: 'Relational database failed to stop',
};

const reboot: TaskHandler<'reboot'> = {
  action: 'reboot',
  async run(context, database) {
    const { instances } = context;
    const driver = instances.driver(database);
    // A standby restarts first (a hot standby must not run with smaller limits
    // than its primary), so that both take the parameters waiting for a reboot;
    // then the primary, which the standby reconnects to by itself.
    const standby = instances.standby(database);
    if (standby?.state === 'running') await instances.restart(database, standby);
    await driver.stop(instances.spec(database));
    await startPrimary(context, database);
    await context.standbys.ensure(database);
    return {
      changes: { parameterApplyStatus: await parameterApplyStatus(instances, database) },
      events: [{ message: 'Relational database rebooted', categories: ['availability'] }],
    };
  },
  failureEvent: 'Relational database failed to reboot',
};

const remove: TaskHandler<'delete'> = {
  action: 'delete',
  async run(context, database, task) {
    const { instances } = context;
    if (task.payload.finalSnapshotId !== undefined) await snapshotInto(context, database, task.payload.finalSnapshotId);
    for (const instance of instances.of(database)) await instances.driver(database).destroy(instances.spec(database, instance));
    await instances.backups.dropAll(database);
    return { deleted: true };
  },
  async afterFailure(context, _database, task) {
    if (task.payload.finalSnapshotId !== undefined) await failUnfinishedSnapshot(context.instances, task.payload.finalSnapshotId);
  },
  failureEvent: 'Relational database deletion failed',
};

const buildStandby: TaskHandler<'build-standby'> = {
  async run(context, database, task) {
    await context.standbys.ensure(database);
    return { events: [{ message: `A new standby was built (${task.payload.reason})`, categories: ['availability'] }] };
  },
  failureEvent: 'Building the standby failed',
};

type Handlers = { [K in TaskKind]: K extends 'failover' ? undefined : TaskHandler<K> };

/** The handler of every task kind the controller's queue runs (failovers run in their own lane: ha/failover.ts). */
export const TASK_HANDLERS: Handlers = {
  create,
  restore,
  update,
  snapshot,
  start,
  stop,
  reboot,
  delete: remove,
  failover: undefined,
  'build-standby': buildStandby,
};
