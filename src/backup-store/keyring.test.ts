import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupKeyId, BackupKeyFileError, BackupKeyring } from './keyring.js';

let dir = '';
let file = '';

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), `berth-test-${process.env.BERTH_TEST_RUN ?? 'adhoc'}-keyring-`));
  file = path.join(dir, 'backup.key');
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const keyLine = () => randomBytes(32).toString('base64');

describe('backup key ids', () => {
  it('are the first 16 hex characters of SHA-256 over the context string and the key', () => {
    const key = randomBytes(32);
    const expected = createHash('sha256').update(Buffer.concat([Buffer.from('berth backup key id'), key])).digest('hex').slice(0, 16);
    expect(backupKeyId(key)).toBe(expected);
    expect(backupKeyId(key)).toMatch(/^[0-9a-f]{16}$/);
    expect(expected).not.toBe(key.toString('hex').slice(0, 16));
    expect(expected).not.toBe(createHash('sha256').update(key).digest('hex').slice(0, 16));
  });
});

describe('backup key files', () => {
  it('generates a 0600 file with one fresh key that loads back as the current key', async () => {
    const generated = await BackupKeyring.generate(file);
    const stat = await fs.stat(file);
    expect(stat.mode & 0o777).toBe(0o600);
    const lines = (await fs.readFile(file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(Buffer.from(lines[0]!, 'base64')).toHaveLength(32);
    const loaded = await BackupKeyring.load(file);
    expect(loaded.current.id).toBe(generated.current.id);
    expect(loaded.current.key.equals(generated.current.key)).toBe(true);
    expect(loaded.ids).toEqual([generated.current.id]);
    expect((await fs.readdir(dir)).sort()).toEqual(['backup.key']);
  });

  it('does not overwrite an existing key file', async () => {
    await fs.writeFile(file, 'precious\n');
    await expect(BackupKeyring.generate(file)).rejects.toThrow(/already exists/);
    expect(await fs.readFile(file, 'utf8')).toBe('precious\n');
    expect(await fs.readdir(dir)).toEqual(['backup.key']);
  });

  it('uses the first key for sealing and keeps later ones to read, ignoring comments and blank lines', async () => {
    const [first, second] = [randomBytes(32), randomBytes(32)];
    await fs.writeFile(file, `# current\n\n  ${first.toString('base64')}  \r\n# older\n${second.toString('base64')}\n\n`);
    const keyring = await BackupKeyring.load(file);
    expect(keyring.current.id).toBe(backupKeyId(first));
    expect(keyring.find(backupKeyId(second))?.key.equals(second)).toBe(true);
    expect(keyring.find('0000000000000000')).toBeUndefined();
    expect(keyring.ids).toEqual([backupKeyId(first), backupKeyId(second)]);
  });

  it('says when the file is missing or holds no key', async () => {
    await expect(BackupKeyring.load(file)).rejects.toThrow(`backup key file ${file} does not exist`);
    await fs.writeFile(file, '# nothing yet\n\n');
    await expect(BackupKeyring.load(file)).rejects.toThrow(`backup key file ${file} holds no key`);
  });

  it('names the line that is not base64 or not 32 bytes, without printing the key material', async () => {
    const good = keyLine();
    const notBase64 = 'this is not-base64!!';
    await fs.writeFile(file, `${good}\n# comment\n${notBase64}\n`);
    const error = await BackupKeyring.load(file).catch((e: Error) => e);
    expect(error).toBeInstanceOf(BackupKeyFileError);
    expect((error as Error).message).toBe(`backup key file ${file}, line 3: not a base64 key`);

    const short = randomBytes(16).toString('base64');
    await fs.writeFile(file, `${good}\n${short}\n`);
    const shortError = (await BackupKeyring.load(file).catch((e: Error) => e)) as Error;
    expect(shortError.message).toBe(`backup key file ${file}, line 2: the key is 16 bytes, a backup key is 32 bytes`);
    expect(shortError.message).not.toContain(short);
    expect(shortError.message).not.toContain(good);
  });

  it('keeps key material out of inspect and JSON', async () => {
    const keyring = await BackupKeyring.generate(file);
    const secret = keyring.current.key;
    for (const shown of [inspect(keyring, { depth: 5 }), JSON.stringify(keyring), `${String(keyring)}`]) {
      expect(shown).not.toContain(secret.toString('base64'));
      expect(shown).not.toContain(secret.toString('hex'));
    }
    expect(inspect(keyring)).toContain(keyring.current.id);
  });
});

describe('key rotation', () => {
  it('puts a fresh key first and keeps the older keys and comments, atomically and 0600', async () => {
    const first = await BackupKeyring.generate(file);
    await fs.appendFile(file, '# kept for 2023 backups\n');
    const rotated = await BackupKeyring.rotate(file);
    expect(rotated.current.id).not.toBe(first.current.id);
    expect(rotated.ids).toEqual([rotated.current.id, first.current.id]);
    expect(rotated.find(first.current.id)?.key.equals(first.current.key)).toBe(true);

    const text = await fs.readFile(file, 'utf8');
    expect(text.split('\n')[0]).toBe(rotated.current.key.toString('base64'));
    expect(text).toContain('# kept for 2023 backups');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(dir)).toEqual(['backup.key']); // no temp file left

    const reloaded = await BackupKeyring.load(file);
    expect(reloaded.ids).toEqual(rotated.ids);
    const again = await BackupKeyring.rotate(file);
    expect(again.ids.slice(1)).toEqual(rotated.ids);
  });

  it('refuses to rotate a file it cannot read, leaving it as it was', async () => {
    await expect(BackupKeyring.rotate(file)).rejects.toThrow(/does not exist/);
    await expect(fs.access(file)).rejects.toThrow();
    await fs.writeFile(file, 'garbage\n');
    await expect(BackupKeyring.rotate(file)).rejects.toThrow(/line 1: not a base64 key/);
    expect(await fs.readFile(file, 'utf8')).toBe('garbage\n');
  });
});
