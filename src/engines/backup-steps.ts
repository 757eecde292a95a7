/**
 * The steps every engine's backup shares around its own copy: the running
 * check, small files written and hashed into the backup, and the manifest
 * that seals it; reading a backup's manifest back as one of this engine's.
 * The copy itself is the engine's (postgres/backup.ts, mysql/backup.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupFile, BackupManifest } from './backup.js';
import { byPath, readManifest, writeManifest } from './backup-manifest.js';
import type { InstanceSpec } from './driver.js';

/** A backup copies a running server. */
export async function assertRunningForBackup(host: { running(spec: InstanceSpec): Promise<boolean> }, spec: InstanceSpec): Promise<void> {
  if (!(await host.running(spec))) throw new Error(`instance ${spec.id} is not running (a backup copies a running server)`);
}

/** Write a new file (0600) at `relative` under the backup `root`; its manifest entry. */
export async function writeHashedFile(root: string, relative: string, content: string | Buffer): Promise<BackupFile> {
  await fs.writeFile(path.join(root, relative), content, { mode: 0o600, flag: 'wx' });
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return { path: relative, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export interface SealedBackup {
  engine: string;
  blueprintId: string;
  engineVersion: string;
  /** From when the copy is consistent (the end of the backup). */
  consistentAt: Date;
  position: BackupManifest['position'];
  files: BackupFile[];
}

/** Write manifest.json into the backup being built in `dir` (files sorted by path, their total); returns it. */
export async function sealBackup(dir: string, backup: SealedBackup): Promise<BackupManifest> {
  const files = backup.files.sort(byPath);
  const manifest: BackupManifest = {
    format: 1,
    engine: backup.engine,
    blueprintId: backup.blueprintId,
    engineVersion: backup.engineVersion,
    consistentAt: backup.consistentAt.toISOString(),
    position: backup.position,
    sizeBytes: files.reduce((sum, file) => sum + file.size, 0),
    files,
  };
  await writeManifest(dir, manifest);
  return manifest;
}

/**
 * The manifest of a backup of `engine` (named `engineName` in errors),
 * checked: files present with their sizes, and `checkPosition` (which throws
 * saying what is wrong) accepting its position.
 */
export async function readEngineManifest(
  backupDir: string, engine: string, engineName: string, checkPosition: (manifest: BackupManifest) => unknown,
): Promise<BackupManifest> {
  const manifest = await readManifest(backupDir);
  if (manifest.engine !== engine) throw new Error(`backup ${path.resolve(backupDir)} is a ${manifest.engine} backup, not a ${engineName} one`);
  try {
    checkPosition(manifest);
  } catch (err) {
    throw new Error(`backup ${path.resolve(backupDir)}: ${(err as Error).message}`);
  }
  return manifest;
}
