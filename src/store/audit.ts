import type { Sqlite } from './database.js';

export interface AuditRecord {
  at: number;
  userName: string;
  accessKeyId: string;
  sourceIp: string;
  operation: string;
  resource?: string;
  region?: string;
  status: number;
  errorType?: string;
  requestId: string;
}

export interface AuditFilter {
  userName?: string;
  resource?: string;
  /** Epoch seconds, inclusive. */
  since?: number;
  until?: number;
  limit: number;
}

interface AuditRow {
  at: number;
  user_name: string;
  access_key_id: string;
  source_ip: string;
  operation: string;
  resource: string | null;
  region: string | null;
  status: number;
  error_type: string | null;
  request_id: string;
}

/** The audit trail: who called what, from where, and what came of it. */
export class AuditRepository {
  constructor(private readonly db: Sqlite) {}

  record(entry: AuditRecord): void {
    this.db
      .prepare(
        `INSERT INTO audit_events (at, user_name, access_key_id, source_ip, operation, resource, region, status, error_type, request_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        entry.at,
        entry.userName,
        entry.accessKeyId,
        entry.sourceIp,
        entry.operation,
        entry.resource ?? null,
        entry.region ?? null,
        entry.status,
        entry.errorType ?? null,
        entry.requestId,
      );
  }

  /** Oldest first, the newest `limit` entries that pass the filter. */
  list(filter: AuditFilter): AuditRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM (
           SELECT seq, at, user_name, access_key_id, source_ip, operation, resource, region, status, error_type, request_id FROM audit_events
           WHERE (@user IS NULL OR user_name = @user) AND (@resource IS NULL OR resource = @resource)
             AND (@since IS NULL OR at >= @since) AND (@until IS NULL OR at <= @until)
           ORDER BY seq DESC LIMIT @limit)
         ORDER BY seq`,
      )
      .all({ user: filter.userName ?? null, resource: filter.resource ?? null, since: filter.since ?? null, until: filter.until ?? null, limit: filter.limit }) as AuditRow[];
    return rows.map((row) => ({
      at: row.at,
      userName: row.user_name,
      accessKeyId: row.access_key_id,
      sourceIp: row.source_ip,
      operation: row.operation,
      ...(row.resource === null ? {} : { resource: row.resource }),
      ...(row.region === null ? {} : { region: row.region }),
      status: row.status,
      ...(row.error_type === null ? {} : { errorType: row.error_type }),
      requestId: row.request_id,
    }));
  }

  /** Forgets entries older than `before` (epoch seconds). */
  prune(before: number): number {
    return this.db.prepare('DELETE FROM audit_events WHERE at < ?').run(before).changes;
  }
}
