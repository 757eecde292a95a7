import { randomUUID } from 'node:crypto';
import type { Sqlite } from './database.js';
import type { Scope } from './databases.js';

export type OperationStatus = 'Started' | 'Succeeded' | 'Failed';

export interface OperationRecord {
  id: string;
  accountId: string;
  region: string;
  resourceName: string;
  resourceType: string;
  operationType: string;
  operationDetails: string | null;
  availabilityZone: string;
  status: OperationStatus;
  isTerminal: boolean;
  createdAt: number;
  statusChangedAt: number;
  errorCode: string | null;
  errorDetails: string | null;
}

export interface NewOperation {
  resourceName: string;
  resourceType: 'RelationalDatabase' | 'RelationalDatabaseSnapshot';
  operationType: string;
  operationDetails?: string;
  availabilityZone: string;
  /** Synchronous work is recorded already Succeeded. */
  status?: OperationStatus;
}

interface OperationRow {
  seq: number;
  id: string;
  account_id: string;
  region: string;
  resource_name: string;
  resource_type: string;
  operation_type: string;
  operation_details: string | null;
  availability_zone: string;
  status: OperationStatus;
  is_terminal: number;
  created_at: number;
  status_changed_at: number;
  error_code: string | null;
  error_details: string | null;
}

function fromRow(row: OperationRow): OperationRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    region: row.region,
    resourceName: row.resource_name,
    resourceType: row.resource_type,
    operationType: row.operation_type,
    operationDetails: row.operation_details,
    availabilityZone: row.availability_zone,
    status: row.status,
    isTerminal: row.is_terminal === 1,
    createdAt: row.created_at,
    statusChangedAt: row.status_changed_at,
    errorCode: row.error_code,
    errorDetails: row.error_details,
  };
}

export interface OperationPage {
  items: OperationRecord[];
  /** The seq to continue below, when more remain. */
  nextBefore?: number;
}

export class OperationRepository {
  constructor(
    private readonly db: Sqlite,
    private readonly now: () => number,
  ) {}

  create(scope: Scope, operation: NewOperation): OperationRecord {
    const status = operation.status ?? 'Started';
    const at = this.now();
    const record: OperationRecord = {
      id: randomUUID(),
      accountId: scope.accountId,
      region: scope.region,
      resourceName: operation.resourceName,
      resourceType: operation.resourceType,
      operationType: operation.operationType,
      operationDetails: operation.operationDetails ?? null,
      availabilityZone: operation.availabilityZone,
      status,
      isTerminal: status !== 'Started',
      createdAt: at,
      statusChangedAt: at,
      errorCode: null,
      errorDetails: null,
    };
    this.db
      .prepare(
        `INSERT INTO operations (id, account_id, region, resource_name, resource_type, operation_type, operation_details,
           availability_zone, status, is_terminal, created_at, status_changed_at)
         VALUES (@id, @accountId, @region, @resourceName, @resourceType, @operationType, @operationDetails,
           @availabilityZone, @status, @isTerminal, @createdAt, @statusChangedAt)`,
      )
      .run({ ...record, isTerminal: record.isTerminal ? 1 : 0 });
    return record;
  }

  finish(ids: readonly string[], outcome: { status: 'Succeeded' } | { status: 'Failed'; errorCode: string; errorDetails: string }): void {
    const statement = this.db.prepare(
      `UPDATE operations SET status = @status, is_terminal = 1, status_changed_at = @at, error_code = @errorCode,
         error_details = @errorDetails WHERE id = @id AND is_terminal = 0`,
    );
    const at = this.now();
    for (const id of ids) {
      statement.run({
        id,
        at,
        status: outcome.status,
        errorCode: outcome.status === 'Failed' ? outcome.errorCode : null,
        errorDetails: outcome.status === 'Failed' ? outcome.errorDetails : null,
      });
    }
  }

  get(scope: Scope, id: string): OperationRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM operations WHERE id = ? AND account_id = ? AND region = ?')
      .get(id, scope.accountId, scope.region) as OperationRow | undefined;
    return row && fromRow(row);
  }

  /** Newest first. */
  page(scope: Scope, options: { before?: number; resourceName?: string; limit: number }): OperationPage {
    const conditions = ['account_id = @accountId', 'region = @region'];
    if (options.before !== undefined) conditions.push('seq < @before');
    if (options.resourceName !== undefined) conditions.push('resource_name = @resourceName');
    const rows = this.db
      .prepare(`SELECT * FROM operations WHERE ${conditions.join(' AND ')} ORDER BY seq DESC LIMIT @limit`)
      .all({ ...scope, before: options.before, resourceName: options.resourceName, limit: options.limit + 1 }) as OperationRow[];
    const more = rows.length > options.limit;
    const items = rows.slice(0, options.limit);
    return { items: items.map(fromRow), nextBefore: more ? items[items.length - 1]!.seq : undefined };
  }
}
