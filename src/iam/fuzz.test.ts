import { describe, expect, it } from 'vitest';
import { seeded as seededRandom } from '../../test/helpers/seeded-random.js';
import { contextValues, type ContextValue } from './conditions.js';
import { evaluate } from './evaluate.js';
import { PolicyError, parsePolicy, type PolicyDocument } from './policy-document.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

class Generator {
  private readonly random: () => number;
  constructor(seed: number) {
    this.random = seededRandom(seed);
  }
  int(below: number): number {
    return Math.floor(this.random() * below);
  }
  chance(probability: number): boolean {
    return this.random() < probability;
  }
  pick<T>(values: readonly T[]): T {
    const value = values[this.int(values.length)];
    if (value === undefined) throw new Error('pick from an empty list');
    return value;
  }
  some<T>(values: readonly T[], max: number): T[] {
    return Array.from({ length: 1 + this.int(max) }, () => this.pick(values));
  }
  string(): string {
    const alphabet = ['a', 'Z', '0', '*', '?', ':', '/', '-', '.', ' ', '$', '{', '}', '\\', '"', '\u0000', 'é', '😀', 'arn:', 'lightsail:', 'aws:'];
    const length = this.chance(0.02) ? 2000 + this.int(8000) : this.int(12);
    let text = '';
    while (text.length < length) text += this.pick(alphabet);
    return text;
  }
  json(depth = 0): Json {
    const kind = this.int(depth > 3 ? 4 : 6);
    switch (kind) {
      case 0: return null;
      case 1: return this.chance(0.5);
      case 2: return this.pick([0, -0, 1, -1, 0.5, 1e21, 1e308, -1e-7, 2 ** 53 + 1, this.int(1000)]);
      case 3: return this.string();
      case 4: return Array.from({ length: this.int(4) }, () => this.json(depth + 1));
      default: return Object.fromEntries(Array.from({ length: this.int(4) }, () => [this.key(), this.json(depth + 1)]));
    }
  }
  key(): string {
    return this.chance(0.7) ? this.pick(INTERESTING_KEYS) : this.string();
  }
}

const INTERESTING_KEYS = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'Version', 'version', 'Id', 'Statement', 'Sid', 'Effect',
  'Action', 'NotAction', 'Resource', 'NotResource', 'Condition', 'Principal', 'NotPrincipal', 'StringEquals', 'ForAnyValue:StringLike',
  'ForAllValues:StringNotEquals', 'NullIfExists', 'BoolIfExists', 'IpAddress', 'DateLessThan', 'aws:ResourceTag/team', 'aws:TagKeys',
  'AWS:SourceIp', 'aws:username', 'aws:CurrentTime',
];
const ACTIONS = [
  '*', 'lightsail:*', 'lightsail:Get*', 'lightsail:GetRelationalDatabase',
  'LIGHTSAIL:create?elationalDatabase', 'lightsail:*Database*', 'Lightsail:Delete*',
];
const RESOURCES = [
  '*', 'arn:aws:lightsail:*:*:*', 'arn:aws:lightsail:us-east-1:123456789012:RelationalDatabase/*',
  'arn:aws:lightsail:us-?ast-1:*:RelationalDatabase/orders-*', 'arn:*:*:*:*:Instance/*',
];
const CONDITIONS: [string, string, Json][] = [
  ['StringEquals', 'aws:ResourceTag/team', 'payments'],
  ['StringNotEquals', 'aws:RequestTag/team', ['payments', 'search']],
  ['StringEqualsIgnoreCase', 'aws:username', 'Alice'],
  ['StringNotEqualsIgnoreCaseIfExists', 'aws:username', 'bob'],
  ['StringLike', 'aws:ResourceTag/name', ['db-*', '?b']],
  ['StringNotLike', 'aws:RequestTag/name', 'tmp-*'],
  ['ForAllValues:StringEquals', 'aws:TagKeys', ['team', 'env']],
  ['ForAnyValue:StringLike', 'aws:TagKeys', 'te*'],
  ['ForAnyValue:StringNotEqualsIfExists', 'aws:TagKeys', 'secret'],
  ['Bool', 'aws:SecureTransport', true],
  ['BoolIfExists', 'aws:SecureTransport', 'false'],
  ['IpAddress', 'aws:SourceIp', ['10.0.0.0/8', '2001:db8::/32']],
  ['NotIpAddressIfExists', 'aws:SourceIp', '127.0.0.1'],
  ['DateLessThan', 'aws:CurrentTime', '2030-01-01T00:00:00Z'],
  ['DateGreaterThanEquals', 'aws:EpochTime', 1714521600],
  ['DateNotEquals', 'aws:CurrentTime', '2024-05-01'],
  ['ForAllValues:DateLessThanEquals', 'aws:CurrentTime', '2024-05-01T12:00:00+02:00'],
  ['Null', 'aws:ResourceTag/owner', 'true'],
  ['Null', 'aws:RequestTag/owner', false],
];

function validPolicy(gen: Generator): { [key: string]: Json } {
  const statements = Array.from({ length: 1 + gen.int(5) }, (_, index): { [key: string]: Json } => {
    const statement: { [key: string]: Json } = { Effect: gen.pick(['Allow', 'Allow', 'Deny']) };
    if (gen.chance(0.3)) statement.Sid = `S${index}`;
    statement[gen.chance(0.8) ? 'Action' : 'NotAction'] = gen.chance(0.5) ? gen.pick(ACTIONS) : gen.some(ACTIONS, 3);
    statement[gen.chance(0.85) ? 'Resource' : 'NotResource'] = gen.chance(0.5) ? gen.pick(RESOURCES) : gen.some(RESOURCES, 3);
    if (gen.chance(0.6)) {
      const condition: { [operator: string]: { [key: string]: Json } } = {};
      for (const [operator, key, value] of gen.some(CONDITIONS, 3)) condition[operator] = { ...condition[operator], [key]: value };
      statement.Condition = condition;
    }
    return statement;
  });
  return {
    Version: gen.pick(['2012-10-17', '2008-10-17']),
    ...(gen.chance(0.2) ? { Id: 'fuzz' } : {}),
    Statement: gen.chance(0.2) ? (statements[0] ?? null) : statements,
  };
}

/** Every place in the tree a mutation can hit: [parent, key] pairs. */
function slots(value: Json, found: [Json[] | { [key: string]: Json }, string | number][] = []): typeof found {
  if (Array.isArray(value)) {
    value.forEach((child, index) => {
      found.push([value, index]);
      slots(child, found);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      found.push([value, key]);
      slots(child, found);
    }
  }
  return found;
}

function mutate(gen: Generator, root: Json): Json {
  const targets = slots(root);
  if (targets.length === 0 || gen.chance(0.03)) return gen.json();
  const [parent, key] = gen.pick(targets);
  const get = (): Json => (Array.isArray(parent) ? (parent[key as number] ?? null) : (parent[key as string] ?? null));
  const set = (value: Json) => {
    if (Array.isArray(parent)) parent[key as number] = value;
    else Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  };
  const current = get();
  switch (gen.int(11)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      break;
    case 1: set(gen.json()); break;
    case 2:
      if (!Array.isArray(parent)) {
        delete parent[key as string];
        Object.defineProperty(parent, gen.key(), { value: current, enumerable: true, writable: true, configurable: true });
      }
      break;
    case 3: set([current]); break;
    case 4: set({ [gen.key()]: current }); break;
    case 5: set(gen.pick<Json>([[], {}, '', null])); break;
    case 6: set(gen.string()); break;
    case 7: if (typeof current === 'string') set(gen.chance(0.5) ? current.toLowerCase() : current.toUpperCase()); break;
    case 8: if (Array.isArray(parent)) parent.push(current); else set([current, current]); break;
    case 9: {
      let nested: Json = current;
      for (let depth = gen.int(gen.chance(0.1) ? 3000 : 300); depth > 0; depth--) nested = gen.chance(0.5) ? [nested] : { a: nested };
      set(nested);
      break;
    }
    default: if (typeof current === 'string') set(`${current}${gen.pick(['*', ':', '/x', '-', '?', ' ', 'IfExists', '/24', 'Z'])}`); break;
  }
  return root;
}

function corruptText(gen: Generator, text: string): string {
  const at = gen.int(text.length + 1);
  switch (gen.int(3)) {
    case 0: return text.slice(0, at);
    case 1: return text.slice(0, at) + gen.pick(['{', '}', '[', ']', ',', '"', ':', '\\', 'x']) + text.slice(at);
    default: return text.slice(0, at) + text.slice(at + 1);
  }
}

const CONTEXT_KEYS = [
  'aws:ResourceTag/team', 'AWS:RESOURCETAG/TEAM', 'aws:RequestTag/team', 'aws:ResourceTag/name',
  'aws:TagKeys', 'aws:SourceIp', 'aws:SecureTransport', 'aws:CurrentTime', 'aws:EpochTime', 'aws:username',
  'aws:ResourceTag/owner',
];
const CONTEXT_STRINGS = [
  'payments', 'search', 'Alice', 'db-1', 'team', 'env', 'true', 'FALSE', '10.1.2.3', '::ffff:10.0.0.1',
  '2001:db8::1', 'not-an-ip', '2024-05-01T00:00:00Z', '1714521600', 'yesterday', '',
];
const REQUEST_ACTIONS = [
  'lightsail:GetRelationalDatabase', 'lightsail:createrelationaldatabase',
  'LIGHTSAIL:DELETERELATIONALDATABASE', 'lightsail:GetRegions', 's3:GetObject', '', '*',
];
const REQUEST_RESOURCES = [
  '*', 'arn:aws:lightsail:us-east-1:123456789012:RelationalDatabase/orders-db',
  'arn:aws:lightsail:eu-west-1:1:Instance/web', '', 'arn:',
];

function randomContext(gen: Generator): Record<string, ContextValue | undefined> {
  const context: Record<string, ContextValue | undefined> = {};
  for (let count = gen.int(5); count > 0; count--) {
    const value = gen.int(4);
    const single = gen.chance(0.8) ? gen.pick(CONTEXT_STRINGS) : gen.string();
    context[gen.pick(CONTEXT_KEYS)] = [undefined, gen.some(CONTEXT_STRINGS, 3), [], single][value];
  }
  return context;
}

const DENY_EVERYTHING = parsePolicy({ Version: '2012-10-17', Statement: { Effect: 'Deny', Action: '*', Resource: '*' } });

describe('fuzzing parsePolicy and evaluate', () => {
  it('unmutated generated policies are all valid', () => {
    const gen = new Generator(1);
    for (let round = 0; round < 500; round++) {
      const source = validPolicy(gen);
      expect(() => parsePolicy(source), JSON.stringify(source)).not.toThrow();
    }
  });

  it('parsePolicy returns a document or throws PolicyError, and every document evaluates', () => {
    const gen = new Generator(0xbe27);
    const unexpected: string[] = [];
    let accepted = 0;
    let refused = 0;
    const rounds = 8000;
    for (let round = 0; round < rounds; round++) {
      let input: unknown;
      if (round % 8 === 0) {
        input = gen.json();
      } else {
        let tree: Json = validPolicy(gen);
        for (let mutations = gen.int(4); mutations > 0; mutations--) tree = mutate(gen, tree);
        input = tree;
      }
      if (gen.chance(0.3)) {
        const text = JSON.stringify(input) ?? '';
        input = gen.chance(0.5) ? corruptText(gen, text) : text;
      }
      let document: PolicyDocument;
      try {
        document = parsePolicy(input);
      } catch (error) {
        if (!(error instanceof PolicyError) || error.message.length === 0 || error.message.length > 1500) {
          unexpected.push(`parsePolicy(${String(JSON.stringify(input)).slice(0, 300)}) threw ${String(error)}`);
        }
        refused++;
        continue;
      }
      accepted++;
      try {
        checkEvaluations(gen, document);
      } catch (error) {
        unexpected.push(`evaluating ${JSON.stringify(document).slice(0, 300)}: ${String(error)}`);
      }
    }
    expect(unexpected.slice(0, 5)).toEqual([]);
    expect(accepted + refused).toBe(rounds);
    expect(accepted).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(3000);
  });
});

function checkEvaluations(gen: Generator, document: PolicyDocument): void {
  const hasAllow = document.statements.some((statement) => statement.effect === 'Allow');
  for (let request = 0; request < 4; request++) {
    const authorization = { action: gen.pick(REQUEST_ACTIONS), resource: gen.pick(REQUEST_RESOURCES), context: contextValues(randomContext(gen)) };
    const decision = evaluate([document], authorization);
    if (decision.effect !== 'ImplicitDeny' && !document.statements.includes(decision.statement)) throw new Error('decision names a foreign statement');
    if (decision.effect === 'Allow' && (!hasAllow || decision.statement.effect !== 'Allow')) throw new Error('allowed without an Allow statement');
    if (decision.effect === 'ExplicitDeny' && decision.statement.effect !== 'Deny') throw new Error('denied by an Allow statement');
    if (evaluate([document, DENY_EVERYTHING], authorization).effect !== 'ExplicitDeny') throw new Error('a Deny * * did not win');
  }
}
