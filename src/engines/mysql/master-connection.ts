/**
 * How a client connects as the master user: TCP + TLS with the server
 * certificate verified against a CA bundle and the host name (the mariadb
 * client's --ssl-verify-server-cert, libpq's sslmode=verify-full).
 *
 * mysql2 checks the host name when `verifyIdentity` is set, against the SNI
 * name it sends for a DNS host. For an IP address it sends no SNI (RFC 6066)
 * and Node checks the certificate against the socket's `_host`, which net
 * sets only after a DNS lookup: for an IP literal Node falls back to
 * `localhost` (nodejs/help#1928), so a certificate for localhost would pass
 * for 127.0.0.1 and one naming only the IP would fail. berth opens the socket
 * itself and names the IP on it; the tests pin both directions.
 */
import net from 'node:net';
import mysql from 'mysql2/promise';
import type { VerifyOptions } from '../driver.js';
import { masterLogin, verifyMasterSession, type MasterTarget } from '../master-verify.js';

export function masterConnectionOptions(
  spec: MasterTarget,
  { host, caPem, password }: VerifyOptions,
): mysql.ConnectionOptions {
  return {
    ...masterLogin(spec, { host, password }),
    connectTimeout: 10_000,
    stream: () => {
      const socket = net.connect({ host, port: spec.port });
      socket.setNoDelay(true);
      if (net.isIP(host) !== 0) Object.assign(socket, { _host: host });
      return socket;
    },
    // A fresh object per connection: mysql2 caches TLS sessions per ssl object.
    ssl: { ca: caPem, rejectUnauthorized: true, verifyIdentity: true, minVersion: 'TLSv1.2' },
  };
}

/** Connect, `SELECT 1` (with `writable`: the server must not be read-only, as a standby is), close; throws with the reason. */
export function verifyMasterConnection(spec: MasterTarget, options: VerifyOptions): Promise<void> {
  return verifyMasterSession(spec, options, async () => {
    let connection: mysql.Connection | undefined;
    try {
      connection = await mysql.createConnection(masterConnectionOptions(spec, options));
      connection.on('error', () => undefined);
      const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT @@global.read_only AS readOnly');
      if (options.writable && Number(rows[0]?.readOnly) !== 0) throw new Error('the server is read-only (a standby)');
    } finally {
      await connection?.end().catch(() => connection?.destroy());
    }
  });
}
