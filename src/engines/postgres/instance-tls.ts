/**
 * New TLS files taken by a running PostgreSQL instance without a restart.
 */
import type pg from 'pg';
import { awaitPresentedCertificate } from '../driver-support.js';
import type { PostgresInstancePaths } from './instance-paths.js';
import { postgresLogTail } from './postmaster-process.js';
import { presentedCertificateFingerprint } from './tls-files.js';

/** Runs `use` with a berth_admin connection to the instance's running server. */
type AdminSession = <T>(use: (client: pg.Client) => Promise<T>) => Promise<T>;

/**
 * Have the server listening on `port` load the TLS files just written, then
 * wait until it presents certificate `expected`.
 */
export async function reloadServedCertificate(
  withAdmin: AdminSession, port: number, p: PostgresInstancePaths, expected: string, timeoutMs: number,
): Promise<void> {
  await withAdmin((client) => client.query('SELECT pg_reload_conf()'));
  // pg_reload_conf only signals the postmaster: wait until new connections get the new cert.
  await awaitPresentedCertificate(
    () => presentedCertificateFingerprint('127.0.0.1', port),
    expected,
    timeoutMs,
    async () => `; PostgreSQL keeps its previous TLS setup when the new files fail to load:\n${await postgresLogTail(p)}`,
  );
}
