import type { DatabaseState } from '../domain/states.js';
import type { Sqlite } from './database.js';

export interface Scope {
  accountId: string;
  region: string;
}

/** What waits for the maintenance window. */
export interface PendingChanges {
  caCertificateIdentifier?: string;
  backupRetentionEnabled?: boolean;
}

export interface DatabaseRecord {
  id: string;
  accountId: string;
  region: string;
  name: string;
  arn: string;
  supportCode: string;
  createdAt: number;
  /** Where the primary runs; after a failover, the former standby's zone. */
  availabilityZone: string;
  /** Where the standby of an HA database runs (null for a standard bundle). */
  secondaryAvailabilityZone: string | null;
  blueprintId: string;
  bundleId: string;
  engine: string;
  engineVersion: string;
  masterDatabaseName: string;
  masterUsername: string;
  state: DatabaseState;
  backupRetentionEnabled: boolean;
  preferredBackupWindow: string;
  preferredMaintenanceWindow: string;
  publiclyAccessible: boolean;
  caCertificateIdentifier: string;
  parameterApplyStatus: string;
  /** The endpoint's port (masterEndpoint.port): the primary instance listens on it. */
  port: number;
  desiredRunning: boolean;
  pendingChanges: PendingChanges;
  latestRestorableTime: number | null;
}

interface DatabaseRow {
  id: string;
  account_id: string;
  region: string;
  name: string;
  arn: string;
  support_code: string;
  created_at: number;
  availability_zone: string;
  secondary_availability_zone: string | null;
  blueprint_id: string;
  bundle_id: string;
  engine: string;
  engine_version: string;
  master_database_name: string;
  master_username: string;
  state: DatabaseState;
  backup_retention_enabled: number;
  preferred_backup_window: string;
  preferred_maintenance_window: string;
  publicly_accessible: number;
  ca_certificate_identifier: string;
  parameter_apply_status: string;
  port: number;
  desired_running: number;
  pending_changes: string;
  latest_restorable_time: number | null;
}

function fromRow(row: DatabaseRow): DatabaseRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    region: row.region,
    name: row.name,
    arn: row.arn,
    supportCode: row.support_code,
    createdAt: row.created_at,
    availabilityZone: row.availability_zone,
    secondaryAvailabilityZone: row.secondary_availability_zone,
    blueprintId: row.blueprint_id,
    bundleId: row.bundle_id,
    engine: row.engine,
    engineVersion: row.engine_version,
    masterDatabaseName: row.master_database_name,
    masterUsername: row.master_username,
    state: row.state,
    backupRetentionEnabled: row.backup_retention_enabled === 1,
    preferredBackupWindow: row.preferred_backup_window,
    preferredMaintenanceWindow: row.preferred_maintenance_window,
    publiclyAccessible: row.publicly_accessible === 1,
    caCertificateIdentifier: row.ca_certificate_identifier,
    parameterApplyStatus: row.parameter_apply_status,
    port: row.port,
    desiredRunning: row.desired_running === 1,
    pendingChanges: JSON.parse(row.pending_changes) as PendingChanges,
    latestRestorableTime: row.latest_restorable_time,
  };
}

/** Columns a caller may change after creation, by record field. */
const UPDATABLE = {
  state: 'state',
  availabilityZone: 'availability_zone',
  secondaryAvailabilityZone: 'secondary_availability_zone',
  backupRetentionEnabled: 'backup_retention_enabled',
  preferredBackupWindow: 'preferred_backup_window',
  preferredMaintenanceWindow: 'preferred_maintenance_window',
  publiclyAccessible: 'publicly_accessible',
  caCertificateIdentifier: 'ca_certificate_identifier',
  parameterApplyStatus: 'parameter_apply_status',
  desiredRunning: 'desired_running',
  engineVersion: 'engine_version',
  blueprintId: 'blueprint_id',
  pendingChanges: 'pending_changes',
  latestRestorableTime: 'latest_restorable_time',
} as const satisfies Partial<Record<keyof DatabaseRecord, string>>;

export type DatabaseChanges = Partial<Pick<DatabaseRecord, keyof typeof UPDATABLE>>;

export class DatabaseRepository {
  constructor(private readonly db: Sqlite) {}

  insert(record: DatabaseRecord): void {
    this.db
      .prepare(
        `INSERT INTO databases (id, account_id, region, name, arn, support_code, created_at, availability_zone,
           secondary_availability_zone, blueprint_id, bundle_id, engine, engine_version, master_database_name,
           master_username, state, backup_retention_enabled, preferred_backup_window, preferred_maintenance_window,
           publicly_accessible, ca_certificate_identifier, parameter_apply_status, port, desired_running, pending_changes,
           latest_restorable_time)
         VALUES (@id, @accountId, @region, @name, @arn, @supportCode, @createdAt, @availabilityZone,
           @secondaryAvailabilityZone, @blueprintId, @bundleId, @engine, @engineVersion, @masterDatabaseName,
           @masterUsername, @state, @backupRetentionEnabled, @preferredBackupWindow, @preferredMaintenanceWindow,
           @publiclyAccessible, @caCertificateIdentifier, @parameterApplyStatus, @port, @desiredRunning, @pendingChanges,
           @latestRestorableTime)`,
      )
      .run({
        ...record,
        backupRetentionEnabled: record.backupRetentionEnabled ? 1 : 0,
        publiclyAccessible: record.publiclyAccessible ? 1 : 0,
        desiredRunning: record.desiredRunning ? 1 : 0,
        pendingChanges: JSON.stringify(record.pendingChanges),
      });
  }

  findByName(scope: Scope, name: string): DatabaseRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM databases WHERE account_id = ? AND region = ? AND name = ?')
      .get(scope.accountId, scope.region, name) as DatabaseRow | undefined;
    return row && fromRow(row);
  }

  findById(id: string): DatabaseRecord | undefined {
    const row = this.db.prepare('SELECT * FROM databases WHERE id = ?').get(id) as DatabaseRow | undefined;
    return row && fromRow(row);
  }

  /** One page in name order, starting after `afterName`. */
  listPage(scope: Scope, afterName: string | undefined, limit: number): DatabaseRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM databases WHERE account_id = ? AND region = ? AND name > ? ORDER BY name LIMIT ?`,
      )
      .all(scope.accountId, scope.region, afterName ?? '', limit) as DatabaseRow[];
    return rows.map(fromRow);
  }

  all(): DatabaseRecord[] {
    return (this.db.prepare('SELECT * FROM databases ORDER BY created_at').all() as DatabaseRow[]).map(fromRow);
  }

  usedPorts(): Set<number> {
    return new Set((this.db.prepare('SELECT port FROM databases').all() as Array<{ port: number }>).map((row) => row.port));
  }

  update(id: string, changes: DatabaseChanges): void {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    const assignments = entries.map(([field]) => `${UPDATABLE[field as keyof typeof UPDATABLE]} = @${field}`);
    const params: Record<string, unknown> = { id };
    for (const [field, value] of entries) params[field] = toColumn(value);
    this.db.prepare(`UPDATE databases SET ${assignments.join(', ')} WHERE id = @id`).run(params);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM databases WHERE id = ?').run(id);
  }
}

function toColumn(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}
