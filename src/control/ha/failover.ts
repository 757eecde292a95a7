import { TRANSITIONS } from '../../domain/states.js';
import type { FailoverReason, Task, TaskOf } from '../../domain/tasks.js';
import type { DatabaseRecord, Store } from '../../store/index.js';
import { sleep } from '../../supervisor/wait.js';
import type { Logger } from '../../util/logger.js';
import type { Controller } from '../controller.js';
import type { Instances } from '../instances.js';
import type { PrimaryElection } from './election.js';

/**
 * How long a failover keeps trying before the database is reported failed
 * (and at least this many attempts). A promoted server that is slow to start
 * or to take its first write on a loaded host is worth waiting for: giving up
 * leaves the database failed until an operator restores it.
 */
const ATTEMPT_BUDGET_MS = 60_000;
const MIN_ATTEMPTS = 5;
const MAX_BACKOFF_MS = 3_000;

const REASONS: Record<FailoverReason, string> = {
  'primary-exited': 'the primary server exited',
  'primary-unresponsive': 'the primary server stopped answering health queries',
  requested: 'a failover was requested',
};

/**
 * Failover: the synchronous standby becomes the primary, on the same
 * endpoint (address, port, certificate chain), with every acknowledged
 * commit. The decision is persisted first (the primary record's new
 * generation, the old primary marked fenced, a failover task), then carried
 * out by idempotent steps that a restarted berth repeats until exactly one
 * primary serves: fence every other instance, promote, move onto the
 * endpoint's port, prove a verified write, hand the state back.
 */
export class Failovers {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly instances: Instances,
    private readonly election: PrimaryElection,
    private readonly controller: Controller,
    private readonly logger: Logger,
  ) {}

  /** Failovers running now. */
  running(): number {
    return this.inFlight.size;
  }

  settled(): Promise<unknown> {
    return Promise.allSettled([...this.inFlight.values()]);
  }

  inProgress(databaseId: string): boolean {
    return this.inFlight.has(databaseId) || this.store.tasks.pendingOf('failover').some((task) => task.databaseId === databaseId);
  }

  /**
   * Decides a failover of `database` to its synchronous standby and starts
   * it; false (nothing changed) when there is no standby that may take over
   * without losing an acknowledged commit, or one is already under way.
   */
  begin(database: DatabaseRecord, reason: FailoverReason, detail?: string): boolean {
    const task = this.store.transaction(() => {
      const current = this.store.databases.findById(database.id);
      if (!current || !TRANSITIONS.failover.from.includes(current.state) || this.inProgress(database.id)) return undefined;
      const record = this.election.current(database.id);
      if (!record || record.synchronousStandbyId === null) return undefined;
      const from = this.store.instances.findById(record.instanceId);
      const to = this.store.instances.findById(record.synchronousStandbyId);
      if (!from || !to || to.state !== 'running') return undefined;
      const elected = this.election.elect(database.id, record.generation, to.id);
      if (!elected) return undefined;
      this.store.instances.update(from.id, { state: 'fenced' });
      // The endpoint's port belongs to the primary: the standby takes it over once the old primary is fenced.
      this.store.instances.update(to.id, { port: current.port });
      this.store.databases.update(database.id, {
        state: TRANSITIONS.failover.during,
        availabilityZone: to.availabilityZone,
        secondaryAvailabilityZone: from.availabilityZone,
      });
      this.store.events.record(
        current,
        `Failover started: ${REASONS[reason]}${detail ? ` (${detail})` : ''}; the standby in ${to.availabilityZone} is being promoted`,
        ['availability', 'failure'],
      );
      return this.store.tasks.add(database.id, 'failover', [], { fromInstanceId: from.id, toInstanceId: to.id, generation: elected.generation, reason });
    });
    if (!task) return false;
    this.logger.warn('failover started', { database: database.name, reason, detail });
    void this.run(task);
    return true;
  }

  /** Carries out a persisted failover (at most one at a time per database). */
  run(task: TaskOf<'failover'>): Promise<void> {
    const existing = this.inFlight.get(task.databaseId);
    if (existing) return existing;
    const done = this.attempt(task).finally(() => this.inFlight.delete(task.databaseId));
    this.inFlight.set(task.databaseId, done);
    return done;
  }

  private async attempt(task: TaskOf<'failover'>): Promise<void> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (this.controller.isClosed) return; // resumed by the next berth
      try {
        await this.carryOut(task, started, attempt);
        return;
      } catch (error) {
        const database = this.store.databases.findById(task.databaseId);
        const reason = this.instances.redactPaths(error instanceof Error ? error.message : String(error));
        this.logger.error('failover attempt failed', { database: database?.name, attempt, error });
        if (!database) return;
        if (attempt >= MIN_ATTEMPTS && Date.now() - started >= ATTEMPT_BUDGET_MS) {
          this.store.transaction(() => {
            this.store.databases.update(database.id, { state: TRANSITIONS.failover.onFailure.notRunning });
            this.store.events.record(database, `Failover failed after ${attempt} attempts: ${reason}; restore the database from a snapshot or a point in time`, ['failure', 'availability']);
            this.store.tasks.remove(task.seq);
          });
          return;
        }
        this.store.events.record(database, `Failover attempt ${attempt} failed: ${reason}; trying again`, ['failure']);
        await sleep(Math.min(MAX_BACKOFF_MS, 250 * attempt));
      }
    }
  }

  private async carryOut(task: TaskOf<'failover'>, started: number, attempt: number): Promise<void> {
    const database = this.store.databases.findById(task.databaseId);
    const record = this.election.current(task.databaseId);
    if (!database || !record || record.generation !== task.payload.generation || record.instanceId !== task.payload.toInstanceId) {
      this.store.tasks.remove(task.seq); // superseded: a later decision (or a deletion) owns the database
      return;
    }
    const driver = this.instances.driver(database);
    // 1. Nothing else of this database serves: the old primary is killed, even a hung one.
    for (const instance of this.instances.of(database)) {
      if (instance.id !== record.instanceId) await driver.fence(this.instances.spec(database, instance));
    }
    // 2. The standby becomes a primary (started first if it was down too).
    const target = this.instances.primary(database);
    const spec = this.instances.spec(database, target);
    const tls = await this.instances.tls(database, target);
    if (!(await driver.status(spec)).running) {
      await driver.provision(spec, tls);
      await driver.start(spec);
    }
    if (await driver.isStandby(spec)) await driver.promote(spec);
    // 3. Onto the endpoint's port, which the fenced primary released.
    await driver.provision(spec, tls);
    if ((await driver.pendingRestart(spec)).length > 0) {
      await driver.stop(spec);
      await driver.start(spec);
    }
    // Alone until berth has built it a standby: commits must not wait for one.
    await driver.setSynchronousStandby(spec, undefined);
    // 4. Available again only once a verified write succeeds on the endpoint.
    await this.instances.verify(database, undefined, { writable: true });
    const ms = Date.now() - started;
    const build = this.store.transaction(() => {
      this.store.instances.update(target.id, { state: 'running' });
      this.store.tasks.remove(task.seq);
      this.store.databases.update(database.id, { state: this.controller.stateAtRest(database.id) });
      this.store.events.record(
        database,
        `Failover completed in ${ms} ms${attempt > 1 ? ` (attempt ${attempt})` : ''}: the instance in ${target.availabilityZone} is the primary; berth builds a new standby in ${database.secondaryAvailabilityZone ?? 'the other zone'}`,
        ['availability', 'recovery'],
      );
      return this.store.tasks.add(database.id, 'build-standby', [], { reason: 'after a failover' });
    });
    this.logger.info('failover completed', { database: database.name, ms, attempt });
    this.controller.submit(build as Task);
  }
}
