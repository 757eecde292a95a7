/**
 * Test TLS material made with the `openssl` CLI: two independent CAs and
 * server certificates for localhost (SANs DNS:localhost, IP:127.0.0.1,
 * IP:::1). For the driver conformance suite; berth's own PKI lives in src/pki.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TlsMaterial } from '../driver.js';

const execFileAsync = promisify(execFile);

export interface ConformanceTls {
  /** The CA that signs makeServerTls() certificates. */
  ca: string;
  makeServerTls(): Promise<TlsMaterial>;
  /** A certificate from a second, unrelated CA (its caPem is that CA). */
  makeOtherCaServerTls(): Promise<TlsMaterial>;
  /** A certificate from the main CA paired with a key that does not match it. */
  makeMismatchedKeyTls(): Promise<TlsMaterial>;
  cleanup(): Promise<void>;
}

const SERVER_EXTENSIONS = [
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature, keyEncipherment',
  'extendedKeyUsage = serverAuth',
  'subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1',
  '',
].join('\n');

async function openssl(dir: string, args: string[]): Promise<void> {
  await execFileAsync('openssl', args, { cwd: dir });
}

async function makeCa(dir: string, name: string): Promise<{ certFile: string; keyFile: string; pem: string }> {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.crt`);
  await openssl(dir, [
    'req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=berth test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { certFile, keyFile, pem: await fs.readFile(certFile, 'utf8') };
}

let serial = 0;

async function issueServerCert(dir: string, ca: { certFile: string; keyFile: string; pem: string }): Promise<TlsMaterial> {
  const base = path.join(dir, `server-${process.pid}-${++serial}`);
  const extFile = `${base}.ext`;
  await fs.writeFile(extFile, SERVER_EXTENSIONS);
  await openssl(dir, [
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', '/CN=localhost',
  ]);
  await openssl(dir, [
    'x509', '-req', '-in', `${base}.csr`, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', String(Date.now() * 1000 + serial),
    '-days', '2', '-sha256', '-extfile', extFile, '-out', `${base}.crt`,
  ]);
  return {
    certPem: await fs.readFile(`${base}.crt`, 'utf8'),
    keyPem: await fs.readFile(`${base}.key`, 'utf8'),
    caPem: ca.pem,
  };
}

export async function createOpensslTls(): Promise<ConformanceTls> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-tls-'));
  try {
    const main = await makeCa(dir, 'ca-main');
    const other = await makeCa(dir, 'ca-other');
    return {
      ca: main.pem,
      makeServerTls: () => issueServerCert(dir, main),
      makeOtherCaServerTls: () => issueServerCert(dir, other),
      makeMismatchedKeyTls: async () => {
        const a = await issueServerCert(dir, main);
        const b = await issueServerCert(dir, main);
        return { ...a, keyPem: b.keyPem };
      },
      cleanup: () => fs.rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
}
