/**
 * The backup key: what seals everything berth puts in a backup store. A key
 * file holds base64 keys of 32 bytes, one per line; the first is the current
 * key (new objects are sealed with it), the ones after it are older keys kept
 * so that old backups stay readable. Blank lines and `#` comments are ignored.
 * A key is known by its id, a hash that reveals nothing of the key; errors
 * name the file and line, never the key material.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { inspect } from 'node:util';
import { writeFileAtomic, writeFileExclusive } from '../util/files.js';

export const BACKUP_KEY_BYTES = 32;
const KEY_FILE_MODE = 0o600;
const KEY_ID_CONTEXT = 'berth backup key id';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface BackupKey {
  /** 16 hex characters. */
  id: string;
  key: Buffer;
}

/** The key file cannot be used: missing, malformed, or in the way of a new one. */
export class BackupKeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupKeyFileError';
  }
}

/** First 16 hex characters of SHA-256 over a fixed context string and the key. */
export function backupKeyId(key: Buffer): string {
  return createHash('sha256').update(KEY_ID_CONTEXT).update(key).digest('hex').slice(0, 16);
}

export class BackupKeyring {
  private readonly keys: readonly BackupKey[];

  /** `keys[0]` is the current key. */
  private constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new BackupKeyFileError('a backup keyring needs at least one key');
    this.keys = keys.map((key) => ({ id: backupKeyId(key), key }));
  }

  /** From raw keys (the first is the current one); for tests and tools. */
  static fromKeys(keys: readonly Buffer[]): BackupKeyring {
    for (const key of keys) {
      if (key.length !== BACKUP_KEY_BYTES) throw new BackupKeyFileError(`a backup key is ${BACKUP_KEY_BYTES} bytes, not ${key.length}`);
    }
    return new BackupKeyring(keys);
  }

  /** The key new objects are sealed with. */
  get current(): BackupKey {
    return this.keys[0]!;
  }

  /** Ids of every key, the current one first. */
  get ids(): string[] {
    return this.keys.map((key) => key.id);
  }

  find(id: string): BackupKey | undefined {
    return this.keys.find((key) => key.id === id);
  }

  static async load(file: string): Promise<BackupKeyring> {
    return new BackupKeyring(parseKeyFile(file, await readKeyFile(file)));
  }

  /** Creates `file` (0600) holding one fresh key; refuses to replace a file that exists. */
  static async generate(file: string): Promise<BackupKeyring> {
    const key = randomBytes(BACKUP_KEY_BYTES);
    await createExclusively(file, `${key.toString('base64')}\n`);
    return new BackupKeyring([key]);
  }

  /**
   * Puts a fresh key at the top of `file`, keeping everything else in it (the
   * older keys, comments), atomically; returns the keyring it now holds.
   */
  static async rotate(file: string): Promise<BackupKeyring> {
    const text = await readKeyFile(file);
    const older = parseKeyFile(file, text);
    const key = randomBytes(BACKUP_KEY_BYTES);
    await writeFileAtomic(file, `${key.toString('base64')}\n${text}`, KEY_FILE_MODE);
    return new BackupKeyring([key, ...older]);
  }

  /** Keeps key material out of logs and error reports. */
  [inspect.custom](): string {
    return `BackupKeyring { ids: [${this.ids.join(', ')}] }`;
  }

  toJSON(): { ids: string[] } {
    return { ids: this.ids };
  }
}

async function readKeyFile(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BackupKeyFileError(`backup key file ${file} does not exist`);
    if (code === 'EACCES') throw new BackupKeyFileError(`backup key file ${file} cannot be read: permission denied`);
    if (code === 'EISDIR') throw new BackupKeyFileError(`backup key file ${file} is a directory`);
    throw error;
  }
}

function parseKeyFile(file: string, text: string): Buffer[] {
  const keys: Buffer[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `backup key file ${file}, line ${index + 1}`;
    if (!BASE64.test(line) || line.length % 4 !== 0) throw new BackupKeyFileError(`${where}: not a base64 key`);
    const key = Buffer.from(line, 'base64');
    if (key.length !== BACKUP_KEY_BYTES) {
      throw new BackupKeyFileError(`${where}: the key is ${key.length} bytes, a backup key is ${BACKUP_KEY_BYTES} bytes`);
    }
    keys.push(key);
  });
  if (keys.length === 0) throw new BackupKeyFileError(`backup key file ${file} holds no key`);
  return keys;
}

/** Writes `text` to the new `file` whole or not at all; never replaces an existing one. */
async function createExclusively(file: string, text: string): Promise<void> {
  await writeFileExclusive(file, text, KEY_FILE_MODE).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') throw new BackupKeyFileError(`backup key file ${file} already exists; not replacing it`);
    throw error;
  });
}
