import { describe, expect, it } from 'vitest';
import { isNativePasswordHash, nativePasswordHash } from './native-password.js';
import { quoteIdentifier, quoteString } from './admin-connection.js';

describe('mysql_native_password hash', () => {
  it('matches the server: PASSWORD() in MariaDB 10.11 gives the same values', () => {
    // SELECT PASSWORD('abc'), PASSWORD('Conf0rm-''pass''\\word!') on mariadbd 10.11.18
    expect(nativePasswordHash('abc')).toBe('*0D3CED9BEC10A777AEC23CCC353A8C08A633045E');
    expect(nativePasswordHash("Conf0rm-'pass'\\word!")).toBe('*DB913574A4F42C8ADACC66931F1E22E5F4FA2036');
  });

  it('is the *-prefixed uppercase hex form, never containing the password', () => {
    const hash = nativePasswordHash('n3w;pass`word$%^&*()');
    expect(isNativePasswordHash(hash)).toBe(true);
    expect(hash).not.toContain('pass');
  });
});

describe('SQL quoting', () => {
  it('doubles quotes, so the meaning does not depend on NO_BACKSLASH_ESCAPES', () => {
    expect(quoteString("it's")).toBe("'it''s'");
    expect(() => quoteString('a\\b')).toThrow(/backslash/);
    expect(quoteIdentifier('a`b')).toBe('`a``b`');
  });
});
