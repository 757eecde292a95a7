import type { Sqlite } from './database.js';

export interface TaskRecord {
  seq: number;
  databaseId: string;
  kind: string;
  payload: Record<string, unknown>;
  operationIds: string[];
  createdAt: number;
}

/** The control loop's durable queue: what must still happen, surviving a crash. */
export class TaskRepository {
  constructor(
    private readonly db: Sqlite,
    private readonly now: () => number,
  ) {}

  add(databaseId: string, kind: string, operationIds: readonly string[], payload: Record<string, unknown> = {}): TaskRecord {
    const createdAt = this.now();
    const info = this.db
      .prepare('INSERT INTO tasks (database_id, kind, payload, operation_ids, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(databaseId, kind, JSON.stringify(payload), JSON.stringify(operationIds), createdAt);
    return { seq: Number(info.lastInsertRowid), databaseId, kind, payload, operationIds: [...operationIds], createdAt };
  }

  pending(): TaskRecord[] {
    const rows = this.db.prepare('SELECT * FROM tasks ORDER BY seq').all() as Array<{
      seq: number;
      database_id: string;
      kind: string;
      payload: string;
      operation_ids: string;
      created_at: number;
    }>;
    return rows.map((row) => ({
      seq: row.seq,
      databaseId: row.database_id,
      kind: row.kind,
      payload: JSON.parse(row.payload) as Record<string, unknown>,
      operationIds: JSON.parse(row.operation_ids) as string[],
      createdAt: row.created_at,
    }));
  }

  hasPending(databaseId: string): boolean {
    return this.db.prepare('SELECT 1 FROM tasks WHERE database_id = ? LIMIT 1').get(databaseId) !== undefined;
  }

  remove(seq: number): void {
    this.db.prepare('DELETE FROM tasks WHERE seq = ?').run(seq);
  }
}
