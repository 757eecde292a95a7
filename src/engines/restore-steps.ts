/**
 * The steps every engine's restore shares: which backups an instance can be
 * restored from, the point in time checked against the backup, and the
 * verified copy of the backup's files into a staging directory that gets its
 * final name only once all of it is checked and durable. Recovery and replay
 * are the engine's (postgres/restore.ts, mysql/restore.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupFile, BackupManifest, RestoreSource } from './backup.js';
import { copyVerified, mkdirChain, syncFilesystem } from './backup-manifest.js';
import type { InstanceSpec } from './driver.js';
import type { OsUser } from './os-user.js';

/** The directories of a restore's source, absolute. */
export function resolveSource(source: RestoreSource): { backupDir: string; archiveDir: string | undefined } {
  return {
    backupDir: path.resolve(source.backupDir),
    archiveDir: source.archiveDir === undefined ? undefined : path.resolve(source.archiveDir),
  };
}

/** `manifest`, when `compatible` says its blueprint's data runs as the spec's blueprint. */
export function restorableAs(
  manifest: BackupManifest, backupDir: string, spec: Pick<InstanceSpec, 'blueprintId'>, compatible: (backup: string, instance: string) => boolean,
): BackupManifest {
  if (!compatible(manifest.blueprintId, spec.blueprintId)) {
    throw new Error(`backup ${path.resolve(backupDir)} holds ${manifest.blueprintId} data; it cannot be restored as ${spec.blueprintId}`);
  }
  return manifest;
}

/**
 * The point in time a restore replays to, when it has one: a valid date, with
 * an archive to replay, not before `consistentAt` (when the backup became
 * consistent).
 */
export function pointInTime(
  target: Date | undefined, archiveDir: string | undefined, backupDir: string, consistentAt: Date,
): { target: Date; archiveDir: string } | undefined {
  if (target === undefined) return undefined;
  if (Number.isNaN(target.getTime())) throw new Error('the target time is not a valid date');
  if (archiveDir === undefined) throw new Error('a restore to a point in time needs the archive (archiveDir)');
  if (target < consistentAt) {
    throw new Error(
      `the target time ${target.toISOString()} is before ${consistentAt.toISOString()}, when backup ${backupDir} became consistent: ` +
        'restore from an older backup',
    );
  }
  return { target, archiveDir };
}

export interface StagedCopy {
  user: OsUser;
  backupDir: string;
  manifest: BackupManifest;
  /** Built here (what is left of an earlier attempt is removed first), all owned by `user`. */
  stage: string;
  /** What `stage` is renamed to once everything in it is verified and durable. */
  final: string;
  /** Directories outside the stage that `target` writes into, made after the stage. */
  outside?: readonly string[];
  /** Directories to make under the stage (some may hold no file), relative to it. */
  directories(): Promise<readonly string[]>;
  /** Where a backup file goes (absolute path), or undefined to leave it out. */
  target(file: BackupFile): string | undefined;
  /** Last writes into the stage before it is synced. */
  complete?(): Promise<void>;
}

/**
 * Copy the backup's files into the stage, each checked against its SHA-256
 * as it is copied (a corrupted or missing one fails naming it); the stage
 * (0700) is synced before it is renamed, so nothing under the final name was
 * built from an unverified or unsynced file (`outside` is synced with it:
 * the same file system).
 */
export async function copyBackupStaged(copy: StagedCopy): Promise<void> {
  await fs.rm(copy.stage, { recursive: true, force: true });
  const made = new Set<string>();
  await mkdirChain(copy.stage, made, copy.user);
  for (const dir of copy.outside ?? []) await mkdirChain(dir, made, copy.user);
  for (const dir of await copy.directories()) await mkdirChain(path.join(copy.stage, dir), made, copy.user);
  await copyVerified(copy.backupDir, copy.manifest, { owner: copy.user, target: (file) => copy.target(file) });
  await copy.complete?.();
  await fs.chmod(copy.stage, 0o700);
  await syncFilesystem(copy.stage);
  await fs.rename(copy.stage, copy.final);
}
