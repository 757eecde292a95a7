/**
 * Request bodies derived from the Lightsail input model
 * (src/api/model/lightsail-inputs.json): each operation starts from a
 * plausible input aimed at real resources (so requests get past the type
 * checks to the service's own validation), then gets 0-4 mutations (member
 * dropped, set to null, wrong JSON type, hostile content of the right type,
 * another well-typed value, extra members).
 *
 * Operations whose success would create, destroy or disturb something
 * (everything but reads and tagging) always get a "poison" applied last: a
 * change that makes the request invalid whatever the mutations did, chosen
 * to fail as deep as possible (a name that is taken, a state that forbids the
 * action, a bad password...). Such a request must be refused; a 200 is a
 * finding. Reads may succeed (nothing may change); TagResource/UntagResource
 * may succeed with exactly their documented effect.
 */
import fc from 'fast-check';
import model from '../../src/api/model/lightsail-inputs.json' with { type: 'json' };
import { RESOURCE_NAME_PATTERN } from '../../src/domain/names.js';
import {
  affixed,
  hostileKey,
  hostileNumber,
  hostileString,
  hostileTimestamp,
  jsonOtherThan,
  mixedString,
  notableString,
  smallJson,
  deepNesting,
  type JsonKind,
} from './hostile-values.js';
import { Raw, setKey } from './json-text.js';
import type { SlimShape } from '../../src/api/input.js';

export type Shape = SlimShape;

export const TARGET_PREFIX = 'Lightsail_20161128.';
export const ADMIN_TARGET_PREFIX = 'BerthAdmin_20261127.';
export const ADMIN_OPERATION = 'RunPendingMaintenance';

const ADMIN_SHAPE = 'berth#RunPendingMaintenanceRequest';
const SHAPES: Record<string, Shape> = {
  ...(model.shapes as Record<string, Shape>),
  // Not in the Lightsail model: the admin handler checks its input itself.
  [ADMIN_SHAPE]: { type: 'structure', required: ['relationalDatabaseName'], members: { relationalDatabaseName: 'ResourceName' } },
};
const OPERATIONS = model.operations as Record<string, string | null>;

export function shape(name: string): Shape {
  const found = SHAPES[name];
  if (!found) throw new Error(`shape ${name} is not in the model`);
  return found;
}

export function inputShapeName(operation: string): string {
  if (operation === ADMIN_OPERATION) return ADMIN_SHAPE;
  const name = OPERATIONS[operation];
  if (!name) throw new Error(`operation ${operation} has no input shape`);
  return name;
}

export function targetOf(operation: string): string {
  return operation === ADMIN_OPERATION ? `${ADMIN_TARGET_PREFIX}${operation}` : `${TARGET_PREFIX}${operation}`;
}

/** What berth must do with a request: reads may succeed and change nothing; tagging may succeed with its effect; the rest must be refused. */
export type Expectation = 'read' | 'tag' | 'untag' | 'refuse';

export interface Fixtures {
  region: string;
  /** available, postgres_17, micro_2_0 */
  db1: string;
  /** stopped, postgres_16 */
  db2: string;
  /** available snapshot of db1 */
  snap1: string;
  /** names nothing has */
  ghost: string;
  freeName: string;
  db1Arn: string;
  snap1Arn: string;
  operationId: string;
  blueprints: string[];
  caIdentifiers: string[];
  logFile: string;
  /** Real page tokens berth issued (pageSize 1). */
  pageTokens: Record<string, string>;
}

export interface Poison {
  label: string;
  set?: Record<string, unknown>;
  drop?: string[];
  /** Insert `item` into the list member `member` at `at` (clamped), creating the list if needed. */
  insert?: { member: string; item: unknown; at: number };
}

export type Mutation =
  | { kind: 'drop' | 'null'; member: string }
  | { kind: 'set'; member: string; how: 'wrong-type' | 'hostile' | 'typed'; value: unknown }
  | { kind: 'extra'; key: string; value: unknown };

export interface ModelCase {
  operation: string;
  base: Record<string, unknown>;
  mutations: Mutation[];
  poison?: Poison;
}

export interface Recipe {
  operation: string;
  expectation: Expectation;
  base: fc.Arbitrary<Record<string, unknown>>;
  /** Required for expectation 'refuse' unless the base alone guarantees refusal (admin). */
  poisons?: fc.Arbitrary<Poison>;
  /** Plausible values by member name (any depth), mixed into the "typed" mutations. */
  plausible: Record<string, fc.Arbitrary<unknown>>;
}

/** The input a case sends: base, mutations in order, then the poison. */
export function buildInput(c: ModelCase): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(c.base)) if (value !== undefined) setKey(input, key, value);
  for (const mutation of c.mutations) {
    switch (mutation.kind) {
      case 'drop':
        delete input[mutation.member];
        break;
      case 'null':
        setKey(input, mutation.member, null);
        break;
      case 'set':
        setKey(input, mutation.member, mutation.value);
        break;
      case 'extra':
        setKey(input, mutation.key, mutation.value);
        break;
    }
  }
  const poison = c.poison;
  if (poison) {
    for (const member of poison.drop ?? []) delete input[member];
    for (const [key, value] of Object.entries(poison.set ?? {})) setKey(input, key, value);
    if (poison.insert) {
      const current = input[poison.insert.member];
      const list = Array.isArray(current) ? [...(current as unknown[])] : [];
      list.splice(Math.min(poison.insert.at, list.length), 0, poison.insert.item);
      setKey(input, poison.insert.member, list);
    }
  }
  return input;
}

// ---- model-driven values ----

function jsonKinds(type: string): JsonKind[] {
  switch (type) {
    case 'string':
      return ['string'];
    case 'boolean':
      return ['boolean'];
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return ['number'];
    case 'timestamp':
      return ['number', 'string'];
    case 'list':
      return ['array'];
    default:
      return ['object'];
  }
}

export function wrongType(shapeName: string): fc.Arbitrary<unknown> {
  return jsonOtherThan(jsonKinds(shape(shapeName).type));
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A well-typed value: plausible when the recipe knows the member, otherwise generic. */
export function typedValue(shapeName: string, member: string, plausible: Record<string, fc.Arbitrary<unknown>>, depth = 0): fc.Arbitrary<unknown> {
  const known = plausible[member];
  const generic = genericTyped(shapeName, plausible, depth);
  return known ? fc.oneof({ weight: 3, arbitrary: known }, { weight: 1, arbitrary: generic }) : generic;
}

function genericTyped(shapeName: string, plausible: Record<string, fc.Arbitrary<unknown>>, depth: number): fc.Arbitrary<unknown> {
  const s = shape(shapeName);
  switch (s.type) {
    case 'string':
      return s.enum ? fc.oneof(fc.constantFrom(...s.enum), hostileString) : hostileString;
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'long':
      return fc.integer({ min: s.min ?? -10, max: s.max ?? 100_000 });
    case 'float':
    case 'double':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'timestamp':
      return fc.oneof(
        fc.integer({ min: -7 * 86_400, max: 3600 }).map((offset) => nowSeconds() + offset),
        fc.integer({ min: -7 * 86_400, max: 3600 }).map((offset) => new Date((nowSeconds() + offset) * 1000).toISOString()),
        fc.integer({ min: 0, max: 253_402_300_799 }),
      );
    case 'list':
      return fc.array(depth > 2 ? fc.constant('x') : typedValue(s.member!, '', plausible, depth + 1), { maxLength: 3 });
    case 'structure': {
      const members = Object.entries(s.members ?? {});
      if (depth > 2 || members.length === 0) return fc.constant({});
      return fc.record(
        Object.fromEntries(members.map(([name, memberShape]) => [name, typedValue(memberShape, name, plausible, depth + 1)])),
        { requiredKeys: [] },
      );
    }
    default:
      return smallJson;
  }
}

/** The right JSON type with hostile content. */
export function hostileValue(shapeName: string, member: string, plausible: Record<string, fc.Arbitrary<unknown>>, depth = 0): fc.Arbitrary<unknown> {
  const s = shape(shapeName);
  switch (s.type) {
    case 'string':
      return s.enum ? fc.oneof(fc.constantFrom(...s.enum).chain(affixed), hostileString) : hostileString;
    case 'boolean':
      return jsonOtherThan(['boolean']);
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return hostileNumber;
    case 'timestamp':
      return hostileTimestamp;
    case 'list': {
      const item = memberValue(s.member!, member, plausible, depth + 1);
      return fc.oneof(
        fc.array(item, { minLength: 1, maxLength: 4 }),
        fc.array(typedValue(s.member!, member, plausible, depth + 1), { maxLength: 3 }).map((items) => [...items, null]),
        fc.constantFrom(51, 1000, 1001, 5000).chain((n) => typedValue(s.member!, member, plausible, 3).map((one) => Array.from({ length: n }, () => one))),
        deepNesting.filter((raw) => raw.text.startsWith('[')),
      );
    }
    case 'structure': {
      const members = Object.entries(s.members ?? {});
      if (depth > 2) return fc.constant({});
      return fc
        .tuple(
          fc.record(Object.fromEntries(members.map(([name, memberShape]) => [name, memberValue(memberShape, name, plausible, depth + 1)])), {
            requiredKeys: [],
          }),
          fc.array(fc.tuple(hostileKey(members.map(([name]) => name)), smallJson), { maxLength: 2 }),
        )
        .map(([record, extras]) => {
          const out: Record<string, unknown> = {};
          for (const [key, value] of Object.entries(record)) setKey(out, key, value);
          for (const [key, value] of extras) setKey(out, key, value);
          return out;
        });
    }
    default:
      return smallJson;
  }
}

/** Any value for a member: typed, hostile, wrong type, or null. */
export function memberValue(shapeName: string, member: string, plausible: Record<string, fc.Arbitrary<unknown>>, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: typedValue(shapeName, member, plausible, depth) },
    { weight: 3, arbitrary: hostileValue(shapeName, member, plausible, depth) },
    { weight: 2, arbitrary: wrongType(shapeName) },
    { weight: 1, arbitrary: fc.constant(null) },
  );
}

export function mutations(operation: string, plausible: Record<string, fc.Arbitrary<unknown>>, minLength = 1, maxLength = 4): fc.Arbitrary<Mutation[]> {
  const input = shape(inputShapeName(operation));
  const members = Object.entries(input.members ?? {});
  const memberNames = members.map(([name]) => name);
  const perMember = fc.constantFrom(...members).chain(([member, memberShape]): fc.Arbitrary<Mutation> =>
    fc.oneof(
      { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'drop', member }) },
      { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'null', member }) },
      { weight: 3, arbitrary: wrongType(memberShape).map((value): Mutation => ({ kind: 'set', member, how: 'wrong-type', value })) },
      { weight: 4, arbitrary: hostileValue(memberShape, member, plausible).map((value): Mutation => ({ kind: 'set', member, how: 'hostile', value })) },
      { weight: 2, arbitrary: typedValue(memberShape, member, plausible).map((value): Mutation => ({ kind: 'set', member, how: 'typed', value })) },
    ),
  );
  const extra = fc
    .tuple(hostileKey(memberNames), fc.oneof(smallJson, deepNesting, hostileString))
    .map(([key, value]): Mutation => ({ kind: 'extra', key, value }));
  const one = members.length > 0 ? fc.oneof({ weight: 6, arbitrary: perMember }, { weight: 1, arbitrary: extra }) : extra;
  return fc.array(one, { minLength, maxLength });
}

export function modelCase(recipe: Recipe): fc.Arbitrary<ModelCase> {
  const parts = {
    operation: fc.constant(recipe.operation),
    base: recipe.base,
    // Mostly one or two mutations, so that most requests still reach the service's own checks; some bases go out
    // untouched (they still meet the poison), some get up to four changes.
    mutations: fc.oneof(
      { weight: 2, arbitrary: fc.constant<Mutation[]>([]) },
      { weight: 4, arbitrary: mutations(recipe.operation, recipe.plausible, 1, 1) },
      { weight: 3, arbitrary: mutations(recipe.operation, recipe.plausible, 2, 4) },
    ),
  };
  if (recipe.poisons) return fc.record({ ...parts, poison: recipe.poisons });
  return fc.record(parts);
}

// ---- recipes: plausible bases and poisons per operation ----

/** A string that is not a valid database/snapshot name (so it can neither name nor create anything). */
export const invalidResourceName = hostileString.filter((s) => !RESOURCE_NAME_PATTERN.test(s));

const opt = { requiredKeys: [] as never[] };

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

export function recipes(fx: Fixtures): Recipe[] {
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
  const withToken = (operation: string) => ({ ...plausible, pageToken: pageToken(operation, fx) });
  const read = (operation: string, base: fc.Arbitrary<Record<string, unknown>>): Recipe => ({
    operation,
    expectation: 'read',
    base,
    plausible: withToken(operation),
  });
  const token = (operation: string) => pageToken(operation, fx);
  const poison = (label: string, set: Record<string, unknown>, drop?: string[]): Poison => (drop ? { label, set, drop } : { label, set });
  const namePoisons = (member: string, names: string[]) =>
    fc.oneof(
      fc.constantFrom(...names).map((name) => poison(`${member} = ${name}`, { [member]: name })),
      invalidResourceName.map((name) => poison(`${member} invalid`, { [member]: name })),
      wrongType('ResourceName').map((value) => poison(`${member} wrong type`, { [member]: value })),
      fc.constant(poison(`${member} missing`, {}, [member])),
    );
  const notIn = (values: readonly string[]) => hostileString.filter((s) => !values.includes(s));
  const metricNames = shape('RelationalDatabaseMetricName').enum!;
  const units = shape('MetricUnit').enum!;
  const statistics = shape('MetricStatistic').enum!;

  const readRecipes: Recipe[] = [
    read('GetRelationalDatabase', fc.record({ relationalDatabaseName: anyName })),
    read('GetRelationalDatabases', fc.record({ pageToken: token('GetRelationalDatabases') }, opt)),
    read('GetRelationalDatabaseSnapshot', fc.record({ relationalDatabaseSnapshotName: snapName })),
    read('GetRelationalDatabaseSnapshots', fc.record({ pageToken: token('GetRelationalDatabaseSnapshots') }, opt)),
    read('GetRelationalDatabaseBlueprints', fc.record({ pageToken: token('GetRelationalDatabaseBlueprints') }, opt)),
    read('GetRelationalDatabaseBundles', fc.record({ pageToken: token('GetRelationalDatabaseBundles'), includeInactive: fc.boolean() }, opt)),
    read('GetRegions', fc.record({ includeAvailabilityZones: fc.boolean(), includeRelationalDatabaseAvailabilityZones: fc.boolean() }, opt)),
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
    read('GetOperations', fc.record({ pageToken: token('GetOperations') }, opt)),
    read(
      'GetOperationsForResource',
      fc.record({ resourceName: anyName, pageToken: token('GetOperationsForResource') }, { requiredKeys: ['resourceName'] }),
    ),
  ];

  const tagRecipes: Recipe[] = [
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

  const badParameter = fc.oneof(
    fc.constant({ parameterName: 'fuzz_no_such_parameter', parameterValue: '1', applyMethod: 'immediate' }),
    fc.constantFrom('port', 'ssl', 'archive_command', 'fsync', 'log_line_prefix', 'data_directory', 'PORT').map((name) => ({
      parameterName: name,
      parameterValue: '1',
      applyMethod: 'pending-reboot',
    })),
    fc.constant({ parameterName: 'shared_buffers', parameterValue: '128MB', applyMethod: 'immediate' }),
    fc.constantFrom('4MB\n', '4MB\r', '\u0000', 'a\u0000b').map((value) => ({ parameterName: 'work_mem', parameterValue: value, applyMethod: 'immediate' })),
    fc.constant({ parameterName: 'work_mem', applyMethod: 'immediate' }),
    fc.constant({ parameterValue: '1', applyMethod: 'immediate' }),
    fc.constant({ parameterName: '', parameterValue: '1', applyMethod: 'immediate' }),
    notIn(['immediate', 'pending-reboot']).map((method) => ({ parameterName: 'work_mem', parameterValue: '4MB', applyMethod: method })),
    invalidResourceName
      .filter((name) => !/^[a-z_][a-z0-9_.]*$/i.test(name.trim()))
      .map((name) => ({ parameterName: name, parameterValue: '1', applyMethod: 'pending-reboot' })),
    fc.constantFrom('not-a-size', '-5', '99999999999999999999', '4 parsecs', "'; DROP TABLE x; --").map((value) => ({
      parameterName: 'work_mem',
      parameterValue: value,
      applyMethod: 'immediate',
    })),
  );

  const refuse = (operation: string, base: fc.Arbitrary<Record<string, unknown>>, poisons: fc.Arbitrary<Poison>): Recipe => ({
    operation,
    expectation: 'refuse',
    base,
    poisons,
    plausible,
  });

  const windowPoisons = fc.oneof(
    notIn([]).map((w) => poison('preferredBackupWindow invalid', { preferredBackupWindow: w })),
    fc.constantFrom('10:00-10:20', '24:00-00:30', '9:00-9:30', '10:00-10:30 ', '10:00–10:30').map((w) => poison(`preferredBackupWindow ${w}`, { preferredBackupWindow: w })),
    notIn([]).map((w) => poison('preferredMaintenanceWindow invalid', { preferredMaintenanceWindow: w })),
    fc.constantFrom('mon:10:00-mon:10:10', 'mon:10:00-wed:10:00', 'tuesday:10:00-tuesday:10:30', 'mon:24:00-tue:00:30').map((w) =>
      poison(`preferredMaintenanceWindow ${w}`, { preferredMaintenanceWindow: w }),
    ),
    fc.constant(poison('windows overlap', { preferredBackupWindow: '10:00-10:45', preferredMaintenanceWindow: 'tue:10:30-tue:11:00' })),
  );
  const badPassword = fc.oneof(
    fc.constantFrom('short', 'x'.repeat(129), 'has space1', 'bad/slash1', 'bad"quote1', 'bad@at-12', 'tab\tinside1', 'nul\u0000inside', 'ünïcode-pass1'),
    hostileString.filter((s) => s.length < 8 || s.length > 128 || /[^\x21-\x7e]|[/"@]/.test(s)),
  );

  const refuseRecipes: Recipe[] = [
    refuse(
      'CreateRelationalDatabase',
      fc.record(
        {
          relationalDatabaseName: fc.constantFrom(fx.db1, fx.freeName),
          availabilityZone: zone,
          relationalDatabaseBlueprintId: plausible.relationalDatabaseBlueprintId!,
          relationalDatabaseBundleId: bundle,
          masterDatabaseName: plausible.masterDatabaseName!,
          masterUsername: plausible.masterUsername!,
          masterUserPassword: password,
          preferredBackupWindow: backupWindow,
          preferredMaintenanceWindow: maintenanceWindow,
          publiclyAccessible: fc.boolean(),
          tags,
        },
        { requiredKeys: ['relationalDatabaseName', 'relationalDatabaseBlueprintId', 'relationalDatabaseBundleId', 'masterDatabaseName', 'masterUsername'] },
      ),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(poison('name taken', { relationalDatabaseName: fx.db1 })) },
        { weight: 1, arbitrary: invalidResourceName.map((n) => poison('name invalid', { relationalDatabaseName: n })) },
        { weight: 1, arbitrary: notIn(fx.blueprints).map((b) => poison('blueprint unknown', { relationalDatabaseBlueprintId: b })) },
        { weight: 1, arbitrary: fc.oneof(fc.constant('micro_1_0'), notIn(['micro_2_0'])).map((b) => poison('bundle unusable', { relationalDatabaseBundleId: b })) },
        { weight: 1, arbitrary: fc.oneof(fc.constantFrom('eu-west-1a', 'us-east-1d', 'US-EAST-1A'), notIn([])).map((z) => poison('zone', { availabilityZone: z })) },
        {
          weight: 1,
          arbitrary: fc
            .oneof(fc.constantFrom('1admin', 'berth_owner', 'a'.repeat(64), 'has space', 'dash-ed', ''), hostileString.filter((s) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(s)))
            .map((u) => poison('masterUsername invalid', { masterUsername: u })),
        },
        {
          weight: 1,
          arbitrary: fc
            .oneof(fc.constantFrom('1db', 'berth_db', 'a'.repeat(65), 'db-name', ''), hostileString.filter((s) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(s)))
            .map((d) => poison('masterDatabaseName invalid', { masterDatabaseName: d })),
        },
        { weight: 1, arbitrary: badPassword.map((p) => poison('masterUserPassword invalid', { masterUserPassword: p })) },
        { weight: 1, arbitrary: windowPoisons },
        { weight: 1, arbitrary: invalidTags.map((t) => poison('tags invalid', { tags: t })) },
      ),
    ),
    refuse(
      'CreateRelationalDatabaseSnapshot',
      fc.record(
        { relationalDatabaseName: dbName, relationalDatabaseSnapshotName: fc.constantFrom(fx.snap1, 'fuzz-new-snap'), tags },
        { requiredKeys: ['relationalDatabaseName', 'relationalDatabaseSnapshotName'] },
      ),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant(poison('snapshot name taken', { relationalDatabaseSnapshotName: fx.snap1 })) },
        { weight: 1, arbitrary: invalidResourceName.map((n) => poison('snapshot name invalid', { relationalDatabaseSnapshotName: n })) },
        { weight: 1, arbitrary: namePoisons('relationalDatabaseName', [fx.db2, fx.ghost]) },
        { weight: 1, arbitrary: invalidTags.map((t) => poison('tags invalid', { tags: t })) },
      ),
    ),
    refuse(
      'CreateRelationalDatabaseFromSnapshot',
      fc
        .tuple(
          fc.record(
            {
              relationalDatabaseName: fc.oneof({ weight: 3, arbitrary: fc.constant(fx.freeName) }, { weight: 1, arbitrary: fc.constant(fx.db1) }),
              availabilityZone: zone,
              publiclyAccessible: fc.boolean(),
              relationalDatabaseBundleId: bundle,
              tags,
            },
            { requiredKeys: ['relationalDatabaseName'] },
          ),
          fc.oneof(
            fc.record({ relationalDatabaseSnapshotName: fc.oneof({ weight: 3, arbitrary: fc.constant(fx.snap1) }, { weight: 1, arbitrary: snapName }) }),
            fc.record(
              { sourceRelationalDatabaseName: dbName, restoreTime: time, useLatestRestorableTime: fc.boolean() },
              { requiredKeys: ['sourceRelationalDatabaseName'] },
            ),
          ),
        )
        .map(([common, origin]) => ({ ...common, ...origin })),
      fc.oneof(
        { weight: 2, arbitrary: fc.constant(poison('name taken', { relationalDatabaseName: fx.db1 })) },
        { weight: 1, arbitrary: invalidResourceName.map((n) => poison('name invalid', { relationalDatabaseName: n })) },
        { weight: 1, arbitrary: invalidTags.map((t) => poison('tags invalid', { tags: t })) },
        {
          weight: 2,
          arbitrary: fc.oneof(fc.constantFrom('micro_1_0', 'nano_2_0'), notIn(['micro_2_0', 'small_2_0'])).map((b) => poison('bundle unusable', { relationalDatabaseBundleId: b })),
        },
        { weight: 2, arbitrary: fc.oneof(fc.constantFrom('eu-west-1a', 'us-east-1d'), notIn([])).map((z) => poison('zone', { availabilityZone: z })) },
        { weight: 1, arbitrary: fc.constant(poison('snapshot unknown', { relationalDatabaseSnapshotName: fx.ghost })) },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom(86_400, '1971-01-01T00:00:00Z', 253_402_300_799, '9999-01-01T00:00:00Z')
            .map((t) => poison('restoreTime out of range', { sourceRelationalDatabaseName: fx.db1, restoreTime: t })),
        },
        { weight: 1, arbitrary: fc.constant(poison('snapshot and source', { relationalDatabaseSnapshotName: fx.snap1, sourceRelationalDatabaseName: fx.db1 })) },
        { weight: 1, arbitrary: fc.constant(poison('no origin', {}, ['relationalDatabaseSnapshotName', 'sourceRelationalDatabaseName'])) },
      ),
    ),
    refuse(
      'DeleteRelationalDatabase',
      fc.record(
        { relationalDatabaseName: dbName, skipFinalSnapshot: fc.boolean(), finalRelationalDatabaseSnapshotName: fc.constantFrom(fx.snap1, 'fuzz-final') },
        { requiredKeys: ['relationalDatabaseName'] },
      ),
      fc.oneof(
        namePoisons('relationalDatabaseName', [fx.ghost]),
        fc.oneof(fc.constantFrom(fx.snap1, 'fuzz-final'), hostileString).map((n) =>
          poison('skipFinalSnapshot with a final snapshot name', { skipFinalSnapshot: true, finalRelationalDatabaseSnapshotName: n }),
        ),
        invalidResourceName.map((n) => poison('final snapshot name invalid', { finalRelationalDatabaseSnapshotName: n })),
        fc.constant(poison('final snapshot name taken', { finalRelationalDatabaseSnapshotName: fx.snap1 })),
      ),
    ),
    refuse('StartRelationalDatabase', fc.record({ relationalDatabaseName: dbName }), namePoisons('relationalDatabaseName', [fx.db1, fx.ghost])),
    refuse(
      'StopRelationalDatabase',
      fc.record({ relationalDatabaseName: dbName, relationalDatabaseSnapshotName: fc.constantFrom(fx.snap1, 'fuzz-stop-snap') }, { requiredKeys: ['relationalDatabaseName'] }),
      fc.oneof(
        namePoisons('relationalDatabaseName', [fx.db2, fx.ghost]),
        fc.constant(poison('snapshot name taken', { relationalDatabaseSnapshotName: fx.snap1 })),
        invalidResourceName.map((n) => poison('snapshot name invalid', { relationalDatabaseSnapshotName: n })),
      ),
    ),
    refuse('RebootRelationalDatabase', fc.record({ relationalDatabaseName: dbName }), namePoisons('relationalDatabaseName', [fx.db2, fx.ghost])),
    refuse(
      'UpdateRelationalDatabase',
      fc.record(
        {
          relationalDatabaseName: dbName,
          masterUserPassword: password,
          rotateMasterUserPassword: fc.boolean(),
          preferredBackupWindow: backupWindow,
          preferredMaintenanceWindow: maintenanceWindow,
          enableBackupRetention: fc.boolean(),
          disableBackupRetention: fc.boolean(),
          publiclyAccessible: fc.boolean(),
          applyImmediately: fc.boolean(),
          caCertificateIdentifier: plausible.caCertificateIdentifier!,
          relationalDatabaseBlueprintId: fc.constantFrom('postgres_17', 'postgres_16'),
        },
        { requiredKeys: ['relationalDatabaseName'] },
      ),
      fc.oneof(
        namePoisons('relationalDatabaseName', [fx.db2, fx.ghost]),
        badPassword.map((p) => poison('masterUserPassword invalid', { masterUserPassword: p })),
        fc.constant(poison('password and rotation', { rotateMasterUserPassword: true, masterUserPassword: 'Valid-pass1' })),
        fc.tuple(fc.boolean(), fc.boolean()).map(([e, d]) => poison('enable and disable retention', { enableBackupRetention: e, disableBackupRetention: d })),
        notIn(fx.caIdentifiers).map((ca) => poison('caCertificateIdentifier unknown', { caCertificateIdentifier: ca })),
        fc.oneof(fc.constantFrom('mariadb_10_11', 'postgres_15', 'postgres_18'), notIn(['postgres_16', 'postgres_17'])).map((b) =>
          poison('blueprint change', { relationalDatabaseBlueprintId: b }),
        ),
        windowPoisons,
      ),
    ),
    refuse(
      'DeleteRelationalDatabaseSnapshot',
      fc.record({ relationalDatabaseSnapshotName: snapName }),
      namePoisons('relationalDatabaseSnapshotName', [fx.ghost, fx.db1]),
    ),
    refuse(
      'UpdateRelationalDatabaseParameters',
      fc.record({
        // Mostly the available database: only there do the parameters reach the engine's own checks.
        relationalDatabaseName: fc.oneof({ weight: 4, arbitrary: fc.constant(fx.db1) }, { weight: 1, arbitrary: dbName }),
        parameters: fc.array(
          fc.record(
            {
              parameterName: plausible.parameterName!,
              parameterValue: fc.oneof({ weight: 3, arbitrary: plausible.parameterValue! }, { weight: 1, arbitrary: mixedString }, { weight: 1, arbitrary: notableString }),
              applyMethod: plausible.applyMethod!,
              allowedValues: mixedString,
              isModifiable: fc.boolean(),
              dataType: fc.constantFrom('integer', 'string'),
            },
            { requiredKeys: ['parameterName', 'parameterValue', 'applyMethod'] },
          ),
          { minLength: 0, maxLength: 3 },
        ),
      }),
      fc.oneof(
        { weight: 1, arbitrary: namePoisons('relationalDatabaseName', [fx.db2, fx.ghost]) },
        { weight: 6, arbitrary: fc.tuple(badParameter, fc.nat({ max: 3 })).map(([item, at]) => ({ label: 'a bad parameter', insert: { member: 'parameters', item, at } })) },
        { weight: 1, arbitrary: fc.constant(poison('no parameters', { parameters: [] })) },
      ),
    ),
    {
      operation: ADMIN_OPERATION,
      // The fixtures have no pending maintenance (and nothing here can add any): always refused.
      expectation: 'refuse',
      base: fc.record({ relationalDatabaseName: fc.oneof(dbName, fc.constant(fx.snap1)) }),
      plausible,
    },
  ];

  return [...readRecipes, ...tagRecipes, ...refuseRecipes];
}
