import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { archiveFilesUnder } from '../backup-store/archive-shipper.js';
import type { RecoveryPayload } from '../domain/tasks.js';
import type { BackupManifest, EngineBackups, RestoreSource } from '../engines/backup.js';
import type { InstanceSpec } from '../engines/driver.js';
import { pathExists } from '../engines/hashed-copy.js';
import type { DatabaseRecord, SnapshotRecord, Store } from '../store/index.js';
import type { AutomaticBackupRecord } from '../store/automatic-backups.js';
import type { Clock } from '../util/clock.js';
import type { Instances } from './instances.js';
import { OffsiteBackups } from './offsite.js';

/** Point-in-time restores reach back this far (Lightsail: 7 days). */
export const RETENTION_DAYS = 7;
const DAY = 24 * 3600;

export interface RestorableRange {
  earliest: number;
  latest: number;
}

/**
 * Snapshots, automatic backups and the continuous archive of each database,
 * on disk under the data dir: `snapshots/<id>/`, `backups/<database id>/<id>/`,
 * `archive/<database id>/`; with a backup store, each also goes there
 * (offsite.ts), and what is missing here is fetched from there.
 */
export class Backups {
  private offsite: OffsiteBackups | undefined;

  constructor(
    private readonly store: Store,
    private readonly instances: Instances,
    private readonly dataDir: string,
    private readonly clock: Clock,
  ) {}

  /** From now on every backup goes to the store too. */
  useStore(offsite: OffsiteBackups): void {
    this.offsite = offsite;
  }

  get backupStore(): OffsiteBackups | undefined {
    return this.offsite;
  }

  snapshotDir(snapshotId: string): string {
    return path.join(this.dataDir, 'snapshots', snapshotId);
  }

  automaticBackupDir(databaseId: string, backupId: string): string {
    return path.join(this.dataDir, 'backups', databaseId, backupId);
  }

  archiveDir(databaseId: string): string {
    return path.join(this.dataDir, 'archive', databaseId);
  }

  /**
   * Where `instanceId` archives: the database's archive for a `shared`
   * layout; for a `per-instance` one, the database's archive for its first
   * instance (whose id is the database's: archives from before HA stay where
   * they are) and `instances/<id>/` inside it for every later one.
   */
  instanceArchiveDir(database: Pick<DatabaseRecord, 'id' | 'engine'>, instanceId: string): string {
    return this.archiveDirIn(this.archiveDir(database.id), database, database.id, instanceId);
  }

  /** Where, in the archive `root` of the database `databaseId` (of `database`'s engine), `instanceId` archives. */
  private archiveDirIn(root: string, database: Pick<DatabaseRecord, 'engine'>, databaseId: string, instanceId: string): string {
    if (this.engine(database).archiveLayout === 'shared' || instanceId === databaseId) return root;
    return path.join(root, 'instances', instanceId);
  }

  engine(database: Pick<DatabaseRecord, 'engine'>): EngineBackups {
    return this.instances.driver(database);
  }

  /**
   * The instance a backup is taken from: the synchronous standby of an HA
   * database when it runs (the primary never pauses for a backup), else the
   * primary.
   */
  async source(database: DatabaseRecord): Promise<InstanceSpec> {
    const standby = this.instances.standby(database);
    const synchronous = this.store.primaries.get(database.id)?.synchronousStandbyId;
    if (standby && standby.state === 'running' && standby.id === synchronous) {
      const spec = this.instances.spec(database, standby);
      if ((await this.instances.driver(database).status(spec)).running) return spec;
    }
    return this.instances.spec(database);
  }

  /** A consistent copy of a running database into the snapshot's directory. */
  async takeSnapshot(database: DatabaseRecord, snapshot: SnapshotRecord): Promise<BackupManifest> {
    const dir = this.snapshotDir(snapshot.id);
    const engine = this.engine(database);
    try {
      return await engine.readManifest(dir); // taken before a crash
    } catch {
      await rm(dir, { recursive: true, force: true });
      return engine.backup(await this.source(database), dir);
    }
  }

  /**
   * Records the end of a snapshot: available with its size (in the backup
   * store first, when there is one), or failed (its files removed).
   */
  async finishSnapshot(snapshotId: string, manifest: BackupManifest | undefined): Promise<void> {
    if (manifest) {
      const snapshot = { ...this.snapshot(snapshotId), state: 'available' as const, sizeBytes: manifest.sizeBytes };
      // One the store cannot take now stays here and is uploaded by a later pass (catchUp).
      await this.offsite?.pushSnapshotOrWait(snapshot, this.snapshotDir(snapshotId), manifest);
      this.store.snapshots.finish(snapshotId, { state: 'available', sizeBytes: manifest.sizeBytes });
      return;
    }
    this.store.snapshots.finish(snapshotId, { state: 'failed' });
    await rm(this.snapshotDir(snapshotId), { recursive: true, force: true }); // never uploaded: only complete snapshots are
  }

  snapshotOrUndefined(snapshotId: string): SnapshotRecord | undefined {
    return this.store.snapshots.findById(snapshotId);
  }

  snapshot(snapshotId: string): SnapshotRecord {
    const snapshot = this.store.snapshots.findById(snapshotId);
    if (!snapshot) throw new Error(`snapshot ${snapshotId} is missing from the store`);
    return snapshot;
  }

  /** Deletes a snapshot from the backup store (its catalog entry first), when there is one. */
  async deleteSnapshotFromStore(snapshot: Pick<SnapshotRecord, 'id' | 'region'>): Promise<void> {
    await this.offsite?.deleteSnapshot(snapshot);
  }

  /** Removes a snapshot's files on this host. */
  async deleteSnapshotFiles(snapshot: Pick<SnapshotRecord, 'id'>): Promise<void> {
    await rm(this.snapshotDir(snapshot.id), { recursive: true, force: true });
  }

  /** The directory of a snapshot on this host, fetched from the backup store when it is not here. */
  async localSnapshotDir(snapshot: SnapshotRecord): Promise<string> {
    const dir = this.snapshotDir(snapshot.id);
    if (this.offsite && !(await pathExists(dir))) await this.offsite.pullSnapshot(snapshot, dir);
    return dir;
  }

  /**
   * Turns continuous archiving on or off to match the database's backup
   * retention, on every instance: a standby archives too (what it receives,
   * and all it writes once it is promoted).
   */
  async applyRetention(database: DatabaseRecord): Promise<void> {
    for (const instance of this.instances.serving(database)) {
      await this.applyRetentionTo(database, instance.id);
    }
    if (!database.backupRetentionEnabled) await this.dropAll(database);
  }

  /** Archiving of one instance as the database's retention wants it. */
  async applyRetentionTo(database: DatabaseRecord, instanceId: string): Promise<void> {
    const archive = database.backupRetentionEnabled ? this.instanceArchiveDir(database, instanceId) : undefined;
    const instance = this.instances.of(database).find((candidate) => candidate.id === instanceId);
    if (!instance) throw new Error(`instance ${instanceId} of ${database.name} is missing from the store`);
    await this.engine(database).setArchiving(this.instances.spec(database, instance), archive);
  }

  /** Disabling retention deletes the automatic backups and the archive, as Lightsail does. */
  async dropAll(database: Pick<DatabaseRecord, 'id' | 'region'>): Promise<void> {
    await this.offsite?.forget(database);
    this.store.transaction(() => {
      this.store.automaticBackups.removeAll(database.id);
      this.store.databases.update(database.id, { latestRestorableTime: null });
    });
    await rm(path.join(this.dataDir, 'backups', database.id), { recursive: true, force: true });
    await rm(this.archiveDir(database.id), { recursive: true, force: true });
  }

  /**
   * The base of point-in-time restores, taken before a new database first
   * reports available (its archive already runs): the restorable window
   * opens then, not at the first scheduled backup. The backup store gets it
   * from the next pass (catchUp), so a slow store does not slow creates.
   */
  async takeFirstBackup(database: DatabaseRecord): Promise<void> {
    const current = this.store.databases.findById(database.id) ?? database;
    if (!current.backupRetentionEnabled || this.store.automaticBackups.list(current.id).length > 0) return;
    this.store.events.record(current, 'Backing up Relational Database', ['backup']);
    await this.takeAutomaticBackup(current, { upload: false });
    this.store.events.record(current, 'Finished Relational Database backup', ['backup']);
  }

  /** Takes an automatic backup (the database stays available) and prunes what retention no longer needs. */
  async takeAutomaticBackup(database: DatabaseRecord, options: { upload?: boolean } = {}): Promise<AutomaticBackupRecord> {
    const id = randomUUID();
    const dir = this.automaticBackupDir(database.id, id);
    const source = await this.source(database);
    const manifest = await this.engine(database).backup(source, dir);
    const record: AutomaticBackupRecord = {
      id,
      databaseId: database.id,
      instanceId: source.id,
      createdAt: this.now(),
      consistentAt: Date.parse(manifest.consistentAt) / 1000,
      sizeBytes: manifest.sizeBytes,
    };
    this.store.automaticBackups.add(record);
    if (options.upload !== false) await this.offsite?.pushBackupOrWait(database, record, dir, manifest);
    await this.prune(database);
    return record;
  }

  /**
   * Uploads what the backup store should have and lacks: snapshots and
   * automatic backups taken while it was unreachable or interrupted by a
   * kill. A snapshot deleted meanwhile is deleted from the store again.
   */
  async catchUp(): Promise<void> {
    const offsite = this.offsite;
    if (!offsite) return;
    for (const snapshot of this.store.snapshots.all()) {
      if (snapshot.state !== 'available' || offsite.hasSnapshot(snapshot)) continue;
      const dir = this.snapshotDir(snapshot.id);
      if (!(await pathExists(dir))) continue;
      await offsite.pushSnapshot(snapshot, dir, await this.engine(snapshot).readManifest(dir));
      if (!this.store.snapshots.findById(snapshot.id)) await offsite.deleteSnapshot(snapshot);
    }
    for (const database of this.store.databases.all()) {
      if (!database.backupRetentionEnabled) continue;
      for (const backup of this.store.automaticBackups.list(database.id)) await this.upload(database, backup);
    }
  }

  private async upload(database: DatabaseRecord, backup: AutomaticBackupRecord): Promise<void> {
    if (!this.offsite || this.offsite.hasBackup(database, backup.id)) return;
    const dir = this.automaticBackupDir(database.id, backup.id);
    await this.offsite.pushBackup(database, backup, dir, await this.engine(database).readManifest(dir));
  }

  /**
   * Archives what the engine wrote so far and records the new latest
   * restorable time: the primary's. With a per-instance layout a running
   * standby's archive is pushed forward too (backups taken from it replay it).
   */
  async flush(database: DatabaseRecord): Promise<number | undefined> {
    if (!database.backupRetentionEnabled || this.store.automaticBackups.list(database.id).length === 0) return undefined;
    const engine = this.engine(database);
    const primary = this.instances.spec(database);
    const standby = this.instances.standby(database);
    const root = this.archiveDir(database.id);
    const dirs = [...new Set([primary.id, ...(standby ? [standby.id] : [])].map((id) => this.instanceArchiveDir(database, id)))];
    // A full spool: nothing is flushed (the engine keeps what it wrote) until the store has taken the spool.
    if (this.offsite && !(await this.offsite.reopenArchive(database, root, dirs))) return database.latestRestorableTime ?? undefined;
    const at = await engine.flushArchive(primary, this.instanceArchiveDir(database, primary.id));
    if (engine.archiveLayout === 'per-instance' && standby?.state === 'running') {
      await engine.flushArchive(this.instances.spec(database, standby), this.instanceArchiveDir(database, standby.id));
    }
    const flushed = at.getTime() / 1000;
    // With a store, what is restorable is what the store has: the archive waits locally while it is unreachable.
    const latest = this.offsite ? await this.offsite.shipArchive(database, root, flushed) : flushed;
    if (latest === undefined) {
      await this.offsite?.closeArchiveWhenFull(database, dirs);
      return database.latestRestorableTime ?? undefined;
    }
    this.store.databases.update(database.id, { latestRestorableTime: latest });
    return latest;
  }

  /**
   * Keeps every backup younger than the retention period plus the newest
   * older one (the base for restoring to the start of the period); deletes
   * the rest and the archive they alone needed.
   */
  async prune(database: DatabaseRecord): Promise<void> {
    const cutoff = this.now() - RETENTION_DAYS * DAY;
    const backups = this.store.automaticBackups.list(database.id);
    // Judged by berth's clock (createdAt), so retention follows the injected clock in tests.
    const older = backups.filter((backup) => backup.createdAt < cutoff);
    const doomed = older.slice(0, Math.max(0, older.length - 1));
    for (const backup of doomed) {
      await this.offsite?.deleteBackup(database, backup.id);
      this.store.automaticBackups.remove(backup.id);
      await rm(this.automaticBackupDir(database.id, backup.id), { recursive: true, force: true });
    }
    const kept = this.store.automaticBackups.list(database.id);
    const oldest = kept[0];
    if (oldest && doomed.length > 0) {
      const engine = this.engine(database);
      const manifest = await engine.readManifest(this.automaticBackupDir(database.id, oldest.id));
      const root = this.archiveDir(database.id);
      const before = (await archiveFilesUnder(root)).map((file) => file.relative);
      await engine.pruneArchive(this.instanceArchiveDir(database, oldest.instanceId), manifest);
      await this.dropUnneededInstanceArchives(database, kept);
      const after = new Set((await archiveFilesUnder(root)).map((file) => file.relative));
      await this.offsite?.pruneArchive(database, before.filter((file) => !after.has(file)));
    }
  }

  /** The archives of former instances (a failover discarded them) that no kept backup replays. */
  private async dropUnneededInstanceArchives(database: DatabaseRecord, kept: readonly AutomaticBackupRecord[]): Promise<void> {
    const dir = path.join(this.archiveDir(database.id), 'instances');
    const needed = new Set([...kept.map((backup) => backup.instanceId), ...this.instances.of(database).map((instance) => instance.id)]);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!needed.has(name)) await rm(path.join(dir, name), { recursive: true, force: true });
    }
  }

  /** The window a point-in-time restore can reach, or undefined when there is none. */
  restorableRange(database: DatabaseRecord): RestorableRange | undefined {
    if (!database.backupRetentionEnabled || database.latestRestorableTime === null) return undefined;
    const oldest = this.store.automaticBackups.list(database.id)[0];
    if (!oldest) return undefined;
    const earliest = Math.max(oldest.consistentAt, this.now() - RETENTION_DAYS * DAY);
    return { earliest, latest: Math.max(earliest, database.latestRestorableTime) };
  }

  /**
   * A database this berth lacks, staged from the backup store for `target`
   * (the database that restores it): its backup and the archive after it.
   */
  async stageRecovery(target: DatabaseRecord, payload: RecoveryPayload, stagingKey: string): Promise<RestoreSource> {
    if (!this.offsite) throw new Error(`berth has no backup store to recover ${payload.sourceName} from`);
    const dir = this.stagingDir(stagingKey);
    await rm(dir, { recursive: true, force: true });
    try {
      // Traversable (never listable) down to the archive, which the engine's own replay may read.
      for (const step of [path.dirname(dir), dir]) {
        await mkdir(step, { recursive: true, mode: 0o711 });
        await chmod(step, 0o711);
      }
      const backupDir = path.join(dir, 'backup');
      await this.offsite.pullBackup(payload.region, payload.sourceDatabaseId, payload.backupId, backupDir);
      const archiveRoot = path.join(dir, 'archive');
      await this.offsite.pullArchive(payload.sourceDatabaseId, archiveRoot);
      await this.engine(target).adoptArchive(archiveRoot);
      const archiveDir = this.archiveDirIn(archiveRoot, target, payload.sourceDatabaseId, payload.instanceId);
      return { backupDir, archiveDir, targetTime: new Date(payload.targetTime * 1000) };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  async discardStaging(stagingKey: string): Promise<void> {
    await rm(this.stagingDir(stagingKey), { recursive: true, force: true });
  }

  private stagingDir(stagingKey: string): string {
    return path.join(this.stagingRoot(), `restore-${stagingKey}`);
  }

  /** Where downloads from the backup store wait for a restore. */
  stagingRoot(): string {
    return OffsiteBackups.stagingDir(this.dataDir);
  }

  /** Where a point-in-time restore of `database` to `targetTime` starts from. */
  pointInTimeSource(database: DatabaseRecord, targetTime: number): RestoreSource {
    const base = this.store.automaticBackups
      .list(database.id)
      .filter((backup) => backup.consistentAt <= targetTime)
      .at(-1);
    if (!base) throw new Error(`no automatic backup of ${database.name} is older than the restore time`);
    return {
      backupDir: this.automaticBackupDir(database.id, base.id),
      archiveDir: this.instanceArchiveDir(database, base.instanceId),
      targetTime: new Date(targetTime * 1000),
    };
  }

  private now(): number {
    return this.clock.now().getTime() / 1000;
  }
}

