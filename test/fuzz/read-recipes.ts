/** Recipes for the reads, which may succeed but change nothing, and for tagging, which may succeed with its documented effect. */
import fc from 'fast-check';
import type { Fixtures } from './fixtures.js';
import { hostileNumber, hostileString, smallJson } from './hostile-values.js';
import { Raw } from './json-text.js';
import type { Recipe } from './model-cases.js';
import { shape } from './model-shapes.js';
import type { RecipeValues } from './recipe-values.js';

const noneRequired = { requiredKeys: [] as never[] };

function pageToken(operation: string, fx: Fixtures): fc.Arbitrary<unknown> {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null', 'utf8').toString('base64url');
  const position = fc.oneof(
    hostileString,
    fc.constantFrom(-1, 0, 1, 2, 1e308, -1e308, 2 ** 53 + 2, 0.5, fx.db1, fx.snap1, ''),
    fc.integer(),
    smallJson,
  );
  const logCursor = fc
    .record(
      {
        d: fc.constantFrom('f', 'b', 'x', ''),
        f: fc.oneof(fc.constant(fx.logFile), fc.constantFrom('postgresql-1970-01-01.log', 'postgresql-9999-12-31_235959.log', '../../berth.db'), hostileString),
        o: fc.oneof(fc.constantFrom(0, 1, 2 ** 40, -1, 0.5, 2 ** 53), hostileNumber.filter((n) => !(n instanceof Raw))),
        s: fc.oneof(fc.integer(), fc.constant(-1), fc.constant(2 ** 60)),
        e: fc.oneof(fc.integer(), fc.constant(0)),
      },
      { requiredKeys: ['d', 'f', 'o'] },
    )
    .map((cursor) => `pglog1.${b64(cursor)}`);
  const real = Object.values(fx.pageTokens);
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ o: fc.constantFrom(operation, 'GetOperations', 'GetRelationalDatabases', ''), p: position }).map(b64) },
    { weight: 2, arbitrary: fc.record({ o: fc.constant(operation), p: fc.oneof(logCursor, position) }).map(b64) },
    { weight: 1, arbitrary: logCursor },
    { weight: 1, arbitrary: real.length > 0 ? fc.constantFrom(...real) : fc.constant('') },
    { weight: 1, arbitrary: fc.base64String({ maxLength: 64 }) },
    { weight: 1, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.constantFrom(b64({ o: operation }), b64({ p: 1 }), b64([1]), b64(null), b64('x'), 'e30', '!!!', '====') },
  );
}

export function readRecipes({ fx, dbName, anyName, snapName, near, time, plausible }: RecipeValues): Recipe[] {
  const withToken = (operation: string) => ({ ...plausible, pageToken: pageToken(operation, fx) });
  const read = (operation: string, base: fc.Arbitrary<Record<string, unknown>>): Recipe => ({
    operation,
    expectation: 'read',
    base,
    plausible: withToken(operation),
  });
  const token = (operation: string) => pageToken(operation, fx);
  const metricNames = shape('RelationalDatabaseMetricName').enum!;
  const units = shape('MetricUnit').enum!;
  const statistics = shape('MetricStatistic').enum!;

  return [
    read('GetRelationalDatabase', fc.record({ relationalDatabaseName: anyName })),
    read('GetRelationalDatabases', fc.record({ pageToken: token('GetRelationalDatabases') }, noneRequired)),
    read('GetRelationalDatabaseSnapshot', fc.record({ relationalDatabaseSnapshotName: snapName })),
    read('GetRelationalDatabaseSnapshots', fc.record({ pageToken: token('GetRelationalDatabaseSnapshots') }, noneRequired)),
    read('GetRelationalDatabaseBlueprints', fc.record({ pageToken: token('GetRelationalDatabaseBlueprints') }, noneRequired)),
    read('GetRelationalDatabaseBundles', fc.record({ pageToken: token('GetRelationalDatabaseBundles'), includeInactive: fc.boolean() }, noneRequired)),
    read('GetRegions', fc.record({ includeAvailabilityZones: fc.boolean(), includeRelationalDatabaseAvailabilityZones: fc.boolean() }, noneRequired)),
    read(
      'GetRelationalDatabaseEvents',
      fc.record(
        { relationalDatabaseName: dbName, durationInMinutes: plausible.durationInMinutes!, pageToken: token('GetRelationalDatabaseEvents') },
        { requiredKeys: ['relationalDatabaseName'] },
      ),
    ),
    read(
      'GetRelationalDatabaseMetricData',
      fc.record({
        relationalDatabaseName: dbName,
        metricName: fc.constantFrom(...metricNames, 'FreeableMemory', 'SwapUsage'),
        period: plausible.period!,
        startTime: near.map((s) => s - 3600),
        endTime: near,
        unit: fc.constantFrom('Percent', 'Count', 'Bytes', 'Bytes/Second', ...units.slice(0, 3)),
        statistics: fc.subarray(statistics, { minLength: 1 }),
      }),
    ),
    read('GetRelationalDatabaseLogStreams', fc.record({ relationalDatabaseName: dbName })),
    read(
      'GetRelationalDatabaseLogEvents',
      fc.record(
        {
          relationalDatabaseName: dbName,
          logStreamName: plausible.logStreamName!,
          startTime: time,
          endTime: plausible.endTime!,
          startFromHead: fc.boolean(),
          pageToken: token('GetRelationalDatabaseLogEvents'),
        },
        { requiredKeys: ['relationalDatabaseName', 'logStreamName'] },
      ),
    ),
    read(
      'GetRelationalDatabaseParameters',
      fc.record({ relationalDatabaseName: dbName, pageToken: token('GetRelationalDatabaseParameters') }, { requiredKeys: ['relationalDatabaseName'] }),
    ),
    read(
      'GetRelationalDatabaseMasterUserPassword',
      fc.record({ relationalDatabaseName: dbName, passwordVersion: fc.constantFrom('CURRENT', 'PREVIOUS', 'PENDING') }, { requiredKeys: ['relationalDatabaseName'] }),
    ),
    read('GetOperation', fc.record({ operationId: plausible.operationId! })),
    read('GetOperations', fc.record({ pageToken: token('GetOperations') }, noneRequired)),
    read(
      'GetOperationsForResource',
      fc.record({ resourceName: anyName, pageToken: token('GetOperationsForResource') }, { requiredKeys: ['resourceName'] }),
    ),
  ];
}

export function tagRecipes({ anyName, tags, plausible }: RecipeValues): Recipe[] {
  return [
    {
      operation: 'TagResource',
      expectation: 'tag',
      base: fc.record({ resourceName: anyName, resourceArn: plausible.resourceArn!, tags }, { requiredKeys: ['resourceName', 'tags'] }),
      plausible,
    },
    {
      operation: 'UntagResource',
      expectation: 'untag',
      base: fc.record(
        { resourceName: anyName, resourceArn: plausible.resourceArn!, tagKeys: plausible.tagKeys! },
        { requiredKeys: ['resourceName', 'tagKeys'] },
      ),
      plausible,
    },
  ];
}
