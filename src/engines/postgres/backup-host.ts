/**
 * What the backup, restore and archive modules need from PostgresDriver,
 * without reaching into its private state (and without an import cycle).
 */
import type pg from 'pg';
import type { InstanceSpec, TlsMaterial } from '../driver.js';
import type { OsUser } from '../os-user.js';
import type { InstalledPostgres } from './binaries.js';
import type { PostgresInstancePaths } from './instance-paths.js';

export interface PostgresBackupHost {
  /** The service user, the binaries and the template of the spec's blueprint. */
  prepare(spec: Pick<InstanceSpec, 'blueprintId'>): Promise<{ user: OsUser; install: InstalledPostgres; template: string }>;
  user(): Promise<OsUser>;
  paths(spec: Pick<InstanceSpec, 'dataDir'>): PostgresInstancePaths;
  running(spec: InstanceSpec): Promise<boolean>;
  withAdmin<T>(spec: InstanceSpec, use: (client: pg.Client) => Promise<T>): Promise<T>;
  /** The server version a blueprint runs (`17.10`). */
  engineVersion(blueprintId: string): string;
  /** provision() minus the template copy: TLS files, berth.conf, pg_hba.conf, socket dir. */
  writeInstanceFiles(spec: InstanceSpec, tls: TlsMaterial): Promise<void>;
  /** Start and wait until the server accepts connections (state `ready`), with this limit. */
  start(spec: InstanceSpec, readyTimeoutMs: number): Promise<void>;
  stop(spec: InstanceSpec): Promise<void>;
  /** Stop the server and remove every file of the instance. */
  removeInstance(spec: InstanceSpec): Promise<void>;
  /** End of the startup and server logs, for error messages. */
  logTail(spec: InstanceSpec): Promise<string>;
}
