/**
 * Reading and writing window strings (format rules in windows.ts): the parsed
 * window types, the parse functions that validate one window, and the
 * lower-case formatting the defaults use. The helpers shared with the other
 * window modules are exported here but not re-exported by windows.ts.
 */

import { InvalidInputException } from '../api/errors.js';
import { MAX_MAINTENANCE_WINDOW_MINUTES, MIN_WINDOW_MINUTES } from './constants.js';
import { quote, typeName } from './describe.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const MINUTES_PER_DAY = 24 * 60;
export const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** A parsed daily backup window. All values are minutes of the UTC day. */
export interface BackupWindow {
  /** 0..1439. */
  readonly startMinute: number;
  /** 0..1439; smaller than `startMinute` when the window wraps midnight. */
  readonly endMinute: number;
  /** 30..1439. */
  readonly durationMinutes: number;
}

/** A parsed weekly maintenance window. Minutes of the UTC week, 0 = Monday 00:00. */
export interface MaintenanceWindow {
  /** 0..10079. */
  readonly startMinute: number;
  /** 0..10079; smaller than `startMinute` when the window wraps Sunday -> Monday. */
  readonly endMinute: number;
  /** 30..1440. */
  readonly durationMinutes: number;
}

export const BACKUP_WINDOW_MEMBER = 'preferredBackupWindow';
export const MAINTENANCE_WINDOW_MEMBER = 'preferredMaintenanceWindow';

const BACKUP_RULE =
  'it must be hh24:mi-hh24:mi in UTC (for example 16:00-16:30), hours 00-23 and minutes 00-59 with two digits each, ' +
  `lasting at least ${MIN_WINDOW_MINUTES} minutes; it may wrap midnight (23:45-00:15).`;
const MAINTENANCE_RULE =
  'it must be ddd:hh24:mi-ddd:hh24:mi in UTC (for example tue:17:00-tue:17:30), days mon, tue, wed, thu, fri, sat or sun, ' +
  `hours 00-23 and minutes 00-59 with two digits each, lasting at least ${MIN_WINDOW_MINUTES} minutes and at most 24 hours; ` +
  'it may wrap the week (sun:23:45-mon:00:15).';

const BACKUP_PATTERN = /^([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})$/;
const MAINTENANCE_PATTERN = /^([A-Za-z]{3}):([0-9]{2}):([0-9]{2})-([A-Za-z]{3}):([0-9]{2}):([0-9]{2})$/;

export function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

function invalid(member: string, value: string, problem: string, rule: string): InvalidInputException {
  return new InvalidInputException(`Invalid ${member} ${quote(value)}: ${problem}; ${rule}`);
}

function requireString(value: unknown, member: string, rule: string): string {
  if (value === undefined || value === null) throw new InvalidInputException(`Missing ${member}: ${rule}`);
  if (typeof value !== 'string') {
    throw new InvalidInputException(`Invalid ${member}: expected a string, got ${typeName(value)}; ${rule}`);
  }
  return value;
}

/** hh and mm (two-digit strings) to a minute of the day, or a problem description. */
function timeOfDay(hh: string, mm: string): number | string {
  const h = Number(hh);
  const m = Number(mm);
  if (h > 23) return `hour ${hh} is out of range (00-23)`;
  if (m > 59) return `minute ${mm} is out of range (00-59)`;
  return h * 60 + m;
}

export function describeDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} minute${m === 1 ? '' : 's'}`;
  return `${h} hour${h === 1 ? '' : 's'}${m ? ` ${m} minute${m === 1 ? '' : 's'}` : ''}`;
}

// ---------------------------------------------------------------------------
// Parsing

/**
 * Parses and validates a daily backup window `hh24:mi-hh24:mi` (UTC). Throws
 * InvalidInputException on a malformed value, a window shorter than 30
 * minutes, or one whose start equals its end (its length would be ambiguous:
 * 0 or 24 hours). `memberName` names the member in messages.
 */
export function parseBackupWindow(value: unknown, memberName: string = BACKUP_WINDOW_MEMBER): BackupWindow {
  const text = requireString(value, memberName, BACKUP_RULE);
  const match = BACKUP_PATTERN.exec(text);
  if (!match) throw invalid(memberName, text, 'it is not in the format hh24:mi-hh24:mi', BACKUP_RULE);
  const [, sh = '', sm = '', eh = '', em = ''] = match;
  const start = timeOfDay(sh, sm);
  if (typeof start === 'string') throw invalid(memberName, text, `start ${start}`, BACKUP_RULE);
  const end = timeOfDay(eh, em);
  if (typeof end === 'string') throw invalid(memberName, text, `end ${end}`, BACKUP_RULE);
  const duration = mod(end - start, MINUTES_PER_DAY);
  if (duration === 0) {
    throw invalid(memberName, text,
      'it starts and ends at the same time, so its length is ambiguous (0 or 24 hours)', BACKUP_RULE);
  }
  if (duration < MIN_WINDOW_MINUTES) {
    throw invalid(memberName, text, `it lasts only ${describeDuration(duration)}`, BACKUP_RULE);
  }
  return { startMinute: start, endMinute: end, durationMinutes: duration };
}

/**
 * Parses and validates a weekly maintenance window `ddd:hh24:mi-ddd:hh24:mi`
 * (UTC, days case-insensitive). Throws InvalidInputException on a malformed
 * value, an unknown day, a window shorter than 30 minutes, one whose start
 * equals its end, or one longer than 24 hours.
 */
export function parseMaintenanceWindow(
  value: unknown,
  memberName: string = MAINTENANCE_WINDOW_MEMBER,
): MaintenanceWindow {
  const text = requireString(value, memberName, MAINTENANCE_RULE);
  const match = MAINTENANCE_PATTERN.exec(text);
  if (!match) throw invalid(memberName, text, 'it is not in the format ddd:hh24:mi-ddd:hh24:mi', MAINTENANCE_RULE);
  const [, sd = '', sh = '', sm = '', ed = '', eh = '', em = ''] = match;
  const parts: number[] = [];
  for (const [label, day, hh, mm] of [['start', sd, sh, sm], ['end', ed, eh, em]] as const) {
    const dayIndex = (WEEKDAYS as readonly string[]).indexOf(day.toLowerCase());
    if (dayIndex < 0) throw invalid(memberName, text, `${label} day ${quote(day)} is not a day of the week`, MAINTENANCE_RULE);
    const minute = timeOfDay(hh, mm);
    if (typeof minute === 'string') throw invalid(memberName, text, `${label} ${minute}`, MAINTENANCE_RULE);
    parts.push(dayIndex * MINUTES_PER_DAY + minute);
  }
  const [start = 0, end = 0] = parts;
  const duration = mod(end - start, MINUTES_PER_WEEK);
  if (duration === 0) {
    throw invalid(memberName, text,
      'it starts and ends at the same time, so its length is ambiguous (0 minutes or a whole week)', MAINTENANCE_RULE);
  }
  if (duration < MIN_WINDOW_MINUTES) {
    throw invalid(memberName, text, `it lasts only ${describeDuration(duration)}`, MAINTENANCE_RULE);
  }
  if (duration > MAX_MAINTENANCE_WINDOW_MINUTES) {
    throw invalid(memberName, text, `it lasts ${describeDuration(duration)}`, MAINTENANCE_RULE);
  }
  return { startMinute: start, endMinute: end, durationMinutes: duration };
}

export function asBackupWindow(window: BackupWindow | string): BackupWindow {
  return typeof window === 'string' ? parseBackupWindow(window) : window;
}

export function asMaintenanceWindow(window: MaintenanceWindow | string): MaintenanceWindow {
  return typeof window === 'string' ? parseMaintenanceWindow(window) : window;
}

// ---------------------------------------------------------------------------
// Formatting (lower case, as real Lightsail generates)

function hhmm(minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

function dayHhmm(minuteOfWeek: number): string {
  const m = mod(minuteOfWeek, MINUTES_PER_WEEK);
  return `${WEEKDAYS[Math.floor(m / MINUTES_PER_DAY)] ?? 'mon'}:${hhmm(m % MINUTES_PER_DAY)}`;
}

/** Formats a backup window as lower-case `hh24:mi-hh24:mi`. */
export function formatBackupWindow(window: BackupWindow): string {
  return `${hhmm(mod(window.startMinute, MINUTES_PER_DAY))}-${hhmm(mod(window.startMinute + window.durationMinutes, MINUTES_PER_DAY))}`;
}

/** Formats a maintenance window as lower-case `ddd:hh24:mi-ddd:hh24:mi`. */
export function formatMaintenanceWindow(window: MaintenanceWindow): string {
  return `${dayHhmm(window.startMinute)}-${dayHhmm(window.startMinute + window.durationMinutes)}`;
}
