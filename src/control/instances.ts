import { isIP } from 'node:net';
import path from 'node:path';
import { findBundle } from '../catalog/bundles.js';
import type { EngineDriver, InstanceSpec, TlsMaterial } from '../engines/driver.js';
import type { EngineRegistry } from '../engines/registry.js';
import type { DatabaseChanges } from '../store/databases.js';
import type { DatabaseRecord, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { Backups } from './backups.js';

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
 * Turns metadata into what the engines need: the instance spec, the driver,
 * the TLS material (issued once per CA and kept in the store).
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

  /** `text` with berth's data dir replaced by `<data>`: engine messages name files, answers should not. */
  redactPaths(text: string): string {
    return text.split(this.environment.dataDir).join('<data>');
  }

  dataDirOf(databaseId: string): string {
    return path.join(this.environment.dataDir, 'databases', databaseId);
  }

  spec(database: DatabaseRecord): InstanceSpec {
    const bundle = findBundle(database.bundleId);
    if (!bundle) throw new Error(`Database ${database.name} has an unknown bundle ${database.bundleId}`);
    return {
      id: database.id,
      blueprintId: database.blueprintId,
      dataDir: this.dataDirOf(database.id),
      port: database.port,
      publiclyAccessible: database.publiclyAccessible,
      publicListenAddresses: this.environment.publicListenAddresses,
      ramSizeInGb: bundle.ramSizeInGb,
      cpuCount: bundle.cpuCount,
      masterUsername: database.masterUsername,
      masterDatabaseName: database.masterDatabaseName,
    };
  }

  driver(database: DatabaseRecord): EngineDriver {
    const driver = this.engines.driver(database.engine);
    if (!driver) throw new Error(`No driver for engine ${database.engine} is available on this machine`);
    return driver;
  }

  caBundle(database: DatabaseRecord, identifier = database.caCertificateIdentifier): string {
    return this.pki.bundle(identifier);
  }

  /** The certificate the database should serve: the stored one while it matches its CA. */
  async tls(database: DatabaseRecord): Promise<TlsMaterial> {
    const stored = this.store.certificates.get(database.id);
    if (stored && stored.caCertificateIdentifier === database.caCertificateIdentifier) {
      return { certPem: stored.certificatePem, keyPem: stored.keyPem, caPem: this.caBundle(database) };
    }
    return this.issue(database);
  }

  /** Issues a fresh server certificate under a CA (the database's own by default) and stores it. */
  async issue(database: DatabaseRecord, identifier = database.caCertificateIdentifier): Promise<TlsMaterial> {
    const host = this.environment.advertiseHost;
    const dnsNames = new Set(['localhost']);
    const ipAddresses = new Set(['127.0.0.1', '::1']);
    if (isIP(host)) ipAddresses.add(host);
    else dnsNames.add(host);
    const issued = await this.pki.issueServerCertificate(identifier, {
      commonName: host,
      dnsNames: [...dnsNames],
      ipAddresses: [...ipAddresses],
    });
    this.store.certificates.set(database.id, {
      caCertificateIdentifier: identifier,
      certificatePem: issued.certPem,
      keyPem: issued.keyPem,
      notAfter: issued.notAfter.getTime() / 1000,
    });
    return { certPem: issued.certPem, keyPem: issued.keyPem, caPem: this.caBundle(database, identifier) };
  }

  /** Parameters persisted but waiting for a restart. */
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

  /** A verify-full connection as the master user: the definition of `available`. */
  async verify(database: DatabaseRecord, caIdentifier = database.caCertificateIdentifier): Promise<void> {
    await this.driver(database).verifyConnection(this.spec(database), {
      host: 'localhost',
      caPem: this.caBundle(database, caIdentifier),
      password: this.masterPassword(database),
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
