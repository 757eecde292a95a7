/**
 * A backup store on a directory (`file:///mnt/backups`), typically a mount of
 * another machine's disk: an object is the file at its key's path. Objects
 * are written to a temp name next to their own, fsynced and renamed, so a
 * crash leaves either the whole object or none; directories are created as
 * needed (0700) and removed once a delete leaves them empty.
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fsyncDirectory, fsyncPath } from '../util/files.js';
import { BackupStoreError, byKey, MissingObjectError, type BackupRepository, type StoredObject } from './repository.js';

const READ_CHUNK_BYTES = 1024 * 1024;

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const TEMP_SUFFIX = '.berth-tmp';

export class FileRepository implements BackupRepository {
  readonly root: string;
  readonly description: string;

  constructor(root: string) {
    if (!path.isAbsolute(root)) throw new Error(`a file backup store needs an absolute path, not ${root}`);
    this.root = path.resolve(root);
    this.description = `file://${this.root}`;
  }

  async check(): Promise<void> {
    try {
      await fs.mkdir(this.root, { recursive: true, mode: DIR_MODE });
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST' || code === 'ENOTDIR') throw this.failure(`${this.root} is not a directory`);
      throw this.failure(`cannot create the directory ${this.root}: ${reason(error)}`);
    }
    if (!(await fs.stat(this.root)).isDirectory()) throw this.failure(`${this.root} is not a directory`);

    const probe = `.berth-probe-${randomBytes(8).toString('hex')}`;
    const content = randomBytes(32);
    try {
      await this.putBytes(probe, content);
    } catch (error) {
      throw this.failure(`cannot write in ${this.root}: ${reason(error)}`);
    }
    try {
      const listed = await this.list(probe);
      const read = await this.getBytes(probe);
      if (listed.length !== 1 || !read?.equals(content)) throw new Error('the object written does not read back the same');
    } catch (error) {
      throw this.failure(`cannot read back what was written in ${this.root}: ${reason(error)}`);
    } finally {
      await this.delete([probe]).catch(() => undefined);
    }
    if (await exists(this.pathOf(probe))) throw this.failure(`cannot delete in ${this.root}`);
  }

  async putFile(key: string, sourceFile: string): Promise<void> {
    await this.writeAtomically(key, async (temp) => {
      await fs.copyFile(sourceFile, temp, fs.constants.COPYFILE_EXCL);
      await fs.chmod(temp, FILE_MODE);
      await fsyncPath(temp);
    });
  }

  async putBytes(key: string, bytes: Buffer): Promise<void> {
    await this.writeAtomically(key, async (temp) => {
      const handle = await fs.open(temp, 'wx', FILE_MODE);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  async getFile(key: string, targetFile: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await fs.copyFile(file, targetFile, fs.constants.COPYFILE_EXCL);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') throw error; // someone else's file: leave it be
      await fs.rm(targetFile, { force: true });
      if (!(await exists(file))) throw new MissingObjectError(key, this.description);
      throw error;
    }
  }

  async openObject(key: string): Promise<Readable> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.pathOf(key), 'r');
    } catch (error) {
      if (isMissing(error)) throw new MissingObjectError(key, this.description);
      throw error;
    }
    return handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
  }

  async getBytes(key: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    // only into directories that can hold keys starting with `prefix`
    const walk = async (dir: string, dirKey: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      await Promise.all(
        entries.map(async (entry) => {
          if (entry.name.endsWith(TEMP_SUFFIX)) return;
          const key = dirKey + entry.name;
          const entryPath = path.join(dir, entry.name);
          if (entry.isDirectory()) {
            const inside = `${key}/`;
            if (inside.startsWith(prefix) || prefix.startsWith(inside)) await walk(entryPath, inside);
          } else if (entry.isFile() && key.startsWith(prefix)) {
            const stat = await fs.stat(entryPath).catch((error: unknown) => (isMissing(error) ? undefined : Promise.reject(error)));
            if (stat) objects.push({ key, size: stat.size });
          }
        }),
      );
    };
    await walk(this.root, '');
    return objects.sort(byKey);
  }

  async delete(keys: readonly string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) {
      const file = this.pathOf(key);
      await fs.rm(file, { force: true });
      dirs.add(path.dirname(file));
    }
    for (const dir of dirs) await this.removeEmptyDirectories(dir);
  }

  /** The file of `key`; refuses keys that would leave the root or name something that is no object. */
  private pathOf(key: string): string {
    const segments = key.split('/');
    if (segments.some((segment) => segment === '' || segment === '.' || segment === '..' || segment.endsWith(TEMP_SUFFIX)) || key.includes('\0')) {
      throw new Error(`invalid object key ${JSON.stringify(key)}`);
    }
    return path.join(this.root, ...segments);
  }

  /** `write` fills a temp file next to the object's file, which then replaces it. */
  private async writeAtomically(key: string, write: (temp: string) => Promise<void>): Promise<void> {
    const file = this.pathOf(key);
    const dir = path.dirname(file);
    const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
    try {
      await fs.mkdir(dir, { recursive: true, mode: DIR_MODE });
      try {
        await write(temp);
      } catch (error) {
        // a delete nearby may have removed the directory, just emptied, meanwhile
        if (errorCode(error) !== 'ENOENT' || (await exists(dir))) throw error;
        await fs.mkdir(dir, { recursive: true, mode: DIR_MODE });
        await write(temp);
      }
      await fs.rename(temp, file);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
    await fsyncDirectory(dir);
  }

  private async removeEmptyDirectories(from: string): Promise<void> {
    for (let dir = from; dir !== this.root && dir.startsWith(this.root + path.sep); dir = path.dirname(dir)) {
      try {
        await fs.rmdir(dir);
      } catch {
        return; // not empty (or already gone): so are its parents
      }
    }
  }

  private failure(problem: string): BackupStoreError {
    return new BackupStoreError(`backup store ${this.description}: ${problem}`);
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
