/**
 * SCRAM-SHA-256 password verifiers computed in Node (RFC 5802, RFC 7677), in
 * PostgreSQL's stored format, so a plaintext password never reaches a SQL
 * statement, the server or its logs:
 *
 *   SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

export const SCRAM_ITERATIONS = 4096;

/**
 * SASLprep (RFC 4013) as far as it changes bytes: non-ASCII spaces become
 * U+0020, "commonly mapped to nothing" characters are dropped, then NFKC.
 * PostgreSQL and libpq normalise the same way, so a password containing such
 * characters works from every client. Printable ASCII is unchanged.
 */
export function saslPrep(password: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  const nonAsciiSpace = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g;
  // eslint-disable-next-line no-misleading-character-class
  const mappedToNothing = /[\u00AD\u034F\u1806\u180B-\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/g;
  return password.replace(nonAsciiSpace, ' ').replace(mappedToNothing, '').normalize('NFKC');
}

export function scramSha256Verifier(
  password: string,
  { salt = randomBytes(16), iterations = SCRAM_ITERATIONS }: { salt?: Buffer; iterations?: number } = {},
): string {
  const saltedPassword = pbkdf2Sync(Buffer.from(saslPrep(password), 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest();
  const b64 = (b: Buffer) => b.toString('base64');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

/** Recompute the keys of `verifier` for `password`: true when they match. */
export function scramVerifierMatches(verifier: string, password: string): boolean {
  const match = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier);
  if (!match) return false;
  const recomputed = scramSha256Verifier(password, {
    iterations: Number(match[1]),
    salt: Buffer.from(match[2] ?? '', 'base64'),
  });
  return recomputed === verifier;
}
