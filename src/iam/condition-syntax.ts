import { parseCidr } from './ip-address.js';
import { parseInstant } from './instant.js';
import { PolicyError, describeValue, didYouMean, keyPath, listOf, quote } from './policy-error.js';

/** One operator/key pair of a statement's Condition block, e.g. `"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": [...]}`. */
export interface ConditionClause {
  /** The base operator without set qualifier or IfExists, e.g. 'StringEquals'. */
  operator: string;
  qualifier?: 'ForAllValues' | 'ForAnyValue';
  ifExists: boolean;
  /** Canonical spelling of the key (`aws:ResourceTag/team`); looked up case-insensitively. */
  key: string;
  /** Policy values as strings; Bool and Null values are lower-cased. */
  values: string[];
}

export type OperatorFamily = 'String' | 'StringIgnoreCase' | 'StringLike' | 'Bool' | 'IpAddress' | 'Date' | 'Null';
export type DateComparison = 'Equals' | 'LessThan' | 'LessThanEquals' | 'GreaterThan' | 'GreaterThanEquals';

export interface OperatorSpec {
  family: OperatorFamily;
  /** True for the Not operators: they hold when the context value matches none of the policy values. */
  negated: boolean;
  dateComparison?: DateComparison;
}

export const CONDITION_OPERATORS: ReadonlyMap<string, OperatorSpec> = new Map<string, OperatorSpec>([
  ['StringEquals', { family: 'String', negated: false }],
  ['StringNotEquals', { family: 'String', negated: true }],
  ['StringEqualsIgnoreCase', { family: 'StringIgnoreCase', negated: false }],
  ['StringNotEqualsIgnoreCase', { family: 'StringIgnoreCase', negated: true }],
  ['StringLike', { family: 'StringLike', negated: false }],
  ['StringNotLike', { family: 'StringLike', negated: true }],
  ['Bool', { family: 'Bool', negated: false }],
  ['IpAddress', { family: 'IpAddress', negated: false }],
  ['NotIpAddress', { family: 'IpAddress', negated: true }],
  ['DateEquals', { family: 'Date', negated: false, dateComparison: 'Equals' }],
  ['DateNotEquals', { family: 'Date', negated: true, dateComparison: 'Equals' }],
  ['DateLessThan', { family: 'Date', negated: false, dateComparison: 'LessThan' }],
  ['DateLessThanEquals', { family: 'Date', negated: false, dateComparison: 'LessThanEquals' }],
  ['DateGreaterThan', { family: 'Date', negated: false, dateComparison: 'GreaterThan' }],
  ['DateGreaterThanEquals', { family: 'Date', negated: false, dateComparison: 'GreaterThanEquals' }],
  ['Null', { family: 'Null', negated: false }],
]);

const OPERATOR_NAMES = [...CONDITION_OPERATORS.keys()];
const QUALIFIERS = ['ForAllValues', 'ForAnyValue'] as const;
const IF_EXISTS = 'IfExists';

const SINGLE_KEYS = ['aws:TagKeys', 'aws:SourceIp', 'aws:SecureTransport', 'aws:CurrentTime', 'aws:EpochTime', 'aws:username'];
const TAG_KEY_PREFIXES = ['aws:ResourceTag/', 'aws:RequestTag/'];
const SUPPORTED_KEYS = [...TAG_KEY_PREFIXES.map((prefix) => `${prefix}<tag-key>`), ...SINGLE_KEYS];
const MAX_TAG_KEY_LENGTH = 128;

/** The canonical spelling of a supported condition key (matched case-insensitively), or undefined. */
export function canonicalConditionKey(key: string): string | undefined {
  const lower = key.toLowerCase();
  const single = SINGLE_KEYS.find((candidate) => candidate.toLowerCase() === lower);
  if (single !== undefined) return single;
  const prefix = TAG_KEY_PREFIXES.find((candidate) => lower.startsWith(candidate.toLowerCase()));
  if (prefix === undefined) return undefined;
  const tagKey = key.slice(prefix.length);
  if (tagKey.length === 0 || tagKey.length > MAX_TAG_KEY_LENGTH) return undefined;
  return prefix + tagKey;
}

/** Parses a statement's `Condition` element into clauses (AND-ed by the evaluator). */
export function parseConditionBlock(raw: unknown, path: string): ConditionClause[] {
  if (!isJsonObject(raw)) {
    throw new PolicyError(`${path} must be an object of condition operators, each mapping condition keys to values, not ${describeValue(raw)}.`);
  }
  const clauses: ConditionClause[] = [];
  for (const [operatorName, block] of Object.entries(raw)) {
    const operatorPath = path + keyPath(operatorName);
    const { operator, qualifier, ifExists } = parseOperatorName(operatorName, path);
    if (!isJsonObject(block) || Object.keys(block).length === 0) {
      throw new PolicyError(`${operatorPath} must be an object mapping at least one condition key to its values, not ${describeValue(block)}.`);
    }
    for (const [rawKey, rawValues] of Object.entries(block)) {
      const valuePath = operatorPath + keyPath(rawKey);
      const key = canonicalConditionKey(rawKey);
      if (key === undefined) {
        throw new PolicyError(
          `${operatorPath} has unknown condition key ${quote(rawKey)}.${didYouMean(rawKey, SINGLE_KEYS)} ` +
            `Supported keys: ${listOf(SUPPORTED_KEYS)} (tag keys are 1 to ${MAX_TAG_KEY_LENGTH} characters).`,
        );
      }
      const values = parseConditionValues(rawValues, valuePath, operator);
      clauses.push(qualifier === undefined ? { operator, ifExists, key, values } : { operator, qualifier, ifExists, key, values });
    }
  }
  return clauses;
}

function parseOperatorName(name: string, conditionPath: string): Pick<ConditionClause, 'operator' | 'qualifier' | 'ifExists'> {
  const operatorPath = conditionPath + keyPath(name);
  const colon = name.indexOf(':');
  let qualifier: ConditionClause['qualifier'];
  let rest = name;
  if (colon >= 0) {
    const prefix = name.slice(0, colon);
    qualifier = QUALIFIERS.find((candidate) => candidate === prefix);
    if (qualifier === undefined) {
      throw new PolicyError(
        `${conditionPath} has unknown set operator ${quote(prefix)} in ${quote(name)}.${didYouMean(prefix, QUALIFIERS)} ` +
          `Use ForAllValues: or ForAnyValue:.`,
      );
    }
    rest = name.slice(colon + 1);
  }
  const ifExists = rest.endsWith(IF_EXISTS) && rest.length > IF_EXISTS.length;
  const operator = ifExists ? rest.slice(0, -IF_EXISTS.length) : rest;
  if (!CONDITION_OPERATORS.has(operator)) {
    throw new PolicyError(
      `${conditionPath} has unknown condition operator ${quote(name)}.${didYouMean(operator, OPERATOR_NAMES)} ` +
        `Supported operators: ${listOf(OPERATOR_NAMES)}; each may be prefixed ForAllValues: or ForAnyValue: and suffixed IfExists.`,
    );
  }
  if (operator === 'Null' && ifExists) {
    throw new PolicyError(`${operatorPath}: Null cannot take IfExists, since Null itself tests whether the key exists.`);
  }
  if (operator === 'Null' && qualifier !== undefined) {
    throw new PolicyError(`${operatorPath}: Null cannot take ${qualifier}:, since it tests whether the key is present, not its values.`);
  }
  return qualifier === undefined ? { operator, ifExists } : { operator, qualifier, ifExists };
}

function parseConditionValues(raw: unknown, path: string, operator: string): string[] {
  const listed = Array.isArray(raw) ? raw : [raw];
  if (listed.length === 0) throw new PolicyError(`${path} must not be an empty array.`);
  return listed.map((value, index) => {
    const elementPath = Array.isArray(raw) ? `${path}[${index}]` : path;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      const expected = Array.isArray(raw) ? 'a string, number or boolean' : 'a string, number, boolean or a non-empty array of them';
      throw new PolicyError(`${elementPath} must be ${expected}, not ${describeValue(value)}.`);
    }
    return checkValueForOperator(String(value), elementPath, operator);
  });
}

/** Refuses, when the policy is set, values the operator could never match. */
function checkValueForOperator(value: string, path: string, operator: string): string {
  const family = CONDITION_OPERATORS.get(operator)?.family;
  switch (family) {
    case 'Bool':
    case 'Null': {
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw new PolicyError(`${path} must be "true" or "false" for ${operator}, not ${quote(value)}.`);
      return lower;
    }
    case 'IpAddress':
      if (parseCidr(value) === undefined) {
        throw new PolicyError(
          `${path} ${quote(value)} is not an IPv4 or IPv6 address or CIDR block (e.g. "203.0.113.0/24" or "2001:db8::/32").`,
        );
      }
      return value;
    case 'Date':
      if (parseInstant(value) === undefined) {
        throw new PolicyError(`${path} ${quote(value)} is not a date: use ISO 8601 (e.g. "2024-05-01T00:00:00Z") or epoch seconds.`);
      }
      return value;
    default:
      return value;
  }
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
