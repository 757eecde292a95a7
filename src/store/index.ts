import path from 'node:path';
import { AuditRepository } from './audit.js';
import { AutomaticBackupRepository } from './automatic-backups.js';
import { CertificateRepository } from './certificates.js';
import { DatabaseSecretRepository } from './database-secrets.js';
import { openStore, type Sqlite } from './database.js';
import { DatabaseRepository } from './databases.js';
import { EventRepository } from './events.js';
import { InstanceRepository } from './instances.js';
import { MetricRepository } from './metrics.js';
import { OperationRepository } from './operations.js';
import { PasswordRepository } from './passwords.js';
import { PrimaryRepository } from './primaries.js';
import { SecretBox } from './secret-box.js';
import { SettingsRepository } from './settings.js';
import { SnapshotRepository } from './snapshots.js';
import { TagRepository } from './tags.js';
import { TaskRepository } from './tasks.js';
import { UserRepository } from './users.js';

export type { Scope, DatabaseRecord } from './databases.js';
export type { OperationRecord } from './operations.js';
export type { InstanceRecord, InstanceRole, InstanceState } from './instances.js';
export type { PrimaryRecord } from './primaries.js';
export type { SnapshotRecord } from './snapshots.js';
export type { AccessKeyRecord, StoredAccessKey, UserRecord } from './users.js';
export type { AuditFilter, AuditRecord } from './audit.js';

export const SECRET_KEY_FILE = 'secret.key';

/** Every column that holds a value sealed with the secret key. */
export const SEALED_COLUMNS: ReadonlyArray<{ table: string; column: string }> = [
  { table: 'master_passwords', column: 'ciphertext' },
  { table: 'instance_certificates', column: 'key_ciphertext' },
  { table: 'snapshots', column: 'master_password_ciphertext' },
  { table: 'database_secrets', column: 'ciphertext' },
  { table: 'access_keys', column: 'secret_ciphertext' },
];

/** All repositories over one SQLite connection. */
export class Store {
  readonly databases: DatabaseRepository;
  readonly instances: InstanceRepository;
  readonly primaries: PrimaryRepository;
  readonly secrets: DatabaseSecretRepository;
  readonly operations: OperationRepository;
  readonly tags: TagRepository;
  readonly passwords: PasswordRepository;
  readonly tasks: TaskRepository;
  readonly events: EventRepository;
  readonly settings: SettingsRepository;
  readonly certificates: CertificateRepository;
  readonly snapshots: SnapshotRepository;
  readonly automaticBackups: AutomaticBackupRepository;
  readonly metrics: MetricRepository;
  readonly users: UserRepository;
  readonly audit: AuditRepository;

  private constructor(
    readonly sqlite: Sqlite,
    box: SecretBox,
    now: () => number,
  ) {
    this.databases = new DatabaseRepository(sqlite);
    this.instances = new InstanceRepository(sqlite);
    this.primaries = new PrimaryRepository(sqlite, now);
    this.secrets = new DatabaseSecretRepository(sqlite, box);
    this.operations = new OperationRepository(sqlite, now);
    this.tags = new TagRepository(sqlite);
    this.passwords = new PasswordRepository(sqlite, box);
    this.tasks = new TaskRepository(sqlite, now);
    this.events = new EventRepository(sqlite, now);
    this.settings = new SettingsRepository(sqlite);
    this.certificates = new CertificateRepository(sqlite, box);
    this.snapshots = new SnapshotRepository(sqlite, box);
    this.automaticBackups = new AutomaticBackupRepository(sqlite);
    this.metrics = new MetricRepository(sqlite);
    this.users = new UserRepository(sqlite, box, now);
    this.audit = new AuditRepository(sqlite);
  }

  /** `now` returns epoch seconds. A secret-key rotation that was cut short is finished here. */
  static async open(dataDir: string, now: () => number): Promise<Store> {
    const keyFile = path.join(dataDir, SECRET_KEY_FILE);
    const box = await SecretBox.open(keyFile);
    const store = new Store(openStore(path.join(dataDir, 'berth.db')), box, now);
    if (box.rotating) {
      try {
        store.reseal(box);
        await SecretBox.finishRotation(keyFile);
      } catch (error) {
        store.close();
        throw error;
      }
    }
    return store;
  }

  /**
   * `berth rotate-secret-key`: every secret in the store sealed again under
   * a new secret.key, in one transaction; a crash part-way leaves the old
   * key valid, and the next open finishes the rotation.
   */
  static async rotateSecretKey(dataDir: string): Promise<{ resealed: number }> {
    // A rotation cut short is finished first: its new key may already seal the rows.
    (await Store.open(dataDir, () => Date.now() / 1000)).close();
    await SecretBox.beginRotation(path.join(dataDir, SECRET_KEY_FILE));
    const box = await SecretBox.open(path.join(dataDir, SECRET_KEY_FILE));
    const store = new Store(openStore(path.join(dataDir, 'berth.db')), box, () => Date.now() / 1000);
    try {
      const resealed = store.reseal(box);
      await SecretBox.finishRotation(path.join(dataDir, SECRET_KEY_FILE));
      return { resealed };
    } finally {
      store.close();
    }
  }

  /** Seals every sealed column again with the box's sealing key; returns how many values. */
  private reseal(box: SecretBox): number {
    return this.transaction(() => {
      let count = 0;
      for (const { table, column } of SEALED_COLUMNS) {
        const rows = this.sqlite.prepare(`SELECT rowid AS id, ${column} AS sealed FROM ${table}`).all() as Array<{ id: number; sealed: string }>;
        const update = this.sqlite.prepare(`UPDATE ${table} SET ${column} = ? WHERE rowid = ?`);
        for (const row of rows) update.run(box.seal(box.open(row.sealed)), row.id);
        count += rows.length;
      }
      return count;
    });
  }

  /** Runs `work` in one transaction: all of it is committed, or none. */
  transaction<T>(work: () => T): T {
    return this.sqlite.transaction(work)();
  }

  close(): void {
    this.sqlite.close();
  }
}
