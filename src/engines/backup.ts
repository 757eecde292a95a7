/**
 * Physical backups, continuous archiving and restore: the second half of the
 * engine contract (snapshots, automatic backups, point-in-time restore).
 *
 * Directories passed in are owned by berth's data dir; the driver owns their
 * content. Every file a backup or the archive writes carries a SHA-256 that
 * restore verifies before using it: a corrupted or missing file fails the
 * restore with a message naming it, never a database silently missing data.
 */
import type { InstanceSpec, TlsMaterial } from './driver.js';

export interface BackupFile {
  /** Path relative to the backup directory. */
  path: string;
  size: number;
  sha256: string;
}

/** Written as `manifest.json` at the root of every backup directory. */
export interface BackupManifest {
  format: 1;
  engine: string;
  blueprintId: string;
  engineVersion: string;
  /** ISO time from which the copy is consistent (the end of the backup). */
  consistentAt: string;
  /** Engine position of that point (PostgreSQL: LSNs and timeline; MariaDB: binlog file and position). */
  position: Record<string, string | number>;
  /** Total bytes of the files. */
  sizeBytes: number;
  files: BackupFile[];
}

export interface RestoreSource {
  backupDir: string;
  /** Continuous archive to replay from, for a point-in-time restore. */
  archiveDir?: string;
  /** Replay everything committed up to and including this moment (needs archiveDir). */
  targetTime?: Date;
}

export interface EngineBackups {
  /**
   * How the archive of a database with several servers over time (a
   * standby, a failover) is kept: `shared` when every server writes the same
   * history under the same names (PostgreSQL WAL and its timelines), so one
   * archive serves them all; `per-instance` when each server's log is its own
   * (MariaDB binary logs), so each instance archives into its own directory
   * and a restore replays the archive of the instance its backup came from.
   */
  readonly archiveLayout: 'shared' | 'per-instance';

  /**
   * Takes a consistent physical backup of a running instance into
   * `targetDir` (which must not exist; built beside it and renamed when
   * complete), writes manifest.json and returns it. Writes to the database
   * continue while it runs.
   */
  backup(spec: InstanceSpec, targetDir: string): Promise<BackupManifest>;

  /** Reads and checks a backup's manifest (format, files present with the right size). */
  readManifest(backupDir: string): Promise<BackupManifest>;

  /**
   * Creates a NEW instance (its own data dir, port, certificate: `spec` and
   * `tls`) from a backup: verifies every checksum first, copies, configures,
   * replays the archive up to `targetTime` when given, and leaves the server
   * running and ready. Fails with a clear message when a file is corrupted or
   * missing, or when the archive cannot reach `targetTime`.
   */
  restore(spec: InstanceSpec, tls: TlsMaterial, source: RestoreSource): Promise<void>;

  /**
   * Starts continuous archiving of the instance's changes (PostgreSQL WAL,
   * MariaDB binary logs) into `archiveDir`, or stops it (undefined). Idempotent;
   * may restart the server when the engine needs it.
   */
  setArchiving(spec: InstanceSpec, archiveDir: string | undefined): Promise<void>;

  /**
   * Pushes what the running instance has written so far into the archive and
   * returns the moment up to which every committed change is now archived
   * (the latest restorable time).
   */
  flushArchive(spec: InstanceSpec, archiveDir: string): Promise<Date>;

  /** Deletes archive files that no restore from `oldestKept` onwards needs. */
  pruneArchive(archiveDir: string, oldestKept: BackupManifest): Promise<void>;

  /**
   * Makes an archive that berth filled itself (fetched from the backup
   * store) readable by whoever replays it in a restore (the server's own
   * restore_command, or berth).
   */
  adoptArchive(archiveDir: string): Promise<void>;
}
