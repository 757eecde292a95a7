import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import type * as X509 from '@peculiar/x509';

import { fsyncDirectory, removeStaleTempFiles, writeFileAtomic } from '../util/files.js';
import { CA_DEFINITIONS, UnknownCaIdentifierError, type CaDefinition, type ServerKeyType } from './ca-definitions.js';
import {
  certificateInfo,
  certificatePem,
  createCaCertificate,
  createServerCertificate,
  normalizeServerCertificateRequest,
  type IssuingCa,
  type ServerCertificateRequest,
} from './certificates.js';
import { ServerKeyPool } from './key-pool.js';
import { generateCaKey, generateServerKey, importCaSigningKey } from './keys.js';
import { x509 } from './x509.js';

export const CA_CERT_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';
export const DEFAULT_SERVER_KEY_POOL_SIZE = 2;

export interface CaRegistryOptions {
  /**
   * Pre-generated RSA-2048 server keys kept ready (refilled in the background). 0 disables the
   * pool. Defaults to DEFAULT_SERVER_KEY_POOL_SIZE. EC keys are never pooled: they take < 1 ms.
   */
  serverKeyPoolSize?: number;
}

export interface IssuedServerCertificate {
  certPem: string;
  /** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). */
  keyPem: string;
  notAfter: Date;
  serialNumber: string;
  fingerprint256: string;
}

interface LoadedCa extends IssuingCa {
  readonly pem: string;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function loadCa(definition: CaDefinition, caDir: string, certPem: string, keyPem: string): Promise<LoadedCa> {
  let certificate: X509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(certPem);
  } catch (error) {
    throw new Error(`${join(caDir, CA_CERT_FILE)} is not a valid certificate: ${(error as Error).message}`);
  }
  let key;
  try {
    key = await importCaSigningKey(keyPem, definition.keyType);
  } catch (error) {
    throw new Error(`${join(caDir, CA_KEY_FILE)} is not a usable ${definition.keyType} key: ${(error as Error).message}`);
  }
  if (!Buffer.from(certificate.publicKey.rawData).equals(Buffer.from(key.publicKeySpki))) {
    throw new Error(`${caDir}: ${CA_CERT_FILE} and ${CA_KEY_FILE} are not a key pair`);
  }
  await chmod(join(caDir, CA_KEY_FILE), 0o600);
  return { definition, certificate, key, pem: certificatePem(certificate) };
}

async function createCa(definition: CaDefinition, caDir: string): Promise<LoadedCa> {
  const generated = await generateCaKey(definition.keyType);
  const key = await importCaSigningKey(generated.privateKeyPem, definition.keyType);
  const certificate = await createCaCertificate(definition, key);
  const pem = certificatePem(certificate);
  // Key first, then certificate: a crash in between leaves a lone ca.key, which open() regenerates.
  await writeFileAtomic(join(caDir, CA_KEY_FILE), generated.privateKeyPem, 0o600);
  await writeFileAtomic(join(caDir, CA_CERT_FILE), pem, 0o644);
  return { definition, certificate, key, pem };
}

async function loadOrCreateCa(registryDir: string, definition: CaDefinition): Promise<LoadedCa> {
  const caDir = join(registryDir, definition.identifier);
  await mkdir(caDir, { recursive: true, mode: 0o700 });
  await chmod(caDir, 0o700);
  await removeStaleTempFiles(caDir);
  const [certPem, keyPem] = await Promise.all([
    readIfExists(join(caDir, CA_CERT_FILE)),
    readIfExists(join(caDir, CA_KEY_FILE)),
  ]);
  if (certPem !== undefined && keyPem !== undefined) return loadCa(definition, caDir, certPem, keyPem);
  if (certPem !== undefined || keyPem !== undefined) {
    // Only half a CA on disk (killed between the two renames, or a file deleted): it can never
    // have issued anything usable, so start over. Remove the orphan first so a crash during
    // regeneration cannot pair it with a new, unrelated file.
    await Promise.all([rm(join(caDir, CA_CERT_FILE), { force: true }), rm(join(caDir, CA_KEY_FILE), { force: true })]);
    await fsyncDirectory(caDir);
  }
  return createCa(definition, caDir);
}

/**
 * The set of berth certificate authorities persisted under one directory, and the issuer of
 * database server certificates. Holds no global state; open as many registries as needed.
 */
export class CaRegistry {
  readonly #cas: ReadonlyMap<string, LoadedCa>;
  readonly #keyPool: ServerKeyPool | undefined;

  private constructor(cas: ReadonlyMap<string, LoadedCa>, keyPool: ServerKeyPool | undefined) {
    this.#cas = cas;
    this.#keyPool = keyPool;
  }

  /** Loads every CA from `<dir>/<identifier>/`, creating (concurrently) any that are missing. */
  static async open(dir: string, options: CaRegistryOptions = {}): Promise<CaRegistry> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const loaded = await Promise.all(CA_DEFINITIONS.map((definition) => loadOrCreateCa(dir, definition)));
    const cas = new Map(loaded.map((ca) => [ca.definition.identifier, ca]));

    const poolSize = options.serverKeyPoolSize ?? DEFAULT_SERVER_KEY_POOL_SIZE;
    const pooledTypes: ServerKeyType[] = ['rsa2048'];
    const keyPool = poolSize > 0 ? new ServerKeyPool({ size: poolSize, types: pooledTypes }) : undefined;
    return new CaRegistry(cas, keyPool);
  }

  /** CA identifiers in definition order. */
  identifiers(): string[] {
    return [...this.#cas.keys()];
  }

  has(identifier: string): boolean {
    return this.#cas.has(identifier);
  }

  certificatePem(identifier: string): string {
    return this.#ca(identifier).pem;
  }

  /** When a CA's own certificate expires. */
  expiresAt(identifier: string): Date {
    return this.#ca(identifier).certificate.notAfter;
  }

  /** PEM of one CA, or of every CA concatenated in identifier order (the global bundle). */
  bundle(identifier?: string): string {
    if (identifier !== undefined) return this.certificatePem(identifier);
    return [...this.#cas.values()].map((ca) => ca.pem).join('');
  }

  async issueServerCertificate(
    identifier: string,
    request: ServerCertificateRequest,
  ): Promise<IssuedServerCertificate> {
    const ca = this.#ca(identifier);
    // Validate before taking a key so a bad request does not burn a pooled one.
    const normalized = normalizeServerCertificateRequest(request);
    const type = ca.definition.serverKeyType;
    const key = await (this.#keyPool ? this.#keyPool.take(type) : generateServerKey(type));
    const certificate = await createServerCertificate(ca, key.publicKeySpki, normalized);
    const certPem = certificatePem(certificate);
    const info = certificateInfo(certPem);
    return {
      certPem,
      keyPem: key.privateKeyPem,
      notAfter: info.notAfter,
      serialNumber: info.serialNumber,
      fingerprint256: info.fingerprint256,
    };
  }

  /** Stops the background key pool. The registry stays usable (keys are then generated on demand). */
  async close(): Promise<void> {
    await this.#keyPool?.close();
  }

  #ca(identifier: string): LoadedCa {
    const ca = this.#cas.get(identifier);
    if (!ca) throw new UnknownCaIdentifierError(identifier);
    return ca;
  }
}
