import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { randomSerialNumber } from './certificates.js';
import { CaRegistry, certificateInfo, isExpiring } from './index.js';

const DAY_MS = 86_400_000;

let workDir: string;
let registry: CaRegistry;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'berth-pki-certs-'));
  registry = await CaRegistry.open(join(workDir, 'pki'), { serverKeyPoolSize: 0 });
});

afterAll(async () => {
  await registry?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('certificateInfo', () => {
  it('describes an issued certificate', async () => {
    const issued = await registry.issueServerCertificate('rds-ca-ecc384-g1', {
      commonName: 'db.example',
      dnsNames: ['db.example', 'localhost'],
      ipAddresses: ['192.0.2.7', '2001:db8::1'],
    });
    const info = certificateInfo(issued.certPem);
    expect(info).toEqual({
      subject: 'CN=db.example',
      issuer: 'CN=berth rds-ca-ecc384-g1 Root CA, O=berth',
      notBefore: expect.any(Date),
      notAfter: issued.notAfter,
      serialNumber: issued.serialNumber,
      fingerprint256: issued.fingerprint256,
      dnsNames: ['db.example', 'localhost'],
      ipAddresses: ['192.0.2.7', '2001:db8::1'],
    });
    expect(info.serialNumber).toMatch(/^[0-9A-F]+$/);
    expect(info.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('describes a CA certificate', () => {
    const info = certificateInfo(registry.certificatePem('rds-ca-rsa2048-g1'));
    expect(info.subject).toBe('CN=berth rds-ca-rsa2048-g1 Root CA, O=berth');
    expect(info.issuer).toBe(info.subject);
    expect(info.dnsNames).toEqual([]);
    expect(info.ipAddresses).toEqual([]);
  });

  it('throws on something that is not a certificate', () => {
    expect(() => certificateInfo('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow();
  });
});

describe('isExpiring', () => {
  let pem: string;
  let notAfter: number;

  beforeAll(async () => {
    const issued = await registry.issueServerCertificate('rds-ca-ecc384-g1', {
      commonName: 'x',
      dnsNames: ['x'],
      ipAddresses: [],
      validityDays: 90,
    });
    pem = issued.certPem;
    notAfter = issued.notAfter.getTime();
  });

  it('is false while more than withinDays remain', () => {
    expect(isExpiring(pem, new Date(notAfter - 30 * DAY_MS - 1000), 30)).toBe(false);
    expect(isExpiring(pem, new Date(), 30)).toBe(false);
  });

  it('is true exactly at and inside the window', () => {
    expect(isExpiring(pem, new Date(notAfter - 30 * DAY_MS), 30)).toBe(true);
    expect(isExpiring(pem, new Date(notAfter - 30 * DAY_MS + 1000), 30)).toBe(true);
    expect(isExpiring(pem, new Date(), 90)).toBe(true);
  });

  it('is true once expired, even with a zero window', () => {
    expect(isExpiring(pem, new Date(notAfter + 1000), 0)).toBe(true);
    expect(isExpiring(pem, new Date(notAfter - 1000), 0)).toBe(false);
  });
});

describe('randomSerialNumber', () => {
  it('is 16 bytes with the high bit clear, and random', () => {
    const serials = Array.from({ length: 500 }, randomSerialNumber);
    for (const s of serials) {
      expect(s).toMatch(/^[0-7][0-9a-f]{31}$/);
    }
    expect(new Set(serials).size).toBe(serials.length);
    // With the high bit merely cleared (not forced), both halves of the range occur.
    expect(serials.some((s) => parseInt(s[0]!, 16) < 4)).toBe(true);
    expect(serials.some((s) => parseInt(s[0]!, 16) >= 4)).toBe(true);
  });

  it('never starts with a zero byte, which DER would drop (a 15-byte serial whose first byte may have its high bit set)', () => {
    // 1 draw in 128 had a zero first byte: in 20,000 draws one turns up all but surely.
    const firstBytes = new Set(Array.from({ length: 20_000 }, () => parseInt(randomSerialNumber().slice(0, 2), 16)));
    expect(firstBytes.has(0)).toBe(false);
    expect(firstBytes.size).toBe(127); // every other value with the high bit clear still occurs
  });
});
