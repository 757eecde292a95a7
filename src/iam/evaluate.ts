import { compiledCondition, type CompiledCondition, type RequestContextValues } from './conditions.js';
import type { PolicyDocument, PolicyStatement } from './policy-document.js';
import { WildcardPattern, anyPatternMatches } from './wildcard.js';

export interface AuthorizationRequest {
  /** e.g. 'lightsail:GetRelationalDatabase' */
  action: string;
  /** The resource's ARN, or '*' for actions without resource-level permissions. */
  resource: string;
  context: RequestContextValues;
}

export type Decision =
  | { effect: 'Allow'; statement: PolicyStatement }
  | { effect: 'ExplicitDeny'; statement: PolicyStatement }
  | { effect: 'ImplicitDeny' };

/**
 * IAM's evaluation logic for identity policies: a matching Deny statement in any policy wins, else a
 * matching Allow statement, else the request is implicitly denied. Matchers are compiled on first use
 * and cached per document and statement object, so documents must not be changed once evaluated
 * (those from parsePolicy are frozen).
 */
export function evaluate(policies: readonly PolicyDocument[], request: AuthorizationRequest): Decision {
  const lowerCaseAction = request.action.toLowerCase();
  let allowedBy: PolicyStatement | undefined;
  for (const policy of policies) {
    for (const compiled of compiledStatements(policy)) {
      // Once allowed, only a Deny can change the outcome.
      if (allowedBy !== undefined && !compiled.isDeny) continue;
      if (!statementApplies(compiled, lowerCaseAction, request)) continue;
      if (compiled.isDeny) return { effect: 'ExplicitDeny', statement: compiled.statement };
      allowedBy = compiled.statement;
    }
  }
  return allowedBy === undefined ? { effect: 'ImplicitDeny' } : { effect: 'Allow', statement: allowedBy };
}

/** Action or NotAction / Resource or NotResource patterns, compiled. */
interface CompiledPatterns {
  /** True for NotAction/NotResource: the element matches when no pattern does. */
  negated: boolean;
  matchesEverything: boolean;
  patterns: readonly WildcardPattern[];
}

interface CompiledStatement {
  statement: PolicyStatement;
  isDeny: boolean;
  actions: CompiledPatterns;
  resources: CompiledPatterns;
  conditions: readonly CompiledCondition[];
}

function statementApplies(compiled: CompiledStatement, lowerCaseAction: string, request: AuthorizationRequest): boolean {
  if (!patternsMatch(compiled.actions, lowerCaseAction)) return false;
  if (!patternsMatch(compiled.resources, request.resource)) return false;
  for (const condition of compiled.conditions) if (!condition(request.context)) return false;
  return true;
}

function patternsMatch(compiled: CompiledPatterns, text: string): boolean {
  const matched = compiled.matchesEverything || anyPatternMatches(compiled.patterns, text);
  return matched !== compiled.negated;
}

// Two levels so a document assembled per request from already-seen statements still reuses their compilation.
const compiledByDocument = new WeakMap<PolicyDocument, readonly CompiledStatement[]>();
const compiledByStatement = new WeakMap<PolicyStatement, CompiledStatement>();

function compiledStatements(policy: PolicyDocument): readonly CompiledStatement[] {
  let compiled = compiledByDocument.get(policy);
  if (compiled === undefined) {
    compiled = policy.statements.map(compiledStatement);
    compiledByDocument.set(policy, compiled);
  }
  return compiled;
}

function compiledStatement(statement: PolicyStatement): CompiledStatement {
  let compiled = compiledByStatement.get(statement);
  if (compiled === undefined) {
    compiled = {
      statement,
      isDeny: statement.effect === 'Deny',
      actions: compilePatterns(statement.actions, statement.notActions, true),
      resources: compilePatterns(statement.resources, statement.notResources, false),
      conditions: statement.conditions.map(compiledCondition),
    };
    compiledByStatement.set(statement, compiled);
  }
  return compiled;
}

function compilePatterns(
  positive: readonly string[] | undefined,
  negative: readonly string[] | undefined,
  caseInsensitive: boolean,
): CompiledPatterns {
  const sources = positive ?? negative ?? [];
  const patterns = sources.map((source) => new WildcardPattern(source, caseInsensitive));
  return {
    negated: positive === undefined && negative !== undefined,
    matchesEverything: patterns.some((pattern) => pattern.matchesEverything),
    patterns,
  };
}
