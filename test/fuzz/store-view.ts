/**
 * A read-only view of berth's SQLite store (WAL allows this concurrent
 * reader) for "nothing changed" checks. Columns that berth's background work
 * moves on its own (latest_restorable_time, automatic backups, events,
 * metric samples) are left out; everything an API call may write is in.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Engine configuration and certificate files of a PostgreSQL instance that only an accepted request may change. */
const INSTANCE_FILES = ['berth.conf', 'postgresql.conf', 'postgresql.auto.conf', 'berth-parameters.conf', 'berth-parameters-pending.conf', 'pg_hba.conf', 'server.crt'];

export interface StoreState {
  databases: string[];
  snapshots: string[];
  tags: Array<{ resourceId: string; key: string; value: string | null }>;
  operations: { count: number; maxSeq: number; digest: string[] };
  tasks: string[];
  masterPasswords: string[];
  serverCertificates: string[];
  instances: string[];
  primaries: string[];
  /** Database and snapshot directories, and digests of each instance's configuration files. */
  files: string[];
}

export interface NewOperation {
  seq: number;
  resource_name: string;
  resource_type: string;
  operation_type: string;
  status: string;
}

export class StoreView {
  private readonly db: Database.Database;

  constructor(private readonly dataDir: string) {
    this.db = new Database(path.join(dataDir, 'berth.db'), { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
  }

  close(): void {
    this.db.close();
  }

  read(): StoreState {
    return { ...this.readTables(), files: this.readFiles() };
  }

  private readFiles(): string[] {
    const list = (dir: string) => {
      try {
        return readdirSync(dir).sort();
      } catch {
        return [];
      }
    };
    const out: string[] = [];
    for (const id of list(path.join(this.dataDir, 'snapshots'))) out.push(`snapshots/${id}`);
    for (const id of list(path.join(this.dataDir, 'databases'))) {
      out.push(`databases/${id}`);
      for (const name of INSTANCE_FILES) {
        let digest = 'absent';
        try {
          digest = createHash('sha256').update(readFileSync(path.join(this.dataDir, 'databases', id, 'pgdata', name))).digest('hex').slice(0, 16);
        } catch {
          // absent (or not PostgreSQL)
        }
        out.push(`databases/${id}/pgdata/${name} ${digest}`);
      }
    }
    return out;
  }

  private readTables(): Omit<StoreState, 'files'> {
    // One read transaction: a consistent picture even if berth commits meanwhile.
    return this.db.transaction(() => {
      const rows = (sql: string) => (this.db.prepare(sql).raw(true).all() as unknown[][]).map((row) => JSON.stringify(row));
      const ops = this.db.prepare('SELECT COUNT(*) AS count, COALESCE(MAX(seq), 0) AS maxSeq FROM operations').get() as { count: number; maxSeq: number };
      return {
        databases: rows(
          `SELECT id, account_id, region, name, arn, availability_zone, secondary_availability_zone, blueprint_id, bundle_id, engine,
                  engine_version, master_database_name, master_username, state, backup_retention_enabled, preferred_backup_window,
                  preferred_maintenance_window, publicly_accessible, ca_certificate_identifier, parameter_apply_status, port,
                  desired_running, pending_changes
             FROM databases ORDER BY id`,
        ),
        snapshots: rows('SELECT id, region, name, state, size_bytes, from_database_id, master_password_ciphertext FROM snapshots ORDER BY id'),
        tags: (
          this.db.prepare('SELECT resource_id AS resourceId, key, value FROM tags ORDER BY resource_id, position, key').all() as StoreState['tags']
        ),
        operations: {
          count: ops.count,
          maxSeq: ops.maxSeq,
          digest: rows('SELECT seq, id, status, is_terminal, error_code FROM operations ORDER BY seq'),
        },
        tasks: rows('SELECT seq, database_id, kind, payload, operation_ids FROM tasks ORDER BY seq'),
        masterPasswords: rows('SELECT database_id, version, ciphertext, created_at FROM master_passwords ORDER BY database_id, version'),
        serverCertificates: rows('SELECT instance_id, ca_certificate_identifier, not_after FROM instance_certificates ORDER BY instance_id'),
        instances: rows('SELECT id, database_id, availability_zone, port, state FROM instances ORDER BY id'),
        primaries: rows('SELECT database_id, instance_id, generation, synchronous_standby_id FROM primaries ORDER BY database_id'),
      };
    })();
  }

  operationsAfter(seq: number): NewOperation[] {
    return this.db
      .prepare('SELECT seq, resource_name, resource_type, operation_type, status FROM operations WHERE seq > ? ORDER BY seq')
      .all(seq) as NewOperation[];
  }

  /** Resource id of a database or snapshot by name (any region). */
  resourceIds(): Map<string, string> {
    const ids = new Map<string, string>();
    for (const row of this.db.prepare("SELECT region || '/' || name AS k, id FROM databases UNION ALL SELECT region || '/' || name, id FROM snapshots").all() as Array<{ k: string; id: string }>) {
      ids.set(row.k, row.id);
    }
    return ids;
  }
}

/** A readable description of how two states differ (empty when equal). */
export function diffStates(before: StoreState, after: StoreState): string[] {
  const problems: string[] = [];
  const list = (name: string, a: string[], b: string[]) => {
    const removed = a.filter((row) => !b.includes(row));
    const added = b.filter((row) => !a.includes(row));
    if (removed.length > 0 || added.length > 0) {
      problems.push(`${name}: removed ${JSON.stringify(removed).slice(0, 800)} added ${JSON.stringify(added).slice(0, 800)}`);
    }
  };
  list('databases', before.databases, after.databases);
  list('snapshots', before.snapshots, after.snapshots);
  list('tags', before.tags.map((t) => JSON.stringify(t)), after.tags.map((t) => JSON.stringify(t)));
  list('operations', before.operations.digest, after.operations.digest);
  list('tasks', before.tasks, after.tasks);
  list('master_passwords', before.masterPasswords, after.masterPasswords);
  list('instance_certificates', before.serverCertificates, after.serverCertificates);
  list('instances', before.instances, after.instances);
  list('primaries', before.primaries, after.primaries);
  list('files', before.files, after.files);
  return problems;
}
