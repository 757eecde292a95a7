import { type ConditionClause, isJsonObject, parseConditionBlock } from './condition-syntax.js';
import { PolicyError, describeValue, didYouMean, listOf, quote } from './policy-error.js';

export { PolicyError } from './policy-error.js';
export type { ConditionClause } from './condition-syntax.js';

export interface PolicyStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  conditions: ConditionClause[];
}

export interface PolicyDocument {
  version: '2012-10-17' | '2008-10-17';
  statements: PolicyStatement[];
}

/** IAM's limit for a managed policy; like IAM, whitespace is not counted. */
export const MAX_POLICY_BYTES = 6144;
export const MAX_STATEMENTS = 100;
/** Text beyond this is refused before parsing, however much of it is whitespace. */
const MAX_RAW_TEXT_BYTES = 64 * 1024;

const VERSIONS = ['2012-10-17', '2008-10-17'] as const;
const TOP_LEVEL_KEYS = ['Version', 'Id', 'Statement'];
const STATEMENT_KEYS = ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];
const EFFECTS = ['Allow', 'Deny'] as const;
const ACTION_NAME = /^[A-Za-z0-9*?]+$/;
const SID = /^[A-Za-z0-9]*$/;
const MIN_ARN_PARTS = 6;
const EXAMPLE_ARN = 'arn:aws:lightsail:us-east-1:123456789012:RelationalDatabase/*';

/**
 * Validates an identity policy: `source` is JSON text or an already-parsed value. Returns a frozen
 * document (the evaluator caches compiled matchers per document, so it must not change); throws
 * PolicyError, and nothing else, for anything that is not a valid policy.
 */
export function parsePolicy(source: string | unknown): PolicyDocument {
  const json = typeof source === 'string' ? parseJsonText(source) : normalizeJsonValue(source);
  const document = parseDocument(json);
  return deepFreeze(document);
}

function parseJsonText(text: string): unknown {
  const rawBytes = Buffer.byteLength(text, 'utf8');
  if (rawBytes > MAX_RAW_TEXT_BYTES) {
    throw new PolicyError(`Policy text is ${rawBytes} bytes; a policy may be at most ${MAX_POLICY_BYTES} bytes, not counting whitespace.`);
  }
  checkSize(withoutWhitespace(text));
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PolicyError(`Policy is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The text minus whitespace outside strings, by a flat scan: re-serialising the parsed value instead
 * would recurse and overflow the stack on deeply nested input.
 */
function withoutWhitespace(text: string): string {
  let kept = '';
  let runStart = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === ' ' || char === '\n' || char === '\r' || char === '\t') {
      kept += text.slice(runStart, index);
      runStart = index + 1;
    }
  }
  return kept + text.slice(runStart);
}

/**
 * A round trip through JSON text so the validator only ever sees plain JSON data: no getters,
 * prototypes, class instances or cycles, whatever the caller passed.
 */
function normalizeJsonValue(value: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new PolicyError(`Policy is not JSON-serialisable: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (text === undefined) throw new PolicyError(`Policy must be a JSON object with Version and Statement, not ${typeof value}.`);
  checkSize(text);
  return JSON.parse(text) as unknown;
}

function checkSize(minifiedText: string): void {
  const bytes = Buffer.byteLength(minifiedText, 'utf8');
  if (bytes > MAX_POLICY_BYTES) {
    throw new PolicyError(`Policy is ${bytes} bytes, not counting whitespace; the limit is ${MAX_POLICY_BYTES} bytes.`);
  }
}

function parseDocument(json: unknown): PolicyDocument {
  if (!isJsonObject(json)) throw new PolicyError(`Policy must be a JSON object with Version and Statement, not ${describeValue(json)}.`);
  refuseUnknownKeys(json, TOP_LEVEL_KEYS, 'Policy');
  if (!Object.hasOwn(json, 'Version')) throw new PolicyError(`Policy must have a Version: ${listOfQuoted(VERSIONS, 'or')}.`);
  const version = VERSIONS.find((candidate) => candidate === json.Version);
  if (version === undefined) throw new PolicyError(`Version must be ${listOfQuoted(VERSIONS, 'or')}, not ${describeValue(json.Version)}.`);
  if (Object.hasOwn(json, 'Id') && typeof json.Id !== 'string') throw new PolicyError(`Id must be a string, not ${describeValue(json.Id)}.`);
  return { version, statements: parseStatements(json.Statement, Object.hasOwn(json, 'Statement')) };
}

function parseStatements(raw: unknown, present: boolean): PolicyStatement[] {
  if (!present) throw new PolicyError('Policy must have a Statement: an object or a non-empty array of objects.');
  if (isJsonObject(raw)) return [parseStatement(raw, 'Statement')];
  if (!Array.isArray(raw)) throw new PolicyError(`Statement must be an object or a non-empty array of objects, not ${describeValue(raw)}.`);
  if (raw.length === 0) throw new PolicyError('Statement must not be an empty array; a policy needs at least one statement.');
  if (raw.length > MAX_STATEMENTS) throw new PolicyError(`Policy has ${raw.length} statements; at most ${MAX_STATEMENTS} are allowed.`);
  const statements = raw.map((entry, index) => {
    const path = `Statement[${index}]`;
    if (!isJsonObject(entry)) throw new PolicyError(`${path} must be an object, not ${describeValue(entry)}.`);
    return parseStatement(entry, path);
  });
  refuseDuplicateSids(statements);
  return statements;
}

function parseStatement(raw: Record<string, unknown>, path: string): PolicyStatement {
  for (const key of ['Principal', 'NotPrincipal']) {
    if (Object.hasOwn(raw, key)) throw new PolicyError(`${path}.${key} is not allowed: identity policies take no Principal.`);
  }
  refuseUnknownKeys(raw, STATEMENT_KEYS, path);
  const statement: PolicyStatement = { effect: parseEffect(raw, path), conditions: [] };
  if (Object.hasOwn(raw, 'Sid')) statement.sid = parseSid(raw.Sid, `${path}.Sid`);
  const action = pickOneOf(raw, 'Action', 'NotAction', path);
  const actions = parsePatternList(action.value, `${path}.${action.key}`, checkAction);
  if (action.key === 'Action') statement.actions = actions;
  else statement.notActions = actions;
  const resource = pickOneOf(raw, 'Resource', 'NotResource', path);
  const resources = parsePatternList(resource.value, `${path}.${resource.key}`, checkResource);
  if (resource.key === 'Resource') statement.resources = resources;
  else statement.notResources = resources;
  if (Object.hasOwn(raw, 'Condition')) statement.conditions = parseConditionBlock(raw.Condition, `${path}.Condition`);
  return statement;
}

function parseEffect(raw: Record<string, unknown>, path: string): PolicyStatement['effect'] {
  if (!Object.hasOwn(raw, 'Effect')) throw new PolicyError(`${path} must have an Effect: "Allow" or "Deny".`);
  const effect = EFFECTS.find((candidate) => candidate === raw.Effect);
  if (effect === undefined) throw new PolicyError(`${path}.Effect must be "Allow" or "Deny", not ${describeValue(raw.Effect)}.`);
  return effect;
}

function parseSid(raw: unknown, path: string): string {
  if (typeof raw !== 'string') throw new PolicyError(`${path} must be a string, not ${describeValue(raw)}.`);
  if (!SID.test(raw)) throw new PolicyError(`${path} ${quote(raw)} may contain only letters and digits.`);
  return raw;
}

function refuseDuplicateSids(statements: readonly PolicyStatement[]): void {
  const firstIndexBySid = new Map<string, number>();
  statements.forEach((statement, index) => {
    if (statement.sid === undefined || statement.sid === '') return;
    const earlier = firstIndexBySid.get(statement.sid);
    if (earlier !== undefined) {
      throw new PolicyError(
        `Statement[${index}].Sid ${quote(statement.sid)} is already used by Statement[${earlier}]; Sids must be unique within a policy.`,
      );
    }
    firstIndexBySid.set(statement.sid, index);
  });
}

function pickOneOf(raw: Record<string, unknown>, positive: string, negative: string, path: string): { key: string; value: unknown } {
  const hasPositive = Object.hasOwn(raw, positive);
  const hasNegative = Object.hasOwn(raw, negative);
  if (hasPositive && hasNegative) throw new PolicyError(`${path} has both ${positive} and ${negative}; use exactly one.`);
  if (!hasPositive && !hasNegative) throw new PolicyError(`${path} must have ${withArticle(positive)} or a ${negative}.`);
  const key = hasPositive ? positive : negative;
  return { key, value: raw[key] };
}

/** A string or a non-empty array of strings, each passed through `check` with its own path. */
function parsePatternList(raw: unknown, path: string, check: (value: string, path: string) => string): string[] {
  if (typeof raw === 'string') return [check(raw, path)];
  if (!Array.isArray(raw)) throw new PolicyError(`${path} must be a string or a non-empty array of strings, not ${describeValue(raw)}.`);
  if (raw.length === 0) throw new PolicyError(`${path} must not be an empty array.`);
  return raw.map((value, index) => {
    if (typeof value !== 'string') throw new PolicyError(`${path}[${index}] must be a string, not ${describeValue(value)}.`);
    return check(value, `${path}[${index}]`);
  });
}

/** lightsail: the Lightsail API; berth: berth's own read-only views of a database (the console's). */
const SERVICES = new Set(['lightsail', 'berth']);

function checkAction(action: string, path: string): string {
  if (action === '*') return action;
  const colon = action.indexOf(':');
  if (colon < 0) throw new PolicyError(`${path} ${quote(action)} must be "*" or "lightsail:<ActionName>".`);
  const service = action.slice(0, colon);
  if (!SERVICES.has(service.toLowerCase())) {
    throw new PolicyError(`${path} ${quote(action)} names the service ${quote(service)}; only lightsail: and berth: actions are known here.`);
  }
  const name = action.slice(colon + 1);
  if (!ACTION_NAME.test(name)) {
    throw new PolicyError(`${path} ${quote(action)}: the action name may contain only letters, digits and the wildcards * and ?.`);
  }
  return action;
}

function checkResource(resource: string, path: string): string {
  if (resource === '*') return resource;
  if (!resource.startsWith('arn:')) throw new PolicyError(`${path} ${quote(resource)} must be "*" or an ARN such as ${JSON.stringify(EXAMPLE_ARN)}.`);
  const parts = resource.split(':').length;
  if (parts < MIN_ARN_PARTS) {
    throw new PolicyError(
      `${path} ${quote(resource)} has ${parts} colon-separated parts; an ARN has at least ${MIN_ARN_PARTS} ` +
        `(arn:aws:lightsail:<region>:<account>:<ResourceType>/<id>).`,
    );
  }
  return resource;
}

function refuseUnknownKeys(raw: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      throw new PolicyError(`${path} has unknown key ${quote(key)}.${didYouMean(key, allowed)} Allowed keys: ${listOf(allowed)}.`);
    }
  }
}

function withArticle(noun: string): string {
  return /^[AEIOU]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function listOfQuoted(values: readonly string[], conjunction: string): string {
  return values.map((value) => quote(value)).join(` ${conjunction} `);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
