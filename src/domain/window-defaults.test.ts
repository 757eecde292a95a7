import { describe, expect, it } from 'vitest';
import { invalidMessage } from '../../test/helpers/invalid-message.js';
import { seeded } from '../../test/helpers/seeded-random.js';

import { defaultBackupWindow, defaultMaintenanceWindow, defaultWindows, resolveWindows } from './window-defaults.js';
import { parseBackupWindow, parseMaintenanceWindow } from './window-parsing.js';
import { validateWindows, windowsOverlap } from './window-validation.js';

const DAY = 1440;

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
