/**
 * Directories of a backup or a restore made durable: built under a temporary
 * name and renamed once complete, synced with one syncfs, created with their
 * owner.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fsyncDirectory, fsyncPath } from '../util/files.js';
import { pathExists, runningAsRoot, type FileOwner } from './hashed-copy.js';

const execFileAsync = promisify(execFile);

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

/**
 * Build `targetDir` under a temporary sibling name and rename it when `build`
 * succeeds, its content made durable first: a crash or an error never leaves
 * a directory under the final name. Leftovers of earlier attempts at the same
 * target are removed first.
 */
export async function buildDirectoryAtomically<T>(targetDir: string, build: (tempDir: string) => Promise<T>): Promise<T> {
  const target = path.resolve(targetDir);
  if (await pathExists(target)) throw new Error(`${target} already exists`);
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

/** mkdir -p that chowns what it creates; `made` remembers what exists already. */
export async function mkdirChain(dir: string, made: Set<string>, owner: FileOwner | undefined, mode = 0o700): Promise<void> {
  if (made.has(dir)) return;
  const parent = path.dirname(dir);
  if (parent !== dir && !(await pathExists(parent))) await mkdirChain(parent, made, owner, mode);
  try {
    await fs.mkdir(dir, { mode });
    if (owner && runningAsRoot()) await fs.chown(dir, owner.uid, owner.gid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  made.add(dir);
}
