import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { readFileOrUndefined, writeFileAtomic } from '../util/files.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'v1:';
/** A rotation writes the new key beside the old one first; it replaces the old once everything is sealed under it. */
const NEXT_KEY_SUFFIX = '.next';

async function readKey(file: string): Promise<Buffer | undefined> {
  const key = await readFileOrUndefined(file);
  if (key !== undefined && key.length !== KEY_BYTES) {
    throw new Error(`The key file ${file} is damaged: expected ${KEY_BYTES} bytes, found ${key.length}.`);
  }
  return key;
}

/**
 * Encrypts secrets at rest (master passwords, server keys, access keys) with
 * AES-256-GCM under a key kept beside the store, readable by its owner only.
 * While a rotation is under way it opens what either key sealed and seals
 * under the new one.
 */
export class SecretBox {
  /** The sealing key first. */
  private constructor(private readonly keys: readonly Buffer[]) {}

  static async open(keyFile: string): Promise<SecretBox> {
    let current = await readKey(keyFile);
    if (current === undefined) {
      current = randomBytes(KEY_BYTES);
      await writeFileAtomic(keyFile, current, 0o600);
    }
    const next = await readKey(keyFile + NEXT_KEY_SUFFIX);
    return new SecretBox(next ? [next, current] : [current]);
  }

  /** Writes a new key beside `keyFile`; the next open seals under it and reads under both. */
  static async beginRotation(keyFile: string): Promise<void> {
    await writeFileAtomic(keyFile + NEXT_KEY_SUFFIX, randomBytes(KEY_BYTES), 0o600);
  }

  /** Once everything is sealed under the new key, it becomes the key. */
  static async finishRotation(keyFile: string): Promise<void> {
    await rename(keyFile + NEXT_KEY_SUFFIX, keyFile);
  }

  /** A rotation was begun and not finished. */
  get rotating(): boolean {
    return this.keys.length > 1;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open(sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error('Unknown secret format');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    let failure: unknown;
    // GCM's tag tells which key sealed it.
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }
}
