import path from 'node:path';
import { findBundle } from '../catalog/bundles.js';
import { serverCertificateRequestFor } from '../pki/index.js';
import type { EngineDriver, InstanceSpec, TlsMaterial } from '../engines/driver.js';
import type { EngineRegistry } from '../engines/registry.js';
import type { DatabaseChanges } from '../store/databases.js';
import type { DatabaseRecord, InstanceRecord, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { Backups } from './backups.js';
import { certificateDue } from './certificate-renewal.js';

/** What berth needs from its certificate authorities. */
export interface CertificateIssuer {
  bundle(identifier?: string): string;
  issueServerCertificate(
    identifier: string,
    options: { commonName: string; dnsNames: string[]; ipAddresses: string[] },
  ): Promise<{ certPem: string; keyPem: string; notAfter: Date }>;
}

export interface InstanceEnvironment {
  dataDir: string;
  advertiseHost: string;
  publicListenAddresses: readonly string[];
}

/**
 * Turns metadata into what the engines need: the instances of a database,
 * the spec of each, the driver, the TLS material of each (issued once per CA
 * and kept in the store). A database's endpoint is its primary instance.
 */
export class Instances {
  /** Snapshots, automatic backups and the archive of these instances. */
  readonly backups: Backups;

  constructor(
    private readonly store: Store,
    private readonly engines: EngineRegistry,
    private readonly pki: CertificateIssuer,
    private readonly environment: InstanceEnvironment,
    private readonly clock: Clock,
  ) {
    this.backups = new Backups(store, this, environment.dataDir, clock);
  }

  /** Instances a task is restarting on purpose: the high-availability monitor leaves them be. */
  private readonly restarting = new Set<string>();

  /** A planned restart of one server (a setting that needs it): no failover for it. */
  async restart(database: DatabaseRecord, instance: InstanceRecord): Promise<void> {
    const spec = this.spec(database, instance);
    const driver = this.driver(database);
    this.restarting.add(instance.id);
    try {
      await driver.stop(spec);
      await driver.start(spec);
    } finally {
      this.restarting.delete(instance.id);
    }
  }

  /** Is a task restarting one of the database's servers on purpose right now? */
  isRestarting(database: Pick<DatabaseRecord, 'id'>): boolean {
    return this.of(database).some((instance) => this.restarting.has(instance.id));
  }

  /** `text` with berth's data dir replaced by `<data>`: engine messages name files, answers should not. */
  redactPaths(text: string): string {
    return text.split(this.environment.dataDir).join('<data>');
  }

  dataDirOf(instanceId: string): string {
    return path.join(this.environment.dataDir, 'databases', instanceId);
  }

  /** Every instance of the database (fenced former primaries included), oldest first. */
  of(database: Pick<DatabaseRecord, 'id'>): InstanceRecord[] {
    return this.store.instances.of(database.id);
  }

  /** The instance the endpoint leads to. */
  primary(database: Pick<DatabaseRecord, 'id' | 'name'>): InstanceRecord {
    const primary = this.of(database).find((instance) => instance.role === 'primary');
    if (!primary) throw new Error(`the database ${database.name} has no primary instance in the store`);
    return primary;
  }

  /** The standby of an HA database that is not being discarded (fenced), if there is one. */
  standby(database: Pick<DatabaseRecord, 'id'>): InstanceRecord | undefined {
    return this.of(database).find((instance) => instance.role === 'standby' && instance.state !== 'fenced');
  }

  /**
   * The primary and a standby that is built (running or stopped), the
   * primary first: the servers a change of the database applies to.
   */
  serving(database: Pick<DatabaseRecord, 'id' | 'name'>): InstanceRecord[] {
    const standby = this.standby(database);
    const built = standby && (standby.state === 'running' || standby.state === 'stopped');
    return [this.primary(database), ...(built ? [standby] : [])];
  }

  /** What the driver needs of `instance` (the primary by default). */
  spec(database: DatabaseRecord, instance: InstanceRecord = this.primary(database)): InstanceSpec {
    const bundle = findBundle(database.bundleId);
    if (!bundle) throw new Error(`Database ${database.name} has an unknown bundle ${database.bundleId}`);
    return {
      id: instance.id,
      blueprintId: database.blueprintId,
      dataDir: this.dataDirOf(instance.id),
      port: instance.port,
      // Only the endpoint is reachable from elsewhere: a standby listens on loopback.
      publiclyAccessible: instance.role === 'primary' && database.publiclyAccessible,
      publicListenAddresses: this.environment.publicListenAddresses,
      ramSizeInGb: bundle.ramSizeInGb,
      cpuCount: bundle.cpuCount,
      masterUsername: database.masterUsername,
      masterDatabaseName: database.masterDatabaseName,
    };
  }

  driver(database: Pick<DatabaseRecord, 'engine'>): EngineDriver {
    const driver = this.engines.driver(database.engine);
    if (!driver) throw new Error(`No driver for engine ${database.engine} is available on this machine`);
    return driver;
  }

  caBundle(database: DatabaseRecord, identifier = database.caCertificateIdentifier): string {
    return this.pki.bundle(identifier);
  }

  /** Every CA berth runs: what a standby verifies its primary against, whatever CA either serves. */
  allCas(): string {
    return this.pki.bundle();
  }

  /**
   * The certificate `instance` should serve: the stored one while it matches
   * the database's CA and is not due for renewal (a server started after a
   * long stop never comes up with an expired one).
   */
  async tls(database: DatabaseRecord, instance: InstanceRecord = this.primary(database)): Promise<TlsMaterial> {
    const stored = this.store.certificates.get(instance.id);
    if (stored && stored.caCertificateIdentifier === database.caCertificateIdentifier && !certificateDue(stored.notAfter, this.clock.now())) {
      return { certPem: stored.certificatePem, keyPem: stored.keyPem, caPem: this.caBundle(database) };
    }
    return this.issue(database, instance);
  }

  /**
   * Issues a fresh server certificate for `instance` under a CA (the
   * database's own by default) and stores it. Every instance of a database
   * carries the same names, so a promoted standby serves the endpoint with
   * the same chain.
   */
  async issue(database: DatabaseRecord, instance: InstanceRecord, identifier = database.caCertificateIdentifier): Promise<TlsMaterial> {
    const issued = await this.issueCertificate(identifier);
    this.store.certificates.set(instance.id, {
      caCertificateIdentifier: identifier,
      certificatePem: issued.certPem,
      keyPem: issued.keyPem,
      notAfter: issued.notAfter.getTime() / 1000,
    });
    return { certPem: issued.certPem, keyPem: issued.keyPem, caPem: this.caBundle(database, identifier) };
  }

  /** TLS for a server that is not one of the database's instances (a restore drill): issued, never stored. */
  async scratchTls(database: DatabaseRecord): Promise<TlsMaterial> {
    const issued = await this.issueCertificate(database.caCertificateIdentifier);
    return { certPem: issued.certPem, keyPem: issued.keyPem, caPem: this.caBundle(database) };
  }

  private issueCertificate(identifier: string) {
    const host = this.environment.advertiseHost;
    return this.pki.issueServerCertificate(identifier, serverCertificateRequestFor(host, [host]));
  }

  /** Parameters persisted but waiting for a restart (the primary's: the standby carries the same). */
  pendingRebootParameters(database: DatabaseRecord): Promise<string[]> {
    return this.driver(database).pendingRebootParameters(this.spec(database));
  }

  databaseById(id: string): DatabaseRecord | undefined {
    return this.store.databases.findById(id);
  }

  masterPassword(database: DatabaseRecord): string {
    const entry = this.store.passwords.get(database.id, 'CURRENT');
    if (!entry) throw new Error(`the master password of ${database.name} is missing from the store`);
    return entry.password;
  }

  /** The password of the account standbys replicate with (never the master user's), made once per database. */
  replicationPassword(database: Pick<DatabaseRecord, 'id'>): string {
    return this.store.secrets.getOrCreate(database.id, 'replication-password');
  }

  /**
   * A verify-full connection to the endpoint as the master user: the
   * definition of `available` (with `writable`, a committed write too: what a
   * promoted standby must take before its database is available again).
   */
  async verify(database: DatabaseRecord, caIdentifier = database.caCertificateIdentifier, options: { writable?: boolean } = {}): Promise<void> {
    await this.driver(database).verifyConnection(this.spec(database), {
      host: 'localhost',
      caPem: this.caBundle(database, caIdentifier),
      password: this.masterPassword(database),
      writable: options.writable,
    });
  }

  /** Persists a step of a task as soon as the engine has taken it, and returns the record as it now is. */
  record(database: DatabaseRecord, changes: DatabaseChanges, event?: { message: string; categories: string[] }): DatabaseRecord {
    this.store.transaction(() => {
      this.store.databases.update(database.id, changes);
      if (event) this.store.events.record(database, event.message, event.categories);
    });
    return { ...database, ...changes };
  }

  setState(instance: InstanceRecord, state: InstanceRecord['state']): void {
    this.store.instances.update(instance.id, { state });
  }

  event(database: DatabaseRecord, message: string, categories: string[]): void {
    this.store.events.record(database, message, categories);
  }

  pendingPassword(database: DatabaseRecord): string | undefined {
    return this.store.passwords.get(database.id, 'PENDING')?.password;
  }

  discardPendingPassword(database: DatabaseRecord): void {
    this.store.passwords.remove(database.id, 'PENDING');
  }

  /** The engine accepted the PENDING password: it becomes CURRENT, the old one PREVIOUS. */
  promotePassword(database: DatabaseRecord): void {
    this.store.transaction(() => {
      this.store.passwords.promotePending(database.id);
      this.store.events.record(database, 'The master user password was changed', ['configuration change', 'security']);
    });
  }

  now(): number {
    return this.clock.now().getTime() / 1000;
  }
}
