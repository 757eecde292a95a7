import type { Sqlite } from './database.js';
import type { Scope } from './databases.js';
import type { SecretBox } from './secret-box.js';

export interface SnapshotRecord {
  id: string;
  accountId: string;
  region: string;
  name: string;
  arn: string;
  supportCode: string;
  createdAt: number;
  state: 'creating' | 'available' | 'failed';
  engine: string;
  engineVersion: string;
  sizeBytes: number | null;
  sizeInGb: number;
  fromDatabaseId: string;
  fromDatabaseName: string;
  fromDatabaseArn: string;
  fromBundleId: string;
  fromBlueprintId: string;
  fromAvailabilityZone: string;
  masterUsername: string;
  masterDatabaseName: string;
  /** The master password of the source when the snapshot was taken (a restore keeps it). */
  masterPassword: string;
}

interface SnapshotRow {
  id: string;
  account_id: string;
  region: string;
  name: string;
  arn: string;
  support_code: string;
  created_at: number;
  state: SnapshotRecord['state'];
  engine: string;
  engine_version: string;
  size_bytes: number | null;
  size_in_gb: number;
  from_database_id: string;
  from_database_name: string;
  from_database_arn: string;
  from_bundle_id: string;
  from_blueprint_id: string;
  from_availability_zone: string;
  master_username: string;
  master_database_name: string;
  master_password_ciphertext: string;
}

export class SnapshotRepository {
  constructor(
    private readonly db: Sqlite,
    private readonly box: SecretBox,
  ) {}

  private fromRow(row: SnapshotRow): SnapshotRecord {
    return {
      id: row.id,
      accountId: row.account_id,
      region: row.region,
      name: row.name,
      arn: row.arn,
      supportCode: row.support_code,
      createdAt: row.created_at,
      state: row.state,
      engine: row.engine,
      engineVersion: row.engine_version,
      sizeBytes: row.size_bytes,
      sizeInGb: row.size_in_gb,
      fromDatabaseId: row.from_database_id,
      fromDatabaseName: row.from_database_name,
      fromDatabaseArn: row.from_database_arn,
      fromBundleId: row.from_bundle_id,
      fromBlueprintId: row.from_blueprint_id,
      fromAvailabilityZone: row.from_availability_zone,
      masterUsername: row.master_username,
      masterDatabaseName: row.master_database_name,
      masterPassword: this.box.open(row.master_password_ciphertext),
    };
  }

  insert(record: SnapshotRecord): void {
    this.db
      .prepare(
        `INSERT INTO snapshots (id, account_id, region, name, arn, support_code, created_at, state, engine, engine_version,
           size_bytes, size_in_gb, from_database_id, from_database_name, from_database_arn, from_bundle_id,
           from_blueprint_id, from_availability_zone, master_username, master_database_name, master_password_ciphertext)
         VALUES (@id, @accountId, @region, @name, @arn, @supportCode, @createdAt, @state, @engine, @engineVersion,
           @sizeBytes, @sizeInGb, @fromDatabaseId, @fromDatabaseName, @fromDatabaseArn, @fromBundleId,
           @fromBlueprintId, @fromAvailabilityZone, @masterUsername, @masterDatabaseName, @masterPasswordCiphertext)`,
      )
      .run({ ...record, masterPassword: undefined, masterPasswordCiphertext: this.box.seal(record.masterPassword) });
  }

  findByName(scope: Scope, name: string): SnapshotRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM snapshots WHERE account_id = ? AND region = ? AND name = ?')
      .get(scope.accountId, scope.region, name) as SnapshotRow | undefined;
    return row && this.fromRow(row);
  }

  findById(id: string): SnapshotRecord | undefined {
    const row = this.db.prepare('SELECT * FROM snapshots WHERE id = ?').get(id) as SnapshotRow | undefined;
    return row && this.fromRow(row);
  }

  listPage(scope: Scope, afterName: string | undefined, limit: number): SnapshotRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM snapshots WHERE account_id = ? AND region = ? AND name > ? ORDER BY name LIMIT ?')
      .all(scope.accountId, scope.region, afterName ?? '', limit) as SnapshotRow[];
    return rows.map((row) => this.fromRow(row));
  }

  all(): SnapshotRecord[] {
    return (this.db.prepare('SELECT * FROM snapshots').all() as SnapshotRow[]).map((row) => this.fromRow(row));
  }

  finish(id: string, outcome: { state: 'available'; sizeBytes: number } | { state: 'failed' }): void {
    this.db
      .prepare('UPDATE snapshots SET state = ?, size_bytes = ? WHERE id = ?')
      .run(outcome.state, outcome.state === 'available' ? outcome.sizeBytes : null, id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
  }
}
