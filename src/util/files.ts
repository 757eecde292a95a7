import { randomBytes } from 'node:crypto';
import { link, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

const TEMP_SUFFIX = '.berth-tmp';

export async function readFileOrUndefined(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes a file so that a crash at any moment leaves either the old content
 * or the new one: temp file in the same directory, fsync, rename, fsync dir.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  return writeThroughTemp(file, data, mode, (temp) => rename(temp, file));
}

/**
 * Creates `file` whole or not at all, failing with EEXIST when it exists:
 * the complete temp file is hard-linked to its name (a link never replaces).
 */
export function writeFileExclusive(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  return writeThroughTemp(file, data, mode, (temp) => link(temp, file));
}

async function writeThroughTemp(file: string, data: string | Uint8Array, mode: number, place: (temp: string) => Promise<void>): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.chmod(mode); // open()'s mode is filtered by the umask
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await place(temp);
  } finally {
    await rm(temp, { force: true });
  }
  await fsyncDirectory(dir);
}

/** fsync a file, or a directory (its entries: the names created or renamed in it). */
export async function fsyncPath(target: string): Promise<void> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a directory: the names created or renamed in it. */
export const fsyncDirectory = fsyncPath;

/** The names in a directory; none when it does not exist. */
export async function readdirIfExists(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Removes temp files left behind by a writeFileAtomic that was killed before its rename. */
export async function removeStaleTempFiles(dir: string): Promise<void> {
  const entries = await readdir(dir);
  await Promise.all(entries.filter((name) => name.endsWith(TEMP_SUFFIX)).map((name) => rm(path.join(dir, name), { force: true })));
}
