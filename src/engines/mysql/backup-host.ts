/**
 * What the backup, restore and archive modules need from MysqlDriver,
 * without reaching into its private state (and without an import cycle).
 */
import type mysql from 'mysql2/promise';
import type { InstanceSpec, TlsMaterial } from '../driver.js';
import type { OsUser } from '../os-user.js';
import type { MysqlInstancePaths } from './instance-paths.js';
import type { MariadbServer, MariadbTool } from './server-binaries.js';

export interface MysqlBackupHost {
  /** The service user, the server and the template of the spec's blueprint. */
  prepare(spec: Pick<InstanceSpec, 'blueprintId'>): Promise<{ user: OsUser; server: MariadbServer; template: string }>;
  user(): Promise<OsUser>;
  paths(spec: Pick<InstanceSpec, 'dataDir'>): MysqlInstancePaths;
  /** The MariaDB account berth administers through (unix_socket: the tools run as berth's OS user). */
  adminAccount: string;
  /** Absolute path of a client program of the server (throws when it is not installed). */
  tool(name: MariadbTool): string;
  running(spec: InstanceSpec): Promise<boolean>;
  withAdmin<T>(spec: InstanceSpec, use: (connection: mysql.Connection) => Promise<T>): Promise<T>;
  /** The server version a blueprint runs (`10.11.18-MariaDB`). */
  engineVersion(blueprintId: string): string;
  /** provision() outside the instance queue: the template copy (skipped when a datadir exists), dirs, TLS, my.cnf. */
  writeInstanceFiles(spec: InstanceSpec, tls: TlsMaterial): Promise<void>;
  /** Rewrite my.cnf (and the directories it names) from the spec and the archiving state; dynamic settings applied when running. */
  writeConfig(spec: InstanceSpec): Promise<void>;
  /** Start and wait until the server accepts connections, with this limit. */
  start(spec: InstanceSpec, readyTimeoutMs: number): Promise<void>;
  stop(spec: InstanceSpec): Promise<void>;
  /** Stop the server and remove every file of the instance. */
  removeInstance(spec: InstanceSpec): Promise<void>;
  /** End of the startup output and the error log, for error messages. */
  logTail(spec: InstanceSpec): Promise<string>;
}
