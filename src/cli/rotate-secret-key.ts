import { access } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../config.js';
import { acquireDataDirLock } from '../data-dir-lock.js';
import { Store } from '../store/index.js';

export const ROTATE_SECRET_KEY_USAGE = `Usage: berth rotate-secret-key [--data-dir <dir>]

Seals every secret of the store (master passwords, server keys, replication
passwords, users' secret access keys) again under a new secret.key, in one
transaction, and replaces the old key. Run it while berth is stopped: it takes
the data dir's lock. If it is cut short, the old key stays valid and the next
start (or run) finishes the rotation.`;

export async function rotateSecretKey(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(`${ROTATE_SECRET_KEY_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    process.stderr.write(`${ROTATE_SECRET_KEY_USAGE}\n`);
    return 2;
  }
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  await access(path.join(dataDir, 'berth.db')).catch(() => {
    throw new Error(`${dataDir} holds no berth store (berth.db): nothing to rotate.`);
  });
  const lock = await acquireDataDirLock(dataDir);
  try {
    const { resealed } = await Store.rotateSecretKey(dataDir);
    process.stdout.write(`sealed ${resealed} secrets under a new ${path.join(dataDir, 'secret.key')}\n`);
  } finally {
    await lock.release();
  }
  return 0;
}
