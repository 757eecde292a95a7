/**
 * The scheduler math: whether an instant is inside a window, and the next or
 * current occurrence of a window on the real timeline. Start inclusive, end
 * exclusive.
 */

import {
  asBackupWindow,
  asMaintenanceWindow,
  MINUTES_PER_DAY,
  MINUTES_PER_WEEK,
  mod,
  type BackupWindow,
  type MaintenanceWindow,
} from './window-parsing.js';

const MINUTE_MS = 60_000;
const DAY_MS = MINUTES_PER_DAY * MINUTE_MS;
const WEEK_MS = MINUTES_PER_WEEK * MINUTE_MS;
/** Monday 1970-01-05T00:00:00Z: the origin of the minute-of-week timeline. */
const MONDAY_EPOCH_MS = Date.UTC(1970, 0, 5);

/** An occurrence of a window on the real timeline. `end` is exclusive. */
export interface WindowOccurrence {
  start: Date;
  end: Date;
}

function checkDate(now: Date): number {
  const ms = now.getTime();
  if (Number.isNaN(ms)) throw new RangeError('now is an invalid Date');
  return ms;
}

/** Periodic window: period and origin in ms, start offset and duration in ms. */
interface Periodic {
  periodMs: number;
  originMs: number;
  startMs: number;
  durationMs: number;
}

function daily(window: BackupWindow): Periodic {
  return { periodMs: DAY_MS, originMs: 0, startMs: window.startMinute * MINUTE_MS, durationMs: window.durationMinutes * MINUTE_MS };
}

function weekly(window: MaintenanceWindow): Periodic {
  return {
    periodMs: WEEK_MS,
    originMs: MONDAY_EPOCH_MS,
    startMs: window.startMinute * MINUTE_MS,
    durationMs: window.durationMinutes * MINUTE_MS,
  };
}

/** ms since the start of the occurrence that started most recently (at or before now). */
function sinceLastStart(p: Periodic, nowMs: number): number {
  return mod(nowMs - p.originMs - p.startMs, p.periodMs);
}

function nextStart(p: Periodic, now: Date): Date {
  const nowMs = checkDate(now);
  const since = sinceLastStart(p, nowMs);
  return new Date(since === 0 ? nowMs : nowMs + p.periodMs - since);
}

function isIn(p: Periodic, now: Date): boolean {
  return sinceLastStart(p, checkDate(now)) < p.durationMs;
}

function currentOrNext(p: Periodic, now: Date): WindowOccurrence {
  const nowMs = checkDate(now);
  const since = sinceLastStart(p, nowMs);
  const startMs = since < p.durationMs ? nowMs - since : nowMs + p.periodMs - since;
  return { start: new Date(startMs), end: new Date(startMs + p.durationMs) };
}

/**
 * The earliest start of the maintenance window at or after `now`: `now`
 * itself when `now` is exactly a start instant; when `now` is inside the
 * window (after its start) this is next week's start.
 */
export function nextMaintenanceStart(window: MaintenanceWindow | string, now: Date): Date {
  return nextStart(weekly(asMaintenanceWindow(window)), now);
}

/** True when `now` is inside the maintenance window (start inclusive, end exclusive). */
export function isInMaintenanceWindow(window: MaintenanceWindow | string, now: Date): boolean {
  return isIn(weekly(asMaintenanceWindow(window)), now);
}

/** The occurrence of the maintenance window containing `now`, else the next one. */
export function currentOrNextMaintenanceWindow(window: MaintenanceWindow | string, now: Date): WindowOccurrence {
  return currentOrNext(weekly(asMaintenanceWindow(window)), now);
}

/**
 * The earliest start of the daily backup window at or after `now`: `now`
 * itself when `now` is exactly a start instant; when `now` is inside the
 * window (after its start) this is tomorrow's start.
 */
export function nextBackupStart(window: BackupWindow | string, now: Date): Date {
  return nextStart(daily(asBackupWindow(window)), now);
}

/** True when `now` is inside the daily backup window (start inclusive, end exclusive). */
export function isInBackupWindow(window: BackupWindow | string, now: Date): boolean {
  return isIn(daily(asBackupWindow(window)), now);
}

/** The occurrence of the backup window containing `now`, else the next one. */
export function currentOrNextBackupWindow(window: BackupWindow | string, now: Date): WindowOccurrence {
  return currentOrNext(daily(asBackupWindow(window)), now);
}
