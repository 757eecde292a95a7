/**
 * What an engine's backup, restore and archive modules need from its driver,
 * without reaching into the driver's private state (and without an import
 * cycle). Each engine adds its own (postgres/backup-host.ts, mysql/backup-host.ts).
 */
import type { InstanceSpec, TlsMaterial } from './driver.js';
import type { OsUser } from './os-user.js';

export interface EngineBackupHost<Paths, AdminConnection, Prepared> {
  /** The service user and what the spec's blueprint runs (binaries or server, template). */
  prepare(spec: Pick<InstanceSpec, 'blueprintId'>): Promise<Prepared>;
  user(): Promise<OsUser>;
  paths(spec: Pick<InstanceSpec, 'dataDir'>): Paths;
  running(spec: InstanceSpec): Promise<boolean>;
  withAdmin<T>(spec: InstanceSpec, use: (connection: AdminConnection) => Promise<T>): Promise<T>;
  /** The server version a blueprint runs. */
  engineVersion(blueprintId: string): string;
  /** provision() outside the instance queue, skipping the template copy where data exists already. */
  writeInstanceFiles(spec: InstanceSpec, tls: TlsMaterial): Promise<void>;
  /** Start and wait until the server accepts connections, with this limit. */
  start(spec: InstanceSpec, readyTimeoutMs: number): Promise<void>;
  stop(spec: InstanceSpec): Promise<void>;
  /** Stop the server and remove every file of the instance. */
  removeInstance(spec: InstanceSpec): Promise<void>;
  /** End of the startup output and the server log, for error messages. */
  logTail(spec: InstanceSpec): Promise<string>;
}
