/**
 * What the engines tell about themselves: live figures for metrics, their
 * own logs, and their parameters. Everything here is read from the running
 * server or its files, never made up.
 */
import type { InstanceSpec } from './driver.js';

/**
 * A request the engine refuses because of what was asked (a parameter change
 * that is not valid, a page token that is not one of its own): the API
 * answers it as InvalidInputException with this message. Any other error is
 * berth's own failure.
 */
export class EngineInputError extends Error {
  override readonly name = 'EngineInputError';
}

export interface EngineStats {
  /** Client connections open now (not counting berth's own admin session). */
  connections: number;
  /**
   * Bytes the server has received from and sent to clients since it started
   * (cumulative counters; berth turns them into throughput). Undefined when
   * the engine cannot tell.
   */
  bytesReceived?: number;
  bytesSent?: number;
}

export type ParameterApplyType = 'dynamic' | 'static';
export type ParameterApplyMethod = 'immediate' | 'pending-reboot';

export interface EngineParameter {
  name: string;
  /** The value in effect (absent when the engine has none to show). */
  value?: string;
  /** Valid range or values, e.g. `1-262143`, `on,off`, `replica,logical`. */
  allowedValues?: string;
  applyType: ParameterApplyType;
  /** `boolean`, `integer`, `float`, `string`, `list`… */
  dataType: string;
  description: string;
  /** False for what berth controls itself (ports, TLS files, data dir, archiving) and what the engine fixes at build time. */
  isModifiable: boolean;
}

export interface ParameterChange {
  name: string;
  value: string;
  applyMethod: ParameterApplyMethod;
}

export interface LogEventRecord {
  createdAt: Date;
  message: string;
}

export interface LogQuery {
  startTime?: Date;
  endTime?: Date;
  /** true: oldest first from the start of the range; false (default): the newest events. */
  startFromHead: boolean;
  /** Opaque position from a previous page (the driver's own format). */
  cursor?: string;
  limit: number;
}

export interface LogPage {
  events: LogEventRecord[];
  /** Continue towards newer events. */
  nextForward?: string;
  /** Continue towards older events. */
  nextBackward?: string;
}

export interface EngineObservability {
  /** Live figures from the running server (throws when it is not running). */
  stats(spec: InstanceSpec): Promise<EngineStats>;

  /** Log stream names (PostgreSQL: `postgresql`; MariaDB: `error`, `general`, `slowquery`). */
  logStreams(): string[];

  /** Reads one of the engine's own logs, by time range and page. */
  readLog(spec: InstanceSpec, stream: string, query: LogQuery): Promise<LogPage>;

  /** Every parameter of the running server, with its current value and rules. */
  parameters(spec: InstanceSpec): Promise<EngineParameter[]>;

  /**
   * Validates changes against the engine (names, values, modifiability,
   * `immediate` only for dynamic parameters) and throws a message saying
   * what is wrong; otherwise persists them in berth's own parameter file of
   * the instance and applies the `immediate` ones now (reload). The
   * `pending-reboot` ones take effect at the next restart.
   */
  applyParameters(spec: InstanceSpec, changes: ParameterChange[]): Promise<void>;

  /** Names of persisted parameters the running server has not applied yet (waiting for a reboot). */
  pendingRebootParameters(spec: InstanceSpec): Promise<string[]>;
}
