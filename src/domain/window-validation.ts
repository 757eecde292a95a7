/**
 * Whether a backup and a maintenance window overlap, and the validation of a
 * request's pair of windows.
 */

import { InvalidInputException } from '../api/errors.js';
import { quote } from './describe.js';
import {
  asBackupWindow,
  asMaintenanceWindow,
  BACKUP_WINDOW_MEMBER,
  MAINTENANCE_WINDOW_MEMBER,
  MINUTES_PER_DAY,
  MINUTES_PER_WEEK,
  mod,
  parseBackupWindow,
  parseMaintenanceWindow,
  type BackupWindow,
  type MaintenanceWindow,
} from './window-parsing.js';

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
  const b = asBackupWindow(backup);
  const m = asMaintenanceWindow(maintenance);
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
