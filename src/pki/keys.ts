import { createPrivateKey, createPublicKey, generateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

import type { CaKeyType, ServerKeyType } from './ca-definitions.js';

const generateKeyPairAsync = promisify(generateKeyPair);

type KeySpec =
  | { kind: 'rsa'; modulusLength: number; hash: 'SHA-256' | 'SHA-384' }
  | { kind: 'ec'; namedCurve: 'P-256' | 'P-384'; hash: 'SHA-256' | 'SHA-384' };

const CA_KEY_SPECS: Record<CaKeyType, KeySpec> = {
  rsa2048: { kind: 'rsa', modulusLength: 2048, hash: 'SHA-256' },
  rsa4096: { kind: 'rsa', modulusLength: 4096, hash: 'SHA-384' },
  ecc384: { kind: 'ec', namedCurve: 'P-384', hash: 'SHA-384' },
};

const SERVER_KEY_SPECS: Record<ServerKeyType, KeySpec> = {
  rsa2048: { kind: 'rsa', modulusLength: 2048, hash: 'SHA-256' },
  ecP384: { kind: 'ec', namedCurve: 'P-384', hash: 'SHA-384' },
};

/** A freshly generated key pair in the encodings certificate issuance needs. */
export interface GeneratedKey {
  /** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). */
  readonly privateKeyPem: string;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKeySpki: Uint8Array;
}

/** A CA private key imported into WebCrypto, ready to sign certificates. */
export interface CaSigningKey {
  readonly privateKey: webcrypto.CryptoKey;
  readonly publicKeySpki: Uint8Array;
  /** WebCrypto algorithm to pass as `signingAlgorithm` to @peculiar/x509. */
  readonly signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams;
}

async function generate(spec: KeySpec): Promise<KeyObject> {
  // node:crypto's async generateKeyPair runs on the libuv thread pool, so RSA prime search
  // does not block the event loop.
  const { privateKey } =
    spec.kind === 'rsa'
      ? await generateKeyPairAsync('rsa', { modulusLength: spec.modulusLength, publicExponent: 0x10001 })
      : await generateKeyPairAsync('ec', { namedCurve: spec.namedCurve });
  return privateKey;
}

function encode(privateKey: KeyObject): GeneratedKey {
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeySpki: new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })),
  };
}

export async function generateServerKey(type: ServerKeyType): Promise<GeneratedKey> {
  return encode(await generate(SERVER_KEY_SPECS[type]));
}

export async function generateCaKey(type: CaKeyType): Promise<GeneratedKey> {
  return encode(await generate(CA_KEY_SPECS[type]));
}

function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  return `${key.asymmetricKeyType ?? 'unknown'} ${d?.modulusLength ?? d?.namedCurve ?? ''}`.trim();
}

function matchesSpec(key: KeyObject, spec: KeySpec): boolean {
  const d = key.asymmetricKeyDetails;
  if (spec.kind === 'rsa') return key.asymmetricKeyType === 'rsa' && d?.modulusLength === spec.modulusLength;
  const curveAliases: Record<string, string[]> = { 'P-256': ['prime256v1', 'P-256'], 'P-384': ['secp384r1', 'P-384'] };
  return key.asymmetricKeyType === 'ec' && (curveAliases[spec.namedCurve] ?? []).includes(d?.namedCurve ?? '');
}

/**
 * Parses a CA private key PEM, checks it is of the expected type and imports it into WebCrypto
 * as a non-extractable signing key.
 */
export async function importCaSigningKey(privateKeyPem: string, type: CaKeyType): Promise<CaSigningKey> {
  const spec = CA_KEY_SPECS[type];
  const keyObject = createPrivateKey(privateKeyPem);
  if (!matchesSpec(keyObject, spec)) {
    throw new Error(`CA key is ${describeKey(keyObject)}, expected ${type}`);
  }
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
  // For RSA the hash is bound to the key at import time; @peculiar/x509 reads it from key.algorithm.
  const importParams: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams =
    spec.kind === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: spec.hash }
      : { name: 'ECDSA', namedCurve: spec.namedCurve };
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, importParams, false, ['sign']);
  return {
    privateKey,
    publicKeySpki: new Uint8Array(createPublicKey(keyObject).export({ type: 'spki', format: 'der' })),
    signingAlgorithm:
      spec.kind === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: spec.hash },
  };
}
