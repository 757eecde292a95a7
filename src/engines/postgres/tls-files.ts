/**
 * The server's TLS files and proof of which certificate a running server
 * actually presents.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { TlsMaterial } from '../driver.js';
import { writeFileAtomicAs, type OsUser } from '../os-user.js';

/** The leaf certificate (first in the PEM) parsed; throws naming what is wrong. */
export function checkTlsMaterial(material: TlsMaterial): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(material.certPem);
  } catch (err) {
    throw new Error(`TLS certificate is not a valid PEM certificate: ${(err as Error).message}`);
  }
  let key;
  try {
    key = createPrivateKey(material.keyPem);
  } catch (err) {
    throw new Error(`TLS private key is not a valid PEM key: ${(err as Error).message}`);
  }
  if (!cert.checkPrivateKey(key)) {
    throw new Error(`TLS private key does not match the certificate (subject ${cert.subject.replace(/\n/g, ', ')})`);
  }
  return cert;
}

/** Write cert (0644) and key (0600), both owned by the service user, each atomically. */
export async function writeTlsFiles(
  user: OsUser,
  files: { certFile: string; keyFile: string },
  material: TlsMaterial,
): Promise<void> {
  checkTlsMaterial(material);
  const withNewline = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);
  // Key first: PostgreSQL reads both on reload; a new key with the old
  // certificate fails the pair check and keeps the old context, never a mix.
  await writeFileAtomicAs(user, files.keyFile, withNewline(material.keyPem), 0o600);
  await writeFileAtomicAs(user, files.certFile, withNewline(material.certPem), 0o644);
}

/**
 * SHA-256 fingerprint ("AB:CD:...") of the certificate a PostgreSQL server
 * presents on a new connection: SSLRequest, then a TLS handshake without
 * verification (we only compare fingerprints), then close.
 */
export function presentedCertificateFingerprint(host: string, port: number, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => fail(new Error(`TLS probe of ${host}:${port} timed out`)), timeoutMs);
    let secure: tls.TLSSocket | undefined;
    const fail = (err: Error) => {
      clearTimeout(timer);
      secure?.destroy();
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      const request = Buffer.alloc(8);
      request.writeInt32BE(8, 0);
      request.writeInt32BE(80877103, 4); // SSLRequest code
      socket.write(request);
    });
    socket.once('data', (answer) => {
      if (answer[0] !== 0x53 /* 'S' */) return fail(new Error(`${host}:${port} refused TLS`));
      secure = tls.connect({ socket, rejectUnauthorized: false, ...(net.isIP(host) ? {} : { servername: host }) });
      secure.once('error', fail);
      secure.once('secureConnect', () => {
        const tlsSocket = secure as tls.TLSSocket;
        const fingerprint = tlsSocket.getPeerCertificate().fingerprint256;
        clearTimeout(timer);
        // A graceful close (our Finished flushed, then close_notify) keeps the
        // server from logging "could not accept SSL connection: EOF detected".
        tlsSocket.end();
        setTimeout(() => tlsSocket.destroy(), 1_000).unref();
        if (fingerprint) resolve(fingerprint);
        else reject(new Error(`${host}:${port} presented no certificate`));
      });
    });
  });
}
