import { describe, expect, it } from 'vitest';
import { invalidMessage } from '../../test/helpers/invalid-message.js';
import { seeded } from '../../test/helpers/seeded-random.js';

import { parseBackupWindow, parseMaintenanceWindow } from './window-parsing.js';
import { validateWindows, windowsOverlap } from './window-validation.js';

const TUE = 1, SUN = 6; // minute-of-week day indexes (Monday is 0)
const DAY = 1440;

/** Reference implementation: sets of minutes of the week. */
function bruteForceOverlap(backup: string, maintenance: string): boolean {
  const b = parseBackupWindow(backup);
  const m = parseMaintenanceWindow(maintenance);
  const week = 7 * DAY;
  const busy = new Uint8Array(week);
  for (let i = 0; i < m.durationMinutes; i++) busy[(m.startMinute + i) % week] = 1;
  for (let day = 0; day < 7; day++) {
    for (let i = 0; i < b.durationMinutes; i++) {
      if (busy[(day * DAY + b.startMinute + i) % week]) return true;
    }
  }
  return false;
}

describe('windowsOverlap', () => {
  it.each([
    ['06:00-06:30', 'mon:06:00-mon:06:30', true], // identical
    ['06:00-06:30', 'mon:06:30-mon:07:00', false], // touches after
    ['06:00-06:30', 'mon:05:30-mon:06:00', false], // touches before
    ['06:00-06:30', 'mon:06:29-mon:07:00', true], // one minute
    ['06:00-06:30', 'mon:05:30-mon:06:01', true],
    ['06:00-06:30', 'wed:06:10-wed:06:40', true],
    ['06:00-06:30', 'fri:05:00-fri:07:00', true], // maintenance contains backup
    ['06:00-08:00', 'thu:06:30-thu:07:00', true], // backup contains maintenance
    ['06:00-06:30', 'sun:07:00-sun:08:00', false],
    // backup wraps midnight
    ['23:45-00:15', 'tue:00:00-tue:00:30', true], // the Monday occurrence runs into Tuesday
    ['23:45-00:15', 'mon:00:15-mon:00:45', false],
    ['23:45-00:15', 'mon:00:14-mon:00:45', true], // the Sunday occurrence runs into Monday (week wrap)
    ['23:45-00:15', 'sun:23:15-sun:23:45', false],
    ['23:45-00:15', 'sun:23:16-sun:23:46', true],
    // maintenance wraps the week
    ['00:00-00:30', 'sun:23:45-mon:00:15', true],
    ['00:15-00:45', 'sun:23:45-mon:00:15', false],
    ['23:00-23:30', 'sun:23:45-mon:00:15', false],
    ['23:20-23:50', 'sun:23:45-mon:00:15', true],
    // both wrap
    ['23:50-00:20', 'sun:23:45-mon:00:15', true],
    ['23:15-23:45', 'sat:23:45-sun:00:15', false],
    // long windows
    ['12:00-12:30', 'wed:00:00-thu:00:00', true], // a 24-hour maintenance window always overlaps
    ['23:59-00:29', 'wed:00:00-thu:00:00', true],
    ['00:00-00:30', 'wed:00:30-thu:00:00', false], // touches on both sides
    ['00:00-23:30', 'sat:23:30-sun:00:00', false],
    ['00:00-23:31', 'sat:23:30-sun:00:00', true],
  ])('%s vs %s -> %s', (backup, maintenance, expected) => {
    expect(windowsOverlap(backup, maintenance)).toBe(expected);
    expect(windowsOverlap(parseBackupWindow(backup), parseMaintenanceWindow(maintenance))).toBe(expected);
    expect(bruteForceOverlap(backup, maintenance)).toBe(expected);
  });

  it('agrees with the brute-force reference on random windows', () => {
    const random = seeded(42);
    const int = (n: number): number => Math.floor(random() * n);
    const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    const hhmm = (m: number): string =>
      `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    let overlaps = 0;
    for (let i = 0; i < 1500; i++) {
      const bStart = int(DAY);
      const backup = `${hhmm(bStart)}-${hhmm((bStart + 30 + int(180)) % DAY)}`;
      const mStart = int(7 * DAY);
      const mEnd = (mStart + 30 + int(DAY - 29)) % (7 * DAY);
      const maintenance = `${days[Math.floor(mStart / DAY)]}:${hhmm(mStart % DAY)}-${days[Math.floor(mEnd / DAY)]}:${hhmm(mEnd % DAY)}`;
      const expected = bruteForceOverlap(backup, maintenance);
      if (expected) overlaps++;
      expect(windowsOverlap(backup, maintenance), `${backup} vs ${maintenance}`).toBe(expected);
    }
    // both outcomes were exercised
    expect(overlaps).toBeGreaterThan(100);
    expect(overlaps).toBeLessThan(1400);
  });
});

describe('validateWindows', () => {
  it('accepts non-overlapping windows and returns parsed values only', () => {
    expect(validateWindows({ backup: '16:00-16:30', maintenance: 'Tue:16:30-Tue:17:00' })).toEqual({
      backup: { startMinute: 960, endMinute: 990, durationMinutes: 30 },
      maintenance: { startMinute: TUE * DAY + 990, endMinute: TUE * DAY + 1020, durationMinutes: 30 },
    });
  });

  it('accepts one window or none', () => {
    expect(validateWindows({ backup: '23:45-00:15' })).toEqual({
      backup: { startMinute: 1425, endMinute: 15, durationMinutes: 30 },
    });
    expect(validateWindows({ maintenance: 'sun:23:45-mon:00:15' }).maintenance?.startMinute).toBe(SUN * DAY + 1425);
    expect(validateWindows({})).toEqual({});
    expect(validateWindows({ backup: undefined, maintenance: undefined })).toEqual({});
  });

  it.each([
    ['16:00-16:30', 'Tue:16:15-Tue:16:45'],
    ['23:45-00:15', 'MON:00:00-mon:00:30'],
    ['00:00-00:30', 'sun:23:45-mon:00:15'],
  ])('rejects overlapping %s and %s, quoting both as sent', (backup, maintenance) => {
    const message = invalidMessage(() => validateWindows({ backup, maintenance }));
    expect(message).toContain('must not overlap');
    expect(message).toContain(`'${backup}'`);
    expect(message).toContain(`'${maintenance}'`);
  });

  it('reports an invalid window before checking overlap', () => {
    expect(invalidMessage(() => validateWindows({ backup: '16:00-16:10', maintenance: 'tue:16:00-tue:16:30' })))
      .toContain('Invalid preferredBackupWindow');
    expect(invalidMessage(() => validateWindows({ backup: '16:00-16:30', maintenance: 'tue:16:00' })))
      .toContain('Invalid preferredMaintenanceWindow');
  });
});
