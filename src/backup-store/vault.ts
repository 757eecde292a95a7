/**
 * Files and catalog entries in a backup store, sealed on the way in and
 * checked on the way out: a file is sealed into the local staging
 * directory, uploaded, and its plaintext SHA-256 and size returned for the
 * catalog entry that names it; a download is unsealed as it arrives, checked
 * against that checksum, and only a complete, verified directory appears
 * under its name.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { buildDirectoryAtomically, inLanes, mkdirChain } from '../engines/backup-manifest.js';
import type { BackupKeyring } from './keyring.js';
import { MissingObjectError, type BackupRepository } from './repository.js';
import { sealBytes, sealFile, SealedObjectError, unsealBytes, unsealStream } from './sealing.js';

export interface StoredFile {
  /** Relative to the directory it came from, `/`-separated. */
  path: string;
  size: number;
  sha256: string;
}

/** A backup in the store that cannot be used: an object missing, corrupted, or sealed with a key berth lacks. */
export class StoredBackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoredBackupError';
  }
}

/** Uploads and downloads side by side (the machine has two cores; the store's latency hides behind the other lanes). */
export const TRANSFER_LANES = 3;

export class BackupVault {
  constructor(
    readonly repository: BackupRepository,
    readonly keyring: BackupKeyring,
    private readonly stagingDir: string,
  ) {}

  get description(): string {
    return this.repository.description;
  }

  /**
   * Seals and uploads each of `relativePaths` (files under `localDir`) to
   * `dataPrefix` + its path; files already compressed (gzip) are stored as
   * they are inside the seal.
   */
  async pushFiles(localDir: string, relativePaths: readonly string[], dataPrefix: string): Promise<StoredFile[]> {
    await fs.mkdir(this.stagingDir, { recursive: true, mode: 0o700 });
    const stored: StoredFile[] = [];
    await inLanes(relativePaths, TRANSFER_LANES, async (relative) => {
      const staged = path.join(this.stagingDir, `up-${randomBytes(8).toString('hex')}`);
      try {
        const sealed = await sealFile(path.join(localDir, relative), staged, this.keyring);
        await this.repository.putFile(`${dataPrefix}${relative}`, staged);
        stored.push({ path: relative, size: sealed.size, sha256: sealed.sha256 });
      } finally {
        await fs.rm(staged, { force: true });
      }
    });
    return stored.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Downloads `files` from `dataPrefix` into the new directory `targetDir`,
   * each unsealed and checked against its catalog checksum; throws
   * StoredBackupError naming the first object that is missing or wrong, and
   * leaves nothing under `targetDir` then.
   */
  async pullFiles(dataPrefix: string, files: readonly StoredFile[], targetDir: string): Promise<void> {
    await buildDirectoryAtomically(targetDir, async (temp) => {
      const made = new Set<string>();
      for (const file of files) await mkdirChain(path.dirname(path.join(temp, file.path)), made, undefined);
      await inLanes(files, TRANSFER_LANES, (file) => this.pullFile(`${dataPrefix}${file.path}`, path.join(temp, file.path), file));
    });
  }

  /** One object into the new file `target`, unsealed as it downloads and checked against `expected` when given. */
  async pullFile(key: string, target: string, expected?: Pick<StoredFile, 'sha256' | 'size'>): Promise<void> {
    try {
      await unsealStream(await this.repository.openObject(key), target, this.keyring, expected);
    } catch (error) {
      throw this.explain(key, error);
    }
  }

  async putEntry(key: string, value: unknown): Promise<void> {
    await this.repository.putBytes(key, sealBytes(Buffer.from(JSON.stringify(value)), this.keyring));
  }

  /** A catalog entry, or undefined when there is none; StoredBackupError when it cannot be read. */
  async getEntry<T>(key: string): Promise<T | undefined> {
    const bytes = await this.repository.getBytes(key);
    if (bytes === undefined) return undefined;
    try {
      return JSON.parse(unsealBytes(bytes, this.keyring).toString('utf8')) as T;
    } catch (error) {
      throw this.explain(key, error);
    }
  }

  /** Every key under `prefix`. */
  async keys(prefix: string): Promise<string[]> {
    return (await this.repository.list(prefix)).map((object) => object.key);
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.repository.delete(keys);
  }

  /** Deletes every object under `prefix`. */
  async deletePrefix(prefix: string): Promise<void> {
    await this.delete(await this.keys(prefix));
  }

  private explain(key: string, error: unknown): Error {
    if (error instanceof MissingObjectError) return new StoredBackupError(`the backup store ${this.description} has no object ${key}`);
    if (error instanceof SealedObjectError) return new StoredBackupError(`object ${key} in the backup store ${this.description}: ${error.message}`);
    return error instanceof Error ? error : new Error(String(error));
  }
}
