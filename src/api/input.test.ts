import { describe, expect, it } from 'vitest';
import { InvalidInputException } from './errors.js';
import { isKnownOperation, readInput } from './input.js';

describe('readInput against the Lightsail model', () => {
  it('knows every Lightsail operation, including ones berth does not serve', () => {
    expect(isKnownOperation('CreateRelationalDatabase')).toBe(true);
    expect(isKnownOperation('GetInstances')).toBe(true);
    expect(isKnownOperation('MakeCoffee')).toBe(false);
  });

  it('keeps modelled members, drops unknown ones and treats null as absent', () => {
    expect(readInput('GetRelationalDatabase', { relationalDatabaseName: 'db', extra: 1 })).toEqual({ relationalDatabaseName: 'db' });
    expect(readInput('GetRelationalDatabases', { pageToken: null })).toEqual({});
  });

  it('requires required members, naming them', () => {
    expect(() => readInput('GetRelationalDatabase', {})).toThrow(/relationalDatabaseName/);
    const error = (() => {
      try {
        readInput('GetRelationalDatabase', {});
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidInputException);
    expect((error as InvalidInputException).code).toBe('MissingParameter');
  });

  it('checks JSON types member by member, nested ones too', () => {
    expect(() => readInput('CreateRelationalDatabase', base({ publiclyAccessible: 'yes' }))).toThrow(/publiclyAccessible must be a boolean/);
    expect(() => readInput('CreateRelationalDatabase', base({ tags: { key: 'a' } }))).toThrow(/tags must be a JSON array/);
    expect(() => readInput('CreateRelationalDatabase', base({ tags: [{ key: 5 }] }))).toThrow(/tags\[0\]\.key must be a string/);
    expect(() => readInput('GetRelationalDatabase', { relationalDatabaseName: ['a'] })).toThrow(/must be a string, not an array/);
  });

  it('applies enums (with the JS SDK additions) and numeric bounds', () => {
    const metric = (changes: Record<string, unknown>) => ({
      relationalDatabaseName: 'db',
      metricName: 'CPUUtilization',
      period: 60,
      startTime: 1,
      endTime: 2,
      unit: 'Percent',
      statistics: ['Average'],
      ...changes,
    });
    expect(readInput('GetRelationalDatabaseMetricData', metric({ metricName: 'FreeableMemory' })).metricName).toBe('FreeableMemory');
    expect(() => readInput('GetRelationalDatabaseMetricData', metric({ metricName: 'Bogus' }))).toThrow(/CPUUtilization/);
    expect(() => readInput('GetRelationalDatabaseMetricData', metric({ period: 59 }))).toThrow(/minimum is 60/);
    expect(() => readInput('GetRelationalDatabaseMetricData', metric({ period: 86401 }))).toThrow(/maximum is 86400/);
    expect(() => readInput('GetRelationalDatabaseMetricData', metric({ period: 60.5 }))).toThrow(/integer/);
  });

  it('reads timestamps as epoch seconds (ints from botocore, floats from JS), numeric strings and ISO strings', () => {
    const read = (value: unknown) => readInput('GetRelationalDatabaseLogEvents', { relationalDatabaseName: 'db', logStreamName: 's', startTime: value }).startTime as Date;
    expect(read(1538424000).toISOString()).toBe('2018-10-01T20:00:00.000Z');
    expect(read(1538424000.123).getTime()).toBe(1538424000123);
    expect(read('1538424000').getTime()).toBe(1538424000000);
    expect(read('2018-10-01T20:00:00Z').getTime()).toBe(1538424000000);
    expect(() => read('yesterday')).toThrow(InvalidInputException);
    expect(() => read(-1)).toThrow(InvalidInputException);
    expect(() => read(1e20)).toThrow(InvalidInputException);
  });
});

function base(changes: Record<string, unknown>) {
  return {
    relationalDatabaseName: 'db',
    relationalDatabaseBlueprintId: 'postgres_17',
    relationalDatabaseBundleId: 'micro_2_0',
    masterDatabaseName: 'app',
    masterUsername: 'app',
    ...changes,
  };
}
