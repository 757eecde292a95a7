/**
 * How a client connects as the master user: TCP + TLS with the server
 * certificate verified against a CA bundle and the host name
 * (libpq's sslmode=verify-full).
 */
import net from 'node:net';
import tls from 'node:tls';
import pg from 'pg';
import type { VerifyOptions } from '../driver.js';
import { masterLogin, verifyMasterSession, type MasterTarget } from '../master-verify.js';

export function masterClientConfig(
  spec: MasterTarget,
  { host, caPem, password }: VerifyOptions,
): pg.ClientConfig {
  return {
    ...masterLogin(spec, { host, password }),
    application_name: 'berth-verify',
    connectionTimeoutMillis: 10_000,
    ssl: {
      ca: caPem,
      rejectUnauthorized: true,
      // SNI must not carry an IP address (RFC 6066); the identity check below covers both.
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      checkServerIdentity: (_hostname: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(host, cert),
    },
  };
}

const VERIFY_SESSION_OPTIONS = '-c statement_timeout=0 -c idle_session_timeout=0 -c idle_in_transaction_session_timeout=0';

/**
 * Connect, `SELECT 1` (with `writable`: assign a transaction id and commit,
 * which writes to the WAL and fails on a standby), close; throws with the reason.
 */
export async function verifyMasterConnection(spec: MasterTarget, options: VerifyOptions): Promise<void> {
  // Timeouts users may set (UpdateRelationalDatabaseParameters) must not fail berth's own check.
  const client = new pg.Client({ ...masterClientConfig(spec, options), options: VERIFY_SESSION_OPTIONS });
  client.on('error', () => undefined);
  await verifyMasterSession(spec, options, async () => {
    try {
      await client.connect();
      await client.query(options.writable ? 'SELECT pg_current_xact_id()' : 'SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}
