import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CA_IDENTIFIERS, CaRegistry, certificateInfo, type IssuedServerCertificate } from './index.js';
import { x509 } from './x509.js';

const execFileAsync = promisify(execFile);
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const request = {
  commonName: 'db-1.berth.internal',
  dnsNames: ['localhost', 'db-1.berth.internal'],
  ipAddresses: ['127.0.0.1', '::1'],
};

let workDir: string;
let registry: CaRegistry;
const issued = new Map<string, IssuedServerCertificate>();
let issuedAt: number;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'berth-pki-server-'));
  registry = await CaRegistry.open(join(workDir, 'pki'));
  issuedAt = Date.now();
  for (const id of CA_IDENTIFIERS) issued.set(id, await registry.issueServerCertificate(id, request));
});

afterAll(async () => {
  await registry?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function openssl(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('openssl', args);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe.each(CA_IDENTIFIERS.map((id) => [id]))('server certificate from %s', (id) => {
  const get = () => issued.get(id)!;

  it('verifies against its CA and matches localhost, 127.0.0.1 and ::1', () => {
    const cert = new X509Certificate(get().certPem);
    const ca = new X509Certificate(registry.certificatePem(id));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkHost('db-1.berth.internal')).toBe('db-1.berth.internal');
    expect(cert.checkHost('other.example')).toBeUndefined();
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkIP('127.0.0.2')).toBeUndefined();
    expect(cert.ca).toBe(false);
  });

  it('does not verify against the other CAs', () => {
    const cert = new X509Certificate(get().certPem);
    for (const other of CA_IDENTIFIERS.filter((o) => o !== id)) {
      expect(cert.verify(new X509Certificate(registry.certificatePem(other)).publicKey)).toBe(false);
    }
  });

  it('comes with a matching PKCS#8 private key of the right type', () => {
    const { keyPem, certPem } = get();
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    const key = createPrivateKey(keyPem);
    expect(new X509Certificate(certPem).checkPrivateKey(key)).toBe(true);
    if (id === 'rds-ca-ecc384-g1') {
      expect(key.asymmetricKeyType).toBe('ec');
      expect(key.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    } else {
      expect(key.asymmetricKeyType).toBe('rsa');
      expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    }
  });

  it('has the server-certificate extensions', () => {
    const cert = new x509.X509Certificate(get().certPem);
    const ca = new x509.X509Certificate(registry.certificatePem(id));
    expect(cert.subject).toBe('CN=db-1.berth.internal');
    expect(cert.issuer).toBe(ca.subject);

    const basic = cert.getExtension(x509.BasicConstraintsExtension);
    expect(basic?.ca).toBe(false);
    const usage = cert.getExtension(x509.KeyUsagesExtension)?.usages;
    const expectedUsage =
      id === 'rds-ca-ecc384-g1'
        ? x509.KeyUsageFlags.digitalSignature
        : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
    expect(usage).toBe(expectedUsage);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);

    const san = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON();
    expect(san).toEqual([
      { type: 'dns', value: 'localhost' },
      { type: 'dns', value: 'db-1.berth.internal' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
    ]);
    const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    expect(ski).toMatch(/^[0-9a-f]{40}$/);
    expect(ski).not.toBe(ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(
      ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
    );
    const expectedHash = id === 'rds-ca-rsa2048-g1' ? 'SHA-256' : 'SHA-384';
    expect((cert.signatureAlgorithm as { hash: { name: string } }).hash.name).toBe(expectedHash);
  });

  it('is valid from an hour ago for 397 days, and reports its own metadata', () => {
    const { certPem, notAfter, serialNumber, fingerprint256 } = get();
    const node = new X509Certificate(certPem);
    const info = certificateInfo(certPem);
    expect(Math.abs(info.notBefore.getTime() - (issuedAt - HOUR_MS))).toBeLessThan(60_000);
    expect(Math.abs(notAfter.getTime() - (issuedAt + 397 * DAY_MS))).toBeLessThan(60_000);
    expect(notAfter.getTime()).toBe(new Date(node.validTo).getTime());
    expect(serialNumber).toBe(node.serialNumber.toUpperCase());
    expect(fingerprint256).toBe(node.fingerprint256);
  });

  it('passes openssl verify for a TLS server named localhost / ::1, and fails against another CA', async () => {
    const dir = await mkdtemp(join(workDir, 'openssl-'));
    const { certPem, keyPem } = get();
    await writeFile(join(dir, 'server.crt'), certPem);
    await writeFile(join(dir, 'server.key'), keyPem, { mode: 0o600 });
    await writeFile(join(dir, 'ca.crt'), registry.bundle(id));
    const other = CA_IDENTIFIERS.find((o) => o !== id)!;
    await writeFile(join(dir, 'other.crt'), registry.bundle(other));
    await writeFile(join(dir, 'all.crt'), registry.bundle());

    const ok = await openssl(['verify', '-CAfile', join(dir, 'ca.crt'), '-purpose', 'sslserver', '-verify_hostname', 'localhost', join(dir, 'server.crt')]);
    expect(ok.output).toContain('server.crt: OK');
    expect(ok.ok).toBe(true);
    const ip = await openssl(['verify', '-CAfile', join(dir, 'all.crt'), '-verify_ip', '::1', join(dir, 'server.crt')]);
    expect(ip.ok).toBe(true);
    const wrongCa = await openssl(['verify', '-CAfile', join(dir, 'other.crt'), join(dir, 'server.crt')]);
    expect(wrongCa.ok).toBe(false);
    expect(wrongCa.output).toMatch(/unable to get local issuer certificate/);
    const wrongHost = await openssl(['verify', '-CAfile', join(dir, 'ca.crt'), '-verify_hostname', 'evil.example', join(dir, 'server.crt')]);
    expect(wrongHost.ok).toBe(false);
    // OpenSSL (as used by PostgreSQL and MariaDB) reads the key and agrees it matches.
    const keyCheck = await openssl(['pkey', '-in', join(dir, 'server.key'), '-pubout']);
    expect(keyCheck.ok).toBe(true);
    const certKey = await openssl(['x509', '-in', join(dir, 'server.crt'), '-noout', '-pubkey']);
    expect(certKey.output).toBe(keyCheck.output);
  });
});

describe('issueServerCertificate', () => {
  it('issues a fresh key and serial every time', async () => {
    const a = await registry.issueServerCertificate('rds-ca-rsa2048-g1', request);
    const b = await registry.issueServerCertificate('rds-ca-rsa2048-g1', request);
    expect(a.keyPem).not.toBe(b.keyPem);
    expect(a.serialNumber).not.toBe(b.serialNumber);
    expect(a.fingerprint256).not.toBe(b.fingerprint256);
  });

  it('honours validityDays', async () => {
    const before = Date.now();
    const { notAfter } = await registry.issueServerCertificate('rds-ca-ecc384-g1', { ...request, validityDays: 30 });
    expect(Math.abs(notAfter.getTime() - (before + 30 * DAY_MS))).toBeLessThan(60_000);
  });

  it('never outlives the issuing CA', async () => {
    const ca = certificateInfo(registry.certificatePem('rds-ca-ecc384-g1'));
    const { notAfter } = await registry.issueServerCertificate('rds-ca-ecc384-g1', { ...request, validityDays: 100 * 365 });
    expect(notAfter.getTime()).toBe(ca.notAfter.getTime());
  });

  it('normalizes names: IPv4-mapped IPv6, duplicates and DNS case', async () => {
    const { certPem } = await registry.issueServerCertificate('rds-ca-ecc384-g1', {
      commonName: 'Db',
      dnsNames: ['DB.Example', 'db.example'],
      ipAddresses: ['::ffff:10.0.0.1', '10.0.0.2', '10.0.0.2'],
    });
    const info = certificateInfo(certPem);
    expect(info.dnsNames).toEqual(['db.example']);
    expect(info.ipAddresses).toEqual(['::ffff:a00:1', '10.0.0.2']);
    expect(new X509Certificate(certPem).checkIP('10.0.0.2')).toBe('10.0.0.2');
  });

  it.each([
    [{ ...request, commonName: '' }, /commonName/],
    [{ ...request, ipAddresses: ['localhost'] }, /Invalid IP address "localhost"/],
    [{ ...request, ipAddresses: ['fe80::1%eth0'] }, /Invalid IP address/],
    [{ ...request, dnsNames: ['bad name'] }, /Invalid DNS name "bad name"/],
    [{ ...request, validityDays: 0 }, /validityDays/],
    [{ ...request, validityDays: Number.NaN }, /validityDays/],
  ])('rejects an invalid request %#', async (bad, message) => {
    await expect(registry.issueServerCertificate('rds-ca-rsa2048-g1', bad)).rejects.toThrow(message);
  });

  it('omits subjectAltName when there are no names', async () => {
    const { certPem } = await registry.issueServerCertificate('rds-ca-ecc384-g1', {
      commonName: 'bare',
      dnsNames: [],
      ipAddresses: [],
    });
    const cert = new x509.X509Certificate(certPem);
    expect(cert.getExtension(x509.SubjectAlternativeNameExtension)).toBeNull();
    expect(cert.subject).toBe('CN=bare');
  });
});
