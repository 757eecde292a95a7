/**
 * Copies of files hashed (SHA-256) as they are written, owned by berth's
 * service user when berth runs as root, in parallel lanes. The building
 * block of backup-manifest.ts and the archives.
 */
import { createHash } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';

const CHUNK_BYTES = 1024 * 1024;

/** Owner given to what a copy creates (only applied when berth runs as root). */
export interface FileOwner {
  uid: number;
  gid: number;
}

interface CopyOptions {
  mode: number;
  owner?: FileOwner | undefined;
}

export const runningAsRoot = () => process.getuid?.() === 0;

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
      if (options.owner && runningAsRoot()) fsSync.fchownSync(output, options.owner.uid, options.owner.gid);
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
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || (await pathExists(src))) throw err;
      await fs.rm(dst, { force: true });
      return undefined; // vanished meanwhile
    }
    if (options.owner && runningAsRoot()) await fs.chown(dst, options.owner.uid, options.owner.gid);
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

/** Whether anything, even a dangling symlink, is at `p`. */
export async function pathExists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}
