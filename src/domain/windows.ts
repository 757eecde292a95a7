/**
 * Backup and maintenance windows: parsing, validation, overlap, defaults and
 * the scheduler math.
 *
 * - `preferredBackupWindow` is daily, `hh24:mi-hh24:mi`, UTC.
 * - `preferredMaintenanceWindow` is weekly, `ddd:hh24:mi-ddd:hh24:mi`, UTC,
 *   days `mon`..`sun` in any case.
 *
 * Both may wrap (midnight; Sunday -> Monday). Each lasts at least 30 minutes.
 * A window is the half-open interval [start, end): the start instant is
 * inside, the end instant is not, so windows that only touch do not overlap.
 *
 * The API stores and returns the caller's string exactly as sent (Terraform
 * diffs on case, contract §4.6 / §7.10). The parse functions therefore accept
 * any case and return only numbers; they never hand back a canonical string.
 * Defaults are generated in lower case, like real Lightsail.
 */

import { InvalidInputException } from '../api/errors.js';
import {
  DEFAULT_WINDOW_BLOCK,
  DEFAULT_WINDOW_MINUTES,
  MAX_MAINTENANCE_WINDOW_MINUTES,
  MIN_WINDOW_MINUTES,
} from './constants.js';
import { quote, typeName } from './describe.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const MINUTES_PER_DAY = 24 * 60;
export const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

const MINUTE_MS = 60_000;
const DAY_MS = MINUTES_PER_DAY * MINUTE_MS;
const WEEK_MS = MINUTES_PER_WEEK * MINUTE_MS;
/** Monday 1970-01-05T00:00:00Z: the origin of the minute-of-week timeline. */
const MONDAY_EPOCH_MS = Date.UTC(1970, 0, 5);

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

/** An occurrence of a window on the real timeline. `end` is exclusive. */
export interface WindowOccurrence {
  start: Date;
  end: Date;
}

/** A source of uniform random numbers in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

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

function mod(a: number, n: number): number {
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

function describeDuration(minutes: number): string {
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

function asBackup(window: BackupWindow | string): BackupWindow {
  return typeof window === 'string' ? parseBackupWindow(window) : window;
}

function asMaintenance(window: MaintenanceWindow | string): MaintenanceWindow {
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

// ---------------------------------------------------------------------------
// Overlap

/** Half-open intervals [a, a+la) and [b, b+lb) on a circle of circumference n (la, lb < n). */
function circularOverlap(a: number, la: number, b: number, lb: number, n: number): boolean {
  return mod(b - a, n) < la || mod(a - b, n) < lb;
}

/**
 * True when the daily backup window, repeated on each of the 7 days, shares
 * at least one minute with the weekly maintenance window. Handles midnight
 * and end-of-week wraps. Windows that only touch (one ends when the other
 * starts) do not overlap.
 */
export function windowsOverlap(backup: BackupWindow | string, maintenance: MaintenanceWindow | string): boolean {
  const b = asBackup(backup);
  const m = asMaintenance(maintenance);
  for (let day = 0; day < 7; day++) {
    if (circularOverlap(day * MINUTES_PER_DAY + b.startMinute, b.durationMinutes,
      m.startMinute, m.durationMinutes, MINUTES_PER_WEEK)) {
      return true;
    }
  }
  return false;
}

/** The windows of a request (or of the resulting database, for an update). */
export interface WindowsInput {
  backup?: string | undefined;
  maintenance?: string | undefined;
}

export interface ParsedWindows {
  backup?: BackupWindow;
  maintenance?: MaintenanceWindow;
}

/**
 * Validates whichever windows are given and, when both are, that they do not
 * overlap. For UpdateRelationalDatabase pass the effective values (the new
 * one if sent, else the stored one) so a new backup window is checked
 * against the stored maintenance window and vice versa.
 */
export function validateWindows(windows: WindowsInput): ParsedWindows {
  const result: ParsedWindows = {};
  if (windows.backup !== undefined) result.backup = parseBackupWindow(windows.backup);
  if (windows.maintenance !== undefined) result.maintenance = parseMaintenanceWindow(windows.maintenance);
  if (result.backup && result.maintenance && windowsOverlap(result.backup, result.maintenance)) {
    throw new InvalidInputException(
      `The ${BACKUP_WINDOW_MEMBER} ${quote(windows.backup ?? '')} and the ${MAINTENANCE_WINDOW_MEMBER} ` +
      `${quote(windows.maintenance ?? '')} must not overlap: the backup window recurs every day, including the ` +
      'maintenance day. Move one of them; windows may touch (for example 16:00-16:30 and tue:16:30-tue:17:00).',
    );
  }
  return result;
}

// ---------------------------------------------------------------------------
// Defaults

function randomIndex(n: number, random: RandomSource): number {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random source returned ${r}, expected a number in [0, 1)`);
  return Math.min(n - 1, Math.floor(r * n));
}

function pickCandidate<T>(candidates: readonly T[], random: RandomSource): T | undefined {
  if (candidates.length === 0) return undefined;
  return candidates[randomIndex(candidates.length, random)];
}

/** Start minutes (of the day) of every 30-minute window that fits inside the default 8-hour block. */
function blockStarts(): number[] {
  const starts: number[] = [];
  const last = DEFAULT_WINDOW_BLOCK.durationMinutes - DEFAULT_WINDOW_MINUTES;
  for (let offset = 0; offset <= last; offset++) starts.push(mod(DEFAULT_WINDOW_BLOCK.startMinute + offset, MINUTES_PER_DAY));
  return starts;
}

function backupAt(start: number): BackupWindow {
  return {
    startMinute: start,
    endMinute: mod(start + DEFAULT_WINDOW_MINUTES, MINUTES_PER_DAY),
    durationMinutes: DEFAULT_WINDOW_MINUTES,
  };
}

function maintenanceAt(start: number): MaintenanceWindow {
  return {
    startMinute: start,
    endMinute: mod(start + DEFAULT_WINDOW_MINUTES, MINUTES_PER_WEEK),
    durationMinutes: DEFAULT_WINDOW_MINUTES,
  };
}

/**
 * A default backup window: 30 minutes, lower case, starting at a random
 * minute such that it lies inside the default 8-hour block (03:00-11:00 UTC).
 * When `avoid` (the database's maintenance window) is given, the window is
 * chosen not to overlap it: inside the block if possible, else anywhere in
 * the day. Throws InvalidInputException if the maintenance window leaves no
 * 30-minute gap in some day.
 */
export function defaultBackupWindow(random: RandomSource = Math.random, avoid?: MaintenanceWindow | string): string {
  const maintenance = avoid === undefined ? undefined : asMaintenance(avoid);
  const fits = (start: number): boolean => !maintenance || !windowsOverlap(backupAt(start), maintenance);
  let start = pickCandidate(blockStarts().filter(fits), random);
  if (start === undefined) {
    start = pickCandidate(Array.from({ length: MINUTES_PER_DAY }, (_, i) => i).filter(fits), random);
  }
  if (start === undefined) {
    throw new InvalidInputException(
      `The ${MAINTENANCE_WINDOW_MEMBER}${typeof avoid === 'string' ? ` ${quote(avoid)}` : ''} leaves no ${DEFAULT_WINDOW_MINUTES}-minute ` +
      `gap for the daily backup window; shorten it to at most ${describeDuration(MINUTES_PER_DAY - MIN_WINDOW_MINUTES)}.`,
    );
  }
  return formatBackupWindow(backupAt(start));
}

/**
 * A default maintenance window: 30 minutes, lower case, on a random day,
 * starting at a random minute such that it lies inside the default 8-hour
 * block (03:00-11:00 UTC). When `avoid` (the database's backup window) is
 * given, the window is chosen not to overlap it: inside the block if
 * possible, else anywhere in the week. Throws InvalidInputException if the
 * backup window leaves no 30-minute gap.
 */
export function defaultMaintenanceWindow(random: RandomSource = Math.random, avoid?: BackupWindow | string): string {
  const backup = avoid === undefined ? undefined : asBackup(avoid);
  const fits = (start: number): boolean => !backup || !windowsOverlap(backup, maintenanceAt(start));
  const inBlock: number[] = [];
  for (let day = 0; day < 7; day++) {
    for (const s of blockStarts()) inBlock.push(day * MINUTES_PER_DAY + s);
  }
  let start = pickCandidate(inBlock.filter(fits), random);
  if (start === undefined) {
    start = pickCandidate(Array.from({ length: MINUTES_PER_WEEK }, (_, i) => i).filter(fits), random);
  }
  if (start === undefined) {
    throw new InvalidInputException(
      `The ${BACKUP_WINDOW_MEMBER}${typeof avoid === 'string' ? ` ${quote(avoid)}` : ''} leaves no ${DEFAULT_WINDOW_MINUTES}-minute ` +
      `gap for the maintenance window; shorten it to at most ${describeDuration(MINUTES_PER_DAY - MIN_WINDOW_MINUTES)}.`,
    );
  }
  return formatMaintenanceWindow(maintenanceAt(start));
}

/** A pair of default windows, both inside the 8-hour block, never overlapping. */
export function defaultWindows(random: RandomSource = Math.random): { backup: string; maintenance: string } {
  const backup = defaultBackupWindow(random);
  return { backup, maintenance: defaultMaintenanceWindow(random, backup) };
}

/**
 * For CreateRelationalDatabase: validates the windows the caller sent
 * (exactly as sent) and fills in the missing ones with defaults that do not
 * overlap them. Returns the strings to store.
 */
export function resolveWindows(
  requested: WindowsInput,
  random: RandomSource = Math.random,
): { backup: string; maintenance: string } {
  validateWindows(requested);
  if (requested.backup !== undefined && requested.maintenance !== undefined) {
    return { backup: requested.backup, maintenance: requested.maintenance };
  }
  if (requested.backup !== undefined) {
    return { backup: requested.backup, maintenance: defaultMaintenanceWindow(random, requested.backup) };
  }
  if (requested.maintenance !== undefined) {
    return { backup: defaultBackupWindow(random, requested.maintenance), maintenance: requested.maintenance };
  }
  return defaultWindows(random);
}

// ---------------------------------------------------------------------------
// Scheduler math. Start inclusive, end exclusive.

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
  return nextStart(weekly(asMaintenance(window)), now);
}

/** True when `now` is inside the maintenance window (start inclusive, end exclusive). */
export function isInMaintenanceWindow(window: MaintenanceWindow | string, now: Date): boolean {
  return isIn(weekly(asMaintenance(window)), now);
}

/** The occurrence of the maintenance window containing `now`, else the next one. */
export function currentOrNextMaintenanceWindow(window: MaintenanceWindow | string, now: Date): WindowOccurrence {
  return currentOrNext(weekly(asMaintenance(window)), now);
}

/**
 * The earliest start of the daily backup window at or after `now`: `now`
 * itself when `now` is exactly a start instant; when `now` is inside the
 * window (after its start) this is tomorrow's start.
 */
export function nextBackupStart(window: BackupWindow | string, now: Date): Date {
  return nextStart(daily(asBackup(window)), now);
}

/** True when `now` is inside the daily backup window (start inclusive, end exclusive). */
export function isInBackupWindow(window: BackupWindow | string, now: Date): boolean {
  return isIn(daily(asBackup(window)), now);
}

/** The occurrence of the backup window containing `now`, else the next one. */
export function currentOrNextBackupWindow(window: BackupWindow | string, now: Date): WindowOccurrence {
  return currentOrNext(daily(asBackup(window)), now);
}
