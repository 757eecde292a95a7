/**
 * berth's side of the backup store: what goes there and when. Snapshots and
 * automatic backups are uploaded once taken (and again on every pass until
 * the store has them: a store that was down, a berth killed mid-upload),
 * the archive is shipped as it grows, and each database's catalog entry
 * says what recovering it needs. A fresh berth reads the catalog back: the
 * store's snapshots appear as snapshots, and its databases can be recovered.
 */
import path from 'node:path';
import { ArchiveShipper } from '../backup-store/archive-shipper.js';
import { parseCatalogKey, storeLayout } from '../backup-store/layout.js';
import type { BackupVault, StoredFile } from '../backup-store/vault.js';
import { archiveIntakeClosed, setArchiveIntake } from '../engines/archive-files.js';
import { MANIFEST_FILE } from '../engines/backup-manifest.js';
import type { BackupManifest } from '../engines/backup.js';
import type { DatabaseRecord, SnapshotRecord, Store } from '../store/index.js';
import type { AutomaticBackupRecord } from '../store/automatic-backups.js';
import type { TagRecord } from '../store/tags.js';
import type { Logger } from '../util/logger.js';

export interface StoredSnapshotEntry {
  format: 1;
  snapshot: SnapshotRecord;
  tags: TagRecord[];
  files: StoredFile[];
}

export interface StoredDatabaseEntry {
  format: 1;
  database: DatabaseRecord;
  masterPassword: string;
  tags: TagRecord[];
}

export interface StoredBackupEntry {
  format: 1;
  backup: AutomaticBackupRecord;
  files: StoredFile[];
}

export interface StoredArchiveEntry {
  format: 1;
  /** Epoch seconds up to which every committed change is in the store. */
  restorableUntil: number;
}

/** A database the store knows and this berth lacks: how to recover it, or why it cannot be. */
export type RecoverableDatabase =
  | {
      entry: StoredDatabaseEntry;
      /** The newest automatic backup in the store, the base of the recovery. */
      backup: AutomaticBackupRecord;
      /** Where the recovery replays to: the end of the archive in the store (or the backup itself). */
      targetTime: number;
    }
  | { entry: StoredDatabaseEntry; reason: string };

export interface OffsiteOptions {
  /** Archive bytes of one database that may wait here for the store; past them its archive takes no new files. */
  spoolLimitBytes: number;
}

/** The files of a backup directory: those its manifest names, and the manifest. */
const backupFiles = (manifest: BackupManifest) => [...manifest.files.map((file) => file.path), MANIFEST_FILE];

export class OffsiteBackups {
  private readonly shipper: ArchiveShipper;
  /** Catalog keys known to be in the store (read once at start, then kept). */
  private readonly entries = new Set<string>();
  /** Per database: the spool as last measured, and its size at the last event about it (0: none since the store took it all). */
  private readonly spool = new Map<string, { bytes: number; reported: number }>();
  private reachable: boolean | undefined;

  constructor(
    private readonly store: Store,
    readonly vault: BackupVault,
    private readonly logger: Logger,
    private readonly options: OffsiteOptions,
  ) {
    this.shipper = new ArchiveShipper(vault);
  }

  get description(): string {
    return this.vault.description;
  }

  /** Reads the catalog and imports the store's snapshots that this berth lacks; returns how many. */
  async open(accountId: string): Promise<number> {
    for (const key of await this.vault.keys(storeLayout.catalogRoot)) this.entries.add(key);
    let imported = 0;
    for (const key of this.entries) {
      const parsed = parseCatalogKey(key);
      if (parsed?.kind !== 'snapshot' || this.store.snapshots.findById(parsed.snapshotId)) continue;
      const entry = await this.vault.getEntry<StoredSnapshotEntry>(key);
      if (!entry) continue;
      const { snapshot } = entry;
      if (snapshot.accountId !== accountId) {
        this.logger.warn('a snapshot in the backup store belongs to another account: left out', { snapshot: snapshot.name, account: snapshot.accountId });
        continue;
      }
      if (this.store.snapshots.findByName({ accountId, region: snapshot.region }, snapshot.name)) {
        this.logger.warn('a snapshot in the backup store has the name of another one here: left out', { snapshot: snapshot.name });
        continue;
      }
      this.store.transaction(() => {
        this.store.snapshots.insert({ ...snapshot, state: 'available' });
        this.store.tags.put(snapshot.id, entry.tags);
      });
      imported++;
    }
    return imported;
  }

  hasSnapshot(snapshot: SnapshotRecord): boolean {
    return this.entries.has(storeLayout.snapshotEntry(snapshot.region, snapshot.id));
  }

  /** pushSnapshot, or a warning when the store cannot take it now (catchUp uploads it later). */
  async pushSnapshotOrWait(snapshot: SnapshotRecord, localDir: string, manifest: BackupManifest): Promise<void> {
    if (this.hasSnapshot(snapshot)) return;
    try {
      await this.pushSnapshot(snapshot, localDir, manifest);
    } catch (error) {
      this.logger.warn('the snapshot is not in the backup store yet: it is uploaded once the store is reachable', { snapshot: snapshot.name, error });
    }
  }

  /** Uploads a snapshot's files, then its catalog entry. */
  async pushSnapshot(snapshot: SnapshotRecord, localDir: string, manifest: BackupManifest): Promise<void> {
    const files = await this.vault.pushFiles(localDir, backupFiles(manifest), storeLayout.snapshotData(snapshot.id));
    const key = storeLayout.snapshotEntry(snapshot.region, snapshot.id);
    const entry: StoredSnapshotEntry = { format: 1, snapshot, tags: this.store.tags.list(snapshot.id), files };
    await this.vault.putEntry(key, entry);
    this.entries.add(key);
  }

  /** Downloads a snapshot into the new directory `localDir`, every file checked. */
  async pullSnapshot(snapshot: SnapshotRecord, localDir: string): Promise<void> {
    const entry = await this.vault.getEntry<StoredSnapshotEntry>(storeLayout.snapshotEntry(snapshot.region, snapshot.id));
    if (!entry) throw new Error(`the snapshot ${snapshot.name} is neither on this host nor in the backup store ${this.description}`);
    await this.vault.pullFiles(storeLayout.snapshotData(snapshot.id), entry.files, localDir);
  }

  /** The catalog entry goes first: a snapshot half deleted is no snapshot. */
  async deleteSnapshot(snapshot: Pick<SnapshotRecord, 'id' | 'region'>): Promise<void> {
    const key = storeLayout.snapshotEntry(snapshot.region, snapshot.id);
    await this.vault.delete([key]);
    this.entries.delete(key);
    await this.vault.deletePrefix(storeLayout.snapshotData(snapshot.id));
  }

  hasBackup(database: DatabaseRecord, backupId: string): boolean {
    return this.entries.has(storeLayout.backupEntry(database.region, database.id, backupId));
  }

  /** Uploads an automatic backup, then its entry, then the database's entry (what recovering it needs). */
  async pushBackup(database: DatabaseRecord, backup: AutomaticBackupRecord, localDir: string, manifest: BackupManifest): Promise<void> {
    const files = await this.vault.pushFiles(localDir, backupFiles(manifest), storeLayout.backupData(database.id, backup.id));
    const key = storeLayout.backupEntry(database.region, database.id, backup.id);
    await this.vault.putEntry(key, { format: 1, backup, files } satisfies StoredBackupEntry);
    this.entries.add(key);
    await this.describe(database);
  }

  /** pushBackup, or a warning when the store cannot take it now (catchUp uploads it later). */
  async pushBackupOrWait(database: DatabaseRecord, backup: AutomaticBackupRecord, localDir: string, manifest: BackupManifest): Promise<void> {
    if (this.hasBackup(database, backup.id)) return;
    try {
      await this.pushBackup(database, backup, localDir, manifest);
    } catch (error) {
      this.logger.warn('the automatic backup is not in the backup store yet: it is uploaded once the store is reachable', { database: database.name, error });
    }
  }

  async pullBackup(region: string, databaseId: string, backupId: string, localDir: string): Promise<void> {
    const entry = await this.vault.getEntry<StoredBackupEntry>(storeLayout.backupEntry(region, databaseId, backupId));
    if (!entry) throw new Error(`the automatic backup ${backupId} is not in the backup store ${this.description}`);
    await this.vault.pullFiles(storeLayout.backupData(databaseId, backupId), entry.files, localDir);
  }

  async deleteBackup(database: Pick<DatabaseRecord, 'id' | 'region'>, backupId: string): Promise<void> {
    const key = storeLayout.backupEntry(database.region, database.id, backupId);
    await this.vault.delete([key]);
    this.entries.delete(key);
    await this.vault.deletePrefix(storeLayout.backupData(database.id, backupId));
  }

  /** Writes the database's catalog entry: its settings, master password and tags as they are now. */
  async describe(database: DatabaseRecord): Promise<void> {
    const masterPassword = this.store.passwords.get(database.id, 'CURRENT')?.password;
    if (masterPassword === undefined) throw new Error(`the master password of ${database.name} is missing from the store`);
    const key = storeLayout.databaseEntry(database.region, database.id);
    await this.vault.putEntry(key, { format: 1, database, masterPassword, tags: this.store.tags.list(database.id) } satisfies StoredDatabaseEntry);
    this.entries.add(key);
  }

  /**
   * Ships the archive (the files first, then the entry that says up to when
   * it reaches) and returns that time; undefined when the store cannot be
   * reached, the files then wait in the local archive and the store's
   * restorable time stays where it was.
   */
  async shipArchive(database: DatabaseRecord, archiveRoot: string, restorableUntil: number): Promise<number | undefined> {
    try {
      await this.shipper.ship(database.id, archiveRoot);
      await this.vault.putEntry(storeLayout.archiveEntry(database.region, database.id), { format: 1, restorableUntil } satisfies StoredArchiveEntry);
    } catch (error) {
      await this.spooling(database, archiveRoot, error);
      return undefined;
    }
    this.reachable = true;
    const outage = this.spool.get(database.id);
    this.spool.set(database.id, { bytes: 0, reported: 0 });
    if (outage && outage.reported > 0) {
      this.logger.info('the backup store is reachable again: the spooled archive is uploaded', { database: database.name, store: this.description });
      this.store.events.record(database, `The backup store is reachable again: the archive that waited here (${outage.bytes} bytes) is in it`, ['backup', 'recovery']);
    }
    return restorableUntil;
  }

  /**
   * The archive waits in the local spool: reported as an event when the
   * outage begins and each time the spool has doubled since, and on /metrics.
   */
  private async spooling(database: DatabaseRecord, archiveRoot: string, error: unknown): Promise<void> {
    this.reachable = false;
    const bytes = await this.shipper.pendingBytes(database.id, archiveRoot).catch(() => 0);
    const state = this.spool.get(database.id) ?? { bytes: 0, reported: 0 };
    state.bytes = bytes;
    this.spool.set(database.id, state);
    this.logger.warn('could not ship the archive to the backup store: it waits in the local spool', { database: database.name, store: this.description, bytes, error });
    if (state.reported === 0 || bytes >= 2 * state.reported) {
      const reason = this.explain(error);
      this.store.events.record(
        database,
        `The backup store cannot take the archive (${reason}): ${bytes} bytes wait on this host and are uploaded once it can; latestRestorableTime stays at what the store holds`,
        ['backup', 'failure'],
      );
      state.reported = Math.max(bytes, 1);
    }
  }

  /**
   * Once the spool of a database has reached its limit, its archive `dirs`
   * take no new files: the engine keeps its WAL or binary logs on the
   * database's own disk (nothing is lost) until reopenArchive.
   */
  async closeArchiveWhenFull(database: DatabaseRecord, dirs: readonly string[]): Promise<void> {
    const bytes = this.spool.get(database.id)?.bytes ?? 0;
    const limit = this.options.spoolLimitBytes;
    if (bytes < limit) return;
    const reason = `the backup store ${this.description} cannot take the archive and ${bytes} bytes wait for it on this host (the limit is ${limit})`;
    const wasOpen = (await Promise.all(dirs.map(archiveIntakeClosed))).every((closed) => closed === undefined);
    for (const dir of dirs) await setArchiveIntake(dir, reason);
    if (!wasOpen) return;
    this.logger.warn('the archive spool is full: nothing more is archived until the backup store takes it', { database: database.name, bytes, limit });
    this.store.events.record(
      database,
      `The archive spool is full (${bytes} bytes wait for the backup store, the limit is ${limit}): nothing more is archived until the store takes them. ` +
        'The database keeps its WAL or binary logs on its own disk meanwhile, so nothing is lost',
      ['backup', 'failure'],
    );
  }

  /**
   * Whether the archive `dirs` of a database take files: open already, or
   * their spool has just gone into the store (it is opened again then).
   */
  async reopenArchive(database: DatabaseRecord, archiveRoot: string, dirs: readonly string[]): Promise<boolean> {
    if ((await Promise.all(dirs.map(archiveIntakeClosed))).every((closed) => closed === undefined)) return true;
    // What the store holds reaches no further than before: the spool is archive up to the last flush that shipped.
    if ((await this.shipArchive(database, archiveRoot, database.latestRestorableTime ?? 0)) === undefined) return false;
    for (const dir of dirs) await setArchiveIntake(dir, undefined);
    this.logger.info('the archive spool is in the backup store: archiving goes on', { database: database.name });
    return true;
  }

  private explain(error: unknown): string {
    return error instanceof Error ? error.message.split('\n')[0]! : String(error);
  }

  /** Per database: archive bytes waiting on this host for the store (the spool), as the last shipment found. */
  spooledBytes(): ReadonlyMap<string, number> {
    return new Map([...this.spool].map(([id, state]) => [id, state.bytes]));
  }

  get spoolLimitBytes(): number {
    return this.options.spoolLimitBytes;
  }

  /** Whether the last call to the store succeeded (undefined before the first shipment). */
  get storeReachable(): boolean | undefined {
    return this.reachable;
  }

  pruneArchive(database: DatabaseRecord, relativePaths: readonly string[]): Promise<void> {
    return this.shipper.prune(database.id, relativePaths);
  }

  pullArchive(databaseId: string, targetDir: string): Promise<void> {
    return this.shipper.pull(databaseId, targetDir);
  }

  /** Everything of a database in the store: its backups, archive and entry (snapshots stay). */
  async forget(database: Pick<DatabaseRecord, 'id' | 'region'>): Promise<void> {
    const entry = storeLayout.databaseEntry(database.region, database.id);
    const catalog = [...this.entries].filter((key) => key === entry || key.startsWith(storeLayout.backupsOf(database.region, database.id)) || key === storeLayout.archiveEntry(database.region, database.id));
    await this.vault.delete(catalog);
    for (const key of catalog) this.entries.delete(key);
    await this.vault.deletePrefix(storeLayout.backupsData(database.id));
    await this.shipper.drop(database.id);
  }

  /** The databases in the store that this berth does not have, each with the newest backup and the time it reaches. */
  async recoverable(): Promise<RecoverableDatabase[]> {
    const found: RecoverableDatabase[] = [];
    for (const key of this.entries) {
      const parsed = parseCatalogKey(key);
      if (parsed?.kind !== 'database' || this.store.databases.findById(parsed.databaseId)) continue;
      const entry = await this.vault.getEntry<StoredDatabaseEntry>(key);
      if (!entry) continue;
      const backups = await this.backupsOf(parsed.region, parsed.databaseId);
      const newest = backups.at(-1);
      if (!newest) {
        found.push({ entry, reason: 'the backup store holds no backup of it (its first backup never finished uploading)' });
        continue;
      }
      const archive = await this.vault.getEntry<StoredArchiveEntry>(storeLayout.archiveEntry(parsed.region, parsed.databaseId));
      const targetTime = Math.max(newest.consistentAt, archive?.restorableUntil ?? 0);
      found.push({ entry, backup: newest, targetTime });
    }
    return found.sort((a, b) => (a.entry.database.name < b.entry.database.name ? -1 : 1));
  }

  private async backupsOf(region: string, databaseId: string): Promise<AutomaticBackupRecord[]> {
    const keys = [...this.entries].filter((key) => parseCatalogKey(key)?.kind === 'backup' && key.startsWith(storeLayout.backupsOf(region, databaseId)));
    const backups: AutomaticBackupRecord[] = [];
    for (const key of keys) {
      const entry = await this.vault.getEntry<StoredBackupEntry>(key);
      if (entry) backups.push(entry.backup);
    }
    return backups.sort((a, b) => a.consistentAt - b.consistentAt);
  }

  /** Local staging for a download: under the data dir, never inside a database's own directories. */
  static stagingDir(dataDir: string): string {
    return path.join(dataDir, 'backup-staging');
  }
}
