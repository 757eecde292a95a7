/**
 * Backup directories with a SHA-256 per file: hashed copies out of a live
 * directory tree, manifest.json, verified copies back. Engine-neutral: each
 * driver passes in its exclusions and target paths. The copying itself is in
 * hashed-copy.ts, durable directories in backup-directories.ts.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupFile, BackupManifest } from './backup.js';
import { mkdirChain } from './backup-directories.js';
import { Copier, inLanes, type FileOwner } from './hashed-copy.js';

export { buildDirectoryAtomically, mkdirChain, syncFilesystem } from './backup-directories.js';
export { Copier, inLanes, type FileOwner } from './hashed-copy.js';

export const MANIFEST_FILE = 'manifest.json';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A backup (or a file of one) that cannot be used: missing, truncated, corrupted. */
export class BackupIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupIntegrityError';
  }
}

/** Order of the files in a manifest: by path, code unit by code unit. */
export const byPath = (a: BackupFile, b: BackupFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export interface TreeCopyOptions {
  /** Skip this entry (path relative to the source root, `/`-separated; for a dir, its whole content). */
  exclude?(relativePath: string, entry: Dirent): boolean;
  /** Relative paths copied after everything else, in this order (e.g. a control file). */
  copyLast?: readonly string[];
  /** Prefix of the recorded paths (the copy lands in `<targetRoot>/<prefix>`). */
  prefix: string;
}

/**
 * Copy a directory tree that may change underneath (files vanish, grow),
 * hashing each file as it is written. Directories are recreated (0700),
 * regular files copied (0600); a file that vanishes is skipped; anything
 * else (symlink, socket...) not excluded is an error. Returns the files
 * copied, paths relative to `targetRoot`, sorted.
 */
export async function copyTreeHashed(sourceRoot: string, targetRoot: string, options: TreeCopyOptions): Promise<{ files: BackupFile[]; directories: string[] }> {
  const files: Array<{ relative: string }> = [];
  const directories: string[] = [];
  const last = new Set(options.copyLast ?? []);
  const walk = async (relative: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(path.join(sourceRoot, relative), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && relative !== '') return;
      throw err;
    }
    await fs.mkdir(path.join(targetRoot, options.prefix, relative), { mode: 0o700 });
    directories.push(relative);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (options.exclude?.(child, entry)) continue;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) {
        if (!last.has(child)) files.push({ relative: child });
      } else throw new Error(`${path.join(sourceRoot, child)} is neither a file nor a directory: cannot back it up`);
    }
  };
  await walk('');
  const copied: BackupFile[] = [];
  const copyOne = async (relative: string, copier: Copier) => {
    const recorded = path.posix.join(options.prefix, relative);
    const result = await copier.copy(path.join(sourceRoot, relative), path.join(targetRoot, recorded), { mode: 0o600 });
    if (result) copied.push({ path: recorded, ...result });
  };
  await inLanes(files, 2, ({ relative }, copier) => copyOne(relative, copier));
  const copier = new Copier();
  for (const relative of options.copyLast ?? []) await copyOne(relative, copier);
  copied.sort(byPath);
  return { files: copied, directories };
}

/** Write manifest.json (fsynced) into a backup directory. */
export async function writeManifest(dir: string, manifest: BackupManifest): Promise<void> {
  const file = path.join(dir, MANIFEST_FILE);
  const handle = await fs.open(file, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A relative, normalised, `/`-separated path that stays inside the backup. */
function safeRelativePath(p: unknown): p is string {
  if (typeof p !== 'string' || p === '' || p.includes('\0') || p.includes('\\')) return false;
  if (path.posix.isAbsolute(p) || path.posix.normalize(p) !== p) return false;
  return !p.split('/').some((part) => part === '..' || part === '.' || part === '') && p !== MANIFEST_FILE;
}

/**
 * Read manifest.json and check it: format, well-formed entries, every file
 * present with the recorded size. Checksums are checked by copyVerified.
 */
export async function readManifest(backupDir: string): Promise<BackupManifest> {
  const dir = path.resolve(backupDir);
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BackupIntegrityError(
      code === 'ENOENT' ? `backup ${dir} has no ${MANIFEST_FILE} (missing or incomplete backup)` : `backup ${dir}: cannot read ${MANIFEST_FILE}: ${(err as Error).message}`,
    );
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch (err) {
    throw new BackupIntegrityError(`backup ${dir}: ${MANIFEST_FILE} is not valid JSON: ${(err as Error).message}`);
  }
  const bad = (what: string) => new BackupIntegrityError(`backup ${dir}: ${MANIFEST_FILE} ${what}`);
  if (typeof manifest !== 'object' || manifest === null) throw bad('is not an object');
  if (manifest.format !== 1) throw bad(`has format ${JSON.stringify(manifest.format)}; this berth reads format 1`);
  for (const key of ['engine', 'blueprintId', 'engineVersion', 'consistentAt'] as const) {
    if (typeof manifest[key] !== 'string') throw bad(`lacks ${key}`);
  }
  if (Number.isNaN(Date.parse(manifest.consistentAt))) throw bad(`has an invalid consistentAt ${manifest.consistentAt}`);
  if (typeof manifest.position !== 'object' || manifest.position === null) throw bad('lacks position');
  if (!Array.isArray(manifest.files)) throw bad('lacks files');
  const seen = new Set<string>();
  let total = 0;
  for (const file of manifest.files) {
    if (!safeRelativePath(file?.path)) throw bad(`lists an unsafe path ${JSON.stringify(file?.path)}`);
    if (seen.has(file.path)) throw bad(`lists ${file.path} twice`);
    seen.add(file.path);
    if (!Number.isSafeInteger(file.size) || file.size < 0) throw bad(`has an invalid size for ${file.path}`);
    if (typeof file.sha256 !== 'string' || !SHA256_HEX.test(file.sha256)) throw bad(`has an invalid sha256 for ${file.path}`);
    total += file.size;
  }
  if (manifest.sizeBytes !== total) throw bad(`says ${manifest.sizeBytes} bytes but its files add up to ${total}`);
  for (const file of manifest.files) {
    let stat;
    try {
      stat = await fs.lstat(path.join(dir, file.path));
    } catch {
      throw new BackupIntegrityError(`backup ${dir}: file ${file.path} is missing`);
    }
    if (!stat.isFile()) throw new BackupIntegrityError(`backup ${dir}: ${file.path} is not a regular file`);
    if (stat.size !== file.size) {
      throw new BackupIntegrityError(`backup ${dir}: file ${file.path} is corrupted (${stat.size} bytes, the manifest says ${file.size})`);
    }
  }
  return manifest;
}

export interface VerifiedCopyOptions {
  /** Where a backup file goes (absolute path), or undefined to leave it out. */
  target(file: BackupFile): string | undefined;
  owner?: FileOwner | undefined;
}

/**
 * Copy the files of a backup out, checking each against its SHA-256 as it is
 * copied (one read per file). Throws BackupIntegrityError naming the first
 * corrupted or missing file; the caller discards what was copied, so nothing
 * built from an unverified file is ever used. Parent directories are created
 * 0700 and, like the files (0600), owned by `owner`. Not synced: the caller
 * calls syncFilesystem once it has written everything.
 */
export async function copyVerified(backupDir: string, manifest: BackupManifest, options: VerifiedCopyOptions): Promise<void> {
  const dir = path.resolve(backupDir);
  const made = new Set<string>();
  const jobs = manifest.files.flatMap((file) => {
    const to = options.target(file);
    return to ? [{ file, to }] : [];
  });
  for (const { to } of jobs) await mkdirChain(path.dirname(to), made, options.owner);
  await inLanes(jobs, 2, async ({ file, to }, copier) => {
    const copied = await copier.copy(path.join(dir, file.path), to, { mode: 0o600, owner: options.owner });
    if (!copied) throw new BackupIntegrityError(`backup ${dir}: file ${file.path} is missing`);
    if (copied.size !== file.size || copied.sha256 !== file.sha256) {
      throw new BackupIntegrityError(
        `backup ${dir}: file ${file.path} is corrupted (sha256 ${copied.sha256}, ${copied.size} bytes; ` +
          `the manifest says ${file.sha256}, ${file.size} bytes)`,
      );
    }
  });
}
