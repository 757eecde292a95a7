/**
 * Sealed objects: what berth puts in a backup store. A sealed object is
 *
 *   "BERTHSEAL" | version | key id (8 bytes) | IV (12 bytes) | ciphertext | GCM tag (16 bytes)
 *
 * where the ciphertext is AES-256-GCM over the compressed plaintext, and the
 * header (everything before the ciphertext) is authenticated too. The version
 * names the compression: 2 is Brotli at quality 1, which compresses as well as
 * gzip -1 at two to five times its speed (measured on data files, binaries and
 * text here), and passes already-compressed data through about as fast as it
 * reads it; 1 is gzip, written by earlier berths and still read. Files are
 * sealed and unsealed as streams (they can be gigabytes); an unsealed file
 * appears under its name only once the tag, and the checksum the caller
 * expects, verify.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, type CipherGCM, type DecipherGCM, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { BackupKey, BackupKeyring } from './keyring.js';

const MAGIC = Buffer.from('BERTHSEAL', 'ascii');
const GZIP_VERSION = 1;
const BROTLI_VERSION = 2;
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + KEY_ID_BYTES + IV_BYTES;
const CIPHER = 'aes-256-gcm';
const CHUNK_BYTES = 1024 * 1024;
const FILE_MODE = 0o600;
const BROTLI_QUALITY = 1;

const AUTHENTICATION_FAILED = 'authentication failed: the object is corrupted or was altered';

/** A sealed object that cannot be opened: not sealed, wrong key, altered, or not the expected content. */
export class SealedObjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedObjectError';
  }
}

export interface SealedFile {
  /** Of the plaintext. */
  size: number;
  /** Of the plaintext, hex. */
  sha256: string;
  /** Of the sealed object. */
  storedSize: number;
}

export interface ExpectedContent {
  sha256: string;
  size: number;
}

/** Seals the file `source` into `target` (created or replaced, 0600); nothing is left at `target` when it fails. */
export async function sealFile(source: string, target: string, keyring: BackupKeyring): Promise<SealedFile> {
  const header = newHeader(keyring.current);
  const plaintext = new Tally();
  const sealer = new Sealer(newCipher(keyring.current, header), header);
  try {
    const sizeHint = (await fs.stat(source)).size;
    await pipeline(
      createReadStream(source, { highWaterMark: CHUNK_BYTES }),
      plaintext,
      newCompressor(sizeHint),
      sealer,
      createWriteStream(target, { mode: FILE_MODE }),
    );
  } catch (error) {
    await fs.rm(target, { force: true });
    throw error;
  }
  return { size: plaintext.size, sha256: plaintext.sha256(), storedSize: sealer.size };
}

/** Seals a small object (a catalog entry) in memory. */
export function sealBytes(bytes: Buffer, keyring: BackupKeyring): Buffer {
  const header = newHeader(keyring.current);
  const cipher = newCipher(keyring.current, header);
  const ciphertext = cipher.update(zlib.brotliCompressSync(bytes, { params: brotliParams(bytes.length) }));
  return Buffer.concat([header, ciphertext, cipher.final(), cipher.getAuthTag()]);
}

export function unsealBytes(sealed: Buffer, keyring: BackupKeyring): Buffer {
  const header = sealed.subarray(0, HEADER_BYTES);
  const key = keyOf(header, keyring);
  // compressed output is never empty, so neither is the ciphertext
  if (sealed.length <= HEADER_BYTES + TAG_BYTES) throw new SealedObjectError(`${AUTHENTICATION_FAILED} (truncated to ${sealed.length} bytes)`);
  const decipher = newDecipher(key, header);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  let compressed: Buffer;
  try {
    compressed = Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new SealedObjectError(AUTHENTICATION_FAILED);
  }
  return versionOf(header) === GZIP_VERSION ? zlib.gunzipSync(compressed) : zlib.brotliDecompressSync(compressed);
}

/** Unseals the file `source` into `target`: unsealStream of its bytes. */
export function unsealFile(source: string, target: string, keyring: BackupKeyring, expected?: ExpectedContent): Promise<void> {
  return unsealStream(createReadStream(source, { highWaterMark: CHUNK_BYTES }), target, keyring, expected);
}

/**
 * Unseals the sealed object `source` streams (a download as it arrives) into
 * `target` through a temp file next to it, renamed to `target` only when the
 * object authenticates and, when `expected` is given, its plaintext has that
 * size and SHA-256. Not fsynced: callers sync the file system once they have
 * written everything.
 */
export async function unsealStream(source: Readable, target: string, keyring: BackupKeyring, expected?: ExpectedContent): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.berth-tmp`);
  let undecompressable = false;
  try {
    const { header, body } = await splitHeader(source);
    const key = keyOf(header, keyring);
    const plaintext = new Tally();
    const decompressor = newDecompressor(header);
    // it only ever fails on bytes that did not decrypt right (the tag is checked at the end)
    decompressor.once('error', () => (undecompressable = true));
    await pipeline(
      body,
      new Unsealer(newDecipher(key, header)),
      decompressor,
      plaintext,
      createWriteStream(temp, { flags: 'wx', mode: FILE_MODE }),
    );
    if (expected && plaintext.size !== expected.size) {
      throw new SealedObjectError(`size mismatch: expected ${expected.size} bytes, got ${plaintext.size}`);
    }
    const sha256 = plaintext.sha256();
    if (expected && sha256 !== expected.sha256) throw new SealedObjectError(`checksum mismatch: expected ${expected.sha256}, got ${sha256}`);
    await fs.rename(temp, target);
  } catch (error) {
    source.destroy();
    await fs.rm(temp, { force: true });
    if (undecompressable) throw new SealedObjectError(AUTHENTICATION_FAILED);
    throw error;
  }
}

/** The header of a sealed stream (or fewer bytes when the stream is shorter), and the rest of it. */
async function splitHeader(source: Readable): Promise<{ header: Buffer; body: Readable }> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < HEADER_BYTES && !ended) {
    const next = await chunks.next();
    if (next.done) ended = true;
    else head = Buffer.concat([head, next.value]);
  }
  const rest = head.subarray(HEADER_BYTES);
  async function* remaining(): AsyncGenerator<Buffer> {
    if (rest.length > 0) yield rest;
    if (ended) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  return { header: head.subarray(0, HEADER_BYTES), body: Readable.from(remaining(), { objectMode: false }) };
}

function brotliParams(sizeHint: number): Record<number, number> {
  return { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: sizeHint };
}

function newCompressor(sizeHint: number): Transform {
  return zlib.createBrotliCompress({ params: brotliParams(sizeHint), chunkSize: CHUNK_BYTES });
}

function newDecompressor(header: Buffer): Transform {
  return versionOf(header) === GZIP_VERSION ? zlib.createGunzip({ chunkSize: CHUNK_BYTES }) : zlib.createBrotliDecompress({ chunkSize: CHUNK_BYTES });
}

function newHeader(key: BackupKey): Buffer {
  return Buffer.concat([MAGIC, Buffer.from([BROTLI_VERSION]), Buffer.from(key.id, 'hex'), randomBytes(IV_BYTES)]);
}

const versionOf = (header: Buffer) => header[MAGIC.length]!;

const ivOf = (header: Buffer) => header.subarray(HEADER_BYTES - IV_BYTES, HEADER_BYTES);

function newCipher(key: BackupKey, header: Buffer): CipherGCM {
  const cipher = createCipheriv(CIPHER, key.key, ivOf(header), { authTagLength: TAG_BYTES });
  cipher.setAAD(header);
  return cipher;
}

function newDecipher(key: BackupKey, header: Buffer): DecipherGCM {
  const decipher = createDecipheriv(CIPHER, key.key, ivOf(header), { authTagLength: TAG_BYTES });
  decipher.setAAD(header);
  return decipher;
}

/** The key that opens an object with this header (its first bytes), checking what can be checked before decrypting. */
function keyOf(header: Buffer, keyring: BackupKeyring): BackupKey {
  if (header.length < MAGIC.length + 1 || !header.subarray(0, MAGIC.length).equals(MAGIC)) throw new SealedObjectError('not a berth sealed object');
  const version = versionOf(header);
  if (version !== GZIP_VERSION && version !== BROTLI_VERSION) throw new SealedObjectError(`sealed in format version ${version}, which this berth cannot read`);
  if (header.length < HEADER_BYTES) throw new SealedObjectError(`${AUTHENTICATION_FAILED} (truncated to ${header.length} bytes)`);
  const id = header.subarray(MAGIC.length + 1, MAGIC.length + 1 + KEY_ID_BYTES).toString('hex');
  const key = keyring.find(id);
  if (!key) throw new SealedObjectError(`sealed with key ${id}, which the key file does not hold (wrong or missing backup key)`);
  return key;
}

/** Passes bytes through, counting and hashing them. */
class Tally extends Transform {
  size = 0;
  private readonly hash: Hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    this.hash.update(chunk);
    done(null, chunk);
  }

  sha256(): string {
    return this.hash.digest('hex');
  }
}

/** Header, ciphertext, tag. */
class Sealer extends Transform {
  size = 0;

  constructor(private readonly cipher: CipherGCM, header: Buffer) {
    super();
    this.pushCounted(header);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pushCounted(this.cipher.update(chunk));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.pushCounted(this.cipher.final());
    this.pushCounted(this.cipher.getAuthTag());
    done();
  }

  private pushCounted(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.size += bytes.length;
    this.push(bytes);
  }
}

/**
 * Ciphertext and tag in, plaintext out: holds back the last TAG_BYTES seen
 * (the tag, once the stream ends) and fails at the end when the tag does not
 * verify.
 */
class Unsealer extends Transform {
  private held = Buffer.alloc(0);
  private ciphertextBytes = 0;

  constructor(private readonly decipher: DecipherGCM) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const cut = Math.max(0, bytes.length - TAG_BYTES);
    this.held = Buffer.from(bytes.subarray(cut));
    this.ciphertextBytes += cut;
    done(null, cut > 0 ? this.decipher.update(bytes.subarray(0, cut)) : undefined);
  }

  override _flush(done: TransformCallback): void {
    // compressed output is never empty, so neither is the ciphertext
    if (this.held.length < TAG_BYTES || this.ciphertextBytes === 0) {
      done(new SealedObjectError(`${AUTHENTICATION_FAILED} (truncated to ${HEADER_BYTES + this.ciphertextBytes + this.held.length} bytes)`));
      return;
    }
    try {
      this.decipher.setAuthTag(this.held);
      done(null, this.decipher.final());
    } catch {
      done(new SealedObjectError(AUTHENTICATION_FAILED));
    }
  }
}
