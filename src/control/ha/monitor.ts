import { SERVING_STATES } from '../../domain/states.js';
import type { DatabaseRecord, InstanceRecord, Store } from '../../store/index.js';
import { withTimeout } from '../../supervisor/wait.js';
import type { Logger } from '../../util/logger.js';
import type { Controller } from '../controller.js';
import type { Instances } from '../instances.js';
import type { PrimaryElection } from './election.js';
import type { Failovers } from './failover.js';
import { isHighlyAvailable, type Standbys } from './standbys.js';
import { Periodic } from '../../util/periodic.js';

export interface MonitorSettings {
  /** How often each HA database is looked at. */
  intervalMs: number;
  /** How long a server may leave health queries unanswered before it counts as failed. */
  failoverTimeoutMs: number;
  /** How far a synchronous standby may fall behind before the primary goes on without it. */
  standbyLagLimitBytes: number;
}

/** What berth knows of one instance's health. */
interface Health {
  /** When a probe last succeeded (or when berth began watching). */
  lastOk: number;
  probing: boolean;
  lastProbe: number;
  lastError?: string;
}

type Verdict = { ok: true } | { ok: false; exited: boolean; why: string };

/** The replication of one HA database as the monitor last saw it (for /metrics and the console). */
export interface ReplicationObservation {
  at: number;
  standbyId: string;
  streaming: boolean;
  synchronous: boolean;
  lagBytes: number | undefined;
  lagSeconds: number | undefined;
}

/**
 * Watches the primary and the standby of every high-availability database:
 * a process check each round (a server that exits is seen at once) and
 * health queries with a time bound (a server that hangs, SIGSTOP included,
 * is failed once it has answered none for failoverTimeoutMs).
 *
 * - primary failed, synchronous standby healthy: failover
 * - standby failed or too far behind: degraded (the primary commits alone),
 *   then a standby is rebuilt, then synchronous again
 * - primary failed without a synchronous standby: nothing here; the engine
 *   watch restarts it where it is (no acknowledged commit may be lost)
 */
export class HighAvailabilityMonitor {
  private readonly periodic = new Periodic(() => this.tick(), (error) => this.logger.error('high-availability check failed', { error }));
  private readonly health = new Map<string, Health>();
  /** Per database: when berth may next try to build a standby, and how long it waited last. */
  private readonly rebuildBackoff = new Map<string, { notBefore: number; waitMs: number }>();
  private readonly observed = new Map<string, ReplicationObservation>();
  /** Databases whose look is under way (a hung server holds up only its own). */
  private readonly looking = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly instances: Instances,
    private readonly election: PrimaryElection,
    private readonly standbys: Standbys,
    private readonly failovers: Failovers,
    private readonly controller: Controller,
    private readonly settings: MonitorSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.periodic.start(this.settings.intervalMs);
  }

  stop(): void {
    this.periodic.stop();
  }

  /** What the monitor last saw of a database's replication, when it is highly available and watched. */
  observation(databaseId: string): ReplicationObservation | undefined {
    return this.observed.get(databaseId);
  }

  /** Every watched database's last observation. */
  observations(): ReadonlyMap<string, ReplicationObservation> {
    return this.observed;
  }

  /**
   * One look at every HA database, side by side: a server that hangs holds
   * up only the look at its own database, and every engine call is bounded.
   */
  async tick(): Promise<void> {
    const watched = new Set<string>();
    const looks: Array<Promise<void>> = [];
    for (const database of this.store.databases.all()) {
      if (this.controller.isClosed) return;
      if (!isHighlyAvailable(database) || !database.desiredRunning || !SERVING_STATES.includes(database.state)) continue;
      for (const instance of this.instances.of(database)) {
        // A server being built, or fenced, has no health to judge: its allowance starts once it runs.
        if (instance.state !== 'running') continue;
        watched.add(instance.id);
        this.probeWhenDue(database, instance);
      }
      if (this.failovers.inProgress(database.id) || this.looking.has(database.id) || this.instances.isRestarting(database)) continue;
      this.looking.add(database.id);
      looks.push(
        this.look(database)
          .catch((error) => this.logger.error('could not check a high-availability database', { database: database.name, error }))
          .finally(() => this.looking.delete(database.id)),
      );
    }
    for (const id of this.health.keys()) if (!watched.has(id.split(':')[0]!)) this.health.delete(id);
    for (const database of this.observed.keys()) if (!this.store.databases.findById(database)) this.observed.delete(database);
    await Promise.all(looks);
  }

  private async look(database: DatabaseRecord): Promise<void> {
    const record = this.election.current(database.id);
    if (!record) return;
    const primary = this.instances.primary(database);
    const standby = this.instances.standby(database);
    if (record.synchronousStandbyId !== null && (standby?.id !== record.synchronousStandbyId || standby.state !== 'running')) {
      // Commits wait for a standby that is being rebuilt or gone: it can be neither waited for nor promoted.
      await this.standbys.degrade(database, standby ? `the standby in ${standby.availabilityZone} is not running` : 'the standby is gone');
      return;
    }
    const synchronous = standby !== undefined && record.synchronousStandbyId === standby.id ? standby : undefined;

    const primaryVerdict = await this.verdict(database, primary);
    if (!primaryVerdict.ok) {
      if (synchronous) {
        const standbyVerdict = await this.confirmedVerdict(database, synchronous);
        if (standbyVerdict.ok) {
          if (this.instances.isRestarting(database)) return; // a task restarted it on purpose meanwhile
          this.failovers.begin(database, primaryVerdict.exited ? 'primary-exited' : 'primary-unresponsive', primaryVerdict.why);
          return;
        }
        // Both failed: no failover; the engine watch restarts the primary where it is, alone.
        await this.standbys.degrade(database, `the standby in ${synchronous.availabilityZone} failed too (${standbyVerdict.why})`);
      }
      return; // without a synchronous standby the engine watch restarts the primary in place
    }
    if (!synchronous) this.observed.delete(database.id);
    if (synchronous) {
      const why = await this.standbyProblem(database, primary, synchronous);
      if (why === undefined) return;
      this.logger.warn('the standby failed: degrading to asynchronous', { database: database.name, why });
      await this.standbys.degrade(database, why);
    }
    this.rebuildWhenDue(database);
  }

  /** Why the synchronous standby can no longer be waited for, or undefined while it is fine. */
  private async standbyProblem(database: DatabaseRecord, primary: InstanceRecord, standby: InstanceRecord): Promise<string | undefined> {
    const verdict = await this.verdict(database, standby);
    if (!verdict.ok) return `the standby in ${standby.availabilityZone} failed (${verdict.why})`;
    let state;
    try {
      state = await withTimeout(
        this.instances.driver(database).standbyState(this.instances.spec(database, primary), this.instances.spec(database, standby)),
        this.settings.failoverTimeoutMs,
        'the replication status',
      );
    } catch (error) {
      // The primary is slow or hangs: its own verdict decides; the standby is not blamed for it.
      this.logger.debug('could not read the replication status', { database: database.name, error });
      return undefined;
    }
    this.observed.set(database.id, { at: Date.now(), standbyId: standby.id, ...state });
    if (state.lagBytes !== undefined && state.lagBytes > this.settings.standbyLagLimitBytes) {
      return `the standby in ${standby.availabilityZone} is ${state.lagBytes} bytes behind (the limit is ${this.settings.standbyLagLimitBytes})`;
    }
    const health = this.health.get(`${standby.id}:stream`) ?? { lastOk: Date.now(), probing: false, lastProbe: 0 };
    if (state.streaming) health.lastOk = Date.now();
    this.health.set(`${standby.id}:stream`, health);
    if (Date.now() - health.lastOk > this.settings.failoverTimeoutMs) {
      return `the standby in ${standby.availabilityZone} has not streamed for ${Date.now() - health.lastOk} ms`;
    }
    return undefined;
  }

  /** Queues a standby build when none is synchronous and no work of the database is pending, with a backoff after failures. */
  private rebuildWhenDue(database: DatabaseRecord): void {
    const record = this.election.current(database.id);
    const standby = this.instances.standby(database);
    if (record?.synchronousStandbyId && standby && record.synchronousStandbyId === standby.id) {
      this.rebuildBackoff.delete(database.id);
      return;
    }
    if (this.controller.busy(database.id)) return;
    const backoff = this.rebuildBackoff.get(database.id) ?? { notBefore: 0, waitMs: 0 };
    if (Date.now() < backoff.notBefore) return;
    const waitMs = Math.min(300_000, Math.max(2_000, backoff.waitMs * 2));
    this.rebuildBackoff.set(database.id, { notBefore: Date.now() + waitMs, waitMs });
    const task = this.store.tasks.add(database.id, 'build-standby', [], { reason: 'the database had no synchronous standby' });
    this.controller.submit(task);
  }

  /** Starts a health query of the instance unless one runs or the last began less than a probe interval ago. */
  private probeWhenDue(database: DatabaseRecord, instance: InstanceRecord): void {
    const now = Date.now();
    const health = this.healthOf(instance.id);
    const probeEveryMs = Math.max(this.settings.intervalMs, this.settings.failoverTimeoutMs / 4);
    if (health.probing || now - health.lastProbe < probeEveryMs) return;
    health.probing = true;
    health.lastProbe = now;
    this.instances
      .driver(database)
      .probe(this.instances.spec(database, instance), this.settings.failoverTimeoutMs)
      .then(() => {
        health.lastOk = Date.now();
        health.lastError = undefined;
      })
      .catch((error: Error) => {
        health.lastError = error.message;
      })
      .finally(() => {
        health.probing = false;
      });
  }

  private healthOf(instanceId: string): Health {
    let health = this.health.get(instanceId);
    if (!health) this.health.set(instanceId, (health = { lastOk: Date.now(), probing: false, lastProbe: 0 }));
    return health;
  }

  /** Is the instance's server alive and answering, as its process and the background health queries say? */
  private async verdict(database: DatabaseRecord, instance: InstanceRecord): Promise<Verdict> {
    const health = this.healthOf(instance.id);
    const now = Date.now();
    if (!(await this.instances.driver(database).status(this.instances.spec(database, instance))).running) {
      health.lastOk = now; // a restarted server gets a fresh allowance
      return { ok: false, exited: true, why: 'its server process exited' };
    }
    const silentMs = now - health.lastOk;
    if (silentMs > this.settings.failoverTimeoutMs) {
      return { ok: false, exited: false, why: `it answered no health query for ${silentMs} ms${health.lastError ? ` (${this.instances.redactPaths(health.lastError)})` : ''}` };
    }
    return { ok: true };
  }

  /**
   * The verdict on a standby about to be promoted: when the background
   * queries say it is silent, one health query of its own decides (the
   * background ones may lag behind a busy event loop).
   */
  private async confirmedVerdict(database: DatabaseRecord, instance: InstanceRecord): Promise<Verdict> {
    const verdict = await this.verdict(database, instance);
    if (verdict.ok || verdict.exited) return verdict;
    try {
      await this.instances.driver(database).probe(this.instances.spec(database, instance), this.settings.failoverTimeoutMs);
      this.healthOf(instance.id).lastOk = Date.now();
      return { ok: true };
    } catch (error) {
      return { ok: false, exited: false, why: `${verdict.why}; a last health query failed: ${this.instances.redactPaths((error as Error).message)}` };
    }
  }
}
