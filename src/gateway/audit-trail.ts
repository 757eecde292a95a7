import type { AuditRepository } from '../store/audit.js';

/** What the pipeline knows of a finished request. */
export interface FinishedRequest {
  requestId: string;
  operation: string;
  /** False until the target is resolved to an operation berth serves. */
  resolved: boolean;
  region?: string;
  userName?: string;
  accessKeyId?: string;
  sourceIp: string;
  input?: Record<string, unknown>;
  status: number;
  errorType?: string;
}

export const AUDIT_RETENTION_DAYS = 90;
const PRUNE_EVERY = 1000;
const DAY_SECONDS = 86_400;

// Throttled calls are not written: they come at the guesser's speed, and the failures that caused them are.
const REFUSALS = new Set(['AccessDeniedException', 'UnauthenticatedException']);
const RESOURCE_MEMBERS = ['relationalDatabaseName', 'relationalDatabaseSnapshotName', 'resourceName', 'userName'] as const;

/** Reads never change anything: they are audited only when refused. */
const isRead = (operation: string) => operation.startsWith('Get') || operation.startsWith('List');

/**
 * The audit trail: every call that may change something, and every call
 * that was refused (bad signature, unknown key, denied by a policy), with who,
 * from where, on what, and the outcome. Never a secret or a request body:
 * of the input only the resource's name is kept.
 */
export class AuditTrail {
  private sincePrune = 0;

  constructor(
    private readonly repository: AuditRepository,
    private readonly now: () => number = () => Date.now() / 1000,
  ) {}

  record(request: FinishedRequest): void {
    const refused = request.errorType !== undefined && REFUSALS.has(request.errorType);
    if (!refused && !(request.resolved && !isRead(request.operation))) return;
    this.repository.record({
      at: this.now(),
      userName: request.userName ?? '-',
      accessKeyId: request.accessKeyId ?? '-',
      sourceIp: request.sourceIp,
      operation: request.operation,
      resource: resourceOf(request.input),
      region: request.region,
      status: request.status,
      errorType: request.errorType,
      requestId: request.requestId,
    });
    if (++this.sincePrune >= PRUNE_EVERY) {
      this.sincePrune = 0;
      this.repository.prune(this.now() - AUDIT_RETENTION_DAYS * DAY_SECONDS);
    }
  }
}

function resourceOf(input: Record<string, unknown> | undefined): string | undefined {
  if (!input) return undefined;
  for (const member of RESOURCE_MEMBERS) {
    const value = input[member];
    if (typeof value === 'string') return value.slice(0, 255);
  }
  return undefined;
}
