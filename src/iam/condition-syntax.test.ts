import { describe, expect, it } from 'vitest';
import { refusal } from '../../test/helpers/policies.js';
import { parsePolicy } from './policy-document.js';

function withCondition(condition: unknown): Record<string, unknown> {
  return { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: condition } };
}

describe('parsePolicy refuses', () => {
  it('Condition blocks of the wrong shape', () => {
    expect(refusal(withCondition([]))).toBe(
      'Statement.Condition must be an object of condition operators, each mapping condition keys to values, not an array.',
    );
    expect(refusal(withCondition('x'))).toMatch(/^Statement.Condition must be an object of condition operators.*not "x"\.$/);
    expect(refusal(withCondition({ StringEquals: 'alice' }))).toBe(
      'Statement.Condition.StringEquals must be an object mapping at least one condition key to its values, not "alice".',
    );
    expect(refusal(withCondition({ StringEquals: {} }))).toBe(
      'Statement.Condition.StringEquals must be an object mapping at least one condition key to its values, not an object.',
    );
    expect(refusal(withCondition({ 'ForAnyValue:StringEquals': [] }))).toBe(
      'Statement.Condition["ForAnyValue:StringEquals"] must be an object mapping at least one condition key to its values, not an array.',
    );
  });
  it('unknown operators, listing the supported ones', () => {
    const supported =
      'Supported operators: StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike, ' +
      'Bool, IpAddress, NotIpAddress, DateEquals, DateNotEquals, DateLessThan, DateLessThanEquals, DateGreaterThan, DateGreaterThanEquals ' +
      'and Null; each may be prefixed ForAllValues: or ForAnyValue: and suffixed IfExists.';
    expect(refusal(withCondition({ NumericEquals: { 'aws:username': '1' } }))).toBe(
      `Statement.Condition has unknown condition operator "NumericEquals". ${supported}`,
    );
    expect(refusal(withCondition({ StringEqual: { 'aws:username': 'a' } }))).toBe(
      `Statement.Condition has unknown condition operator "StringEqual". Did you mean "StringEquals"? ${supported}`,
    );
    expect(refusal(withCondition({ stringequals: { 'aws:username': 'a' } }))).toMatch(/"stringequals". Did you mean "StringEquals"\?/);
    expect(refusal(withCondition({ IfExists: { 'aws:username': 'a' } }))).toMatch(/^Statement.Condition has unknown condition operator "IfExists"\./);
    expect(refusal(withCondition({ 'ForAllValues:': { 'aws:username': 'a' } }))).toMatch(/unknown condition operator "ForAllValues:"\./);
    expect(refusal(withCondition({ ['__proto__']: { 'aws:username': 'a' } }))).toMatch(
      /^Statement.Condition has unknown condition operator "__proto__"\./,
    );
    expect(refusal(withCondition({ constructor: { 'aws:username': 'a' } }))).toMatch(
      /^Statement.Condition has unknown condition operator "constructor"\./,
    );
  });
  it('unknown set operators', () => {
    expect(refusal(withCondition({ 'ForAllValue:StringEquals': { 'aws:TagKeys': 'a' } }))).toBe(
      'Statement.Condition has unknown set operator "ForAllValue" in "ForAllValue:StringEquals". Did you mean "ForAllValues"? Use ForAllValues: or ForAnyValue:.',
    );
    expect(refusal(withCondition({ 'ForAnyValue:ForAllValues:StringEquals': { 'aws:TagKeys': 'a' } }))).toMatch(
      /unknown condition operator "ForAnyValue:ForAllValues:StringEquals"/,
    );
  });
  it('Null with IfExists or a set qualifier', () => {
    expect(refusal(withCondition({ NullIfExists: { 'aws:TagKeys': 'true' } }))).toBe(
      'Statement.Condition.NullIfExists: Null cannot take IfExists, since Null itself tests whether the key exists.',
    );
    expect(refusal(withCondition({ 'ForAnyValue:Null': { 'aws:TagKeys': 'true' } }))).toBe(
      'Statement.Condition["ForAnyValue:Null"]: Null cannot take ForAnyValue:, since it tests whether the key is present, not its values.',
    );
  });
  it('unknown condition keys, listing the supported ones', () => {
    const supported =
      'Supported keys: aws:ResourceTag/<tag-key>, aws:RequestTag/<tag-key>, aws:TagKeys, aws:SourceIp, aws:SecureTransport, ' +
      'aws:CurrentTime, aws:EpochTime and aws:username (tag keys are 1 to 128 characters).';
    expect(refusal(withCondition({ StringEquals: { 'aws:PrincipalTag/team': 'x' } }))).toBe(
      `Statement.Condition.StringEquals has unknown condition key "aws:PrincipalTag/team". ${supported}`,
    );
    expect(refusal(withCondition({ StringEquals: { 'aws:SourceIP4': 'x' } }))).toBe(
      `Statement.Condition.StringEquals has unknown condition key "aws:SourceIP4". Did you mean "aws:SourceIp"? ${supported}`,
    );
    expect(refusal(withCondition({ StringEquals: { 'aws:ResourceTag/': 'x' } }))).toMatch(/unknown condition key "aws:ResourceTag\/"/);
    expect(refusal(withCondition({ StringEquals: { [`aws:RequestTag/${'k'.repeat(129)}`]: 'x' } }))).toMatch(
      /unknown condition key "aws:RequestTag\/k+…"/,
    );
    expect(parsePolicy(withCondition({ StringEquals: { [`aws:RequestTag/${'k'.repeat(128)}`]: 'x' } })).statements).toHaveLength(1);
    expect(refusal(withCondition({ StringEquals: { ['__proto__']: 'x' } }))).toMatch(/unknown condition key "__proto__"/);
    expect(refusal(withCondition({ StringEquals: { 'lightsail:username': 'x' } }))).toMatch(/unknown condition key "lightsail:username"/);
  });
  it('condition values of the wrong type', () => {
    expect(refusal(withCondition({ StringEquals: { 'aws:username': null } }))).toBe(
      'Statement.Condition.StringEquals["aws:username"] must be a string, number, boolean or a non-empty array of them, not null.',
    );
    expect(refusal(withCondition({ StringEquals: { 'aws:username': { a: 1 } } }))).toMatch(
      /\["aws:username"\] must be a string, number, boolean or a non-empty array of them, not an object\.$/,
    );
    expect(refusal(withCondition({ StringEquals: { 'aws:username': [] } }))).toBe(
      'Statement.Condition.StringEquals["aws:username"] must not be an empty array.',
    );
    expect(refusal(withCondition({ StringEquals: { 'aws:username': ['a', ['b']] } }))).toBe(
      'Statement.Condition.StringEquals["aws:username"][1] must be a string, number or boolean, not an array.',
    );
  });
  it('condition values the operator could never match', () => {
    expect(refusal(withCondition({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '10.0.0.0/33'] } }))).toBe(
      'Statement.Condition.IpAddress["aws:SourceIp"][1] "10.0.0.0/33" is not an IPv4 or IPv6 address or CIDR block (e.g. "203.0.113.0/24" or "2001:db8::/32").',
    );
    expect(refusal(withCondition({ NotIpAddressIfExists: { 'aws:SourceIp': 'localhost' } }))).toMatch(
      /^Statement.Condition.NotIpAddressIfExists\["aws:SourceIp"\] "localhost" is not an IPv4/,
    );
    expect(refusal(withCondition({ Bool: { 'aws:SecureTransport': 'yes' } }))).toBe(
      'Statement.Condition.Bool["aws:SecureTransport"] must be "true" or "false" for Bool, not "yes".',
    );
    expect(refusal(withCondition({ Bool: { 'aws:SecureTransport': 1 } }))).toMatch(/must be "true" or "false" for Bool, not "1"\.$/);
    expect(refusal(withCondition({ Null: { 'aws:TagKeys': 'maybe' } }))).toBe(
      'Statement.Condition.Null["aws:TagKeys"] must be "true" or "false" for Null, not "maybe".',
    );
    expect(refusal(withCondition({ DateLessThan: { 'aws:CurrentTime': 'tomorrow' } }))).toBe(
      'Statement.Condition.DateLessThan["aws:CurrentTime"] "tomorrow" is not a date: use ISO 8601 (e.g. "2024-05-01T00:00:00Z") or epoch seconds.',
    );
    expect(refusal(withCondition({ 'ForAnyValue:DateEquals': { 'aws:CurrentTime': ['2024-02-30'] } }))).toMatch(
      /\["aws:CurrentTime"\]\[0\] "2024-02-30" is not a date/,
    );
  });
});
