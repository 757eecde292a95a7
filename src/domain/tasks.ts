/**
 * The control loop's durable tasks: each kind with its typed payload, as
 * the store keeps them and the controller runs them.
 */

/** The engine work of one UpdateRelationalDatabase (or of a maintenance window). */
export interface UpdatePlan {
  /** A PENDING master password waits in the store. */
  password?: boolean;
  caCertificateIdentifier?: string;
  publiclyAccessible?: boolean;
  backupRetentionEnabled?: boolean;
  /** Applied by the maintenance window: clear what it applied from the pending changes. */
  maintenance?: boolean;
}

/** Where a new database's data comes from. */
export type RestorePayload =
  | { kind: 'snapshot'; snapshotId: string }
  | { kind: 'point-in-time'; sourceDatabaseId: string; targetTime: number }
  | RecoveryPayload;

/** A database this berth lacks, brought back from the backup store: its newest backup, replayed to `targetTime`. */
export interface RecoveryPayload {
  kind: 'backup-store';
  region: string;
  sourceDatabaseId: string;
  sourceName: string;
  backupId: string;
  /** The instance the backup was taken from (whose archive a per-instance layout replays). */
  instanceId: string;
  targetTime: number;
}

/** Why a failover began. */
export type FailoverReason = 'primary-exited' | 'primary-unresponsive' | 'requested';

export interface FailoverPayload {
  /** The primary that failed (fenced first). */
  fromInstanceId: string;
  /** The standby that takes over. */
  toInstanceId: string;
  /** The generation of the primary record that names `toInstanceId`. */
  generation: number;
  reason: FailoverReason;
}

export interface TaskPayloads {
  create: Record<string, never>;
  restore: RestorePayload;
  update: UpdatePlan;
  snapshot: { snapshotId: string };
  start: Record<string, never>;
  stop: { snapshotId?: string };
  reboot: Record<string, never>;
  delete: { finalSnapshotId?: string };
  failover: FailoverPayload;
  /** Build a standby for an HA database (after a failover, or one that was lost). */
  'build-standby': { reason: string };
}

export type TaskKind = keyof TaskPayloads;

export const TASK_KINDS: readonly TaskKind[] = [
  'create', 'restore', 'update', 'snapshot', 'start', 'stop', 'reboot', 'delete', 'failover', 'build-standby',
];

export function isTaskKind(value: string): value is TaskKind {
  return (TASK_KINDS as readonly string[]).includes(value);
}

interface TaskBase {
  seq: number;
  databaseId: string;
  operationIds: string[];
  createdAt: number;
}

/** One persisted task: its kind and the payload of that kind. */
export type Task = { [K in TaskKind]: TaskBase & { kind: K; payload: TaskPayloads[K] } }[TaskKind];

export type TaskOf<K extends TaskKind> = Extract<Task, { kind: K }>;
