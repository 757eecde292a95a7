/**
 * What the backup, restore and archive modules need from PostgresDriver
 * (../backup-host.ts). writeInstanceFiles: TLS files, berth.conf, pg_hba.conf,
 * socket dir; start waits for state `ready`.
 */
import type pg from 'pg';
import type { EngineBackupHost } from '../backup-host.js';
import type { InstanceSpec } from '../driver.js';
import type { OsUser } from '../os-user.js';
import type { InstalledPostgres } from './binaries.js';
import type { PostgresInstancePaths } from './instance-paths.js';

/** engineVersion gives `17.10`. */
export interface PostgresBackupHost
  extends EngineBackupHost<PostgresInstancePaths, pg.Client, { user: OsUser; install: InstalledPostgres; template: string }> {
  /** berth.conf and pg_hba.conf rewritten from the spec, and reloaded when the server runs. */
  refreshConfig(spec: InstanceSpec): Promise<void>;
}
