/**
 * Master user passwords: validation of caller-supplied ones and generation of
 * strong ones. Messages never contain the password or any part of it.
 */

import { randomInt as cryptoRandomInt } from 'node:crypto';

import { InvalidInputException } from '../api/errors.js';
import {
  ENGINE_DISPLAY_NAMES,
  GENERATED_PASSWORD_LENGTH,
  MASTER_PASSWORD_MAX_LENGTH,
  MASTER_PASSWORD_MIN_LENGTH,
  type Engine,
} from './constants.js';
import { typeName } from './describe.js';

/** Printable ASCII characters a password may not contain (besides space). */
export const FORBIDDEN_PASSWORD_CHARACTERS = ['/', '"', '@'] as const;

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
/**
 * Punctuation used in generated passwords: the characters that are legal in
 * the user-info part of a `postgres://` / `mysql://` URL without
 * percent-encoding (RFC 3986 unreserved `- . _ ~`) plus `+` and `,`, none of
 * which needs quoting in a libpq keyword/value string, a my.cnf file or a
 * POSIX shell word (a generated password never starts with one of them, so
 * no leading `-` or `~`). Left out on purpose: `/ " @` (forbidden), space,
 * `' \ ` $ ; # ? & % : =` (quoting/URL/option-file trouble) and
 * `! * ( ) < > [ ] { } | ^` (shell metacharacters or history expansion).
 */
export const GENERATED_PASSWORD_PUNCTUATION = '-._~+,';

/** Every character a generated password can contain. */
export const GENERATED_PASSWORD_ALPHABET = UPPER + LOWER + DIGITS + GENERATED_PASSWORD_PUNCTUATION;

/** Uniform random integer in [0, max); `node:crypto` by default. */
export type RandomInt = (max: number) => number;

function rule(engine: Engine): string {
  return `it must be ${MASTER_PASSWORD_MIN_LENGTH} to ${MASTER_PASSWORD_MAX_LENGTH[engine]} printable ASCII characters ` +
    `(${ENGINE_DISPLAY_NAMES[engine]}), without spaces and without '/', '"' or '@'.`;
}

/**
 * Validates `masterUserPassword`: 8-128 (PostgreSQL) or 8-41 (MySQL)
 * characters in 0x21-0x7E (printable ASCII, no space), none of `/ " @`.
 * Returns the password unchanged. The error message never echoes it.
 */
export function validateMasterPassword(value: unknown, engine: Engine): string {
  const member = 'masterUserPassword';
  if (value === undefined || value === null) {
    throw new InvalidInputException(`Missing ${member}: ${rule(engine)}`);
  }
  if (typeof value !== 'string') {
    throw new InvalidInputException(`Invalid ${member}: expected a string, got ${typeName(value)}; ${rule(engine)}`);
  }
  let problem: string | undefined;
  for (let i = 0; i < value.length && !problem; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x20) problem = 'it contains a space';
    else if (code < 0x20 || code === 0x7f) problem = 'it contains a control character';
    else if (code > 0x7f) problem = 'it contains a character outside printable ASCII';
    else if ((FORBIDDEN_PASSWORD_CHARACTERS as readonly string[]).includes(value[i] ?? '')) {
      problem = `it contains one of the characters '/', '"' or '@'`;
    }
  }
  if (!problem) {
    if (value.length < MASTER_PASSWORD_MIN_LENGTH) problem = 'it is too short';
    else if (value.length > MASTER_PASSWORD_MAX_LENGTH[engine]) problem = 'it is too long';
  }
  if (problem) throw new InvalidInputException(`Invalid ${member}: ${problem}; ${rule(engine)}`);
  return value;
}

/**
 * Generates a strong master password for `engine`: 32 characters (within
 * both engines' limits) drawn uniformly from
 * {@link GENERATED_PASSWORD_ALPHABET} with `node:crypto` randomness (≈ 195
 * bits), starting with a letter, and containing at least one upper-case
 * letter, one lower-case letter, one digit and one punctuation character
 * (drawn again until it does). Always passes {@link validateMasterPassword}.
 * `randomInt` is injectable for tests.
 */
export function generateMasterPassword(engine: Engine, randomInt: RandomInt = cryptoRandomInt): string {
  const length = Math.min(GENERATED_PASSWORD_LENGTH, MASTER_PASSWORD_MAX_LENGTH[engine]);
  const letters = UPPER + LOWER;
  for (let attempt = 0; attempt < 1000; attempt++) {
    let password = pick(letters, randomInt);
    while (password.length < length) password += pick(GENERATED_PASSWORD_ALPHABET, randomInt);
    if (hasAny(password, UPPER) && hasAny(password, LOWER) && hasAny(password, DIGITS) &&
      hasAny(password, GENERATED_PASSWORD_PUNCTUATION)) {
      return password;
    }
  }
  // Only reachable with a broken random source.
  throw new Error('generateMasterPassword: the random source never produced a password with every character class');
}

function pick(alphabet: string, randomInt: RandomInt): string {
  const i = randomInt(alphabet.length);
  const ch = alphabet[i];
  if (ch === undefined || !Number.isInteger(i)) {
    throw new RangeError(`generateMasterPassword: random source returned ${i} for a range of ${alphabet.length}`);
  }
  return ch;
}

function hasAny(value: string, chars: string): boolean {
  for (const ch of value) if (chars.includes(ch)) return true;
  return false;
}
