/**
 * Files in a continuous archive directory, engine-neutral:
 *
 *   <file>            an archived file, never overwritten
 *   <file>.sha256     "<sha256 of file>  <file>" (what `sha256sum -c` reads),
 *                     written last: a file is archived once its .sha256 exists
 *   berth-flush.json  the engine's record of its last flushArchive
 *   .berth-intake-closed  while present, nothing new is archived here (the
 *                     backup store's spool is full): the engine keeps its
 *                     WAL or binary logs and archives them once it is gone
 *
 * The copy into the archive (archiveFileChecked) and the check before use
 * (verifyArchivedFile) are berth's own for MariaDB's binary logs; PostgreSQL's
 * archive_command (postgres/wal-scripts.ts) writes the same layout in shell.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fsyncDirectory, fsyncPath, readdirIfExists } from '../util/files.js';
import type { Copier } from './backup-manifest.js';

export const SHA256_SUFFIX = '.sha256';
/** The engine's record of the last flushArchive, in the archive directory. */
export const FLUSH_STATE_FILE = 'berth-flush.json';

/** Its presence closes the archive to new files (a dot name: never shipped, never pruned). */
export const INTAKE_CLOSED_FILE = '.berth-intake-closed';

/** Archiving into `archiveDir` was refused: its intake is closed. */
export class ArchiveIntakeClosedError extends Error {
  constructor(archiveDir: string, reason: string) {
    super(`nothing more is archived into ${archiveDir} for now: ${reason}`);
    this.name = 'ArchiveIntakeClosedError';
  }
}

/** Closes (a reason given) or opens (undefined) the archive `archiveDir` to new files. */
export async function setArchiveIntake(archiveDir: string, closedBecause: string | undefined): Promise<void> {
  const marker = path.join(archiveDir, INTAKE_CLOSED_FILE);
  if (closedBecause === undefined) await fs.rm(marker, { force: true });
  else await fs.writeFile(marker, `${closedBecause}\n`, { mode: 0o644 });
}

/** Why the archive `archiveDir` takes no new files, or undefined while it does. */
export async function archiveIntakeClosed(archiveDir: string): Promise<string | undefined> {
  const text = await fs.readFile(path.join(archiveDir, INTAKE_CLOSED_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : text.trim() || 'its intake is closed';
}

/** The flush record of `archiveDir` when it can be read and `valid` accepts it. */
export async function readFlushStateFile<T>(archiveDir: string, valid: (state: T) => boolean): Promise<T | undefined> {
  try {
    const state = JSON.parse(await fs.readFile(path.join(archiveDir, FLUSH_STATE_FILE), 'utf8')) as T;
    return valid(state) ? state : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Write `final` as a new file through `temp` (0600, 'wx', fsynced, renamed
 * over `final`), then fsync the directory: `final` holds either its old
 * content or all of the new one.
 */
export async function writeFileDurably(dir: string, final: string, temp: string, content: string): Promise<void> {
  try {
    const handle = await fs.open(path.join(dir, temp), 'wx', 0o600);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(path.join(dir, temp), path.join(dir, final));
  } finally {
    await fs.rm(path.join(dir, temp), { force: true });
  }
  await fsyncDirectory(dir);
}

/** A temp name that ends in `.tmp-<12 hex digits>`. */
export const tempSuffix = () => `.tmp-${randomBytes(6).toString('hex')}`;

/**
 * Delete the files of `archiveDir` that `obsolete(name)` picks; returns their
 * names. .sha256 files go first: a file interrupted half-way counts as not
 * archived, never as archived and damaged.
 */
export async function deleteFromArchive(archiveDir: string, obsolete: (name: string) => boolean): Promise<string[]> {
  const deleted: string[] = [];
  const names = await readdirIfExists(archiveDir);
  const ordered = names.sort((a, b) => Number(b.endsWith(SHA256_SUFFIX)) - Number(a.endsWith(SHA256_SUFFIX)));
  for (const name of ordered) {
    if (!obsolete(name)) continue;
    await fs.rm(path.join(archiveDir, name), { force: true });
    deleted.push(name);
  }
  return deleted;
}

/** The SHA-256 recorded for an archived file ("<hex>  <name>", what `sha256sum -c` reads). */
async function recordedSha256(file: string): Promise<string | undefined> {
  const text = await fs.readFile(`${file}${SHA256_SUFFIX}`, 'utf8').catch(() => undefined);
  const hex = text?.split(/\s+/)[0];
  return hex && /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

function writeChecksum(archiveDir: string, name: string, sha256: string): Promise<void> {
  return writeFileDurably(archiveDir, `${name}${SHA256_SUFFIX}`, `.${name}${SHA256_SUFFIX}${tempSuffix()}`, `${sha256}  ${name}\n`);
}

/**
 * Copy `source` (a file that no longer changes; `what` names it in errors:
 * `binary log`) into the archive as `name`: a temp file, fsynced, hard-linked
 * to its name (which never replaces a file), then its .sha256 (temp, fsync,
 * rename). A file archived again succeeds only when the archived copy holds
 * exactly the same bytes; different content fails and is kept.
 */
export async function archiveFileChecked(source: string, archiveDir: string, name: string, copier: Copier, what: string): Promise<void> {
  const final = path.join(archiveDir, name);
  if (await exists(final)) {
    const [archived, original] = await Promise.all([copier.hash(final), copier.hash(source)]);
    if (archived.sha256 !== original.sha256) {
      throw new Error(`${final} already exists with different content than ${source}; refusing to overwrite it`);
    }
    if ((await recordedSha256(final)) !== archived.sha256) await writeChecksum(archiveDir, name, archived.sha256);
    return;
  }
  const temp = path.join(archiveDir, `.${name}${tempSuffix()}`);
  try {
    const copied = await copier.copy(source, temp, { mode: 0o600 });
    if (!copied) throw new Error(`${what} ${source} disappeared before it was archived`);
    await fsyncPath(temp);
    try {
      await fs.link(temp, final);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return await archiveFileChecked(source, archiveDir, name, copier, what); // archived meanwhile: compare
    }
    await writeChecksum(archiveDir, name, copied.sha256);
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/**
 * Check an archived file against its .sha256 before it is used; throws
 * naming it (`archived <what> <file>`) when it is missing or corrupted.
 */
export async function verifyArchivedFile(archiveDir: string, name: string, copier: Copier, what: string): Promise<void> {
  const file = path.join(archiveDir, name);
  const recorded = await recordedSha256(file);
  if (recorded === undefined) throw new Error(`archived ${what} ${file} has no readable ${name}${SHA256_SUFFIX}`);
  let actual: string;
  try {
    actual = (await copier.hash(file)).sha256;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`archived ${what} ${file} is missing (its ${name}${SHA256_SUFFIX} exists)`);
    throw err;
  }
  if (actual !== recorded) {
    throw new Error(`archived ${what} ${file} is corrupted: its sha256 is ${actual}, ${file}${SHA256_SUFFIX} says ${recorded}`);
  }
}

/** The archive has a complete copy of `name` (its .sha256 exists). */
export function isArchivedFile(archiveDir: string, name: string): Promise<boolean> {
  return exists(path.join(archiveDir, `${name}${SHA256_SUFFIX}`));
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}
