/**
 * mysql_native_password hashes computed in Node, so that a plaintext
 * password never reaches a SQL statement, the server or its logs (general
 * log included): berth sends `IDENTIFIED BY PASSWORD '*<hash>'`.
 *
 *   '*' + uppercase hex of SHA1(SHA1(password))
 *
 * The hash is what the server stores; it does not let anyone log in (the
 * protocol needs SHA1(password)), but it can be attacked offline like any
 * unsalted hash, so it is still treated as a secret.
 */
import { createHash } from 'node:crypto';

export function nativePasswordHash(password: string): string {
  const stage1 = createHash('sha1').update(Buffer.from(password, 'utf8')).digest();
  return `*${createHash('sha1').update(stage1).digest('hex').toUpperCase()}`;
}

export function isNativePasswordHash(value: string): boolean {
  return /^\*[0-9A-F]{40}$/.test(value);
}
