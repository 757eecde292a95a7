import { describe, expect, it } from 'vitest';
import { holds } from '../../test/helpers/policies.js';
import type { ContextValue } from './conditions.js';

interface OperatorCase {
  operator: string;
  /** The Not operator that is this operator's negation, if there is one. */
  negation?: string;
  key: string;
  policyValue: string;
  matching: string;
  otherMatching: string;
  nonMatching: string;
}

const OPERATOR_CASES: OperatorCase[] = [
  { operator: 'StringEquals', negation: 'StringNotEquals', key: 'aws:username', policyValue: 'alice', matching: 'alice', otherMatching: 'alice', nonMatching: 'Alice' },
  { operator: 'StringEqualsIgnoreCase', negation: 'StringNotEqualsIgnoreCase', key: 'aws:username', policyValue: 'Alice', matching: 'aLICE', otherMatching: 'alice', nonMatching: 'bob' },
  { operator: 'StringLike', negation: 'StringNotLike', key: 'aws:ResourceTag/name', policyValue: 'db-*', matching: 'db-orders', otherMatching: 'db-', nonMatching: 'DB-orders' },
  { operator: 'Bool', key: 'aws:SecureTransport', policyValue: 'true', matching: 'true', otherMatching: 'TRUE', nonMatching: 'false' },
  { operator: 'IpAddress', negation: 'NotIpAddress', key: 'aws:SourceIp', policyValue: '10.0.0.0/8', matching: '10.1.2.3', otherMatching: '::ffff:10.9.9.9', nonMatching: '192.168.0.1' },
  { operator: 'DateEquals', negation: 'DateNotEquals', key: 'aws:CurrentTime', policyValue: '2024-05-01T00:00:00Z', matching: '2024-05-01T02:00:00+02:00', otherMatching: '1714521600', nonMatching: '2024-05-01T00:00:01Z' },
  { operator: 'DateLessThan', key: 'aws:CurrentTime', policyValue: '2024-05-01T00:00:00Z', matching: '2024-04-30T23:59:59Z', otherMatching: '2000-01-01', nonMatching: '2024-05-01T00:00:00Z' },
  { operator: 'DateLessThanEquals', key: 'aws:CurrentTime', policyValue: '2024-05-01T00:00:00Z', matching: '2024-05-01T00:00:00Z', otherMatching: '2024-04-30', nonMatching: '2024-05-01T00:00:00.001Z' },
  { operator: 'DateGreaterThan', key: 'aws:EpochTime', policyValue: '1714521600', matching: '1714521601', otherMatching: '2030-01-01T00:00:00Z', nonMatching: '1714521600' },
  { operator: 'DateGreaterThanEquals', key: 'aws:EpochTime', policyValue: '1714521600', matching: '1714521600', otherMatching: '1714521600.5', nonMatching: '1714521599' },
];

type Scenario = 'match' | 'non-match' | '[match, non-match]' | '[match, other match]' | '[non-match]' | 'absent' | '[]';

function contextFor(scenario: Scenario, testCase: OperatorCase): ContextValue | undefined {
  switch (scenario) {
    case 'match': return testCase.matching;
    case 'non-match': return testCase.nonMatching;
    case '[match, non-match]': return [testCase.matching, testCase.nonMatching];
    case '[match, other match]': return [testCase.matching, testCase.otherMatching];
    case '[non-match]': return [testCase.nonMatching];
    case 'absent': return undefined;
    case '[]': return [];
  }
}

/** Expected outcomes written out by hand from the IAM documentation: [operator, negation, operatorIfExists, negationIfExists]. */
type Expected = readonly [boolean, boolean, boolean, boolean];
const T = true;
const F = false;

const EXPECTED: Record<'unqualified' | 'ForAnyValue' | 'ForAllValues', Record<Scenario, Expected>> = {
  unqualified: {
    'match': [T, F, T, F],
    'non-match': [F, T, F, T],
    '[match, non-match]': [T, F, T, F],
    '[match, other match]': [T, F, T, F],
    '[non-match]': [F, T, F, T],
    'absent': [F, T, T, T],
    '[]': [F, T, T, T],
  },
  ForAnyValue: {
    'match': [T, F, T, F],
    'non-match': [F, T, F, T],
    '[match, non-match]': [T, T, T, T],
    '[match, other match]': [T, F, T, F],
    '[non-match]': [F, T, F, T],
    'absent': [F, F, T, T],
    '[]': [F, F, T, T],
  },
  ForAllValues: {
    'match': [T, F, T, F],
    'non-match': [F, T, F, T],
    '[match, non-match]': [F, F, F, F],
    '[match, other match]': [T, F, T, F],
    '[non-match]': [F, T, F, T],
    'absent': [T, T, T, T],
    '[]': [T, T, T, T],
  },
};

describe('every operator × context shape × IfExists × set qualifier', () => {
  for (const testCase of OPERATOR_CASES) {
    for (const [qualifier, table] of Object.entries(EXPECTED)) {
      const prefix = qualifier === 'unqualified' ? '' : `${qualifier}:`;
      for (const [scenario, [positive, negated, positiveIfExists, negatedIfExists]] of Object.entries(table)) {
        const context = contextFor(scenario as Scenario, testCase);
        const variants: [string, boolean][] = [
          [`${prefix}${testCase.operator}`, positive],
          [`${prefix}${testCase.operator}IfExists`, positiveIfExists],
        ];
        if (testCase.negation !== undefined) {
          variants.push([`${prefix}${testCase.negation}`, negated], [`${prefix}${testCase.negation}IfExists`, negatedIfExists]);
        }
        for (const [operatorName, expected] of variants) {
          it(`${operatorName} ${JSON.stringify(testCase.policyValue)} with ${scenario} is ${expected}`, () => {
            expect(holds(operatorName, testCase.key, testCase.policyValue, context)).toBe(expected);
          });
        }
      }
    }
  }
});

describe('Null', () => {
  const cases: [string, ContextValue | undefined, boolean, boolean][] = [
    // context, Null: true, Null: false
    ['absent', undefined, true, false],
    ['an empty set', [], true, false],
    ['a value', 'payments', false, true],
    ['an empty string', '', false, true],
    ['a set', ['a', 'b'], false, true],
  ];
  for (const [description, context, whenTrue, whenFalse] of cases) {
    it(`with ${description}: Null true is ${whenTrue}, Null false is ${whenFalse}`, () => {
      expect(holds('Null', 'aws:ResourceTag/team', 'true', context)).toBe(whenTrue);
      expect(holds('Null', 'aws:ResourceTag/team', true, context)).toBe(whenTrue);
      expect(holds('Null', 'aws:ResourceTag/team', 'false', context)).toBe(whenFalse);
      expect(holds('Null', 'aws:ResourceTag/team', false, context)).toBe(whenFalse);
    });
  }
  it('with both values always holds', () => {
    expect(holds('Null', 'aws:TagKeys', ['true', 'false'], undefined)).toBe(true);
    expect(holds('Null', 'aws:TagKeys', ['true', 'false'], ['x'])).toBe(true);
  });
});
