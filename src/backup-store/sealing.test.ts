import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupKeyring } from './keyring.js';
import { sealBytes, sealFile, SealedObjectError, unsealBytes, unsealFile } from './sealing.js';

let dir = '';
const keyring = BackupKeyring.fromKeys([randomBytes(32)]);

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), `berth-test-${process.env.BERTH_TEST_RUN ?? 'adhoc'}-sealing-`));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const at = (name: string) => path.join(dir, name);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const HEADER_BYTES = 30;

/** Seals `content` into dir/sealed; returns what sealFile said. */
async function sealed(content: Buffer, ring = keyring) {
  await fs.writeFile(at('plain'), content);
  return sealFile(at('plain'), at('sealed'), ring);
}

async function expectUnsealFailure(pattern: RegExp | string, ring = keyring, expected?: { sha256: string; size: number }) {
  const error = await unsealFile(at('sealed'), at('out'), ring, expected).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SealedObjectError);
  expect((error as Error).message).toMatch(pattern);
  // nothing at the target, and no temp file beside it
  expect((await fs.readdir(dir)).sort()).toEqual(['plain', 'sealed']);
}

describe('sealed files', () => {
  const sizes: Array<[string, Buffer]> = [
    ['an empty file', Buffer.alloc(0)],
    ['a small file', Buffer.from('hello, sealed world\n')],
    ['a 20 MB random file', randomBytes(20 * 1024 * 1024 + 123)],
  ];
  for (const [what, content] of sizes) {
    it(`round-trips ${what}, reporting plaintext size and SHA-256`, async () => {
      const result = await sealed(content);
      expect(result.size).toBe(content.length);
      expect(result.sha256).toBe(sha256(content));
      expect(result.storedSize).toBe((await fs.stat(at('sealed'))).size);
      await unsealFile(at('sealed'), at('out'), keyring, { sha256: result.sha256, size: result.size });
      expect((await fs.readFile(at('out'))).equals(content)).toBe(true);
      expect((await fs.stat(at('out'))).mode & 0o777).toBe(0o600);
    });
  }

  it('writes the header: magic, version 2 (Brotli), the current key id, a fresh IV; and encrypts the content', async () => {
    const content = Buffer.from('plaintext that must not appear in the sealed object '.repeat(100));
    await sealed(content);
    const first = await fs.readFile(at('sealed'));
    await sealFile(at('plain'), at('sealed2'), keyring);
    const second = await fs.readFile(at('sealed2'));
    expect(first.subarray(0, 9).toString('ascii')).toBe('BERTHSEAL');
    expect(first[9]).toBe(2);
    expect(first.subarray(10, 18).toString('hex')).toBe(keyring.current.id);
    expect(first.subarray(18, 30).equals(second.subarray(18, 30))).toBe(false);
    expect(first.includes(Buffer.from('plaintext that must not appear'))).toBe(false);
    expect(first.length).toBeLessThan(content.length / 5); // compressed
  });

  it('keeps incompressible (already compressed) data at about its size', async () => {
    const content = zlib.gzipSync(randomBytes(3 * 1024 * 1024));
    const result = await sealed(content);
    expect(result.storedSize).toBeLessThan(content.length + 4096);
    await unsealFile(at('sealed'), at('out'), keyring);
    expect(sha256(await fs.readFile(at('out')))).toBe(sha256(content));
  });

  it('reads objects of format version 1 (gzip), as earlier berths sealed them', async () => {
    const content = Buffer.from('sealed by an earlier berth\n'.repeat(5000));
    const iv = randomBytes(12);
    const header = Buffer.concat([Buffer.from('BERTHSEAL'), Buffer.from([1]), Buffer.from(keyring.current.id, 'hex'), iv]);
    const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv, { authTagLength: 16 });
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(zlib.gzipSync(content, { level: 1 })), cipher.final()]);
    const object = Buffer.concat([header, body, cipher.getAuthTag()]);
    await fs.writeFile(at('sealed'), object);
    await unsealFile(at('sealed'), at('out'), keyring, { sha256: sha256(content), size: content.length });
    expect((await fs.readFile(at('out'))).equals(content)).toBe(true);
    expect(unsealBytes(object, keyring).equals(content)).toBe(true);
  });

  it('refuses an object sealed with a key the key file does not hold', async () => {
    await sealed(Buffer.from('secret'));
    const other = BackupKeyring.fromKeys([randomBytes(32)]);
    await expectUnsealFailure(`sealed with key ${keyring.current.id}, which the key file does not hold (wrong or missing backup key)`, other);
  });

  it('detects a flipped byte in the middle of the ciphertext', async () => {
    await sealed(randomBytes(1024 * 1024));
    const bytes = await fs.readFile(at('sealed'));
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    await fs.writeFile(at('sealed'), bytes);
    await expectUnsealFailure('authentication failed: the object is corrupted or was altered');
  });

  it('detects an altered header (the IV is authenticated) and an altered tag', async () => {
    await sealed(Buffer.from('small object'));
    const original = await fs.readFile(at('sealed'));
    for (const offset of [HEADER_BYTES - 1, original.length - 1]) {
      const bytes = Buffer.from(original);
      bytes[offset]! ^= 0x80;
      await fs.writeFile(at('sealed'), bytes);
      await expectUnsealFailure(/^authentication failed/);
    }
  });

  it('detects truncation, down to less than a header', async () => {
    await sealed(randomBytes(200_000));
    const original = await fs.readFile(at('sealed'));
    for (const length of [original.length - 1, original.length - 16, original.length - 1000, 40]) {
      await fs.writeFile(at('sealed'), original.subarray(0, length));
      await expectUnsealFailure(/^authentication failed: the object is corrupted or was altered/);
    }
    await fs.writeFile(at('sealed'), original.subarray(0, 5));
    await expectUnsealFailure('not a berth sealed object');
  });

  it('refuses what is not a sealed object', async () => {
    await fs.writeFile(at('plain'), '');
    await fs.writeFile(at('sealed'), 'just some text that is long enough to hold a header and a tag');
    await expectUnsealFailure('not a berth sealed object');
    await fs.writeFile(at('sealed'), '');
    await expectUnsealFailure('not a berth sealed object');
  });

  it('refuses content that is not the expected one, leaving nothing at the target', async () => {
    const content = Buffer.from('the real content');
    const result = await sealed(content);
    const wrong = sha256(Buffer.from('other content'));
    await expectUnsealFailure(`checksum mismatch: expected ${wrong}, got ${result.sha256}`, keyring, { sha256: wrong, size: result.size });
    await expectUnsealFailure(`size mismatch: expected 3 bytes, got ${content.length}`, keyring, { sha256: result.sha256, size: 3 });
  });

  it('leaves nothing at the target when sealing fails', async () => {
    await expect(sealFile(at('missing'), at('sealed'), keyring)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

describe('sealed bytes', () => {
  it('round-trips small objects in the same format as files', async () => {
    const json = Buffer.from(JSON.stringify({ snapshot: 'a', files: [1, 2, 3] }));
    const bytes = sealBytes(json, keyring);
    expect(bytes.subarray(0, 9).toString()).toBe('BERTHSEAL');
    expect(unsealBytes(bytes, keyring).equals(json)).toBe(true);
    expect(unsealBytes(sealBytes(Buffer.alloc(0), keyring), keyring)).toHaveLength(0);
    await fs.writeFile(at('sealed'), bytes);
    await unsealFile(at('sealed'), at('out'), keyring);
    expect((await fs.readFile(at('out'))).equals(json)).toBe(true);
  });

  it('refuses altered, truncated, foreign and wrongly keyed bytes', () => {
    const bytes = sealBytes(Buffer.from('{"a":1}'), keyring);
    const flipped = Buffer.from(bytes);
    flipped[HEADER_BYTES + 2]! ^= 0x04;
    expect(() => unsealBytes(flipped, keyring)).toThrow('authentication failed: the object is corrupted or was altered');
    expect(() => unsealBytes(bytes.subarray(0, bytes.length - 3), keyring)).toThrow(/^authentication failed/);
    expect(() => unsealBytes(bytes.subarray(0, HEADER_BYTES + 10), keyring)).toThrow(/^authentication failed/);
    expect(() => unsealBytes(Buffer.from('{"a":1}'), keyring)).toThrow('not a berth sealed object');
    expect(() => unsealBytes(bytes, BackupKeyring.fromKeys([randomBytes(32)]))).toThrow(SealedObjectError);
    expect(() => unsealBytes(bytes, BackupKeyring.fromKeys([randomBytes(32)]))).toThrow(/which the key file does not hold/);
  });
});

describe('sealing across key rotation', () => {
  it('still unseals objects sealed with the old key, and seals new ones with the new key', async () => {
    const keyFile = at('backup.key');
    const before = await BackupKeyring.generate(keyFile);
    const oldContent = randomBytes(100_000);
    await sealed(oldContent, before);
    const oldEntry = sealBytes(Buffer.from('old entry'), before);

    const after = await BackupKeyring.rotate(keyFile);
    expect(after.current.id).not.toBe(before.current.id);
    const loaded = await BackupKeyring.load(keyFile);
    await unsealFile(at('sealed'), at('out'), loaded, { sha256: sha256(oldContent), size: oldContent.length });
    expect((await fs.readFile(at('out'))).equals(oldContent)).toBe(true);
    expect(unsealBytes(oldEntry, loaded).toString()).toBe('old entry');

    await sealFile(at('plain'), at('resealed'), loaded);
    const header = (await fs.readFile(at('resealed'))).subarray(0, HEADER_BYTES);
    expect(header.subarray(10, 18).toString('hex')).toBe(after.current.id);
    expect(sealBytes(Buffer.from('new'), loaded).subarray(10, 18).toString('hex')).toBe(after.current.id);
    // the old keyring alone cannot read what the new key sealed
    await expect(unsealFile(at('resealed'), at('out2'), before)).rejects.toThrow(/which the key file does not hold/);
  });
});
