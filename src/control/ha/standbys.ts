import { randomUUID } from 'node:crypto';
import { findBundle } from '../../catalog/bundles.js';
import type { ReplicationLink } from '../../engines/replication.js';
import type { DatabaseRecord, InstanceRecord, Store } from '../../store/index.js';
import type { Logger } from '../../util/logger.js';
import type { Instances } from '../instances.js';
import type { PortAllocator } from '../ports.js';
import type { PrimaryElection } from './election.js';

/** The standby cannot be seen to now: its primary is down or was replaced; a later pass builds it. */
export class StandbyWaitsError extends Error {
  constructor(message: string) {
    super(`${message}; the standby is seen to once the primary serves`);
    this.name = 'StandbyWaitsError';
  }
}

export function isHighlyAvailable(database: Pick<DatabaseRecord, 'bundleId'>): boolean {
  return findBundle(database.bundleId)?.highAvailability === true;
}

/**
 * The standby of each high-availability database: built in the secondary
 * zone from an online copy of the primary, streaming, and synchronous (every
 * commit waits for it); degraded to asynchronous when it is lost, so that
 * writes never block for good; rebuilt, and synchronous again.
 */
export class Standbys {
  constructor(
    private readonly store: Store,
    private readonly instances: Instances,
    private readonly election: PrimaryElection,
    private readonly ports: PortAllocator,
    private readonly logger: Logger,
  ) {}

  /**
   * An HA database's standby as it should be: former instances discarded, a
   * standby built (or an intact one restarted and pointed at the primary),
   * archiving like the primary, synchronous. No-op for a standard bundle.
   */
  async ensure(database: DatabaseRecord): Promise<void> {
    if (!isHighlyAvailable(database)) return;
    const driver = this.instances.driver(database);
    const primary = this.instances.primary(database);
    const primarySpec = this.instances.spec(database, primary);
    const generation = this.election.current(database.id)?.generation;
    // A standby follows a running primary; a dead one is failed over (or restarted) first, and that
    // failover promotes the very standby this would point at it again.
    if (!(await driver.status(primarySpec)).running) throw new StandbyWaitsError(`the primary of ${database.name} is not running`);
    /** Before each step that changes a server: the primary is still the one this began with. */
    const samePrimary = () => {
      if (this.election.current(database.id)?.generation !== generation) throw new StandbyWaitsError(`a failover of ${database.name} changed its primary meanwhile`);
    };
    await this.discardFormer(database);
    let standby = this.instances.standby(database) ?? (await this.addInstance(database));
    let built = false;
    const link = this.link(database, primary);
    if (standby.state !== 'provisioning') {
      try {
        samePrimary();
        await driver.followPrimary(this.instances.spec(database, standby), primarySpec, link);
      } catch (error) {
        if (error instanceof StandbyWaitsError) throw error;
        this.logger.warn('the standby cannot follow its primary: building it again', { database: database.name, error });
        this.store.instances.update(standby.id, { state: 'provisioning' });
        standby = { ...standby, state: 'provisioning' };
      }
    }
    if (standby.state === 'provisioning') {
      samePrimary();
      try {
        await driver.buildStandby(primarySpec, this.instances.spec(database, standby), await this.instances.tls(database, standby), link);
      } catch (error) {
        this.store.instances.update(standby.id, { state: 'failed' });
        throw error;
      }
      built = true;
      this.store.transaction(() => {
        this.store.instances.update(standby.id, { state: 'running' });
        this.store.events.record(database, `A standby was built in ${standby.availabilityZone} and streams from the primary`, ['availability']);
      });
    } else {
      this.store.instances.update(standby.id, { state: 'running' });
    }
    samePrimary();
    await this.instances.backups.applyRetentionTo(database, standby.id);
    await this.synchronize(database, standby);
    await driver.forgetStandbys(primarySpec, standby.id);
    if (built) await this.backUpNewStandby(database);
  }

  /**
   * With a per-instance archive, a restore replays the archive of the
   * instance its backup came from: a new standby gets a backup of its own at
   * once, so that a restore to any time after it (a failover that promotes
   * it included) has a base whose archive goes on.
   */
  private async backUpNewStandby(database: DatabaseRecord): Promise<void> {
    const current = this.store.databases.findById(database.id);
    if (!current?.backupRetentionEnabled || this.instances.driver(current).archiveLayout !== 'per-instance') return;
    if (this.store.automaticBackups.list(current.id).length === 0) return; // the first backup comes from the schedule
    try {
      await this.instances.backups.takeAutomaticBackup(current);
      await this.instances.backups.flush(current);
    } catch (error) {
      this.logger.warn('could not back up the new standby', { database: database.name, error });
    }
  }

  /** Commits wait for `standby` from now on: the engine first, then the record that allows promoting it. */
  async synchronize(database: DatabaseRecord, standby: InstanceRecord): Promise<void> {
    const record = this.election.current(database.id);
    if (!record) throw new Error(`the database ${database.name} has no primary record`);
    if (record.synchronousStandbyId === standby.id) return;
    await this.instances.driver(database).setSynchronousStandby(this.instances.spec(database), this.instances.spec(database, standby));
    if (!this.election.setSynchronousStandby(database.id, record.generation, standby.id)) {
      throw new Error(`the primary of ${database.name} changed while its standby became synchronous`);
    }
    this.store.events.record(
      database,
      `Commits are synchronous again: each waits for the standby in ${standby.availabilityZone}`,
      ['availability', 'recovery'],
    );
  }

  /**
   * The primary goes on without its standby (commits stop waiting for it):
   * the record first, so that the standby can no longer be promoted, then
   * the engine, which releases the commits that wait.
   */
  async degrade(database: DatabaseRecord, reason: string): Promise<void> {
    const record = this.election.current(database.id);
    if (!record) return;
    if (record.synchronousStandbyId !== null) {
      this.election.setSynchronousStandby(database.id, record.generation, null);
      this.store.events.record(
        database,
        `The database is degraded: ${reason}; the primary commits without a standby until berth has rebuilt it`,
        ['availability', 'failure'],
      );
    }
    await this.runAlone(database);
  }

  /** The primary's engine stops waiting for a standby (when it runs: a restarted primary is told so after its start). */
  async runAlone(database: DatabaseRecord): Promise<void> {
    const driver = this.instances.driver(database);
    const spec = this.instances.spec(database);
    if (!(await driver.status(spec)).running) return;
    await driver.setSynchronousStandby(spec, undefined);
  }

  /** How a standby of `database` reaches `primary`. */
  link(database: DatabaseRecord, primary: InstanceRecord): ReplicationLink {
    return { host: '127.0.0.1', port: primary.port, password: this.instances.replicationPassword(database), caPem: this.instances.allCas() };
  }

  /** Former primaries (fenced) and standbys that failed are removed, files and records. */
  private async discardFormer(database: DatabaseRecord): Promise<void> {
    const driver = this.instances.driver(database);
    for (const instance of this.instances.of(database)) {
      if (instance.role === 'primary' || (instance.state !== 'fenced' && instance.state !== 'failed')) continue;
      const spec = this.instances.spec(database, instance);
      // A fenced server was killed before its standby was promoted; make sure of it again before its files go.
      await driver.fence(spec);
      await driver.destroy(spec);
      this.store.instances.delete(instance.id);
    }
  }

  private async addInstance(database: DatabaseRecord): Promise<InstanceRecord> {
    const zone = database.secondaryAvailabilityZone;
    if (zone === null) throw new Error(`the HA database ${database.name} has no secondary Availability Zone`);
    const port = await this.ports.allocate();
    try {
      const instance = { id: randomUUID(), databaseId: database.id, availabilityZone: zone, port, state: 'provisioning' as const, createdAt: this.instances.now() };
      this.store.instances.insert(instance);
      return { ...instance, role: 'standby' };
    } finally {
      this.ports.release(port);
    }
  }
}
