import type { Sqlite } from './database.js';

/**
 * The servers behind a database: one for a standard bundle, two for a
 * high-availability one. Which instance is the primary is not a column of
 * its own: it is the database's primary record (primaries.ts), and `role`
 * is read from it, so the two can never disagree.
 */
export type InstanceRole = 'primary' | 'standby';

/**
 * - provisioning: being built (a new primary, or a standby being cloned)
 * - running: serving (the primary) or replicating (a standby)
 * - stopped: stopped with its database
 * - failed: could not be built or restarted; replaced by the next standby build
 * - fenced: a former primary that lost its role; never started again, discarded
 */
export type InstanceState = 'provisioning' | 'running' | 'stopped' | 'failed' | 'fenced';

export interface InstanceRecord {
  /** Stable id, safe for paths: the data dir is `databases/<id>`. A database's first instance has the database's id. */
  id: string;
  databaseId: string;
  role: InstanceRole;
  availabilityZone: string;
  /** The port it listens on; a primary listens on its database's endpoint port. */
  port: number;
  state: InstanceState;
  createdAt: number;
}

export type NewInstance = Omit<InstanceRecord, 'role'>;

interface InstanceRow {
  id: string;
  database_id: string;
  availability_zone: string;
  port: number;
  state: InstanceState;
  created_at: number;
  is_primary: number;
}

function fromRow(row: InstanceRow): InstanceRecord {
  return {
    id: row.id,
    databaseId: row.database_id,
    role: row.is_primary === 1 ? 'primary' : 'standby',
    availabilityZone: row.availability_zone,
    port: row.port,
    state: row.state,
    createdAt: row.created_at,
  };
}

const SELECT = `SELECT i.*, (p.instance_id IS NOT NULL) AS is_primary FROM instances i
  LEFT JOIN primaries p ON p.database_id = i.database_id AND p.instance_id = i.id`;

export class InstanceRepository {
  constructor(private readonly db: Sqlite) {}

  insert(instance: NewInstance): void {
    this.db
      .prepare(
        `INSERT INTO instances (id, database_id, availability_zone, port, state, created_at)
         VALUES (@id, @databaseId, @availabilityZone, @port, @state, @createdAt)`,
      )
      .run(instance);
  }

  /** The instances of a database, oldest first. */
  of(databaseId: string): InstanceRecord[] {
    return (this.db.prepare(`${SELECT} WHERE i.database_id = ? ORDER BY i.created_at, i.id`).all(databaseId) as InstanceRow[]).map(fromRow);
  }

  findById(id: string): InstanceRecord | undefined {
    const row = this.db.prepare(`${SELECT} WHERE i.id = ?`).get(id) as InstanceRow | undefined;
    return row && fromRow(row);
  }

  all(): InstanceRecord[] {
    return (this.db.prepare(`${SELECT} ORDER BY i.created_at, i.id`).all() as InstanceRow[]).map(fromRow);
  }

  update(id: string, changes: Partial<Pick<InstanceRecord, 'state' | 'port' | 'availabilityZone'>>): void {
    const columns = { state: 'state', port: 'port', availabilityZone: 'availability_zone' } as const;
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined) as Array<[keyof typeof columns, unknown]>;
    if (entries.length === 0) return;
    const params: Record<string, unknown> = { id };
    for (const [field, value] of entries) params[field] = value;
    this.db.prepare(`UPDATE instances SET ${entries.map(([field]) => `${columns[field]} = @${field}`).join(', ')} WHERE id = @id`).run(params);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM instances WHERE id = ?').run(id);
  }

  usedPorts(): Set<number> {
    return new Set((this.db.prepare('SELECT port FROM instances').all() as Array<{ port: number }>).map((row) => row.port));
  }
}
