import type { Sqlite } from './database.js';

export interface AutomaticBackupRecord {
  id: string;
  databaseId: string;
  createdAt: number;
  /** Epoch seconds from which the copy is consistent. */
  consistentAt: number;
  sizeBytes: number;
  /** The instance it was taken from. */
  instanceId: string;
}

/** The automatic backups of each database, oldest first. */
export class AutomaticBackupRepository {
  constructor(private readonly db: Sqlite) {}

  add(record: AutomaticBackupRecord): void {
    this.db
      .prepare('INSERT INTO automatic_backups (id, database_id, created_at, consistent_at, size_bytes, instance_id) VALUES (?, ?, ?, ?, ?, ?)')
      .run(record.id, record.databaseId, record.createdAt, record.consistentAt, record.sizeBytes, record.instanceId);
  }

  list(databaseId: string): AutomaticBackupRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM automatic_backups WHERE database_id = ? ORDER BY consistent_at')
      .all(databaseId) as Array<{ id: string; database_id: string; created_at: number; consistent_at: number; size_bytes: number; instance_id: string | null }>;
    return rows.map((row) => ({
      id: row.id,
      databaseId: row.database_id,
      createdAt: row.created_at,
      consistentAt: row.consistent_at,
      sizeBytes: row.size_bytes,
      instanceId: row.instance_id ?? row.database_id,
    }));
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM automatic_backups WHERE id = ?').run(id);
  }

  removeAll(databaseId: string): void {
    this.db.prepare('DELETE FROM automatic_backups WHERE database_id = ?').run(databaseId);
  }
}
