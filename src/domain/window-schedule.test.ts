import { describe, expect, it } from 'vitest';
import { seeded } from '../../test/helpers/seeded-random.js';

import { InvalidInputException } from '../api/errors.js';
import { parseBackupWindow, parseMaintenanceWindow } from './window-parsing.js';
import {
  currentOrNextBackupWindow,
  currentOrNextMaintenanceWindow,
  isInBackupWindow,
  isInMaintenanceWindow,
  nextBackupStart,
  nextMaintenanceStart,
} from './window-schedule.js';

const D = (iso: string): Date => new Date(iso);
const DAY = 1440;

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
