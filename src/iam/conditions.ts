import { CONDITION_OPERATORS, type ConditionClause, type DateComparison, type OperatorSpec } from './condition-syntax.js';
import { cidrContains, parseCidr, parseIpAddress, type CidrBlock } from './ip-address.js';
import { parseInstant } from './instant.js';
import { PolicyError, quote } from './policy-error.js';
import { WildcardPattern } from './wildcard.js';

/** Multi-valued keys (aws:TagKeys) are arrays; an empty array counts as absent. */
export type ContextValue = string | string[];

/** The request's condition-key values; `get` is case-insensitive in the key. */
export interface RequestContextValues {
  get(key: string): ContextValue | undefined;
}

/**
 * Builds a case-insensitive context from a record (undefined values are absent). Keys that differ
 * only in case, such as tags `Team` and `team`, are merged into one multi-valued key, the only
 * choice that does not depend on the order of the record.
 */
export function contextValues(values: Record<string, ContextValue | undefined>): RequestContextValues {
  const byLowerKey = new Map<string, ContextValue>();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const lowerKey = key.toLowerCase();
    const existing = byLowerKey.get(lowerKey);
    const copy = typeof value === 'string' ? value : [...value];
    byLowerKey.set(lowerKey, existing === undefined ? copy : [...toList(existing), ...toList(copy)]);
  }
  return {
    get: (key: string) => byLowerKey.get(key) ?? byLowerKey.get(key.toLowerCase()),
  };
}

/** Whether one condition clause holds for the request (the clauses of a statement are AND-ed by the evaluator). */
export function conditionMatches(clause: ConditionClause, context: RequestContextValues): boolean {
  return compiledCondition(clause)(context);
}

export type CompiledCondition = (context: RequestContextValues) => boolean;

const compiledByClause = new WeakMap<ConditionClause, CompiledCondition>();

/** The clause's test with its policy values parsed once; cached per clause object. */
export function compiledCondition(clause: ConditionClause): CompiledCondition {
  let compiled = compiledByClause.get(clause);
  if (compiled === undefined) {
    compiled = compileCondition(clause);
    compiledByClause.set(clause, compiled);
  }
  return compiled;
}

/** Does a single context value match ANY of the policy values (ignoring negation)? */
type ValueMatcher = (value: string) => boolean;

function compileCondition(clause: ConditionClause): CompiledCondition {
  const spec = CONDITION_OPERATORS.get(clause.operator);
  if (spec === undefined) throw new PolicyError(`Unknown condition operator ${quote(clause.operator)}.`);
  const lookupKey = clause.key.toLowerCase();
  if (spec.family === 'Null') {
    const matchesAbsent = clause.values.some((value) => value.toLowerCase() === 'true');
    const matchesPresent = clause.values.some((value) => value.toLowerCase() === 'false');
    return (context) => (isPresent(context.get(lookupKey)) ? matchesPresent : matchesAbsent);
  }
  const matchesAny = compileValueMatcher(spec, clause.values);
  const { negated } = spec;
  const { qualifier, ifExists } = clause;
  // What a missing key (or empty set) evaluates to, per the IAM documentation.
  const whenAbsent = ifExists || qualifier === 'ForAllValues' ? true : qualifier === 'ForAnyValue' ? false : negated;
  // The per-value test: for the Not operators a value passes when it matches none of the policy values.
  const passes: ValueMatcher = negated ? (value) => !matchesAny(value) : matchesAny;

  return (context) => {
    const value = context.get(lookupKey);
    if (value === undefined) return whenAbsent;
    if (typeof value === 'string') return passes(value);
    if (value.length === 0) return whenAbsent;
    // ForAllValues: every value passes. ForAnyValue: some value passes. Unqualified (a multi-valued
    // value given to a single-valued operator): some value matches, or for Not operators none does,
    // which is again "every value passes".
    const everyValueMustPass = qualifier === 'ForAllValues' || (qualifier === undefined && negated);
    return everyValueMustPass ? value.every(passes) : value.some(passes);
  };
}

function compileValueMatcher(spec: OperatorSpec, policyValues: readonly string[]): ValueMatcher {
  switch (spec.family) {
    case 'String': {
      const accepted = new Set(policyValues);
      return (value) => accepted.has(value);
    }
    case 'StringIgnoreCase':
    case 'Bool': {
      const accepted = new Set(policyValues.map((value) => value.toLowerCase()));
      return (value) => accepted.has(value.toLowerCase());
    }
    case 'StringLike': {
      const patterns = policyValues.map((value) => new WildcardPattern(value));
      return (value) => patterns.some((pattern) => pattern.test(value));
    }
    case 'IpAddress': {
      const blocks = policyValues.map((value) => parseOrThrow(parseCidr, value, 'IP address or CIDR block'));
      return (value) => {
        const address = parseIpAddress(value);
        return address !== undefined && blocks.some((block: CidrBlock) => cidrContains(block, address));
      };
    }
    case 'Date': {
      const instants = policyValues.map((value) => parseOrThrow(parseInstant, value, 'date'));
      const compare = DATE_COMPARISONS[spec.dateComparison ?? 'Equals'];
      return (value) => {
        const instant = parseInstant(value);
        return instant !== undefined && instants.some((policyInstant) => compare(instant, policyInstant));
      };
    }
    case 'Null':
      throw new PolicyError('Null has no value matcher.');
  }
}

const DATE_COMPARISONS: Record<DateComparison, (context: number, policy: number) => boolean> = {
  Equals: (context, policy) => context === policy,
  LessThan: (context, policy) => context < policy,
  LessThanEquals: (context, policy) => context <= policy,
  GreaterThan: (context, policy) => context > policy,
  GreaterThanEquals: (context, policy) => context >= policy,
};

function parseOrThrow<T>(parse: (text: string) => T | undefined, text: string, what: string): T {
  const parsed = parse(text);
  // parsePolicy refuses such values; this only guards hand-built clauses.
  if (parsed === undefined) throw new PolicyError(`Condition value ${quote(text)} is not a valid ${what}.`);
  return parsed;
}

function isPresent(value: ContextValue | undefined): boolean {
  return value !== undefined && (typeof value === 'string' || value.length > 0);
}

function toList(value: ContextValue): string[] {
  return typeof value === 'string' ? [value] : value;
}
