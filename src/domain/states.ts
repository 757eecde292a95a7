/**
 * The states a database reports (`RelationalDatabase.state`) and the one
 * table of what moves it from state to state. Services check `from` before
 * they accept a call; the controller reports `during` while the work runs and
 * `after` or `onFailure` when it ends. No state string lives anywhere else.
 *
 * The strings are Lightsail's (RDS's), from the contract's §4.1.
 */

export const DATABASE_STATES = [
  'creating',
  'available',
  'modifying',
  'backing-up',
  'rebooting',
  'stopping',
  'stopped',
  'starting',
  'deleting',
  'failed',
] as const;

export type DatabaseState = (typeof DATABASE_STATES)[number];

export function isDatabaseState(value: unknown): value is DatabaseState {
  return (DATABASE_STATES as readonly unknown[]).includes(value);
}

/** Everything that changes what a database reports. */
export type DatabaseAction =
  | 'create'
  | 'restore'
  | 'start'
  | 'stop'
  | 'reboot'
  | 'delete'
  | 'deleteWithFinalSnapshot'
  | 'update'
  | 'maintenance'
  | 'snapshot'
  | 'updateParameters'
  | 'recover'
  | 'failover';

export interface Transition {
  /** States the action may begin in (empty: the database is new). */
  from: readonly DatabaseState[];
  /** Reported while the action runs. */
  during: DatabaseState;
  /** Reported when it succeeds; undefined: the database is gone. */
  after: DatabaseState | undefined;
  /** Reported when it fails, by whether the server still runs. */
  onFailure: { running: DatabaseState; notRunning: DatabaseState };
  /** How the action is named in a refusal ("You can't <verb> the database ..."). */
  verb: string;
}

const KEEPS_SERVING = { running: 'available', notRunning: 'failed' } as const;
const FOLLOWS_ENGINE = { running: 'available', notRunning: 'stopped' } as const;
const FAILED = { running: 'failed', notRunning: 'failed' } as const;

export const TRANSITIONS: Readonly<Record<DatabaseAction, Transition>> = {
  create: { from: [], during: 'creating', after: 'available', onFailure: FAILED, verb: 'create' },
  restore: { from: [], during: 'creating', after: 'available', onFailure: FAILED, verb: 'restore' },
  start: { from: ['stopped'], during: 'starting', after: 'available', onFailure: FOLLOWS_ENGINE, verb: 'start' },
  stop: { from: ['available'], during: 'stopping', after: 'stopped', onFailure: FOLLOWS_ENGINE, verb: 'stop' },
  reboot: { from: ['available'], during: 'rebooting', after: 'available', onFailure: FOLLOWS_ENGINE, verb: 'reboot' },
  delete: { from: ['available', 'stopped', 'failed'], during: 'deleting', after: undefined, onFailure: FAILED, verb: 'delete' },
  deleteWithFinalSnapshot: {
    from: ['available', 'stopped'],
    during: 'deleting',
    after: undefined,
    onFailure: FAILED,
    verb: 'take a final snapshot of',
  },
  update: { from: ['available'], during: 'modifying', after: 'available', onFailure: KEEPS_SERVING, verb: 'update' },
  maintenance: { from: ['available'], during: 'modifying', after: 'available', onFailure: KEEPS_SERVING, verb: 'apply maintenance to' },
  snapshot: { from: ['available'], during: 'backing-up', after: 'available', onFailure: KEEPS_SERVING, verb: 'snapshot' },
  // Applied in the request itself: the state does not change.
  updateParameters: { from: ['available'], during: 'available', after: 'available', onFailure: KEEPS_SERVING, verb: 'update the parameters of' },
  // A server that died is started again; `failed` once berth gives up.
  recover: { from: ['available', 'rebooting'], during: 'rebooting', after: 'available', onFailure: FAILED, verb: 'recover' },
  // The standby takes over from a primary that failed.
  failover: { from: ['available', 'backing-up', 'modifying'], during: 'rebooting', after: 'available', onFailure: FAILED, verb: 'fail over' },
};

/** States in which the database's server answers (engine reads: parameters, logs, metrics). */
export const SERVING_STATES: readonly DatabaseState[] = ['available', 'backing-up', 'modifying'];

/** True when `action` may begin in `state`. */
export function canBegin(action: DatabaseAction, state: DatabaseState): boolean {
  return TRANSITIONS[action].from.includes(state);
}

/** The state an action leaves behind when it fails, given whether the server still runs. */
export function stateAfterFailure(action: DatabaseAction, running: boolean): DatabaseState {
  const { onFailure } = TRANSITIONS[action];
  return running ? onFailure.running : onFailure.notRunning;
}
