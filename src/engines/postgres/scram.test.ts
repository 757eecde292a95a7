import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { saslPrep, scramSha256Verifier, scramVerifierMatches } from './scram.js';

describe('scramSha256Verifier', () => {
  it('has PostgreSQL\'s stored format and a fresh salt each time', () => {
    const a = scramSha256Verifier('pencil');
    const b = scramSha256Verifier('pencil');
    expect(a).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('pencil');
  });

  it('follows RFC 5802: StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key")', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'); // RFC 7677's example salt
    const salted = pbkdf2Sync('pencil', salt, 4096, 32, 'sha256');
    const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64');
    const serverKey = createHmac('sha256', salted).update('Server Key').digest('base64');
    expect(scramSha256Verifier('pencil', { salt })).toBe(`SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$${storedKey}:${serverKey}`);
  });

  it('reproduces RFC 7677\'s exchange for user "user" / password "pencil"', () => {
    // AuthMessage and ServerSignature (v=...) are taken from RFC 7677 section 3.
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const verifier = scramSha256Verifier('pencil', { salt });
    const serverKey = Buffer.from(verifier.split(':').at(-1) ?? '', 'base64');
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const serverSignature = createHmac('sha256', serverKey).update(authMessage).digest('base64');
    expect(serverSignature).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    // The server's check of the RFC's ClientProof (p=...) against our StoredKey.
    const storedKey = Buffer.from(verifier.split('$')[2]?.split(':')[0] ?? '', 'base64');
    const clientSignature = createHmac('sha256', storedKey).update(authMessage).digest();
    const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ (clientSignature[i] ?? 0)));
    expect(createHash('sha256').update(clientKey).digest()).toEqual(storedKey);
  });

  it('recognises its own verifiers', () => {
    const verifier = scramSha256Verifier("it's a secret");
    expect(scramVerifierMatches(verifier, "it's a secret")).toBe(true);
    expect(scramVerifierMatches(verifier, 'something else')).toBe(false);
  });

  it('applies SASLprep like PostgreSQL and libpq', () => {
    expect(saslPrep('plain ASCII!')).toBe('plain ASCII!');
    expect(saslPrep('a\u00A0b')).toBe('a b');
    expect(saslPrep('a\u00ADb')).toBe('ab');
    expect(saslPrep('\u2168')).toBe('IX'); // NFKC
  });
});
