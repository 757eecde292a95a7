/**
 * Model cases: each operation starts from a plausible input aimed at real
 * resources (so requests get past the type checks to the service's own
 * validation), then gets 0-4 mutations (member dropped, set to null, wrong
 * JSON type, hostile content of the right type, another well-typed value,
 * extra members) and, for operations that must be refused, a poison last
 * (see recipes.ts).
 */
import fc from 'fast-check';
import { deepNesting, hostileKey, hostileString, smallJson } from './hostile-values.js';
import { setKey } from './json-text.js';
import { inputShapeName, shape } from './model-shapes.js';
import { hostileValue, typedValue, wrongType } from './model-values.js';

/** What berth must do with a request: reads may succeed and change nothing; tagging may succeed with its effect; the rest must be refused. */
export type Expectation = 'read' | 'tag' | 'untag' | 'refuse';

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
