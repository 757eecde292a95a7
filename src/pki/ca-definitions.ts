/** Key algorithm of a certificate authority. */
export type CaKeyType = 'rsa2048' | 'rsa4096' | 'ecc384';

/** Key algorithm of a server certificate issued by a CA. */
export type ServerKeyType = 'rsa2048' | 'ecP384';

export interface CaDefinition {
  readonly identifier: string;
  readonly keyType: CaKeyType;
  /** Signature algorithm used for the CA itself and every certificate it issues. */
  readonly signatureAlgorithm: 'sha256WithRSAEncryption' | 'sha384WithRSAEncryption' | 'ecdsa-with-SHA384';
  /** Key algorithm of the server certificates this CA issues. */
  readonly serverKeyType: ServerKeyType;
  readonly description: string;
}

/** Every CA berth offers, in listing / bundle order. */
export const CA_DEFINITIONS: readonly CaDefinition[] = Object.freeze([
  Object.freeze({
    identifier: 'rds-ca-rsa2048-g1',
    keyType: 'rsa2048',
    signatureAlgorithm: 'sha256WithRSAEncryption',
    serverKeyType: 'rsa2048',
    description: 'berth root CA, RSA 2048-bit key, SHA-256 signatures',
  }),
  Object.freeze({
    identifier: 'rds-ca-rsa4096-g1',
    keyType: 'rsa4096',
    signatureAlgorithm: 'sha384WithRSAEncryption',
    serverKeyType: 'rsa2048',
    description: 'berth root CA, RSA 4096-bit key, SHA-384 signatures',
  }),
  Object.freeze({
    identifier: 'rds-ca-ecc384-g1',
    keyType: 'ecc384',
    signatureAlgorithm: 'ecdsa-with-SHA384',
    serverKeyType: 'ecP384',
    description: 'berth root CA, ECDSA P-384 key, SHA-384 signatures',
  }),
] as const);

export const CA_IDENTIFIERS: readonly string[] = Object.freeze(CA_DEFINITIONS.map((d) => d.identifier));

export const DEFAULT_CA_IDENTIFIER = 'rds-ca-rsa2048-g1';

export class UnknownCaIdentifierError extends Error {
  readonly identifier: string;
  readonly validIdentifiers: readonly string[];

  constructor(identifier: string) {
    super(
      `Unknown CA certificate identifier ${JSON.stringify(identifier)}; ` +
        `valid identifiers are: ${CA_IDENTIFIERS.join(', ')}`,
    );
    this.name = 'UnknownCaIdentifierError';
    this.identifier = identifier;
    this.validIdentifiers = CA_IDENTIFIERS;
  }
}

export function isCaIdentifier(identifier: string): boolean {
  return CA_IDENTIFIERS.includes(identifier);
}

/** Returns the definition for `identifier`, or throws UnknownCaIdentifierError. */
export function caDefinition(identifier: string): CaDefinition {
  const definition = CA_DEFINITIONS.find((d) => d.identifier === identifier);
  if (!definition) throw new UnknownCaIdentifierError(identifier);
  return definition;
}
