/**
 * Backup directories with a SHA-256 per file: hashed copies out of a live
 * directory tree, manifest.json, verified copies back, and directories that
 * only appear under their final name once complete. Engine-neutral: each
 * driver passes in its exclusions and target paths.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fsSync, { type Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fsyncDirectory, fsyncPath } from '../util/files.js';
import type { BackupFile, BackupManifest } from './backup.js';

const execFileAsync = promisify(execFile);

export const MANIFEST_FILE = 'manifest.json';

const CHUNK_BYTES = 1024 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Owner given to what a copy creates (only applied when berth runs as root). */
export interface FileOwner {
  uid: number;
  gid: number;
}

/** A backup (or a file of one) that cannot be used: missing, truncated, corrupted. */
export class BackupIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupIntegrityError';
  }
}

interface CopyOptions {
  mode: number;
  owner?: FileOwner | undefined;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * Copies files, hashing what it wrote, at close to `cp` speed:
 * - small files (< 1 MiB, most of a data dir) with synchronous system calls,
 *   one read, one write: thread-pool round trips of fs.promises cost several
 *   times more per file (on gVisor, ~4x);
 * - large files with the kernel's copy (copyFile: copy_file_range, off the
 *   event loop), then hashed by reading the copy back from the page cache,
 *   which is faster than moving every byte through user space twice.
 * A Copier hands the event loop back every `sliceMs` so that berth keeps
 * serving meanwhile; one copy at a time per Copier (one buffer). Nothing is
 * fsynced file by file: callers sync the file system once at the end
 * (syncFilesystem), as PostgreSQL's own recovery_init_sync_method=syncfs.
 */
export class Copier {
  private readonly buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private lastYield = performance.now();

  constructor(private readonly sliceMs = 10) {}

  /** Let other work run when this copier has held the event loop for a slice. */
  async breathe(): Promise<void> {
    if (performance.now() - this.lastYield < this.sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
  }

  /**
   * Copy `src` to the new file `dst` and hash the copy. Undefined when `src`
   * does not exist (a live tree loses files while it is copied).
   */
  async copy(src: string, dst: string, options: CopyOptions): Promise<{ size: number; sha256: string } | undefined> {
    let input: number;
    try {
      input = fsSync.openSync(src, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let large = false;
    try {
      large = fsSync.fstatSync(input).size >= CHUNK_BYTES;
      if (!large) return await this.copySmall(input, dst, options);
    } finally {
      fsSync.closeSync(input);
      await this.breathe();
    }
    return this.copyLarge(src, dst, options);
  }

  private async copySmall(input: number, dst: string, options: CopyOptions): Promise<{ size: number; sha256: string }> {
    const output = fsSync.openSync(dst, 'wx', options.mode);
    try {
      if (options.owner && isRoot()) fsSync.fchownSync(output, options.owner.uid, options.owner.gid);
      const hash = createHash('sha256');
      let size = 0;
      for (;;) {
        const bytesRead = fsSync.readSync(input, this.buffer, 0, CHUNK_BYTES, null);
        if (bytesRead === 0) break;
        hash.update(this.buffer.subarray(0, bytesRead));
        for (let offset = 0; offset < bytesRead; ) {
          offset += fsSync.writeSync(output, this.buffer, offset, bytesRead - offset, size + offset);
        }
        size += bytesRead;
        // A short read of a regular file is its end (a live file growing later: WAL replay covers it).
        if (bytesRead < CHUNK_BYTES) break;
        await this.breathe();
      }
      return { size, sha256: hash.digest('hex') };
    } finally {
      fsSync.closeSync(output);
    }
  }

  private async copyLarge(src: string, dst: string, options: CopyOptions): Promise<{ size: number; sha256: string } | undefined> {
    try {
      await fs.copyFile(src, dst, fsSync.constants.COPYFILE_EXCL);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || (await exists(src))) throw err;
      await fs.rm(dst, { force: true });
      return undefined; // vanished meanwhile
    }
    if (options.owner && isRoot()) await fs.chown(dst, options.owner.uid, options.owner.gid);
    await fs.chmod(dst, options.mode);
    return this.hash(dst);
  }

  /** SHA-256 and size of a file, read in slices. */
  async hash(file: string): Promise<{ size: number; sha256: string }> {
    const input = fsSync.openSync(file, 'r');
    try {
      const hash = createHash('sha256');
      let size = 0;
      for (;;) {
        const bytesRead = fsSync.readSync(input, this.buffer, 0, CHUNK_BYTES, null);
        if (bytesRead === 0) break;
        hash.update(this.buffer.subarray(0, bytesRead));
        size += bytesRead;
        await this.breathe();
      }
      return { size, sha256: hash.digest('hex') };
    } finally {
      fsSync.closeSync(input);
    }
  }
}

/**
 * Run `work` over `items` in `lanes` parallel lanes, each with its own
 * Copier: while one lane hashes on the main thread, another's kernel copy
 * runs in the thread pool. The first error stops the lanes and is thrown.
 */
export async function inLanes<T>(items: readonly T[], lanes: number, work: (item: T, copier: Copier) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const lane = async () => {
    const copier = new Copier();
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item, copier);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, items.length)) }, lane));
  if (failed) throw failed.error;
}

/**
 * Make everything written under `dir` durable: syncfs(2) of its file system
 * (`sync -f`), one call instead of an fsync per file; an fsync of every file
 * and directory below when that is not available.
 */
export async function syncFilesystem(dir: string): Promise<void> {
  try {
    await execFileAsync('sync', ['-f', dir], { timeout: 600_000 });
    return;
  } catch {
    // coreutils < 8.24, or syncfs refused: fsync one by one.
  }
  const walk = async (current: string): Promise<void> => {
    for (const entry of await fs.readdir(current, { withFileTypes: true })) {
      const child = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) await fsyncPath(child);
    }
    await fsyncPath(current);
  };
  await walk(dir);
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

/**
 * Build `targetDir` under a temporary sibling name and rename it when `build`
 * succeeds, its content made durable first: a crash or an error never leaves
 * a directory under the final name. Leftovers of earlier attempts at the same
 * target are removed first.
 */
export async function buildDirectoryAtomically<T>(targetDir: string, build: (tempDir: string) => Promise<T>): Promise<T> {
  const target = path.resolve(targetDir);
  if (await exists(target)) throw new Error(`${target} already exists`);
  const parent = path.dirname(target);
  const leftover = `.${path.basename(target)}.partial-`;
  await fs.mkdir(parent, { recursive: true, mode: 0o755 });
  for (const name of await fs.readdir(parent)) {
    if (name.startsWith(leftover)) await fs.rm(path.join(parent, name), { recursive: true, force: true });
  }
  const temp = path.join(parent, `${leftover}${randomBytes(6).toString('hex')}`);
  await fs.mkdir(temp, { mode: 0o700 });
  try {
    const result = await build(temp);
    await syncFilesystem(temp);
    await fs.rename(temp, target);
    await fsyncDirectory(parent);
    return result;
  } catch (err) {
    await fs.rm(temp, { recursive: true, force: true });
    throw err;
  }
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

/** mkdir -p that chowns what it creates; `made` remembers what exists already. */
export async function mkdirChain(dir: string, made: Set<string>, owner: FileOwner | undefined, mode = 0o700): Promise<void> {
  if (made.has(dir)) return;
  const parent = path.dirname(dir);
  if (parent !== dir && !(await exists(parent))) await mkdirChain(parent, made, owner, mode);
  try {
    await fs.mkdir(dir, { mode });
    if (owner && isRoot()) await fs.chown(dir, owner.uid, owner.gid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  made.add(dir);
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}
