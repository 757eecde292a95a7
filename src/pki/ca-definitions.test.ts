import { describe, expect, it } from 'vitest';

import {
  CA_DEFINITIONS,
  CA_IDENTIFIERS,
  DEFAULT_CA_IDENTIFIER,
  UnknownCaIdentifierError,
  caDefinition,
  isCaIdentifier,
} from './index.js';

describe('CA definitions', () => {
  it('lists exactly the three CAs in order, with their key types', () => {
    expect(CA_DEFINITIONS.map((d) => [d.identifier, d.keyType])).toEqual([
      ['rds-ca-rsa2048-g1', 'rsa2048'],
      ['rds-ca-rsa4096-g1', 'rsa4096'],
      ['rds-ca-ecc384-g1', 'ecc384'],
    ]);
    expect(CA_IDENTIFIERS).toEqual(['rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1', 'rds-ca-ecc384-g1']);
    for (const d of CA_DEFINITIONS) expect(d.description.length).toBeGreaterThan(0);
  });

  it('defaults to rds-ca-rsa2048-g1', () => {
    expect(DEFAULT_CA_IDENTIFIER).toBe('rds-ca-rsa2048-g1');
    expect(isCaIdentifier(DEFAULT_CA_IDENTIFIER)).toBe(true);
  });

  it('recognises only known identifiers', () => {
    expect(isCaIdentifier('rds-ca-ecc384-g1')).toBe(true);
    expect(isCaIdentifier('rds-ca-2019')).toBe(false);
    expect(caDefinition('rds-ca-rsa4096-g1').signatureAlgorithm).toBe('sha384WithRSAEncryption');
  });

  it('rejects an unknown identifier with a message listing the valid ones', () => {
    let caught: unknown;
    try {
      caDefinition('rds-ca-2019');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnknownCaIdentifierError);
    const error = caught as UnknownCaIdentifierError;
    expect(error.message).toContain('rds-ca-2019');
    for (const id of CA_IDENTIFIERS) expect(error.message).toContain(id);
    expect(error.validIdentifiers).toEqual(CA_IDENTIFIERS);
  });
});
