/**
 * TLS of a running MariaDB instance: the check that a started server serves
 * it, and new certificate files taken without a restart.
 */
import { awaitPresentedCertificate } from '../driver-support.js';
import { globalVariables } from './admin-connection.js';
import type { MysqlInstancePaths } from './instance-paths.js';
import type { AdminSession } from './instance-settings.js';
import { mariadbLogTail } from './mariadbd-process.js';
import { presentedCertificateFingerprint } from './tls-probe.js';

/** Throw unless the server just started as `pid` has TLS: without it every TCP client would be refused. */
export async function assertServesTls(withAdmin: AdminSession, pid: number, p: MysqlInstancePaths): Promise<void> {
  // With require_secure_transport, mariadbd 10.11 aborts when its TLS files fail to load; a server that came
  // up without TLS anyway would refuse every TCP client, so say so instead of reporting it started.
  const haveSsl = await withAdmin(async (c) => (await globalVariables(c, ['have_ssl'])).get('have_ssl'));
  if (haveSsl !== 'YES') {
    throw new Error(`mariadbd (pid ${pid}) runs without TLS (have_ssl=${haveSsl}), so TCP clients are refused; ` +
      `provision or reloadTls with valid TLS material fixes it:\n${await mariadbLogTail(p)}`);
  }
}

/** Have the running server load the TLS files just written, then wait until it presents certificate `expected`. */
export async function reloadServedCertificate(
  withAdmin: AdminSession, p: MysqlInstancePaths, expected: string, timeoutMs: number,
): Promise<void> {
  try {
    // FLUSH SSL builds a new TLS context from the files; on failure the old one keeps serving.
    await withAdmin((c) => c.query('FLUSH SSL'));
  } catch (err) {
    throw new Error(`FLUSH SSL failed, the previous certificate keeps serving: ${(err as Error).message}`);
  }
  await awaitPresentedCertificate(() => presentedCertificateFingerprint({ path: p.socket }), expected, timeoutMs);
}
