import { X509Certificate as NodeX509Certificate, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

import type * as X509 from '@peculiar/x509';

import type { CaDefinition } from './ca-definitions.js';
import type { CaSigningKey } from './keys.js';
import { x509 } from './x509.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export const CA_VALIDITY_YEARS = 20;
export const DEFAULT_SERVER_CERT_VALIDITY_DAYS = 397;
/** Both CA and server certificates start this long before "now" to tolerate clock skew. */
export const BACKDATE_MS = HOUR_MS;

// @peculiar/x509 is always handed Node's WebCrypto explicitly instead of mutating its global
// cryptoProvider, so this module has no process-wide side effects.
const crypto = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.create>[1];

export interface ServerCertificateRequest {
  commonName: string;
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
  /** Defaults to DEFAULT_SERVER_CERT_VALIDITY_DAYS (397). */
  validityDays?: number;
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** Upper-case hex, as node:crypto's X509Certificate#serialNumber. */
  serialNumber: string;
  /** Upper-case colon-separated hex SHA-256 of the DER, as X509Certificate#fingerprint256. */
  fingerprint256: string;
  dnsNames: string[];
  ipAddresses: string[];
}

/** 16 random bytes with the high bit cleared, so the DER INTEGER is positive. */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  // High bit clear: positive without a pad byte. Never 0x00: DER drops a leading zero byte, and
  // the serial would then be 15 bytes whose first one may have its high bit set.
  bytes[0] = (bytes[0]! & 0x7f) || 0x01;
  return bytes.toString('hex');
}

/** Certificates only carry whole seconds; truncating up front keeps returned dates exact. */
function wholeSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

export function caSubject(identifier: string): X509.JsonName {
  return [{ CN: [`berth ${identifier} Root CA`] }, { O: ['berth'] }];
}

export async function createCaCertificate(
  definition: CaDefinition,
  key: CaSigningKey,
  now: Date = new Date(),
): Promise<X509.X509Certificate> {
  const name = caSubject(definition.identifier);
  const notAfter = new Date(now.getTime());
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: name,
      issuer: name,
      notBefore: wholeSeconds(now.getTime() - BACKDATE_MS),
      notAfter: wholeSeconds(notAfter.getTime()),
      publicKey: key.publicKeySpki,
      signingKey: key.privateKey,
      signingAlgorithm: key.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(key.publicKeySpki, false, crypto),
      ],
    },
    crypto,
  );
}

/** The issuing side of a server certificate: a loaded CA certificate and its signing key. */
export interface IssuingCa {
  readonly definition: CaDefinition;
  readonly certificate: X509.X509Certificate;
  readonly key: CaSigningKey;
}

function normalizeIp(ip: string): string {
  if (isIP(ip) === 4) return ip;
  if (isIP(ip) !== 6 || ip.includes('%')) throw new Error(`Invalid IP address ${JSON.stringify(ip)}`);
  // @peculiar/x509 only understands pure hex IPv6; rewrite an embedded IPv4 tail (::ffff:1.2.3.4).
  const lastColon = ip.lastIndexOf(':');
  const tail = ip.slice(lastColon + 1);
  if (!tail.includes('.')) return ip;
  const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
  const hex = (n: number) => n.toString(16);
  return `${ip.slice(0, lastColon + 1)}${hex((a << 8) | b)}:${hex((c << 8) | d)}`;
}

function normalizeDnsName(name: string): string {
  // SAN dNSName is an IA5String: ASCII only (IDNs must already be punycode), no spaces.
  if (typeof name !== 'string' || !/^[\x21-\x7e]+$/.test(name)) {
    throw new Error(`Invalid DNS name ${JSON.stringify(name)}`);
  }
  return name.toLowerCase();
}

/**
 * Validates a request and returns it with defaults applied and names normalized (DNS names
 * lower-cased, IPs in the form the encoder accepts, duplicates removed). Idempotent.
 */
/** A request for a server reached by these host names or addresses, and always over loopback (localhost, 127.0.0.1, ::1). */
export function serverCertificateRequestFor(commonName: string, hosts: readonly string[]): { commonName: string; dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = ['localhost'];
  const ipAddresses = ['127.0.0.1', '::1'];
  for (const host of hosts) (isIP(host) ? ipAddresses : dnsNames).push(host);
  return { commonName, dnsNames, ipAddresses };
}

export function normalizeServerCertificateRequest(request: ServerCertificateRequest): Required<ServerCertificateRequest> {
  if (typeof request.commonName !== 'string' || request.commonName.length === 0) {
    throw new Error('commonName must be a non-empty string');
  }
  const validityDays = request.validityDays ?? DEFAULT_SERVER_CERT_VALIDITY_DAYS;
  if (typeof validityDays !== 'number' || !Number.isFinite(validityDays) || validityDays <= 0) {
    throw new Error(`validityDays must be a positive number, got ${validityDays}`);
  }
  return {
    commonName: request.commonName,
    dnsNames: [...new Set(request.dnsNames.map(normalizeDnsName))],
    ipAddresses: [...new Set(request.ipAddresses.map(normalizeIp))],
    validityDays,
  };
}

export async function createServerCertificate(
  ca: IssuingCa,
  publicKeySpki: Uint8Array,
  request: ServerCertificateRequest,
  now: Date = new Date(),
): Promise<X509.X509Certificate> {
  const { commonName, dnsNames, ipAddresses, validityDays } = normalizeServerCertificateRequest(request);
  const names: X509.JsonGeneralNames = [
    ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];

  const isRsa = ca.definition.serverKeyType === 'rsa2048';
  const caKeyId =
    ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ??
    (await x509.SubjectKeyIdentifierExtension.create(ca.key.publicKeySpki, false, crypto)).keyId;
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      isRsa ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
    await x509.SubjectKeyIdentifierExtension.create(publicKeySpki, false, crypto),
    new x509.AuthorityKeyIdentifierExtension(caKeyId, false),
  ];
  // An empty GeneralNames SEQUENCE is invalid DER, so omit the extension rather than emit it empty.
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));

  // Never outlive the issuing CA: verifiers would reject the chain after the CA expires anyway.
  const notAfterMs = Math.min(now.getTime() + validityDays * DAY_MS, ca.certificate.notAfter.getTime());
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: [{ CN: [commonName] }],
      issuer: ca.certificate.subjectName,
      notBefore: wholeSeconds(now.getTime() - BACKDATE_MS),
      notAfter: wholeSeconds(notAfterMs),
      publicKey: publicKeySpki,
      signingKey: ca.key.privateKey,
      signingAlgorithm: ca.key.signingAlgorithm,
      extensions,
    },
    crypto,
  );
}

export function certificatePem(certificate: X509.X509Certificate): string {
  return `${certificate.toString('pem').trim()}\n`;
}

/** Parses the first certificate in `pem`. */
export function certificateInfo(pem: string): CertificateInfo {
  const cert = new x509.X509Certificate(pem);
  const nodeCert = new NodeX509Certificate(Buffer.from(cert.rawData));
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const items = san?.names.items ?? [];
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serialNumber: nodeCert.serialNumber.toUpperCase(),
    fingerprint256: nodeCert.fingerprint256,
    dnsNames: items.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: items.filter((n) => n.type === 'ip').map((n) => n.value),
  };
}

/** True when the certificate's notAfter is at or before `now + withinDays` (including already expired). */
export function isExpiring(pem: string, now: Date, withinDays: number): boolean {
  const { notAfter } = certificateInfo(pem);
  return notAfter.getTime() <= now.getTime() + withinDays * DAY_MS;
}
