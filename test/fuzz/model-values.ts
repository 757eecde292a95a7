/**
 * Values for a member of a given model shape: well-typed (plausible when the
 * recipe knows the member), of the right JSON type with hostile content, of a
 * wrong JSON type, or any of these.
 */
import fc from 'fast-check';
import {
  affixed,
  deepNesting,
  hostileKey,
  hostileNumber,
  hostileString,
  hostileTimestamp,
  jsonOtherThan,
  smallJson,
  type JsonKind,
} from './hostile-values.js';
import { setKey } from './json-text.js';
import { shape } from './model-shapes.js';

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


export const nowSeconds = () => Math.floor(Date.now() / 1000);

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
        // Long lists of one small item: thousands of copies of a huge string would only be a body over the limit (tested on its own)
        // and, past V8's longest string, a request the harness cannot even encode.
        fc.constantFrom(51, 1000, 1001, 5000).chain((n) =>
          typedValue(s.member!, member, plausible, 3)
            .filter((one) => (JSON.stringify(one) ?? '').length <= 1000)
            .map((one) => Array.from({ length: n }, () => one)),
        ),
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
