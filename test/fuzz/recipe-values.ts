/**
 * The plausible values the recipes build their bases from, by member name:
 * names of the fixtures, zones, bundles, windows, tags, times...
 */
import fc from 'fast-check';
import type { Fixtures } from './fixtures.js';
import { nowSeconds } from './model-values.js';

function tagsArbitraries() {
  const tagKey = fc.oneof(
    fc.constantFrom('team', 'env', 'fuzz', 'owner', 'ключ', '日本語', 'k.e:y/=+-@', 'A b', 'ß', '\u05d0\u05d1'),
    fc.string({ unit: fc.constantFrom('a', 'Z', '9', '_', '.', ':', '/', '=', '+', '-', '@', ' ', 'é', 'ж', '中'), minLength: 1, maxLength: 12 }),
  );
  const tagValue = fc.oneof(fc.constantFrom('', 'v', 'fuzz', 'значение', '値', 'a b'), tagKey);
  const tag = fc.record({ key: tagKey, value: tagValue }, { requiredKeys: ['key'] });
  const tags = fc.array(tag, { maxLength: 3 });
  const invalidTags = fc.oneof(
    fc.constant([{ key: 'aws:owner', value: 'x' }]),
    fc.constant([{ key: 'AWS:Owner' }]),
    fc.constant([{ key: 'dup' }, { key: 'dup', value: 'again' }]),
    fc.constant(Array.from({ length: 51 }, (_, i) => ({ key: `k${i}` }))),
    fc.constant([{ key: '' }]),
    fc.constant([{ key: 'k', value: 'x'.repeat(257) }]),
    fc.constant([{ key: 'k'.repeat(129) }]),
    fc.constant([{ value: 'no key' }]),
    fc.constantFrom('\u0000', '<', '\u202e', '"', '\ud800', '\u{1f418}', '!', '#').map((c) => [{ key: `bad${c}key` }]),
  );
  return { tagKey, tagValue, tag, tags, invalidTags };
}

export function recipeValues(fx: Fixtures) {
  const { tagKey, tags, invalidTags } = tagsArbitraries();
  const dbName = fc.constantFrom(fx.db1, fx.db2, fx.ghost);
  const anyName = fc.constantFrom(fx.db1, fx.db2, fx.snap1, fx.ghost);
  const snapName = fc.constantFrom(fx.snap1, fx.ghost, fx.db1);
  const zone = fc.constantFrom(`${fx.region}a`, `${fx.region}b`, `${fx.region}c`);
  const bundle = fc.constantFrom('micro_2_0', 'small_2_0', 'micro_ha_2_0', 'large_2_0');
  const backupWindow = fc.constantFrom('03:00-03:30', '23:45-00:15', '16:00-16:30', '00:00-23:59');
  const maintenanceWindow = fc.constantFrom('tue:05:00-tue:05:30', 'sun:23:45-mon:00:15', 'Mon:10:00-mon:10:30', 'fri:00:00-sat:00:00');
  const password = fc.constantFrom('Valid-pass1', 'Another_Pass-9x', 'abcdefgh');
  const near = fc.integer({ min: -3 * 86_400, max: 0 }).map((offset) => nowSeconds() + offset);
  const time = fc.oneof(near, near.map((s) => new Date(s * 1000).toISOString()), near.map(String));
  const plausible: Record<string, fc.Arbitrary<unknown>> = {
    relationalDatabaseName: dbName,
    relationalDatabaseSnapshotName: snapName,
    sourceRelationalDatabaseName: dbName,
    finalRelationalDatabaseSnapshotName: fc.constantFrom(fx.snap1, 'fuzz-final'),
    resourceName: anyName,
    resourceArn: fc.constantFrom(fx.db1Arn, fx.snap1Arn, `arn:aws:lightsail:${fx.region}:000000000000:RelationalDatabase/x`),
    availabilityZone: zone,
    relationalDatabaseBlueprintId: fc.constantFrom(...fx.blueprints),
    relationalDatabaseBundleId: bundle,
    masterDatabaseName: fc.constantFrom('app', 'dbmain'),
    masterUsername: fc.constantFrom('appadmin', 'owner'),
    masterUserPassword: password,
    preferredBackupWindow: backupWindow,
    preferredMaintenanceWindow: maintenanceWindow,
    caCertificateIdentifier: fc.constantFrom(...fx.caIdentifiers),
    tags,
    key: tagKey,
    value: tagKey,
    tagKeys: fc.array(tagKey, { maxLength: 3 }),
    operationId: fc.constantFrom(fx.operationId, '00000000-0000-0000-0000-000000000000', fx.operationId.toUpperCase()),
    logStreamName: fc.constantFrom('postgresql', 'error', 'general', 'slowquery'),
    parameterName: fc.constantFrom('work_mem', 'statement_timeout', 'log_min_duration_statement', 'shared_buffers', 'max_connections', 'search_path', 'DateStyle', 'WORK_MEM'),
    parameterValue: fc.constantFrom('4MB', '0', '1000', '-1', 'on', '"$user", public', 'ISO, MDY', '64kB', '2147483647', '1e3'),
    applyMethod: fc.constantFrom('immediate', 'pending-reboot'),
    restoreTime: time,
    startTime: time,
    endTime: fc.oneof(time, fc.constant(nowSeconds() + 60)),
    durationInMinutes: fc.integer({ min: 1, max: 20_160 }),
    period: fc.constantFrom(60, 300, 3600, 86_400),
  };
  return { fx, tagKey, tags, invalidTags, dbName, anyName, snapName, zone, bundle, backupWindow, maintenanceWindow, password, near, time, plausible };
}

export type RecipeValues = ReturnType<typeof recipeValues>;
