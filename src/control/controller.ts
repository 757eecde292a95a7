import type { DatabaseRecord, Store } from '../store/index.js';
import type { TaskRecord } from '../store/tasks.js';
import type { Logger } from '../util/logger.js';
import type { Instances } from './instances.js';
import { TASK_HANDLERS, type TaskOutcome } from './tasks.js';

/** What a database reports while berth restarts a server that died. */
const RECOVERING_STATE = 'rebooting';
/** Failed restarts in a row after which a database is reported `failed` (and can be deleted). */
const MAX_RECOVERY_ATTEMPTS = 5;

/**
 * The control loop. Every mutating API call leaves a durable task; the
 * controller runs tasks one at a time per database (different databases in
 * parallel), applies their outcome in one transaction with the operations
 * they complete, and resumes whatever was pending after a restart.
 *
 * It also watches running engines: a server that died is started again.
 */
export class Controller {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly failedRecoveries = new Map<string, number>();
  private monitorTimer: NodeJS.Timeout | undefined;
  private monitoring = false;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly instances: Instances,
    private readonly logger: Logger,
  ) {}

  /** Queue a task that the caller has just persisted. */
  submit(task: TaskRecord): void {
    void this.enqueue(task.databaseId, () => this.runTask(task));
  }

  /** After start-up: resume unfinished tasks, then bring every engine to its desired state. */
  async resume(): Promise<void> {
    const pending = this.store.tasks.pending();
    for (const task of pending) this.submit(task);
    if (pending.length > 0) this.logger.info('resuming unfinished tasks', { count: pending.length });
    await this.checkEngines('start-up');
  }

  startMonitor(intervalMs: number): void {
    this.monitorTimer = setInterval(() => {
      if (this.monitoring) return;
      this.monitoring = true;
      this.checkEngines('monitor')
        .catch((error) => this.logger.error('engine check failed', { error }))
        .finally(() => {
          this.monitoring = false;
        });
    }, intervalMs);
    this.monitorTimer.unref();
  }

  /**
   * Runs background work for a database (an automatic backup, an archive
   * flush) in its queue, after whatever is queued before it.
   */
  run(databaseId: string, work: () => Promise<void>): Promise<void> {
    return this.enqueue(databaseId, work);
  }

  /**
   * Runs work for a database in its queue and hands back its result or its
   * error (an API call that must answer with what the engine said).
   */
  exclusive<T>(databaseId: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      void this.enqueue(databaseId, () => work().then(resolve, reject));
    });
  }

  busy(databaseId: string): boolean {
    return this.queues.has(databaseId) || this.store.tasks.hasPending(databaseId);
  }

  /** Wait for queued work to settle. */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()]);
  }

  async close(options: { stopDatabases: boolean; timeoutMs?: number }): Promise<void> {
    this.closed = true;
    if (this.monitorTimer) clearInterval(this.monitorTimer);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.timeoutMs ?? 15_000).unref());
    await Promise.race([this.idle(), timeout]);
    if (options.stopDatabases) {
      await Promise.allSettled(
        this.store.databases.all().map((database) => this.instances.driver(database).stop(this.instances.spec(database))),
      );
    }
  }

  /** Resolves once the work has run and the queue no longer counts it. */
  private enqueue(databaseId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(databaseId) ?? Promise.resolve();
    const next = previous.then(work).catch((error) => this.logger.error('task queue failure', { databaseId, error }));
    this.queues.set(databaseId, next);
    return next.finally(() => {
      if (this.queues.get(databaseId) === next) this.queues.delete(databaseId);
    });
  }

  private async runTask(task: TaskRecord): Promise<void> {
    const database = this.store.databases.findById(task.databaseId);
    const handler = TASK_HANDLERS[task.kind];
    if (!database || !handler) {
      this.logger.warn('dropping task without database or handler', { task: task.kind, databaseId: task.databaseId });
      this.store.transaction(() => {
        this.store.operations.finish(task.operationIds, {
          status: 'Failed',
          errorCode: 'InternalError',
          errorDetails: 'The database of this operation no longer exists.',
        });
        this.store.tasks.remove(task.seq);
      });
      return;
    }
    const started = Date.now();
    try {
      const outcome = await handler.run(this.instances, database, task);
      this.applyOutcome(database, task, outcome);
      this.logger.info('task succeeded', { task: task.kind, database: database.name, ms: Date.now() - started });
    } catch (error) {
      const details = this.instances.redactPaths(error instanceof Error ? error.message : String(error));
      this.logger.error('task failed', { task: task.kind, database: database.name, error });
      let state = 'failed';
      try {
        state = await handler.afterFailure(this.instances, database, task);
      } catch (stateError) {
        this.logger.error('could not read engine state after a failure', { database: database.name, error: stateError });
      }
      this.store.transaction(() => {
        this.store.databases.update(database.id, { state });
        this.store.operations.finish(task.operationIds, { status: 'Failed', errorCode: 'OperationFailure', errorDetails: details });
        this.store.events.record(database, `${handler.failureEvent}: ${details}`, ['failure']);
        this.store.tasks.remove(task.seq);
      });
    }
  }

  private applyOutcome(database: DatabaseRecord, task: TaskRecord, outcome: TaskOutcome): void {
    this.store.transaction(() => {
      if (outcome.deleted) {
        this.store.tags.removeAll(database.id);
        this.store.databases.delete(database.id);
      } else {
        if (outcome.changes) this.store.databases.update(database.id, outcome.changes);
        for (const event of outcome.events ?? []) this.store.events.record(database, event.message, event.categories);
      }
      this.store.operations.finish(task.operationIds, { status: 'Succeeded' });
      this.store.tasks.remove(task.seq);
    });
  }

  /**
   * Engines that should run but do not are started again (a re-adopted
   * server that is still running is left alone). The database reports
   * `rebooting` from the moment berth knows its server is down until it
   * serves again: never `available` without a server behind it.
   */
  private async checkEngines(reason: 'start-up' | 'monitor'): Promise<void> {
    for (const candidate of this.store.databases.all()) {
      if (this.closed) return;
      if (!this.awaitsEngine(candidate)) continue;
      const status = await this.instances.driver(candidate).status(this.instances.spec(candidate));
      if (status.running && candidate.state === 'available') continue;
      // Read again: an API call may have queued work for it while the status was read.
      const database = this.store.databases.findById(candidate.id);
      if (!database || !this.awaitsEngine(database)) continue;
      if (database.state !== RECOVERING_STATE) this.store.databases.update(database.id, { state: RECOVERING_STATE });
      void this.enqueue(database.id, () => this.recover(database.id, reason));
    }
  }

  /**
   * Should run, has no work queued that owns its state, and is either
   * available or in a recovery that an earlier berth (or attempt) left unfinished.
   */
  private awaitsEngine(database: DatabaseRecord): boolean {
    if (!database.desiredRunning || this.busy(database.id)) return false;
    return database.state === 'available' || database.state === RECOVERING_STATE;
  }

  private async recover(databaseId: string, reason: 'start-up' | 'monitor'): Promise<void> {
    const database = this.store.databases.findById(databaseId);
    if (!database || !database.desiredRunning || database.state !== RECOVERING_STATE) return;
    const driver = this.instances.driver(database);
    const spec = this.instances.spec(database);
    if ((await driver.status(spec)).running) {
      // Started by an attempt that did not get to verify it (berth stopped meanwhile).
      await this.instances.verify(database);
      this.store.databases.update(database.id, { state: 'available' });
      return;
    }
    const message =
      reason === 'monitor'
        ? 'The database engine process exited unexpectedly; restarting it'
        : 'The database engine was not running when berth started; starting it';
    this.logger.warn(message, { database: database.name });
    this.store.events.record(database, message, ['failure', 'availability']);
    try {
      await driver.provision(spec, await this.instances.tls(database));
      await driver.start(spec);
      await this.instances.verify(database);
      this.failedRecoveries.delete(database.id);
      this.store.transaction(() => {
        this.store.databases.update(database.id, { state: 'available' });
        this.store.events.record(database, 'The database engine recovered and is available', ['recovery', 'availability']);
      });
    } catch (error) {
      this.logger.error('engine recovery failed', { database: database.name, error });
      const attempts = (this.failedRecoveries.get(database.id) ?? 0) + 1;
      this.failedRecoveries.set(database.id, attempts);
      const reason = this.instances.redactPaths(String((error as Error).message ?? error));
      this.store.events.record(database, `The database engine could not be restarted: ${reason}`, ['failure']);
      if (attempts < MAX_RECOVERY_ATTEMPTS) return; // still `rebooting`: the monitor tries again on its next round
      this.failedRecoveries.delete(database.id);
      this.store.transaction(() => {
        this.store.databases.update(database.id, { state: 'failed' });
        this.store.events.record(
          database,
          `berth gave up restarting the database engine after ${attempts} attempts; delete the database, or restore it from a snapshot or a point in time`,
          ['failure', 'availability'],
        );
      });
    }
  }
}
