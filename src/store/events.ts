import type { Sqlite } from './database.js';
import type { DatabaseRecord } from './databases.js';

export interface EventRecord {
  resource: string;
  createdAt: number;
  message: string;
  eventCategories: string[];
}

/** What happened to each database, for GetRelationalDatabaseEvents. */
export class EventRepository {
  constructor(
    private readonly db: Sqlite,
    private readonly now: () => number,
  ) {}

  record(database: Pick<DatabaseRecord, 'id' | 'accountId' | 'region' | 'name'>, message: string, categories: string[]): void {
    this.db
      .prepare(
        'INSERT INTO events (database_id, account_id, region, resource, created_at, message, categories) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(database.id, database.accountId, database.region, database.name, this.now(), message, JSON.stringify(categories));
  }

  since(databaseId: string, from: number): EventRecord[] {
    const rows = this.db
      .prepare('SELECT resource, created_at, message, categories FROM events WHERE database_id = ? AND created_at >= ? ORDER BY seq')
      .all(databaseId, from) as Array<{ resource: string; created_at: number; message: string; categories: string }>;
    return rows.map((row) => ({
      resource: row.resource,
      createdAt: row.created_at,
      message: row.message,
      eventCategories: JSON.parse(row.categories) as string[],
    }));
  }
}
