import type { Sqlite } from './database.js';

export interface TagRecord {
  key: string;
  value?: string;
}

/** Tags by resource id, kept in the order they were first added. */
export class TagRepository {
  constructor(private readonly db: Sqlite) {}

  list(resourceId: string): TagRecord[] {
    const rows = this.db
      .prepare('SELECT key, value FROM tags WHERE resource_id = ? ORDER BY position')
      .all(resourceId) as Array<{ key: string; value: string | null }>;
    return rows.map((row) => (row.value === null ? { key: row.key } : { key: row.key, value: row.value }));
  }

  /** Upsert by key (case-sensitive); returns nothing, the caller enforces limits. */
  put(resourceId: string, tags: readonly TagRecord[]): void {
    const next = this.db.prepare('SELECT COALESCE(MAX(position), -1) + 1 AS position FROM tags WHERE resource_id = ?');
    const upsert = this.db.prepare(
      `INSERT INTO tags (resource_id, key, value, position) VALUES (?, ?, ?, ?)
       ON CONFLICT (resource_id, key) DO UPDATE SET value = excluded.value`,
    );
    for (const tag of tags) {
      const { position } = next.get(resourceId) as { position: number };
      upsert.run(resourceId, tag.key, tag.value ?? null, position);
    }
  }

  remove(resourceId: string, keys: readonly string[]): void {
    const statement = this.db.prepare('DELETE FROM tags WHERE resource_id = ? AND key = ?');
    for (const key of keys) statement.run(resourceId, key);
  }

  removeAll(resourceId: string): void {
    this.db.prepare('DELETE FROM tags WHERE resource_id = ?').run(resourceId);
  }
}
