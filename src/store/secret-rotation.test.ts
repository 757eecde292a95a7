/**
 * berth rotate-secret-key: every sealed value is sealed again under a new
 * secret.key; the old key opens none of them afterwards; a rotation cut
 * short (the new key written, the store not yet resealed, or resealed but
 * the key not yet replaced) is finished by the next open, losing nothing.
 */
import { createDecipheriv } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from './database.js';
import { SecretBox } from './secret-box.js';
import { SEALED_COLUMNS, Store } from './index.js';

const NOW = () => 1_800_000_000;

/** Whether `key` opens a value sealed in the v1 format. */
function opens(key: Buffer, sealed: string): boolean {
  const raw = Buffer.from(sealed.slice(3), 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    decipher.update(raw.subarray(28));
    decipher.final();
    return true;
  } catch {
    return false;
  }
}

describe('secret key rotation', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-secret-'));
    const store = await Store.open(dir, NOW);
    store.users.create('alice', undefined);
    store.users.addKey('alice', 'AKBEALICE', 'alice-secret');
    // A password without its database row: the rotation only cares about sealed values.
    store.sqlite.pragma('foreign_keys = OFF');
    store.passwords.set('db1', 'CURRENT', { password: 'master-password-1', createdAt: 1 });
    store.close();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const sealedValues = async () => {
    const store = await Store.open(dir, NOW);
    try {
      return SEALED_COLUMNS.flatMap(({ table, column }) =>
        (store.sqlite.prepare(`SELECT ${column} AS sealed FROM ${table}`).all() as Array<{ sealed: string }>).map((row) => row.sealed),
      );
    } finally {
      store.close();
    }
  };
  const readBack = async () => {
    const store = await Store.open(dir, NOW);
    try {
      return { secret: store.users.findKey('AKBEALICE')?.secretAccessKey, password: store.passwords.get('db1', 'CURRENT')?.password };
    } finally {
      store.close();
    }
  };

  it('seals everything again under a new key that replaces the old', async () => {
    const oldKey = await fs.readFile(path.join(dir, 'secret.key'));
    expect(await Store.rotateSecretKey(dir)).toEqual({ resealed: 2 });
    const newKey = await fs.readFile(path.join(dir, 'secret.key'));
    expect(newKey.equals(oldKey)).toBe(false);
    expect((await fs.stat(path.join(dir, 'secret.key'))).mode & 0o777).toBe(0o600);
    await expect(fs.access(path.join(dir, 'secret.key.next'))).rejects.toThrow();
    for (const sealed of await sealedValues()) {
      expect(opens(newKey, sealed)).toBe(true);
      expect(opens(oldKey, sealed)).toBe(false);
    }
    expect(await readBack()).toEqual({ secret: 'alice-secret', password: 'master-password-1' });
  });

  it('finishes a rotation cut short before the store was resealed', async () => {
    const oldKey = await fs.readFile(path.join(dir, 'secret.key'));
    await SecretBox.beginRotation(path.join(dir, 'secret.key'));
    const nextKey = await fs.readFile(path.join(dir, 'secret.key.next'));
    expect(await readBack()).toEqual({ secret: 'alice-secret', password: 'master-password-1' });
    expect((await fs.readFile(path.join(dir, 'secret.key'))).equals(nextKey)).toBe(true);
    for (const sealed of await sealedValues()) expect(opens(oldKey, sealed)).toBe(false);
  });

  it('finishes a rotation cut short after the store was resealed, and a new rotation after it keeps everything', async () => {
    await SecretBox.beginRotation(path.join(dir, 'secret.key'));
    const nextKey = await fs.readFile(path.join(dir, 'secret.key.next'));
    // The reseal committed, the key was not yet replaced: the store is sealed under .next only.
    const box = await SecretBox.open(path.join(dir, 'secret.key'));
    const store = openStore(path.join(dir, 'berth.db'));
    for (const { table, column } of SEALED_COLUMNS) {
      for (const row of store.prepare(`SELECT rowid AS id, ${column} AS sealed FROM ${table}`).all() as Array<{ id: number; sealed: string }>) {
        store.prepare(`UPDATE ${table} SET ${column} = ? WHERE rowid = ?`).run(box.seal(box.open(row.sealed)), row.id);
      }
    }
    store.close();
    for (const sealed of await sealedValues()) expect(opens(nextKey, sealed)).toBe(true);
    // rotateSecretKey first finishes the rotation it finds (whose key seals the rows), then rotates.
    await Store.rotateSecretKey(dir);
    expect(await readBack()).toEqual({ secret: 'alice-secret', password: 'master-password-1' });
  });

  it('knows every sealed column of the schema', async () => {
    const store = await Store.open(dir, NOW);
    try {
      const tables = (store.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name);
      const sealed = tables.flatMap((table) =>
        (store.sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>)
          .filter((column) => column.name.endsWith('ciphertext'))
          .map((column) => ({ table, column: column.name })),
      );
      expect(sealed.sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`))).toEqual(
        [...SEALED_COLUMNS].sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`)),
      );
    } finally {
      store.close();
    }
  });
});
