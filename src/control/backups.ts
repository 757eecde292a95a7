import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BackupManifest, EngineBackups, RestoreSource } from '../engines/backup.js';
import type { InstanceSpec } from '../engines/driver.js';
import type { DatabaseRecord, SnapshotRecord, Store } from '../store/index.js';
import type { AutomaticBackupRecord } from '../store/automatic-backups.js';
import type { Clock } from '../util/clock.js';
import type { Instances } from './instances.js';

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
 * `archive/<database id>/`.
 */
export class Backups {
  constructor(
    private readonly store: Store,
    private readonly instances: Instances,
    private readonly dataDir: string,
    private readonly clock: Clock,
  ) {}

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
    const root = this.archiveDir(database.id);
    if (this.engine(database).archiveLayout === 'shared' || instanceId === database.id) return root;
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

  /** Records the end of a snapshot: available with its size, or failed (its files removed). */
  async finishSnapshot(snapshotId: string, manifest: BackupManifest | undefined): Promise<void> {
    if (manifest) {
      this.store.snapshots.finish(snapshotId, { state: 'available', sizeBytes: manifest.sizeBytes });
      return;
    }
    this.store.snapshots.finish(snapshotId, { state: 'failed' });
    await this.deleteSnapshotFiles(snapshotId);
  }

  snapshotOrUndefined(snapshotId: string): SnapshotRecord | undefined {
    return this.store.snapshots.findById(snapshotId);
  }

  snapshot(snapshotId: string): SnapshotRecord {
    const snapshot = this.store.snapshots.findById(snapshotId);
    if (!snapshot) throw new Error(`snapshot ${snapshotId} is missing from the store`);
    return snapshot;
  }

  async deleteSnapshotFiles(snapshotId: string): Promise<void> {
    await rm(this.snapshotDir(snapshotId), { recursive: true, force: true });
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
  async dropAll(database: Pick<DatabaseRecord, 'id'>): Promise<void> {
    this.store.transaction(() => {
      this.store.automaticBackups.removeAll(database.id);
      this.store.databases.update(database.id, { latestRestorableTime: null });
    });
    await rm(path.join(this.dataDir, 'backups', database.id), { recursive: true, force: true });
    await rm(this.archiveDir(database.id), { recursive: true, force: true });
  }

  /** Takes an automatic backup (the database stays available) and prunes what retention no longer needs. */
  async takeAutomaticBackup(database: DatabaseRecord): Promise<AutomaticBackupRecord> {
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
    await this.prune(database);
    return record;
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
    const at = await engine.flushArchive(primary, this.instanceArchiveDir(database, primary.id));
    const standby = this.instances.standby(database);
    if (engine.archiveLayout === 'per-instance' && standby?.state === 'running') {
      await engine.flushArchive(this.instances.spec(database, standby), this.instanceArchiveDir(database, standby.id));
    }
    const latest = at.getTime() / 1000;
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
      this.store.automaticBackups.remove(backup.id);
      await rm(this.automaticBackupDir(database.id, backup.id), { recursive: true, force: true });
    }
    const kept = this.store.automaticBackups.list(database.id);
    const oldest = kept[0];
    if (oldest && doomed.length > 0) {
      const engine = this.engine(database);
      const manifest = await engine.readManifest(this.automaticBackupDir(database.id, oldest.id));
      await engine.pruneArchive(this.instanceArchiveDir(database, oldest.instanceId), manifest);
      await this.dropUnneededInstanceArchives(database, kept);
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
