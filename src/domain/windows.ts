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
 *
 * This module is the public surface; the helpers the window modules share
 * stay out of it.
 */

export {
  BACKUP_WINDOW_MEMBER,
  formatBackupWindow,
  formatMaintenanceWindow,
  MAINTENANCE_WINDOW_MEMBER,
  MINUTES_PER_DAY,
  MINUTES_PER_WEEK,
  parseBackupWindow,
  parseMaintenanceWindow,
  WEEKDAYS,
  type BackupWindow,
  type MaintenanceWindow,
  type Weekday,
} from './window-parsing.js';
export * from './window-validation.js';
export * from './window-defaults.js';
export * from './window-schedule.js';
