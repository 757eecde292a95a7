import { expect } from 'vitest';
import type { ConditionClause } from '../../src/iam/condition-syntax.js';
import { conditionMatches, contextValues, type ContextValue } from '../../src/iam/conditions.js';
import { PolicyError, parsePolicy } from '../../src/iam/policy-document.js';

/** The single clause of `{"Condition": {operatorName: {key: values}}}`, parsed the way a real policy would be. */
export function parseClause(operatorName: string, key: string, values: unknown): ConditionClause {
  const policy = parsePolicy({
    Version: '2012-10-17',
    Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: { [operatorName]: { [key]: values } } },
  });
  const clause = policy.statements[0]?.conditions[0];
  if (clause === undefined) throw new Error('expected one clause');
  return clause;
}

/** Whether that clause holds for a context where `key` has `contextValue` (undefined: absent). */
export function holds(operatorName: string, key: string, policyValues: unknown, contextValue: ContextValue | undefined): boolean {
  return conditionMatches(parseClause(operatorName, key, policyValues), contextValues({ [key]: contextValue }));
}

/** The PolicyError message parsePolicy throws for `source` (fails the test if it accepts it or throws something else). */
export function refusal(source: unknown): string {
  try {
    parsePolicy(source);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).message;
  }
  throw new Error(`expected a PolicyError for ${String(JSON.stringify(source)).slice(0, 200)}`);
}
