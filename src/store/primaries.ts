import type { Sqlite } from './database.js';

/**
 * Which instance of a database is its primary: one record per database
 * with a generation that grows by one at every change. A change is a
 * compare-and-set on the generation, written before berth acts on it, so a
 * berth killed in the middle of a failover resumes to exactly one primary.
 */
export interface PrimaryRecord {
  databaseId: string;
  instanceId: string;
  generation: number;
  /**
   * The standby whose acknowledgement every commit waits for, or null while
   * the primary runs alone (no standby, or degraded to asynchronous).
   * Only this standby may be promoted without losing an acknowledged commit.
   */
  synchronousStandbyId: string | null;
  changedAt: number;
}

interface PrimaryRow {
  database_id: string;
  instance_id: string;
  generation: number;
  synchronous_standby_id: string | null;
  changed_at: number;
}

const fromRow = (row: PrimaryRow): PrimaryRecord => ({
  databaseId: row.database_id,
  instanceId: row.instance_id,
  generation: row.generation,
  synchronousStandbyId: row.synchronous_standby_id,
  changedAt: row.changed_at,
});

export class PrimaryRepository {
  constructor(
    private readonly db: Sqlite,
    private readonly now: () => number,
  ) {}

  get(databaseId: string): PrimaryRecord | undefined {
    const row = this.db.prepare('SELECT * FROM primaries WHERE database_id = ?').get(databaseId) as PrimaryRow | undefined;
    return row && fromRow(row);
  }

  /** The first primary of a new database (generation 1). */
  create(databaseId: string, instanceId: string): PrimaryRecord {
    const record: PrimaryRecord = { databaseId, instanceId, generation: 1, synchronousStandbyId: null, changedAt: this.now() };
    this.db
      .prepare('INSERT INTO primaries (database_id, instance_id, generation, synchronous_standby_id, changed_at) VALUES (?, ?, ?, ?, ?)')
      .run(databaseId, instanceId, record.generation, null, record.changedAt);
    return record;
  }

  /** Names `instanceId` primary if the record is still at `generation`; undefined when it moved meanwhile. */
  elect(databaseId: string, generation: number, instanceId: string): PrimaryRecord | undefined {
    const changedAt = this.now();
    const info = this.db
      .prepare(
        `UPDATE primaries SET instance_id = ?, generation = generation + 1, synchronous_standby_id = NULL, changed_at = ?
          WHERE database_id = ? AND generation = ?`,
      )
      .run(instanceId, changedAt, databaseId, generation);
    return info.changes === 1 ? this.get(databaseId) : undefined;
  }

  /** Records which standby commits wait for (null: none) if the record is still at `generation`. */
  setSynchronousStandby(databaseId: string, generation: number, standbyId: string | null): boolean {
    const info = this.db
      .prepare('UPDATE primaries SET synchronous_standby_id = ?, changed_at = ? WHERE database_id = ? AND generation = ?')
      .run(standbyId, this.now(), databaseId, generation);
    return info.changes === 1;
  }
}
