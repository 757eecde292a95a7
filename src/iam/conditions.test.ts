import { describe, expect, it } from 'vitest';
import { holds, parseClause } from '../../test/helpers/policies.js';
import type { ConditionClause } from './condition-syntax.js';
import { conditionMatches, contextValues } from './conditions.js';
import { PolicyError } from './policy-document.js';

describe('string operators', () => {
  it('match any of several policy values (OR)', () => {
    expect(holds('StringEquals', 'aws:username', ['alice', 'bob'], 'bob')).toBe(true);
    expect(holds('StringEquals', 'aws:username', ['alice', 'bob'], 'carol')).toBe(false);
    expect(holds('StringNotEquals', 'aws:username', ['alice', 'bob'], 'bob')).toBe(false);
    expect(holds('StringNotEquals', 'aws:username', ['alice', 'bob'], 'carol')).toBe(true);
  });
  it('StringEquals is case-sensitive, StringEqualsIgnoreCase is not', () => {
    expect(holds('StringEquals', 'aws:username', 'Alice', 'alice')).toBe(false);
    expect(holds('StringEqualsIgnoreCase', 'aws:username', 'Alice', 'ALICE')).toBe(true);
    expect(holds('StringNotEqualsIgnoreCase', 'aws:username', 'Alice', 'ALICE')).toBe(false);
  });
  it('numbers and booleans in the policy compare as their strings', () => {
    expect(holds('StringEquals', 'aws:ResourceTag/tier', 3, '3')).toBe(true);
    expect(holds('StringEquals', 'aws:ResourceTag/tier', 1.5, '1.5')).toBe(true);
    expect(holds('StringEquals', 'aws:ResourceTag/on', true, 'true')).toBe(true);
  });
  it('an empty string is a value like any other', () => {
    expect(holds('StringEquals', 'aws:ResourceTag/team', '', '')).toBe(true);
    expect(holds('StringEquals', 'aws:ResourceTag/team', '', undefined)).toBe(false);
  });
});

describe('StringLike', () => {
  const like = (pattern: string, value: string) => holds('StringLike', 'aws:ResourceTag/name', pattern, value);
  it('* matches any run, including an empty one', () => {
    expect(like('db-*', 'db-')).toBe(true);
    expect(like('*-prod', 'orders-prod')).toBe(true);
    expect(like('a*b*c', 'abc')).toBe(true);
    expect(like('a*b*c', 'aXXbYYc')).toBe(true);
    expect(like('a*b*c', 'acb')).toBe(false);
    expect(like('*', '')).toBe(true);
    expect(like('**', 'anything')).toBe(true);
  });
  it('? matches exactly one character', () => {
    expect(like('db-?', 'db-1')).toBe(true);
    expect(like('db-?', 'db-')).toBe(false);
    expect(like('db-?', 'db-12')).toBe(false);
    expect(like('?*?', 'ab')).toBe(true);
    expect(like('?*?', 'a')).toBe(false);
  });
  it('is case-sensitive and anchored at both ends', () => {
    expect(like('db-*', 'DB-orders')).toBe(false);
    expect(like('orders', 'my-orders')).toBe(false);
    expect(like('orders', 'orders-2')).toBe(false);
  });
  it('treats regular-expression characters and ${...} literally', () => {
    expect(like('a.c', 'abc')).toBe(false);
    expect(like('a.c', 'a.c')).toBe(true);
    expect(like('(x)+[y]$^|\\', '(x)+[y]$^|\\')).toBe(true);
    expect(like('(x)+', 'xx')).toBe(false);
    expect(like('${aws:username}', 'alice')).toBe(false);
    expect(like('${aws:username}', '${aws:username}')).toBe(true);
  });
  it('StringNotLike holds only when no pattern matches', () => {
    expect(holds('StringNotLike', 'aws:ResourceTag/name', ['db-*', 'cache-*'], 'cache-1')).toBe(false);
    expect(holds('StringNotLike', 'aws:ResourceTag/name', ['db-*', 'cache-*'], 'queue-1')).toBe(true);
  });
});

describe('Bool', () => {
  it('compares true/false case-insensitively', () => {
    expect(holds('Bool', 'aws:SecureTransport', true, 'True')).toBe(true);
    expect(holds('Bool', 'aws:SecureTransport', 'FALSE', 'false')).toBe(true);
    expect(holds('Bool', 'aws:SecureTransport', false, 'true')).toBe(false);
  });
  it('a context value that is not a boolean matches neither', () => {
    expect(holds('Bool', 'aws:SecureTransport', true, 'yes')).toBe(false);
    expect(holds('Bool', 'aws:SecureTransport', false, 'yes')).toBe(false);
  });
});

describe('IpAddress', () => {
  const inRange = (cidr: string | string[], ip: string) => holds('IpAddress', 'aws:SourceIp', cidr, ip);
  it('contains IPv4 addresses in IPv4 CIDR blocks', () => {
    expect(inRange('203.0.113.0/24', '203.0.113.255')).toBe(true);
    expect(inRange('203.0.113.0/24', '203.0.114.0')).toBe(false);
    expect(inRange('203.0.113.7/32', '203.0.113.7')).toBe(true);
    expect(inRange('203.0.113.7', '203.0.113.7')).toBe(true);
    expect(inRange('203.0.113.7', '203.0.113.8')).toBe(false);
    expect(inRange('0.0.0.0/0', '198.51.100.1')).toBe(true);
    expect(inRange('10.0.0.1/8', '10.200.0.1')).toBe(true);
    expect(inRange('172.16.0.0/12', '172.31.255.255')).toBe(true);
    expect(inRange('172.16.0.0/12', '172.32.0.0')).toBe(false);
  });
  it('contains IPv6 addresses in IPv6 CIDR blocks, whatever the text form', () => {
    expect(inRange('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(inRange('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(inRange('2001:db8::1/128', '2001:0DB8:0:0:0:0:0:1')).toBe(true);
    expect(inRange('::/0', '2001:db8::1')).toBe(true);
    expect(inRange('::1', '::1')).toBe(true);
    expect(inRange('fe80::/10', 'febf::1')).toBe(true);
    expect(inRange('fe80::/10', 'fec0::1')).toBe(false);
  });
  it('matches IPv4-mapped IPv6 addresses against IPv4 blocks and the reverse', () => {
    expect(inRange('127.0.0.0/8', '::ffff:127.0.0.1')).toBe(true);
    expect(inRange('127.0.0.0/8', '::FFFF:7f00:1')).toBe(true);
    expect(inRange('127.0.0.0/8', '0:0:0:0:0:ffff:127.1.2.3')).toBe(true);
    expect(inRange('127.0.0.0/8', '::ffff:128.0.0.1')).toBe(false);
    expect(inRange('::ffff:127.0.0.0/104', '127.0.0.1')).toBe(true);
  });
  it('keeps IPv4 blocks and other IPv6 addresses apart', () => {
    expect(inRange('0.0.0.0/0', '2001:db8::1')).toBe(false);
    expect(inRange('0.0.0.0/0', '::7f00:1')).toBe(false);
    expect(inRange('2001:db8::/32', '10.0.0.1')).toBe(false);
  });
  it('matches any of several blocks', () => {
    expect(inRange(['10.0.0.0/8', '2001:db8::/32'], '2001:db8::5')).toBe(true);
    expect(holds('NotIpAddress', 'aws:SourceIp', ['10.0.0.0/8', '2001:db8::/32'], '2001:db8::5')).toBe(false);
  });
  it('a context value that is not an address is in no block', () => {
    expect(inRange('0.0.0.0/0', 'not-an-ip')).toBe(false);
    expect(inRange('0.0.0.0/0', '10.0.0.1/8')).toBe(false);
    expect(holds('NotIpAddress', 'aws:SourceIp', '0.0.0.0/0', 'not-an-ip')).toBe(true);
  });
});

describe('Date operators', () => {
  it('compare ISO 8601 and epoch seconds as instants', () => {
    expect(holds('DateEquals', 'aws:CurrentTime', '1714521600', '2024-05-01T00:00:00Z')).toBe(true);
    expect(holds('DateEquals', 'aws:CurrentTime', '2024-05-01', '2024-05-01T00:00:00.000Z')).toBe(true);
    expect(holds('DateEquals', 'aws:CurrentTime', 1714521600, '2024-04-30T19:00:00-05:00')).toBe(true);
    expect(holds('DateEquals', 'aws:EpochTime', '2024-05-01T00:00:00Z', '1714521600')).toBe(true);
  });
  it('distinguish strict from inclusive comparisons at the boundary', () => {
    const at = '2024-05-01T00:00:00Z';
    expect(holds('DateLessThan', 'aws:CurrentTime', at, at)).toBe(false);
    expect(holds('DateLessThanEquals', 'aws:CurrentTime', at, at)).toBe(true);
    expect(holds('DateGreaterThan', 'aws:CurrentTime', at, at)).toBe(false);
    expect(holds('DateGreaterThanEquals', 'aws:CurrentTime', at, at)).toBe(true);
  });
  it('compare instants, not text (a later date in an earlier time zone)', () => {
    expect(holds('DateLessThan', 'aws:CurrentTime', '2024-05-01T00:00:00Z', '2024-05-01T01:00:00+02:00')).toBe(true);
  });
  it('a context value that is not a date matches no positive operator', () => {
    expect(holds('DateLessThan', 'aws:CurrentTime', '2100-01-01', 'yesterday')).toBe(false);
    expect(holds('DateGreaterThan', 'aws:CurrentTime', '1900-01-01', 'yesterday')).toBe(false);
    expect(holds('DateNotEquals', 'aws:CurrentTime', '2024-05-01', 'yesterday')).toBe(true);
  });
  it('match any of several policy dates', () => {
    expect(holds('DateEquals', 'aws:CurrentTime', ['2024-01-01', '2024-05-01'], '2024-05-01T00:00:00Z')).toBe(true);
  });
});

describe('condition keys', () => {
  it('are looked up case-insensitively, tag keys included', () => {
    const clause = parseClause('StringEquals', 'AWS:RESOURCETAG/TEAM', 'payments');
    expect(clause.key).toBe('aws:ResourceTag/TEAM');
    expect(conditionMatches(clause, contextValues({ 'aws:ResourceTag/team': 'payments' }))).toBe(true);
    expect(conditionMatches(clause, contextValues({ 'Aws:resourcetag/Team': 'payments' }))).toBe(true);
    expect(conditionMatches(clause, contextValues({ 'aws:RequestTag/team': 'payments' }))).toBe(false);
    const username = parseClause('StringEquals', 'aws:UserName', 'alice');
    expect(username.key).toBe('aws:username');
    expect(conditionMatches(username, contextValues({ 'AWS:USERNAME': 'alice' }))).toBe(true);
  });
  it('contextValues merges keys that differ only in case and drops undefined ones', () => {
    const context = contextValues({ 'aws:ResourceTag/Team': 'a', 'aws:ResourceTag/team': ['b'], 'aws:username': undefined });
    expect(context.get('aws:resourcetag/TEAM')).toEqual(['a', 'b']);
    expect(context.get('aws:username')).toBeUndefined();
    expect(conditionMatches(parseClause('StringEquals', 'aws:ResourceTag/team', 'b'), context)).toBe(true);
  });
  it('contextValues copies its input', () => {
    const tags = ['a'];
    const context = contextValues({ 'aws:TagKeys': tags });
    tags.push('b');
    expect(context.get('aws:TagKeys')).toEqual(['a']);
  });
  it('aws:TagKeys with ForAllValues restricts the tag keys a request may set', () => {
    const clause = parseClause('ForAllValues:StringEquals', 'aws:TagKeys', ['team', 'env']);
    expect(conditionMatches(clause, contextValues({ 'aws:TagKeys': ['team'] }))).toBe(true);
    expect(conditionMatches(clause, contextValues({ 'aws:TagKeys': ['team', 'owner'] }))).toBe(false);
  });
});

describe('hand-built clauses', () => {
  it('refuse an unknown operator with a PolicyError', () => {
    const clause: ConditionClause = { operator: 'NumericEquals', ifExists: false, key: 'aws:username', values: ['1'] };
    expect(() => conditionMatches(clause, contextValues({}))).toThrow(PolicyError);
    expect(() => conditionMatches(clause, contextValues({}))).toThrow('Unknown condition operator "NumericEquals".');
  });
  it('refuse an invalid value with a PolicyError', () => {
    const clause: ConditionClause = { operator: 'IpAddress', ifExists: false, key: 'aws:SourceIp', values: ['10.0.0.0/33'] };
    expect(() => conditionMatches(clause, contextValues({}))).toThrow('Condition value "10.0.0.0/33" is not a valid IP address or CIDR block.');
  });
  it('work without parsePolicy', () => {
    const clause: ConditionClause = { operator: 'StringLike', ifExists: true, key: 'aws:username', values: ['a*'] };
    expect(conditionMatches(clause, contextValues({}))).toBe(true);
    expect(conditionMatches(clause, contextValues({ 'aws:username': 'bob' }))).toBe(false);
  });
});
