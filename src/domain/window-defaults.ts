/**
 * Default windows: a random 30-minute window inside the default 8-hour block
 * (03:00-11:00 UTC), chosen not to overlap the other window of the database.
 */

import { InvalidInputException } from '../api/errors.js';
import { DEFAULT_WINDOW_BLOCK, DEFAULT_WINDOW_MINUTES, MIN_WINDOW_MINUTES } from './constants.js';
import { quote } from './describe.js';
import {
  asBackupWindow,
  asMaintenanceWindow,
  BACKUP_WINDOW_MEMBER,
  describeDuration,
  formatBackupWindow,
  formatMaintenanceWindow,
  MAINTENANCE_WINDOW_MEMBER,
  MINUTES_PER_DAY,
  MINUTES_PER_WEEK,
  mod,
  type BackupWindow,
  type MaintenanceWindow,
} from './window-parsing.js';
import { validateWindows, windowsOverlap, type WindowsInput } from './window-validation.js';

/** A source of uniform random numbers in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

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
  const maintenance = avoid === undefined ? undefined : asMaintenanceWindow(avoid);
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
  const backup = avoid === undefined ? undefined : asBackupWindow(avoid);
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
