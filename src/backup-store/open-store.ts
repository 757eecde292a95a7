/**
 * Opening the backup store at start: the store must be usable (berth refuses
 * to start otherwise, saying why), the key must open it (a wrong key is
 * refused before anything is written or deleted), and a store used for the
 * first time gets its `berth-store.json`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../util/logger.js';
import { BackupKeyring } from './keyring.js';
import { STORE_FILE } from './layout.js';
import { openRepository } from './open-repository.js';
import { sealBytes, unsealBytes } from './sealing.js';
import { BackupVault } from './vault.js';

/** What `berth-store.json` holds (plain JSON: it says what the store is, and proves the key). */
interface StoreMarker {
  format: 1;
  createdAt: string;
  /** The account of the berth that created the store: a fresh berth recovering from it adopts it. */
  accountId: string;
  /** A known text sealed with the key: opening it proves the key. */
  probe: string;
}

const PROBE_TEXT = 'berth backup store';

export interface BackupStoreOptions {
  url: string;
  endpoint?: string | undefined;
  /** The key file given with --backup-key-file; else `<dataDir>/backup.key`, generated at first start. */
  keyFile?: string | undefined;
  dataDir: string;
  logger: Logger;
}

export class BackupStoreOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupStoreOpenError';
  }
}

/**
 * The vault of the store, and the account recorded in it (undefined for a
 * store used for the first time: markStore writes its berth-store.json).
 */
export async function openBackupStore(options: BackupStoreOptions): Promise<{ vault: BackupVault; accountId: string | undefined }> {
  const repository = openRepository(options.url, { endpoint: options.endpoint });
  await repository.check();
  const keyring = await loadKeyring(options);
  const stagingDir = path.join(options.dataDir, 'backup-staging');
  await fs.rm(stagingDir, { recursive: true, force: true }); // what an earlier berth staged is staged again by its task
  const vault = new BackupVault(repository, keyring, stagingDir);
  const bytes = await repository.getBytes(STORE_FILE);
  if (bytes === undefined) return { vault, accountId: undefined };
  let stored: StoreMarker;
  try {
    stored = JSON.parse(bytes.toString('utf8')) as StoreMarker;
  } catch {
    throw new BackupStoreOpenError(`${STORE_FILE} in ${repository.description} is not berth's: the store holds something else`);
  }
  try {
    unsealBytes(Buffer.from(stored.probe, 'base64'), keyring);
  } catch (error) {
    throw new BackupStoreOpenError(
      `the backup key does not open the backup store ${repository.description} (${(error as Error).message}); ` +
        'start berth with the key file this store was written with (--backup-key-file). Nothing was changed.',
    );
  }
  return { vault, accountId: stored.accountId };
}

/** Marks a store used for the first time as this berth's. */
export async function markStore(vault: BackupVault, accountId: string): Promise<void> {
  if ((await vault.repository.getBytes(STORE_FILE)) !== undefined) return;
  const marker: StoreMarker = {
    format: 1,
    createdAt: new Date().toISOString(),
    accountId,
    probe: sealBytes(Buffer.from(PROBE_TEXT), vault.keyring).toString('base64'),
  };
  await vault.repository.putBytes(STORE_FILE, Buffer.from(`${JSON.stringify(marker, null, 2)}\n`));
}

async function loadKeyring(options: BackupStoreOptions): Promise<BackupKeyring> {
  if (options.keyFile !== undefined) return BackupKeyring.load(options.keyFile);
  const file = path.join(options.dataDir, 'backup.key');
  try {
    return await BackupKeyring.load(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (await fs.stat(file).catch(() => undefined))) throw error;
  }
  const keyring = await BackupKeyring.generate(file);
  options.logger.warn(
    `BACKUP KEY GENERATED: ${file} encrypts every backup in ${options.url}. Keep a copy of it somewhere other than this host: ` +
      'without it the backups cannot be read, and a lost host takes the key with it. Start berth elsewhere with --backup-key-file <copy>.',
    { keyId: keyring.current.id },
  );
  return keyring;
}
