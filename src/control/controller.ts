import { stateAfterFailure, TRANSITIONS } from '../domain/states.js';
import type { Task, TaskKind, TaskOf } from '../domain/tasks.js';
import type { DatabaseRecord, Store } from '../store/index.js';
import type { Logger } from '../util/logger.js';
import type { Failovers } from './ha/failover.js';
import { TASK_HANDLERS, type TaskContext, type TaskHandler, type TaskOutcome } from './tasks.js';

/**
 * The control loop. Every mutating API call leaves a durable task; the
 * controller runs tasks one at a time per database (different databases in
 * parallel), applies their outcome in one transaction with the operations
 * they complete, and resumes whatever was pending after a restart.
 *
 * A failover does not queue behind other work of its database (a backup may
 * take minutes): it runs in a lane of its own (ha/failover.ts). The state a
 * task reports at its end then yields to the failover's.
 */
export class Controller {
  private readonly queues = new Map<string, Promise<void>>();
  private closed = false;
  private failovers: Failovers | undefined;

  constructor(
    private readonly store: Store,
    private readonly context: TaskContext,
    private readonly logger: Logger,
  ) {}

  /** The lane failover tasks run in (set once at start-up: it needs the controller too). */
  useFailovers(failovers: Failovers): void {
    this.failovers = failovers;
  }

  /** Queue a task that the caller has just persisted. */
  submit(task: Task): void {
    if (task.kind === 'failover') {
      void this.failoverLane().run(task);
      return;
    }
    void this.enqueue(task.databaseId, () => this.runTask(task));
  }

  /** After start-up: resume unfinished tasks. */
  resume(): number {
    const pending = this.store.tasks.pending();
    for (const task of pending) this.submit(task);
    if (pending.length > 0) this.logger.info('resuming unfinished tasks', { count: pending.length });
    return pending.length;
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

  /** Work is queued or running for the database, or a task of it waits in the store. */
  busy(databaseId: string): boolean {
    return this.queues.has(databaseId) || this.store.tasks.hasPending(databaseId);
  }

  /** Wait for queued work to settle. */
  async idle(): Promise<void> {
    while (this.queues.size > 0 || (this.failovers?.running() ?? 0) > 0) {
      await Promise.allSettled([...this.queues.values(), this.failovers?.settled() ?? Promise.resolve()]);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closed = true;
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.timeoutMs ?? 15_000).unref());
    await Promise.race([this.idle(), timeout]);
  }

  private failoverLane(): Failovers {
    if (!this.failovers) throw new Error('the controller has no failover lane');
    return this.failovers;
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

  private async runTask(task: Exclude<Task, TaskOf<'failover'>>): Promise<void> {
    const database = this.store.databases.findById(task.databaseId);
    const handler = TASK_HANDLERS[task.kind] as TaskHandler<TaskKind> | undefined;
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
      const outcome = await handler.run(this.context, database, task as never);
      this.applyOutcome(database, task, handler, outcome);
      this.logger.info('task succeeded', { task: task.kind, database: database.name, ms: Date.now() - started });
    } catch (error) {
      const details = this.context.instances.redactPaths(error instanceof Error ? error.message : String(error));
      this.logger.error('task failed', { task: task.kind, database: database.name, error });
      try {
        await handler.afterFailure?.(this.context, database, task as never);
      } catch (tidyError) {
        this.logger.error('could not tidy up after a failed task', { database: database.name, error: tidyError });
      }
      const state = handler.action && (await this.stateAfterFailure(database, handler));
      this.store.transaction(() => {
        if (state && this.ownsState(database.id)) this.store.databases.update(database.id, { state });
        this.store.operations.finish(task.operationIds, { status: 'Failed', errorCode: 'OperationFailure', errorDetails: details });
        this.store.events.record(database, `${handler.failureEvent}: ${details}`, ['failure']);
        this.store.tasks.remove(task.seq);
      });
    }
  }

  private async stateAfterFailure(database: DatabaseRecord, handler: TaskHandler<TaskKind>) {
    let running = false;
    try {
      const { instances } = this.context;
      running = (await instances.driver(database).status(instances.spec(database))).running;
    } catch (error) {
      this.logger.error('could not read engine state after a failure', { database: database.name, error });
    }
    return stateAfterFailure(handler.action!, running);
  }

  /** A task sets the state at its end unless a failover runs (which reports the state, and hands it back at its end). */
  private ownsState(databaseId: string): boolean {
    return !this.store.tasks.pendingOf('failover').some((task) => task.databaseId === databaseId);
  }

  /** What a database reports when no failover runs: the state of its running task, else `available`. */
  stateAtRest(databaseId: string) {
    const running = this.store.tasks.pending().find((task) => task.databaseId === databaseId && task.kind !== 'failover');
    const action = running && TASK_HANDLERS[running.kind]?.action;
    return action ? TRANSITIONS[action].during : 'available';
  }

  private applyOutcome(database: DatabaseRecord, task: Task, handler: TaskHandler<TaskKind>, outcome: TaskOutcome): void {
    this.store.transaction(() => {
      if (outcome.deleted) {
        this.store.tags.removeAll(database.id);
        this.store.databases.delete(database.id);
      } else {
        const after = handler.action && TRANSITIONS[handler.action].after;
        const state = after && this.ownsState(database.id) ? { state: after } : {};
        this.store.databases.update(database.id, { ...outcome.changes, ...state });
        for (const event of outcome.events ?? []) this.store.events.record(database, event.message, event.categories);
      }
      this.store.operations.finish(task.operationIds, { status: 'Succeeded' });
      this.store.tasks.remove(task.seq);
    });
  }
}
