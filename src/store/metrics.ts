import type { Sqlite } from './database.js';

export interface MetricSample {
  at: number;
  value: number;
}

/** Sampled figures of each database, by metric name. */
export class MetricRepository {
  constructor(private readonly db: Sqlite) {}

  add(databaseId: string, at: number, values: Record<string, number>): void {
    const statement = this.db.prepare('INSERT INTO metric_samples (database_id, metric, at, value) VALUES (?, ?, ?, ?)');
    for (const [metric, value] of Object.entries(values)) {
      if (Number.isFinite(value)) statement.run(databaseId, metric, at, value);
    }
  }

  /** Samples in [from, to), oldest first. */
  range(databaseId: string, metric: string, from: number, to: number): MetricSample[] {
    return this.db
      .prepare('SELECT at, value FROM metric_samples WHERE database_id = ? AND metric = ? AND at >= ? AND at < ? ORDER BY at')
      .all(databaseId, metric, from, to) as MetricSample[];
  }

  pruneBefore(at: number): void {
    this.db.prepare('DELETE FROM metric_samples WHERE at < ?').run(at);
  }

  removeAll(databaseId: string): void {
    this.db.prepare('DELETE FROM metric_samples WHERE database_id = ?').run(databaseId);
  }
}
