import { isTaskKind, type Task, type TaskKind, type TaskOf, type TaskPayloads } from '../domain/tasks.js';
import type { Sqlite } from './database.js';

export type { Task as TaskRecord };

interface TaskRow {
  seq: number;
  database_id: string;
  kind: string;
  payload: string;
  operation_ids: string;
  created_at: number;
}

/** The control loop's durable queue: what must still happen, surviving a crash. */
export class TaskRepository {
  constructor(
    private readonly db: Sqlite,
    private readonly now: () => number,
  ) {}

  add<K extends TaskKind>(databaseId: string, kind: K, operationIds: readonly string[], payload: TaskPayloads[K]): TaskOf<K> {
    const createdAt = this.now();
    const info = this.db
      .prepare('INSERT INTO tasks (database_id, kind, payload, operation_ids, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(databaseId, kind, JSON.stringify(payload), JSON.stringify(operationIds), createdAt);
    return { seq: Number(info.lastInsertRowid), databaseId, kind, payload, operationIds: [...operationIds], createdAt } as TaskOf<K>;
  }

  /** Every task still to run, oldest first (rows of a kind this berth does not know are left out). */
  pending(): Task[] {
    const rows = this.db.prepare('SELECT * FROM tasks ORDER BY seq').all() as TaskRow[];
    return rows.flatMap((row) => {
      if (!isTaskKind(row.kind)) return [];
      return [
        {
          seq: row.seq,
          databaseId: row.database_id,
          kind: row.kind,
          payload: JSON.parse(row.payload),
          operationIds: JSON.parse(row.operation_ids) as string[],
          createdAt: row.created_at,
        } as Task,
      ];
    });
  }

  /** The pending tasks of `kind`. */
  pendingOf<K extends TaskKind>(kind: K): TaskOf<K>[] {
    return this.pending().filter((task): task is TaskOf<K> => task.kind === kind);
  }

  hasPending(databaseId: string): boolean {
    return this.db.prepare('SELECT 1 FROM tasks WHERE database_id = ? LIMIT 1').get(databaseId) !== undefined;
  }

  remove(seq: number): void {
    this.db.prepare('DELETE FROM tasks WHERE seq = ?').run(seq);
  }
}
