import { describe, expect, it } from 'vitest';
import { invalidMessage } from '../../test/helpers/invalid-message.js';

import {
  formatBackupWindow,
  formatMaintenanceWindow,
  parseBackupWindow,
  parseMaintenanceWindow,
} from './window-parsing.js';

const TUE = 1, WED = 2, SUN = 6; // minute-of-week day indexes (Monday is 0)
const DAY = 1440;

describe('parseBackupWindow', () => {
  it.each([
    ['16:00-16:30', 960, 990, 30],
    ['00:00-00:30', 0, 30, 30],
    ['06:19-06:49', 379, 409, 30],
    ['23:45-00:15', 1425, 15, 30], // wraps midnight
    ['23:30-00:00', 1410, 0, 30],
    ['00:00-23:59', 0, 1439, 1439],
    ['12:00-11:59', 720, 719, 1439],
    ['10:00-09:00', 600, 540, 1380],
    ['09:00-10:00', 540, 600, 60],
  ])('parses %s', (text, start, end, duration) => {
    expect(parseBackupWindow(text)).toEqual({ startMinute: start, endMinute: end, durationMinutes: duration });
  });

  it.each([
    ['16:00-16:29', 'it lasts only 29 minutes'],
    ['23:50-00:10', 'it lasts only 20 minutes'],
    ['16:00-16:00', 'it starts and ends at the same time, so its length is ambiguous (0 or 24 hours)'],
    ['00:00-00:00', 'starts and ends at the same time'],
    ['24:00-00:30', 'start hour 24 is out of range (00-23)'],
    ['10:60-11:30', 'start minute 60 is out of range (00-59)'],
    ['10:00-25:00', 'end hour 25 is out of range'],
    ['10:00-10:99', 'end minute 99 is out of range'],
    ['6:00-6:30', 'not in the format hh24:mi-hh24:mi'],
    ['06:00 - 06:30', 'not in the format'],
    ['06:00-06:30 ', 'not in the format'],
    ['0600-0630', 'not in the format'],
    ['mon:06:00-mon:06:30', 'not in the format'],
    ['\uff10\uff16:00-06:30', 'not in the format'], // full-width digits
    ['', 'not in the format'],
  ])('rejects %j: %s', (text, fragment) => {
    const message = invalidMessage(() => parseBackupWindow(text));
    expect(message).toContain('Invalid preferredBackupWindow');
    expect(message).toContain(fragment);
    expect(message).toContain('hh24:mi-hh24:mi in UTC');
    expect(message).toContain('at least 30 minutes');
  });

  it('rejects non-strings and uses the given member name', () => {
    expect(invalidMessage(() => parseBackupWindow(1600))).toContain('expected a string, got a number');
    expect(invalidMessage(() => parseBackupWindow(undefined))).toContain('Missing preferredBackupWindow');
    expect(invalidMessage(() => parseBackupWindow('x', 'backupWindow'))).toContain('Invalid backupWindow');
  });
});

describe('parseMaintenanceWindow', () => {
  it.each([
    ['Tue:17:00-Tue:17:30', TUE * DAY + 1020, TUE * DAY + 1050, 30],
    ['tue:04:30-tue:05:00', TUE * DAY + 270, TUE * DAY + 300, 30],
    ['TUE:04:30-tue:05:00', TUE * DAY + 270, TUE * DAY + 300, 30], // any case, mixed
    ['mon:00:00-mon:00:30', 0, 30, 30],
    ['sun:23:45-mon:00:15', SUN * DAY + 1425, 15, 30], // wraps the week
    ['sat:23:45-sun:00:15', 5 * DAY + 1425, SUN * DAY + 15, 30], // wraps midnight
    ['mon:00:00-tue:00:00', 0, DAY, 1440], // exactly 24 hours
    ['sun:12:00-mon:12:00', SUN * DAY + 720, 720, 1440],
    ['wEd:10:00-WED:12:30', WED * DAY + 600, WED * DAY + 750, 150],
  ])('parses %s', (text, start, end, duration) => {
    expect(parseMaintenanceWindow(text)).toEqual({ startMinute: start, endMinute: end, durationMinutes: duration });
  });

  it.each([
    ['mon:00:00-mon:00:29', 'it lasts only 29 minutes'],
    ['sun:23:50-mon:00:10', 'it lasts only 20 minutes'],
    ['mon:00:00-mon:00:00', 'it starts and ends at the same time'],
    ['mon:00:00-tue:00:01', 'it lasts 24 hours 1 minute'],
    ['sun:00:00-mon:00:30', 'it lasts 24 hours 30 minutes'],
    ['mon:10:00-mon:09:00', 'it lasts 167 hours'], // wraps the whole week
    ['tue:17:00-fri:17:00', 'it lasts 72 hours'],
    ['tuesday:17:00-tuesday:17:30', 'not in the format ddd:hh24:mi-ddd:hh24:mi'],
    ['tux:17:00-tue:17:30', "start day 'tux' is not a day of the week"],
    ['tue:17:00-thr:17:30', "end day 'thr' is not a day of the week"],
    ['tue:24:00-wed:00:30', 'start hour 24 is out of range (00-23)'],
    ['tue:17:00-tue:17:61', 'end minute 61 is out of range (00-59)'],
    ['tue:7:00-tue:7:30', 'not in the format'],
    ['17:00-17:30', 'not in the format'],
    ['tue:17:00 -tue:17:30', 'not in the format'],
    ['', 'not in the format'],
  ])('rejects %j: %s', (text, fragment) => {
    const message = invalidMessage(() => parseMaintenanceWindow(text));
    expect(message).toContain('Invalid preferredMaintenanceWindow');
    expect(message).toContain(fragment);
    expect(message).toContain('ddd:hh24:mi-ddd:hh24:mi in UTC');
    expect(message).toContain('at most 24 hours');
  });

  it('rejects non-strings', () => {
    expect(invalidMessage(() => parseMaintenanceWindow(null))).toContain('Missing preferredMaintenanceWindow');
    expect(invalidMessage(() => parseMaintenanceWindow(['tue']))).toContain('got a list');
  });
});

describe('formatting', () => {
  it.each(['16:00-16:30', '23:45-00:15', '00:00-23:59'])('formats backup window %s back to itself', (text) => {
    expect(formatBackupWindow(parseBackupWindow(text))).toBe(text);
  });
  it.each(['tue:17:00-tue:17:30', 'sun:23:45-mon:00:15', 'mon:00:00-tue:00:00'])(
    'formats maintenance window %s back to itself', (text) => {
      expect(formatMaintenanceWindow(parseMaintenanceWindow(text))).toBe(text);
    });
  it('formats in lower case', () => {
    expect(formatMaintenanceWindow(parseMaintenanceWindow('Tue:17:00-TUE:17:30'))).toBe('tue:17:00-tue:17:30');
  });
});
