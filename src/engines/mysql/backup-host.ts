/**
 * What the backup, restore and archive modules need from MysqlDriver
 * (../backup-host.ts), plus MariaDB's own. writeInstanceFiles: the template
 * copy (skipped when a datadir exists), dirs, TLS, my.cnf; engineVersion
 * gives `10.11.18-MariaDB`.
 */
import type mysql from 'mysql2/promise';
import type { EngineBackupHost } from '../backup-host.js';
import type { InstanceSpec } from '../driver.js';
import type { OsUser } from '../os-user.js';
import type { MysqlInstancePaths } from './instance-paths.js';
import type { MariadbServer, MariadbTool } from './server-binaries.js';

export interface MysqlBackupHost extends EngineBackupHost<MysqlInstancePaths, mysql.Connection, { user: OsUser; server: MariadbServer; template: string }> {
  /** The MariaDB account berth administers through (unix_socket: the tools run as berth's OS user). */
  adminAccount: string;
  /** Absolute path of a client program of the server (throws when it is not installed). */
  tool(name: MariadbTool): string;
  /** Rewrite my.cnf (and the directories it names) from the spec and the archiving state; dynamic settings applied when running. */
  writeConfig(spec: InstanceSpec): Promise<void>;
}
