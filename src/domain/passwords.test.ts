import { describe, expect, it } from 'vitest';
import { invalidMessage } from '../../test/helpers/invalid-message.js';

import type { Engine } from './constants.js';
import {
  generateMasterPassword,
  GENERATED_PASSWORD_ALPHABET,
  GENERATED_PASSWORD_PUNCTUATION,
  validateMasterPassword,
} from './passwords.js';


const PRINTABLE_ALLOWED = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i))
  .filter((c) => !'/"@'.includes(c))
  .join('');

describe('validateMasterPassword', () => {
  it.each([
    ['12345678', 'postgres'],
    ['12345678', 'mysql'],
    ['x'.repeat(128), 'postgres'],
    ['x'.repeat(41), 'mysql'],
    ['VEXAMPLEec.9qvx,_t<)Wkf)kwboM,>2', 'postgres'], // the sample generated password of the docs
    ["p'a\\s$s`w;o#r?d&%:=", 'mysql'],
    [PRINTABLE_ALLOWED.slice(0, 41), 'mysql'],
    [PRINTABLE_ALLOWED, 'postgres'], // every allowed character (91 of them)
  ] as const)('accepts a valid password (%#)', (password, engine) => {
    expect(validateMasterPassword(password, engine)).toBe(password);
  });

  it.each([
    ['1234567', 'postgres', 'it is too short; it must be 8 to 128 printable ASCII characters (PostgreSQL)'],
    ['', 'mysql', 'it is too short; it must be 8 to 41 printable ASCII characters (MySQL)'],
    ['x'.repeat(129), 'postgres', 'it is too long'],
    ['x'.repeat(42), 'mysql', 'it is too long; it must be 8 to 41'],
    ['pass word', 'postgres', 'it contains a space'],
    ['pass/word', 'postgres', `it contains one of the characters '/', '"' or '@'`],
    ['pass"word', 'mysql', `it contains one of the characters '/', '"' or '@'`],
    ['pass@word', 'mysql', `it contains one of the characters '/', '"' or '@'`],
    ['pass\tword', 'postgres', 'it contains a control character'],
    ['pass\u007fword', 'postgres', 'it contains a control character'],
    ['passwörd', 'postgres', 'it contains a character outside printable ASCII'],
    ['pass\u00a0word', 'postgres', 'it contains a character outside printable ASCII'],
  ] as const)('rejects %#: %s', (password, engine: Engine, fragment) => {
    const message = invalidMessage(() => validateMasterPassword(password, engine));
    expect(message).toContain('Invalid masterUserPassword');
    expect(message).toContain(fragment);
    // never echoes the password
    if (password.length > 0) expect(message).not.toContain(password);
  });

  it('never echoes a secret-looking password', () => {
    const secret = 'Sup3rS3cretValue@';
    const message = invalidMessage(() => validateMasterPassword(secret, 'postgres'));
    expect(message).not.toContain('Sup3r');
    expect(message).not.toContain('S3cret');
  });

  it('rejects non-strings without echoing them', () => {
    expect(invalidMessage(() => validateMasterPassword(undefined, 'postgres'))).toContain('Missing masterUserPassword');
    const message = invalidMessage(() => validateMasterPassword(12345678, 'mysql'));
    expect(message).toContain('expected a string, got a number');
    expect(message).not.toContain('12345678');
  });
});

describe('generateMasterPassword', () => {
  it.each(['postgres', 'mysql'] as const)('generates valid 32-character passwords for %s', (engine) => {
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const password = generateMasterPassword(engine);
      expect(password).toHaveLength(32);
      expect(validateMasterPassword(password, engine)).toBe(password);
      expect(password).toMatch(/^[A-Za-z]/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[0-9]/);
      expect([...password].some((c) => GENERATED_PASSWORD_PUNCTUATION.includes(c))).toBe(true);
      for (const c of password) expect(GENERATED_PASSWORD_ALPHABET).toContain(c);
      seen.add(password);
    }
    expect(seen.size).toBe(300);
  });

  it('uses none of the awkward characters', () => {
    for (const c of `/"@ '\\\`$;#?&%:=!*()<>[]{}|^`) expect(GENERATED_PASSWORD_ALPHABET).not.toContain(c);
    expect(GENERATED_PASSWORD_ALPHABET).toHaveLength(26 + 26 + 10 + 6);
  });

  it('uses the injected random source and redraws until every class is present', () => {
    // First draw: all 'A' (index 0) -> missing classes, redrawn; then a scripted sequence.
    const alphabet = GENERATED_PASSWORD_ALPHABET;
    const first = Array<number>(32).fill(0);
    const second = [alphabet.indexOf('b'), alphabet.indexOf('C'), alphabet.indexOf('7'), alphabet.indexOf('~'),
      ...Array<number>(28).fill(alphabet.indexOf('z'))];
    // The first character is drawn from letters only (A-Z a-z): 'b' is index 27 there.
    second[0] = 27;
    const script = [...first, ...second];
    let calls = 0;
    const password = generateMasterPassword('mysql', (max) => {
      const value = script[calls++];
      if (value === undefined || value >= max) throw new Error(`script exhausted or out of range at ${calls}`);
      return value;
    });
    expect(password).toBe('bC7~' + 'z'.repeat(28));
    expect(calls).toBe(64);
  });

  it('rejects a broken random source', () => {
    expect(() => generateMasterPassword('postgres', () => 1000)).toThrow(RangeError);
  });
});
