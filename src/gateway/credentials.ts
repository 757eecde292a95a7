import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { readFileOrUndefined, writeFileAtomic } from '../util/files.js';
import type { AccessKey } from './sigv4.js';

export interface ResolvedCredentials extends AccessKey {
  /** Where the pair came from, for the start-up banner. */
  source: 'environment' | 'generated' | 'data-dir';
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomAccessKeyId(): string {
  const bytes = randomBytes(16);
  return 'AKBE' + Array.from(bytes, (byte) => KEY_ALPHABET[byte % KEY_ALPHABET.length]).join('');
}

/** A new key pair: the root key's at first start, and every user's. */
export function randomAccessKey(): AccessKey {
  return { accessKeyId: randomAccessKeyId(), secretAccessKey: randomBytes(30).toString('base64') };
}

/**
 * The accepted key pair: BERTH_ACCESS_KEY_ID / BERTH_SECRET_ACCESS_KEY when
 * both are set, otherwise a pair generated at first start and kept in the
 * data dir (mode 0600).
 */
export async function resolveCredentials(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedCredentials> {
  const accessKeyId = env.BERTH_ACCESS_KEY_ID;
  const secretAccessKey = env.BERTH_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey, source: 'environment' };
  if (accessKeyId || secretAccessKey) {
    throw new Error('Set both BERTH_ACCESS_KEY_ID and BERTH_SECRET_ACCESS_KEY, or neither.');
  }
  const file = path.join(dataDir, 'credentials.json');
  const stored = await readFileOrUndefined(file);
  if (stored) {
    const parsed = JSON.parse(stored.toString('utf8')) as AccessKey;
    return { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey, source: 'data-dir' };
  }
  const generated = randomAccessKey();
  await writeFileAtomic(file, JSON.stringify(generated, null, 2) + '\n', 0o600);
  return { ...generated, source: 'generated' };
}
