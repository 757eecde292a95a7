import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CA_CERT_FILE, CA_IDENTIFIERS, CA_KEY_FILE, CaRegistry, UnknownCaIdentifierError } from './index.js';
import { x509 } from './x509.js';

const HOUR_MS = 3_600_000;
const tempDirs: string[] = [];
const registries: CaRegistry[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-pki-registry-'));
  tempDirs.push(dir);
  return dir;
}

async function open(dir: string): Promise<CaRegistry> {
  const registry = await CaRegistry.open(dir, { serverKeyPoolSize: 0 });
  registries.push(registry);
  return registry;
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

let dir: string;
let registry: CaRegistry;
let createdAt: number;

beforeAll(async () => {
  dir = join(await tempDir(), 'pki'); // not yet existing: open() must create it
  createdAt = Date.now();
  registry = await open(dir);
});

afterAll(async () => {
  await Promise.allSettled(registries.map((r) => r.close()));
  await Promise.allSettled(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('CaRegistry.open on an empty directory', () => {
  it('creates every CA with owner-only directories and a 0600 key', async () => {
    expect(registry.identifiers()).toEqual([...CA_IDENTIFIERS]);
    expect(await mode(dir)).toBe(0o700);
    for (const id of CA_IDENTIFIERS) {
      expect(await mode(join(dir, id))).toBe(0o700);
      expect(await mode(join(dir, id, CA_KEY_FILE))).toBe(0o600);
      expect(await mode(join(dir, id, CA_CERT_FILE))).toBe(0o644);
      expect(await readFile(join(dir, id, CA_CERT_FILE), 'utf8')).toBe(registry.certificatePem(id));
      expect(await readFile(join(dir, id, CA_KEY_FILE), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect((await readdir(join(dir, id))).sort()).toEqual([CA_CERT_FILE, CA_KEY_FILE]);
    }
  });

  it.each([
    ['rds-ca-rsa2048-g1', 'rsa', 2048, undefined, 'SHA-256'],
    ['rds-ca-rsa4096-g1', 'rsa', 4096, undefined, 'SHA-384'],
    ['rds-ca-ecc384-g1', 'ec', undefined, 'secp384r1', 'SHA-384'],
  ] as const)('%s is a self-signed root with the right key and signature', (id, keyType, bits, curve, hash) => {
    const pem = registry.certificatePem(id);
    const cert = new X509Certificate(pem);
    expect(cert.subject).toBe(`CN=berth ${id} Root CA\nO=berth`);
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyType).toBe(keyType);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(bits);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe(curve);

    const parsed = new x509.X509Certificate(pem);
    expect((parsed.signatureAlgorithm as { hash: { name: string } }).hash.name).toBe(hash);
    const basic = parsed.getExtension(x509.BasicConstraintsExtension);
    expect(basic?.critical).toBe(true);
    expect(basic?.ca).toBe(true);
    expect(basic?.pathLength).toBe(0);
    const usage = parsed.getExtension(x509.KeyUsagesExtension);
    expect(usage?.critical).toBe(true);
    expect(usage?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(parsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);

    expect(Math.abs(parsed.notBefore.getTime() - (createdAt - HOUR_MS))).toBeLessThan(60_000);
    const years = (parsed.notAfter.getTime() - createdAt) / (365.25 * 24 * HOUR_MS);
    expect(years).toBeGreaterThan(19.99);
    expect(years).toBeLessThan(20.01);

    // 16 random bytes with the high bit cleared: positive, at most 16 bytes, not a tiny counter.
    // (A cleared high bit means no 0x00 pad byte, so the hex is at most 16 bytes and starts < 0x80.)
    expect(parsed.serialNumber).toMatch(/^[0-9a-f]+$/);
    expect(parsed.serialNumber.length).toBeLessThanOrEqual(32);
    expect(parsed.serialNumber.length).toBeGreaterThanOrEqual(24);
    expect(parseInt(parsed.serialNumber.slice(0, 2), 16)).toBeLessThan(0x80);
  });

  it('gives each CA a distinct serial number', () => {
    const serials = CA_IDENTIFIERS.map((id) => new X509Certificate(registry.certificatePem(id)).serialNumber);
    expect(new Set(serials).size).toBe(3);
  });
});

describe('CaRegistry lookups', () => {
  it('has() knows exactly the defined identifiers', () => {
    for (const id of CA_IDENTIFIERS) expect(registry.has(id)).toBe(true);
    expect(registry.has('rds-ca-2019')).toBe(false);
  });

  it('bundle() without an id concatenates all three CAs in identifier order', () => {
    const blocks = pemBlocks(registry.bundle());
    expect(blocks).toEqual(CA_IDENTIFIERS.map((id) => registry.certificatePem(id)));
    expect(registry.bundle()).toBe(blocks.join(''));
  });

  it('bundle(id) is exactly that CA', () => {
    expect(registry.bundle('rds-ca-ecc384-g1')).toBe(registry.certificatePem('rds-ca-ecc384-g1'));
    expect(pemBlocks(registry.bundle('rds-ca-ecc384-g1'))).toHaveLength(1);
  });

  it('unknown identifiers throw an error listing the valid ones', async () => {
    expect(() => registry.certificatePem('nope')).toThrow(UnknownCaIdentifierError);
    expect(() => registry.bundle('nope')).toThrow(/rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1/);
    await expect(
      registry.issueServerCertificate('nope', { commonName: 'x', dnsNames: [], ipAddresses: [] }),
    ).rejects.toThrow(/valid identifiers are: rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1/);
  });
});

describe('CaRegistry.open on an existing directory', () => {
  it('reloads the same CAs without regenerating or rewriting them', async () => {
    const before = await Promise.all(
      CA_IDENTIFIERS.map(async (id) => ({
        key: await readFile(join(dir, id, CA_KEY_FILE), 'utf8'),
        mtime: (await stat(join(dir, id, CA_CERT_FILE))).mtimeMs,
      })),
    );
    const reopened = await open(dir);
    expect(reopened.bundle()).toBe(registry.bundle());
    for (const [i, id] of CA_IDENTIFIERS.entries()) {
      expect(await readFile(join(dir, id, CA_KEY_FILE), 'utf8')).toBe(before[i]!.key);
      expect((await stat(join(dir, id, CA_CERT_FILE))).mtimeMs).toBe(before[i]!.mtime);
    }
  });

  it('a reloaded CA still issues certificates that verify against the original CA', async () => {
    const reopened = await open(dir);
    const issued = await reopened.issueServerCertificate('rds-ca-rsa4096-g1', {
      commonName: 'db',
      dnsNames: ['db.example'],
      ipAddresses: [],
    });
    const ca = new X509Certificate(registry.certificatePem('rds-ca-rsa4096-g1'));
    expect(new X509Certificate(issued.certPem).verify(ca.publicKey)).toBe(true);
  });
});

describe('CaRegistry crash recovery', () => {
  it('regenerates a CA whose ca.key is missing and leaves the others alone', async () => {
    const recoveryDir = await tempDir();
    const first = await open(recoveryDir);
    const id = 'rds-ca-rsa2048-g1';
    await unlink(join(recoveryDir, id, CA_KEY_FILE));

    const second = await open(recoveryDir);
    expect(second.certificatePem(id)).not.toBe(first.certificatePem(id));
    expect(await readFile(join(recoveryDir, id, CA_CERT_FILE), 'utf8')).toBe(second.certificatePem(id));
    expect(await mode(join(recoveryDir, id, CA_KEY_FILE))).toBe(0o600);
    for (const other of CA_IDENTIFIERS.filter((o) => o !== id)) {
      expect(second.certificatePem(other)).toBe(first.certificatePem(other));
    }
    // The regenerated pair is consistent: its certificates verify against the new CA.
    const issued = await second.issueServerCertificate(id, { commonName: 'x', dnsNames: ['x'], ipAddresses: [] });
    expect(new X509Certificate(issued.certPem).verify(new X509Certificate(second.certificatePem(id)).publicKey)).toBe(
      true,
    );

    // And the next open loads it rather than regenerating again.
    const third = await open(recoveryDir);
    expect(third.certificatePem(id)).toBe(second.certificatePem(id));

    // Same for a lone ca.key (killed between the key rename and the cert rename), plus a
    // leftover temp file from the interrupted cert write.
    const eccId = 'rds-ca-ecc384-g1';
    await unlink(join(recoveryDir, eccId, CA_CERT_FILE));
    const staleTemp = join(recoveryDir, eccId, `.${CA_CERT_FILE}.12345.abcdef.berth-tmp`);
    await writeFile(staleTemp, '-----BEGIN CERT');
    const fourth = await open(recoveryDir);
    expect(fourth.certificatePem(eccId)).not.toBe(third.certificatePem(eccId));
    expect((await readdir(join(recoveryDir, eccId))).sort()).toEqual([CA_CERT_FILE, CA_KEY_FILE]);
    expect(fourth.certificatePem('rds-ca-rsa4096-g1')).toBe(first.certificatePem('rds-ca-rsa4096-g1'));
  });

  it('refuses to load a ca.key that does not belong to ca.crt', async () => {
    const badDir = await tempDir();
    await open(badDir);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    await writeFile(
      join(badDir, 'rds-ca-ecc384-g1', CA_KEY_FILE),
      privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    );
    await expect(CaRegistry.open(badDir, { serverKeyPoolSize: 0 })).rejects.toThrow(/not a key pair/);
  });

  it('tightens a loosened registry directory back to 0700', async () => {
    await chmod(dir, 0o755);
    await open(dir);
    expect(await mode(dir)).toBe(0o700);
  });
});
