/**
 * berth's CAs in the backup store (sealed like everything else), so that a
 * berth that recovers a lost host issues its servers' certificates under the
 * same CAs: the CA bundles clients verify with keep working.
 *
 * A fresh data dir takes the store's CAs before the registry opens; a data
 * dir with CAs of its own keeps them and, when the store has none yet, puts
 * them there.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { CA_DEFINITIONS } from '../pki/ca-definitions.js';
import { CA_CERT_FILE, CA_KEY_FILE } from '../pki/registry.js';
import { readFileOrUndefined, writeFileAtomic } from '../util/files.js';
import type { BackupVault } from './vault.js';

export const CAS_ENTRY = 'catalog/certificate-authorities.json';

interface StoredCas {
  format: 1;
  cas: Array<{ identifier: string; certPem: string; keyPem: string }>;
}

/** Before the CA registry opens: the store's CAs into a data dir that has none. Returns whether it took them. */
export async function adoptStoredCas(vault: BackupVault, pkiDir: string): Promise<boolean> {
  const local = await readLocal(pkiDir);
  if (local.length > 0) return false;
  const stored = await vault.getEntry<StoredCas>(CAS_ENTRY);
  if (!stored) return false;
  await fs.mkdir(pkiDir, { recursive: true, mode: 0o700 });
  for (const ca of stored.cas) {
    const dir = path.join(pkiDir, ca.identifier);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(path.join(dir, CA_KEY_FILE), ca.keyPem, 0o600);
    await writeFileAtomic(path.join(dir, CA_CERT_FILE), ca.certPem, 0o644);
  }
  return true;
}

/** Once the registry has its CAs: into the store when it has none yet. */
export async function storeCas(vault: BackupVault, pkiDir: string): Promise<void> {
  if ((await vault.repository.getBytes(CAS_ENTRY)) !== undefined) return;
  await vault.putEntry(CAS_ENTRY, { format: 1, cas: await readLocal(pkiDir) } satisfies StoredCas);
}

async function readLocal(pkiDir: string): Promise<StoredCas['cas']> {
  const cas: StoredCas['cas'] = [];
  for (const { identifier } of CA_DEFINITIONS) {
    const dir = path.join(pkiDir, identifier);
    const [cert, key] = await Promise.all([readFileOrUndefined(path.join(dir, CA_CERT_FILE)), readFileOrUndefined(path.join(dir, CA_KEY_FILE))]);
    if (cert && key) cas.push({ identifier, certPem: cert.toString('utf8'), keyPem: key.toString('utf8') });
  }
  return cas;
}
