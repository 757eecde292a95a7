/**
 * Where backups go when they must survive the host: a flat namespace of
 * immutable objects under keys like `regions/us-east-1/snapshots/a/b/manifest`.
 * Two implementations: a directory (file://) and S3-compatible object storage
 * (s3://). Everything stored is already sealed (compressed, encrypted and
 * checksummed by sealing.ts); a repository only moves bytes.
 */
import type { Readable } from 'node:stream';

export interface StoredObject {
  /** Key relative to the store's root (its prefix is not part of it). */
  key: string;
  size: number;
}

/** The order of `list`: by key, code unit by code unit (for ASCII keys, S3's own order). */
export function byKey(a: StoredObject, b: StoredObject): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The store cannot be used: unreachable, bucket missing, access denied, not a directory. */
export class BackupStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupStoreError';
  }
}

/** An object that should be there is not. */
export class MissingObjectError extends BackupStoreError {
  constructor(readonly key: string, where: string) {
    super(`${where}: object ${key} is missing`);
    this.name = 'MissingObjectError';
  }
}

export interface BackupRepository {
  /** For messages: `s3://bucket/prefix (endpoint http://127.0.0.1:4568)`, `file:///mnt/b`. */
  readonly description: string;

  /**
   * Proves the store can be used: it exists and berth may list, write and
   * delete in it. Throws a BackupStoreError that says which of these fails.
   */
  check(): Promise<void>;

  /** Stores the local file `sourceFile` under `key`, whole or not at all (an interrupted put leaves no object). */
  putFile(key: string, sourceFile: string): Promise<void>;

  putBytes(key: string, bytes: Buffer): Promise<void>;

  /** Writes the object to the new local file `targetFile`; MissingObjectError when there is none. */
  getFile(key: string, targetFile: string): Promise<void>;

  /**
   * The object's bytes as they arrive; MissingObjectError when there is none.
   * The stream fails with a BackupStoreError when it ends short of the object.
   */
  openObject(key: string): Promise<Readable>;

  /** The object's bytes, or undefined when there is none. */
  getBytes(key: string): Promise<Buffer | undefined>;

  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<StoredObject[]>;

  /** Deletes these objects; keys that do not exist are no error. */
  delete(keys: readonly string[]): Promise<void>;
}
