import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileOrUndefined, writeFileAtomic } from '../util/files.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'v1:';

/**
 * Encrypts secrets at rest (master passwords) with AES-256-GCM under a key
 * kept beside the store, readable by its owner only.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static async open(keyFile: string): Promise<SecretBox> {
    let key = await readFileOrUndefined(keyFile);
    if (key === undefined) {
      key = randomBytes(KEY_BYTES);
      await writeFileAtomic(keyFile, key, 0o600);
    }
    if (key.length !== KEY_BYTES) {
      throw new Error(`The key file ${keyFile} is damaged: expected ${KEY_BYTES} bytes, found ${key.length}.`);
    }
    return new SecretBox(key);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open(sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error('Unknown secret format');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}
