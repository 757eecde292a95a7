import { canBegin, TRANSITIONS } from '../domain/states.js';
import type { DatabaseRecord, Store } from '../store/index.js';
import type { Logger } from '../util/logger.js';
import type { Controller } from './controller.js';
import type { PrimaryElection } from './ha/election.js';
import type { Failovers } from './ha/failover.js';
import { isHighlyAvailable } from './ha/standbys.js';
import type { Instances } from './instances.js';
import { Periodic } from '../util/periodic.js';

/** Failed restarts in a row after which a database is reported `failed` (and can be deleted). */
const MAX_RECOVERY_ATTEMPTS = 5;

/**
 * Servers that should run but do not are started again where they are (a
 * re-adopted server that still runs is left alone). The database reports
 * `rebooting` from the moment berth knows its server is down until it serves
 * again: never `available` without a server behind it.
 *
 * A primary with a synchronous standby is the high-availability monitor's:
 * it fails over instead.
 */
export class EngineWatch {
  private readonly failedRecoveries = new Map<string, number>();
  private readonly periodic = new Periodic(() => this.check('monitor'), (error) => this.logger.error('engine check failed', { error }));

  constructor(
    private readonly store: Store,
    private readonly instances: Instances,
    private readonly controller: Controller,
    private readonly election: PrimaryElection,
    private readonly failovers: Failovers,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    this.periodic.start(intervalMs);
  }

  stop(): void {
    this.periodic.stop();
  }

  async check(reason: 'start-up' | 'monitor'): Promise<void> {
    for (const candidate of this.store.databases.all()) {
      if (this.controller.isClosed) return;
      if (!this.awaitsEngine(candidate)) continue;
      const status = await this.instances.driver(candidate).status(this.instances.spec(candidate));
      if (status.running && candidate.state === 'available') continue;
      // Read again: an API call may have queued work for it while the status was read.
      const database = this.store.databases.findById(candidate.id);
      if (!database || !this.awaitsEngine(database)) continue;
      if (database.state !== TRANSITIONS.recover.during) this.store.databases.update(database.id, { state: TRANSITIONS.recover.during });
      void this.controller.run(database.id, () => this.recover(database.id, reason));
    }
  }

  /**
   * Should run, has no work queued that owns its state, is not the HA
   * monitor's, and is either available or in a recovery that an earlier
   * berth (or attempt) left unfinished.
   */
  private awaitsEngine(database: DatabaseRecord): boolean {
    if (!database.desiredRunning || this.controller.busy(database.id) || this.failovers.inProgress(database.id)) return false;
    if (!canBegin('recover', database.state)) return false;
    return database.state !== 'available' || this.election.current(database.id)?.synchronousStandbyId == null;
  }

  private async recover(databaseId: string, reason: 'start-up' | 'monitor'): Promise<void> {
    const database = this.store.databases.findById(databaseId);
    if (!database || !database.desiredRunning || database.state !== TRANSITIONS.recover.during) return;
    const driver = this.instances.driver(database);
    const primary = this.instances.primary(database);
    const spec = this.instances.spec(database, primary);
    if ((await driver.status(spec)).running) {
      // Started by an attempt that did not get to verify it (berth stopped meanwhile).
      await this.instances.verify(database);
      this.store.databases.update(database.id, { state: TRANSITIONS.recover.after });
      return;
    }
    const message =
      reason === 'monitor'
        ? 'The database engine process exited unexpectedly; restarting it'
        : 'The database engine was not running when berth started; starting it';
    this.logger.warn(message, { database: database.name });
    this.store.events.record(database, message, ['failure', 'availability']);
    try {
      await driver.provision(spec, await this.instances.tls(database, primary));
      await driver.start(spec);
      // A primary restarted without a synchronous standby must not wait for one.
      if (isHighlyAvailable(database) && this.election.current(database.id)?.synchronousStandbyId == null) await driver.setSynchronousStandby(spec, undefined);
      await this.instances.verify(database);
      this.failedRecoveries.delete(database.id);
      this.store.transaction(() => {
        this.store.databases.update(database.id, { state: TRANSITIONS.recover.after });
        this.store.events.record(database, 'The database engine recovered and is available', ['recovery', 'availability']);
      });
    } catch (error) {
      this.logger.error('engine recovery failed', { database: database.name, error });
      const attempts = (this.failedRecoveries.get(database.id) ?? 0) + 1;
      this.failedRecoveries.set(database.id, attempts);
      const why = this.instances.redactPaths(String((error as Error).message ?? error));
      this.store.events.record(database, `The database engine could not be restarted: ${why}`, ['failure']);
      if (attempts < MAX_RECOVERY_ATTEMPTS) return; // still `rebooting`: the next round tries again
      this.failedRecoveries.delete(database.id);
      this.store.transaction(() => {
        this.store.databases.update(database.id, { state: TRANSITIONS.recover.onFailure.notRunning });
        this.store.events.record(
          database,
          `berth gave up restarting the database engine after ${attempts} attempts; delete the database, or restore it from a snapshot or a point in time`,
          ['failure', 'availability'],
        );
      });
    }
  }
}
