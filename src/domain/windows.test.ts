import { describe, expect, it } from 'vitest';
import { invalidMessage } from '../../test/helpers/invalid-message.js';

import { InvalidInputException } from '../api/errors.js';
import {
  currentOrNextBackupWindow,
  currentOrNextMaintenanceWindow,
  defaultBackupWindow,
  defaultMaintenanceWindow,
  defaultWindows,
  formatBackupWindow,
  formatMaintenanceWindow,
  isInBackupWindow,
  isInMaintenanceWindow,
  nextBackupStart,
  nextMaintenanceStart,
  parseBackupWindow,
  parseMaintenanceWindow,
  resolveWindows,
  validateWindows,
  windowsOverlap,
  type RandomSource,
} from './windows.js';


/** Deterministic PRNG (mulberry32) for reproducible randomized tests. */
function seeded(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const D = (iso: string): Date => new Date(iso);
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

describe('default windows', () => {
  const BLOCK_START = 3 * 60;
  const BLOCK_END = 11 * 60;

  it('picks a 30-minute lower-case backup window inside 03:00-11:00', () => {
    const random = seeded(1);
    const starts = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const text = defaultBackupWindow(random);
      expect(text).toMatch(/^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$/);
      const w = parseBackupWindow(text);
      expect(w.durationMinutes).toBe(30);
      expect(w.startMinute).toBeGreaterThanOrEqual(BLOCK_START);
      expect(w.startMinute + w.durationMinutes).toBeLessThanOrEqual(BLOCK_END);
      starts.add(w.startMinute);
    }
    expect(starts.size).toBeGreaterThan(300); // spread over the block (451 possible starts)
  });

  it('picks a 30-minute lower-case maintenance window inside the block on a random day', () => {
    const random = seeded(2);
    const days = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const text = defaultMaintenanceWindow(random);
      const match = /^(mon|tue|wed|thu|fri|sat|sun):[0-9]{2}:[0-9]{2}-\1:[0-9]{2}:[0-9]{2}$/.exec(text);
      expect(match, text).not.toBeNull();
      days.add(match?.[1] ?? '');
      const w = parseMaintenanceWindow(text);
      expect(w.durationMinutes).toBe(30);
      expect(w.startMinute % DAY).toBeGreaterThanOrEqual(BLOCK_START);
      expect((w.startMinute % DAY) + 30).toBeLessThanOrEqual(BLOCK_END);
    }
    expect(days.size).toBe(7);
  });

  it('never returns overlapping defaults', () => {
    const random = seeded(3);
    for (let i = 0; i < 2000; i++) {
      const { backup, maintenance } = defaultWindows(random);
      expect(windowsOverlap(backup, maintenance), `${backup} / ${maintenance}`).toBe(false);
      expect(() => validateWindows({ backup, maintenance })).not.toThrow();
    }
  });

  it.each([
    [0, '03:00-03:30', 'mon:03:00-mon:03:30'],
    [0.999999999, '10:30-11:00', 'sun:10:30-sun:11:00'],
  ])('uses the injected random source (always %s)', (r, backup, maintenance) => {
    expect(defaultBackupWindow(() => r)).toBe(backup);
    expect(defaultMaintenanceWindow(() => r)).toBe(maintenance);
  });

  it('keeps the pair apart even at the edges of the random range', () => {
    expect(defaultWindows(() => 0)).toEqual({ backup: '03:00-03:30', maintenance: 'mon:03:30-mon:04:00' });
    expect(defaultWindows(() => 0.999999999)).toEqual({ backup: '10:30-11:00', maintenance: 'sun:10:00-sun:10:30' });
  });

  it('avoids a given window, inside the block when possible', () => {
    expect(defaultBackupWindow(() => 0, 'mon:03:00-mon:05:00')).toBe('05:00-05:30');
    expect(defaultMaintenanceWindow(() => 0, '03:00-05:00')).toBe('mon:05:00-mon:05:30');
    const random = seeded(4);
    for (let i = 0; i < 300; i++) {
      expect(windowsOverlap('04:00-10:00', defaultMaintenanceWindow(random, '04:00-10:00'))).toBe(false);
      expect(windowsOverlap(defaultBackupWindow(random, 'thu:02:00-thu:10:45'), 'thu:02:00-thu:10:45')).toBe(false);
    }
  });

  it('falls back to the whole day/week when the block is taken', () => {
    expect(defaultMaintenanceWindow(() => 0, '00:00-23:00')).toBe('mon:23:00-mon:23:30');
    expect(defaultMaintenanceWindow(() => 0.999999999, '00:00-23:00')).toBe('sun:23:30-mon:00:00');
    expect(defaultBackupWindow(() => 0, 'wed:01:00-wed:23:00')).toBe('00:00-00:30');
    expect(defaultBackupWindow(() => 0.999999999, 'wed:01:00-wed:23:00')).toBe('23:59-00:29'); // wraps midnight
  });

  it('throws when the given window leaves no 30-minute gap', () => {
    expect(invalidMessage(() => defaultBackupWindow(() => 0, 'mon:00:00-tue:00:00')))
      .toContain("The preferredMaintenanceWindow 'mon:00:00-tue:00:00' leaves no 30-minute gap");
    expect(invalidMessage(() => defaultMaintenanceWindow(() => 0, '00:00-23:45')))
      .toContain("The preferredBackupWindow '00:00-23:45' leaves no 30-minute gap");
    expect(defaultMaintenanceWindow(() => 0, '00:00-23:30')).toBe('mon:23:30-tue:00:00'); // exactly enough
  });

  it('rejects a broken random source', () => {
    expect(() => defaultBackupWindow(() => 1)).toThrow(RangeError);
    expect(() => defaultMaintenanceWindow(() => Number.NaN)).toThrow(RangeError);
    expect(() => defaultWindows(() => -0.1)).toThrow(RangeError);
  });
});

describe('resolveWindows', () => {
  it('returns both windows exactly as sent', () => {
    expect(resolveWindows({ backup: '16:00-16:30', maintenance: 'Tue:17:00-Tue:17:30' }, () => 0))
      .toEqual({ backup: '16:00-16:30', maintenance: 'Tue:17:00-Tue:17:30' });
  });

  it('fills in a missing window that does not overlap the given one', () => {
    expect(resolveWindows({ backup: '03:00-05:00' }, () => 0)).toEqual({
      backup: '03:00-05:00',
      maintenance: 'mon:05:00-mon:05:30',
    });
    expect(resolveWindows({ maintenance: 'MON:03:00-MON:05:00' }, () => 0)).toEqual({
      backup: '05:00-05:30',
      maintenance: 'MON:03:00-MON:05:00',
    });
  });

  it('uses defaults when none is given', () => {
    expect(resolveWindows({}, () => 0)).toEqual({ backup: '03:00-03:30', maintenance: 'mon:03:30-mon:04:00' });
  });

  it('rejects invalid or overlapping windows', () => {
    expect(invalidMessage(() => resolveWindows({ backup: '03:00-03:10' }))).toContain('lasts only 10 minutes');
    expect(invalidMessage(() => resolveWindows({ backup: '03:00-03:30', maintenance: 'fri:03:15-fri:03:45' })))
      .toContain('must not overlap');
  });
});

// 2024-01-01 is a Monday; 2024-01-07 a Sunday.
describe('maintenance scheduling', () => {
  const TUESDAY = 'tue:17:00-tue:17:30';
  it.each([
    ['2024-01-01T00:00:00.000Z', '2024-01-02T17:00:00.000Z'],
    ['2024-01-02T16:59:59.999Z', '2024-01-02T17:00:00.000Z'],
    ['2024-01-02T17:00:00.000Z', '2024-01-02T17:00:00.000Z'], // exactly at the start: now
    ['2024-01-02T17:00:00.001Z', '2024-01-09T17:00:00.000Z'], // just after the start: next week
    ['2024-01-02T17:29:59.999Z', '2024-01-09T17:00:00.000Z'],
    ['2024-01-02T17:30:00.000Z', '2024-01-09T17:00:00.000Z'],
    ['2024-01-07T23:59:59.999Z', '2024-01-09T17:00:00.000Z'],
    ['2023-12-31T12:00:00.000Z', '2024-01-02T17:00:00.000Z'], // across the year
  ])('nextMaintenanceStart(tue:17:00-tue:17:30, %s) = %s', (now, expected) => {
    expect(nextMaintenanceStart(TUESDAY, D(now)).toISOString()).toBe(expected);
  });

  const WRAP = 'sun:23:45-mon:00:15';
  it.each([
    ['2024-01-01T00:00:00.000Z', '2024-01-07T23:45:00.000Z'],
    ['2024-01-07T23:44:59.999Z', '2024-01-07T23:45:00.000Z'],
    ['2024-01-07T23:45:00.000Z', '2024-01-07T23:45:00.000Z'],
    ['2024-01-07T23:59:59.999Z', '2024-01-14T23:45:00.000Z'],
    ['2024-01-08T00:00:00.000Z', '2024-01-14T23:45:00.000Z'],
    ['2024-01-08T00:15:00.000Z', '2024-01-14T23:45:00.000Z'],
  ])('nextMaintenanceStart(sun:23:45-mon:00:15, %s) = %s', (now, expected) => {
    expect(nextMaintenanceStart(WRAP, D(now)).toISOString()).toBe(expected);
  });

  it.each([
    ['2024-01-07T23:44:59.999Z', false],
    ['2024-01-07T23:45:00.000Z', true], // start inclusive
    ['2024-01-07T23:59:59.999Z', true],
    ['2024-01-08T00:00:00.000Z', true], // across Sunday -> Monday
    ['2024-01-08T00:14:59.999Z', true],
    ['2024-01-08T00:15:00.000Z', false], // end exclusive
    ['2024-01-06T23:50:00.000Z', false], // Saturday
    ['2024-01-01T23:50:00.000Z', false], // Monday night
    ['2024-01-01T00:10:00.000Z', true], // Monday morning of the previous week
  ])('isInMaintenanceWindow(sun:23:45-mon:00:15, %s) = %s', (now, expected) => {
    expect(isInMaintenanceWindow(WRAP, D(now))).toBe(expected);
    expect(isInMaintenanceWindow('SUN:23:45-Mon:00:15', D(now))).toBe(expected); // case does not matter
    expect(isInMaintenanceWindow(parseMaintenanceWindow(WRAP), D(now))).toBe(expected);
  });

  it.each([
    ['2024-01-03T11:59:59.999Z', false],
    ['2024-01-03T12:00:00.000Z', true],
    ['2024-01-04T00:00:00.000Z', true],
    ['2024-01-04T11:59:59.999Z', true],
    ['2024-01-04T12:00:00.000Z', false],
  ])('isInMaintenanceWindow(wed:12:00-thu:12:00 (24 h), %s) = %s', (now, expected) => {
    expect(isInMaintenanceWindow('wed:12:00-thu:12:00', D(now))).toBe(expected);
  });

  it('aligns the week on Monday 00:00 UTC (the epoch was a Thursday)', () => {
    expect(isInMaintenanceWindow('thu:00:00-thu:00:30', new Date(0))).toBe(true);
    expect(nextMaintenanceStart('mon:00:00-mon:00:30', new Date(0)).toISOString()).toBe('1970-01-05T00:00:00.000Z');
    // before the epoch
    expect(nextMaintenanceStart('wed:23:45-thu:00:15', D('1969-12-31T23:50:00.000Z')).toISOString())
      .toBe('1970-01-07T23:45:00.000Z');
    expect(isInMaintenanceWindow('wed:23:45-thu:00:15', D('1969-12-31T23:50:00.000Z'))).toBe(true);
  });

  it.each([
    ['2024-01-08T00:05:00.000Z', '2024-01-07T23:45:00.000Z', '2024-01-08T00:15:00.000Z'], // inside: current
    ['2024-01-07T23:45:00.000Z', '2024-01-07T23:45:00.000Z', '2024-01-08T00:15:00.000Z'], // at start: current
    ['2024-01-08T00:15:00.000Z', '2024-01-14T23:45:00.000Z', '2024-01-15T00:15:00.000Z'], // at end: next
    ['2024-01-03T12:00:00.000Z', '2024-01-07T23:45:00.000Z', '2024-01-08T00:15:00.000Z'], // before: next
  ])('currentOrNextMaintenanceWindow(sun:23:45-mon:00:15, %s)', (now, start, end) => {
    const occurrence = currentOrNextMaintenanceWindow(WRAP, D(now));
    expect(occurrence.start.toISOString()).toBe(start);
    expect(occurrence.end.toISOString()).toBe(end);
  });

  it('agrees with a getUTCDay-based reference at random instants', () => {
    const random = seeded(7);
    const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    for (let i = 0; i < 1000; i++) {
      const start = Math.floor(random() * 7 * DAY);
      const duration = 30 + Math.floor(random() * (DAY - 29));
      const end = (start + duration) % (7 * DAY);
      const hhmm = (m: number): string =>
        `${String(Math.floor((m % DAY) / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
      const text = `${days[Math.floor(start / DAY)]}:${hhmm(start)}-${days[Math.floor(end / DAY)]}:${hhmm(end)}`;
      const now = new Date(Date.UTC(2020, 0, 1) + Math.floor(random() * 3 * 365 * 86_400_000));
      const minuteOfWeek = ((now.getUTCDay() + 6) % 7) * DAY + now.getUTCHours() * 60 + now.getUTCMinutes() +
        (now.getUTCSeconds() * 1000 + now.getUTCMilliseconds()) / 60_000;
      const since = (((minuteOfWeek - start) % (7 * DAY)) + 7 * DAY) % (7 * DAY);
      expect(isInMaintenanceWindow(text, now), `${text} at ${now.toISOString()}`).toBe(since < duration);

      const next = nextMaintenanceStart(text, now);
      expect(next.getTime()).toBeGreaterThanOrEqual(now.getTime());
      expect(next.getTime() - now.getTime()).toBeLessThan(7 * 86_400_000);
      expect(((next.getUTCDay() + 6) % 7) * DAY + next.getUTCHours() * 60 + next.getUTCMinutes()).toBe(start);
      expect(next.getUTCSeconds() + next.getUTCMilliseconds()).toBe(0);
      expect(isInMaintenanceWindow(text, next)).toBe(true);
    }
  });
});

describe('backup scheduling', () => {
  const WRAP = '23:45-00:15';
  it.each([
    ['2024-01-07T23:44:59.999Z', false],
    ['2024-01-07T23:45:00.000Z', true],
    ['2024-01-08T00:00:00.000Z', true], // across midnight (and Sunday -> Monday)
    ['2024-01-08T00:14:59.999Z', true],
    ['2024-01-08T00:15:00.000Z', false],
    ['2024-01-03T12:00:00.000Z', false],
    ['1969-12-31T23:50:00.000Z', true], // before the epoch
  ])('isInBackupWindow(23:45-00:15, %s) = %s', (now, expected) => {
    expect(isInBackupWindow(WRAP, D(now))).toBe(expected);
    expect(isInBackupWindow(parseBackupWindow(WRAP), D(now))).toBe(expected);
  });

  it.each([
    ['2024-01-07T23:00:00.000Z', '2024-01-07T23:45:00.000Z'],
    ['2024-01-07T23:45:00.000Z', '2024-01-07T23:45:00.000Z'], // exactly at the start: now
    ['2024-01-07T23:45:00.001Z', '2024-01-08T23:45:00.000Z'],
    ['2024-01-08T00:00:00.000Z', '2024-01-08T23:45:00.000Z'],
    ['2024-12-31T23:50:00.000Z', '2025-01-01T23:45:00.000Z'], // across the year
    ['1969-12-31T23:50:00.000Z', '1970-01-01T23:45:00.000Z'],
  ])('nextBackupStart(23:45-00:15, %s) = %s', (now, expected) => {
    expect(nextBackupStart(WRAP, D(now)).toISOString()).toBe(expected);
  });

  it.each([
    ['2024-01-01T15:59:59.999Z', '2024-01-01T16:00:00.000Z', false],
    ['2024-01-01T16:00:00.000Z', '2024-01-01T16:00:00.000Z', true],
    ['2024-01-01T16:29:59.999Z', '2024-01-02T16:00:00.000Z', true],
    ['2024-01-01T16:30:00.000Z', '2024-01-02T16:00:00.000Z', false],
    ['2024-02-28T23:59:00.000Z', '2024-02-29T16:00:00.000Z', false], // leap day
  ])('16:00-16:30 at %s: next start %s, inside %s', (now, next, inside) => {
    expect(nextBackupStart('16:00-16:30', D(now)).toISOString()).toBe(next);
    expect(isInBackupWindow('16:00-16:30', D(now))).toBe(inside);
  });

  it.each([
    ['2024-01-08T00:05:00.000Z', '2024-01-07T23:45:00.000Z', '2024-01-08T00:15:00.000Z'],
    ['2024-01-08T00:15:00.000Z', '2024-01-08T23:45:00.000Z', '2024-01-09T00:15:00.000Z'],
    ['2024-01-08T12:00:00.000Z', '2024-01-08T23:45:00.000Z', '2024-01-09T00:15:00.000Z'],
  ])('currentOrNextBackupWindow(23:45-00:15, %s)', (now, start, end) => {
    const occurrence = currentOrNextBackupWindow(WRAP, D(now));
    expect(occurrence.start.toISOString()).toBe(start);
    expect(occurrence.end.toISOString()).toBe(end);
  });

  it('rejects an invalid Date and an invalid stored window', () => {
    expect(() => nextBackupStart(WRAP, new Date(Number.NaN))).toThrow(RangeError);
    expect(() => isInMaintenanceWindow('sun:23:45-mon:00:15', new Date('nope'))).toThrow(RangeError);
    expect(() => isInBackupWindow('25:00-25:30', new Date())).toThrow(InvalidInputException);
  });
});
