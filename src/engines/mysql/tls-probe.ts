/**
 * Which certificate a running MariaDB presents to a new connection. MySQL
 * protocol TLS starts after the server's greeting: read the greeting, send
 * an SSLRequest packet, do the TLS handshake without verification (only the
 * fingerprint is compared), close before authenticating.
 */
import net from 'node:net';
import tls from 'node:tls';

const CLIENT_LONG_PASSWORD = 0x1;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SSL = 0x800;
const CLIENT_SECURE_CONNECTION = 0x8000;
const UTF8MB4_GENERAL_CI = 45;

/** The SSLRequest packet (sequence id 1): capability flags, max packet size, charset, 23 zero bytes. */
export function sslRequestPacket(): Buffer {
  const payload = Buffer.alloc(32);
  payload.writeUInt32LE(CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION, 0);
  payload.writeUInt32LE(16 * 1024 * 1024, 4);
  payload.writeUInt8(UTF8MB4_GENERAL_CI, 8);
  const header = Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, (payload.length >> 16) & 0xff, 1]);
  return Buffer.concat([header, payload]);
}

/**
 * Read a greeting payload: protocol 10, server version, connection id,
 * 8 bytes of scramble, a filler, then the lower capability flags. An error
 * packet (0xff) instead is the server refusing us (e.g. too many connections).
 */
export function greetingAllowsTls(payload: Buffer): boolean {
  if (payload[0] === 0xff) {
    const code = payload.length >= 3 ? payload.readUInt16LE(1) : 0;
    const message = payload.subarray(payload[3] === 0x23 /* '#' */ ? 9 : 3).toString('utf8');
    throw new Error(`server answered with error ${code}: ${message}`);
  }
  if (payload[0] !== 10) throw new Error(`unexpected protocol version ${payload[0]} in the server greeting`);
  const versionEnd = payload.indexOf(0, 1);
  const capabilitiesAt = versionEnd + 1 + 4 + 8 + 1;
  if (versionEnd < 0 || payload.length < capabilitiesAt + 2) throw new Error('truncated server greeting');
  return (payload.readUInt16LE(capabilitiesAt) & CLIENT_SSL) !== 0;
}

/**
 * SHA-256 fingerprint ("AB:CD:...") of the certificate presented on a new
 * connection to `target` (the private unix socket, or host and port).
 */
export function presentedCertificateFingerprint(
  target: { path: string } | { host: string; port: number },
  timeoutMs = 5_000,
): Promise<string> {
  const where = 'path' in target ? target.path : `${target.host}:${target.port}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect(target);
    let secure: tls.TLSSocket | undefined;
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`TLS probe of ${where} timed out`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      secure?.destroy();
      socket.destroy();
      reject(new Error(`TLS probe of ${where}: ${err.message}`));
    };
    socket.once('error', fail);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      const length = received.readUIntLE(0, 3);
      if (received.length < 4 + length) return;
      socket.off('data', onData);
      try {
        if (!greetingAllowsTls(received.subarray(4, 4 + length))) return fail(new Error('the server does not offer TLS'));
      } catch (err) {
        return fail(err as Error);
      }
      socket.write(sslRequestPacket());
      secure = tls.connect({ socket, rejectUnauthorized: false });
      secure.once('error', fail);
      secure.once('secureConnect', () => {
        const tlsSocket = secure as tls.TLSSocket;
        const fingerprint = tlsSocket.getPeerCertificate().fingerprint256;
        clearTimeout(timer);
        tlsSocket.end(); // close_notify; the server drops the unauthenticated connection
        setTimeout(() => tlsSocket.destroy(), 1_000).unref();
        if (fingerprint) resolve(fingerprint);
        else reject(new Error(`${where} presented no certificate`));
      });
    };
    socket.on('data', onData);
  });
}
