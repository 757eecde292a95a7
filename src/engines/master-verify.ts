/**
 * The check behind EngineDriver.verifyConnection, engine-neutral: one
 * verify-full TLS session as the master user, with the engine's own client
 * (postgres/master-connection.ts, mysql/master-connection.ts).
 */
import type { InstanceSpec, VerifyOptions } from './driver.js';

export type MasterTarget = Pick<InstanceSpec, 'port' | 'masterUsername' | 'masterDatabaseName'>;

/** Where and as whom the master user connects: `host`, the instance's port, its master user and database. */
export function masterLogin(spec: MasterTarget, { host, password }: Pick<VerifyOptions, 'host' | 'password'>) {
  return { host, port: spec.port, user: spec.masterUsername, database: spec.masterDatabaseName, password };
}

/** Run `session` (connect, `SELECT 1`, close); throws naming the connection and the reason. */
export async function verifyMasterSession(spec: MasterTarget, options: VerifyOptions, session: () => Promise<void>): Promise<void> {
  try {
    await session();
  } catch (err) {
    throw new Error(
      `verify-full connection as ${spec.masterUsername} to ${options.host}:${spec.port}/${spec.masterDatabaseName} failed: ${(err as Error).message}`,
    );
  }
}
