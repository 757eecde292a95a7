import { describe, expect, it } from 'vitest';
import { contextValues, type ContextValue } from './conditions.js';
import { evaluate, type Decision } from './evaluate.js';
import { parsePolicy, type PolicyDocument, type PolicyStatement } from './policy-document.js';

const DATABASE_ARN = 'arn:aws:lightsail:us-east-1:123456789012:RelationalDatabase/orders-db';

function policy(...statements: Record<string, unknown>[]): PolicyDocument {
  return parsePolicy({ Version: '2012-10-17', Statement: statements });
}

function decide(
  policies: PolicyDocument | PolicyDocument[],
  action: string,
  resource = DATABASE_ARN,
  context: Record<string, ContextValue | undefined> = {},
): Decision['effect'] {
  return evaluate(Array.isArray(policies) ? policies : [policies], { action, resource, context: contextValues(context) }).effect;
}

describe('evaluate', () => {
  it('denies by default', () => {
    expect(decide([], 'lightsail:GetRelationalDatabase')).toBe('ImplicitDeny');
    expect(decide(policy({ Effect: 'Allow', Action: 'lightsail:GetInstances', Resource: '*' }), 'lightsail:GetRelationalDatabase')).toBe(
      'ImplicitDeny',
    );
  });

  it('allows what a matching Allow statement allows, naming the statement', () => {
    const document = policy(
      { Effect: 'Allow', Action: 'lightsail:GetInstances', Resource: '*' },
      { Sid: 'Db', Effect: 'Allow', Action: 'lightsail:GetRelationalDatabase', Resource: '*' },
    );
    const decision = evaluate([document], { action: 'lightsail:GetRelationalDatabase', resource: DATABASE_ARN, context: contextValues({}) });
    expect(decision).toEqual({ effect: 'Allow', statement: document.statements[1] });
  });

  it('lets an explicit Deny win over any Allow, in any order and any policy', () => {
    const allow = { Effect: 'Allow', Action: 'lightsail:*', Resource: '*' };
    const deny = { Sid: 'NoDelete', Effect: 'Deny', Action: 'lightsail:DeleteRelationalDatabase', Resource: '*' };
    expect(decide(policy(allow, deny), 'lightsail:DeleteRelationalDatabase')).toBe('ExplicitDeny');
    expect(decide(policy(deny, allow), 'lightsail:DeleteRelationalDatabase')).toBe('ExplicitDeny');
    expect(decide([policy(allow), policy(deny)], 'lightsail:DeleteRelationalDatabase')).toBe('ExplicitDeny');
    expect(decide([policy(deny), policy(allow)], 'lightsail:DeleteRelationalDatabase')).toBe('ExplicitDeny');
    expect(decide([policy(allow), policy(deny)], 'lightsail:GetRelationalDatabase')).toBe('Allow');
    const denyPolicy = policy(deny);
    const request = { action: 'lightsail:DeleteRelationalDatabase', resource: DATABASE_ARN, context: contextValues({}) };
    const decision = evaluate([policy(allow), denyPolicy], request);
    expect(decision).toEqual({ effect: 'ExplicitDeny', statement: denyPolicy.statements[0] });
  });

  it('a Deny alone is still only a deny, and a non-matching Deny changes nothing', () => {
    expect(decide(policy({ Effect: 'Deny', Action: 'lightsail:Delete*', Resource: '*' }), 'lightsail:GetRelationalDatabase')).toBe('ImplicitDeny');
    const allowAllButDelete = policy({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'lightsail:Delete*', Resource: '*' });
    expect(decide(allowAllButDelete, 'lightsail:GetRelationalDatabase')).toBe('Allow');
  });

  it('matches actions with * and ?, case-insensitively', () => {
    const document = policy({ Effect: 'Allow', Action: ['lightsail:Get*', 'lightsail:Reboot?nstance'], Resource: '*' });
    expect(decide(document, 'lightsail:GetRelationalDatabase')).toBe('Allow');
    expect(decide(document, 'lightsail:Get')).toBe('Allow');
    expect(decide(document, 'LIGHTSAIL:getrelationaldatabase')).toBe('Allow');
    expect(decide(document, 'lightsail:RebootInstance')).toBe('Allow');
    expect(decide(document, 'lightsail:RebootXInstance')).toBe('ImplicitDeny');
    expect(decide(document, 'lightsail:CreateInstances')).toBe('ImplicitDeny');
    expect(decide(document, 'lightsail:XGetInstances')).toBe('ImplicitDeny');
    expect(decide(policy({ Effect: 'Allow', Action: 'LightSail:GETRELATIONAL*', Resource: '*' }), 'lightsail:GetRelationalDatabase')).toBe('Allow');
  });

  it('lets * match every action, and lightsail:* only lightsail actions', () => {
    expect(decide(policy({ Effect: 'Allow', Action: '*', Resource: '*' }), 's3:GetObject')).toBe('Allow');
    expect(decide(policy({ Effect: 'Allow', Action: 'lightsail:*', Resource: '*' }), 's3:GetObject')).toBe('ImplicitDeny');
  });

  it('NotAction applies the statement to every action except the listed ones', () => {
    const document = policy({ Effect: 'Allow', NotAction: ['lightsail:Delete*', 'lightsail:GetRelationalDatabaseMasterUserPassword'], Resource: '*' });
    expect(decide(document, 'lightsail:GetRelationalDatabase')).toBe('Allow');
    expect(decide(document, 'lightsail:DeleteRelationalDatabase')).toBe('ImplicitDeny');
    expect(decide(document, 'lightsail:getrelationaldatabasemasteruserpassword')).toBe('ImplicitDeny');
    const denyAllBut = policy({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', NotAction: 'lightsail:Get*', Resource: '*' });
    expect(decide(denyAllBut, 'lightsail:GetRelationalDatabase')).toBe('Allow');
    expect(decide(denyAllBut, 'lightsail:CreateRelationalDatabase')).toBe('ExplicitDeny');
    expect(decide(policy({ Effect: 'Allow', NotAction: '*', Resource: '*' }), 'lightsail:GetRelationalDatabase')).toBe('ImplicitDeny');
  });

  it('matches resources with * across : and /, and ?', () => {
    const allowOn = (resource: string | string[]) => policy({ Effect: 'Allow', Action: '*', Resource: resource });
    expect(decide(allowOn('arn:aws:lightsail:*:123456789012:RelationalDatabase/*'), 'lightsail:GetRelationalDatabase')).toBe('Allow');
    expect(decide(allowOn('arn:aws:lightsail:*:*:*'), 'lightsail:GetRelationalDatabase')).toBe('Allow');
    expect(decide(allowOn('arn:aws:lightsail:us-east-1:*:*-db'), 'lightsail:GetRelationalDatabase')).toBe('Allow');
    const colonInId = 'arn:aws:lightsail:us-east-1:123456789012:RelationalDatabase/a:b';
    expect(decide(allowOn('arn:aws:lightsail:*:*:*/a'), 'lightsail:GetRelationalDatabase', colonInId)).toBe('ImplicitDeny');
    expect(decide(allowOn('arn:aws:lightsail:*:*:*b'), 'lightsail:GetRelationalDatabase', colonInId)).toBe('Allow');
    expect(decide(allowOn('arn:aws:lightsail:us-east-?:123456789012:RelationalDatabase/orders-d?'), 'lightsail:GetRelationalDatabase')).toBe('Allow');
    expect(decide(allowOn('arn:aws:lightsail:us-west-2:*:*'), 'lightsail:GetRelationalDatabase')).toBe('ImplicitDeny');
    expect(decide(allowOn('arn:aws:lightsail:*:*:Instance/*'), 'lightsail:GetRelationalDatabase')).toBe('ImplicitDeny');
    const either = allowOn(['arn:aws:lightsail:*:*:Instance/*', 'arn:aws:lightsail:*:*:RelationalDatabase/orders-*']);
    expect(decide(either, 'lightsail:GetRelationalDatabase')).toBe('Allow');
  });

  it('matches resources case-sensitively', () => {
    const document = policy({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:lightsail:us-east-1:123456789012:relationaldatabase/ORDERS-DB' });
    expect(decide(document, 'lightsail:GetRelationalDatabase')).toBe('ImplicitDeny');
    expect(decide(document, 'lightsail:GetRelationalDatabase', 'arn:aws:lightsail:us-east-1:123456789012:relationaldatabase/ORDERS-DB')).toBe(
      'Allow',
    );
  });

  it('matches a request for resource * only with Resource *', () => {
    expect(decide(policy({ Effect: 'Allow', Action: '*', Resource: '*' }), 'lightsail:GetRegions', '*')).toBe('Allow');
    expect(decide(policy({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:lightsail:*:*:*' }), 'lightsail:GetRegions', '*')).toBe('ImplicitDeny');
  });

  it('NotResource applies the statement to every resource except the listed ones', () => {
    const document = policy(
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'lightsail:Delete*', NotResource: 'arn:aws:lightsail:*:*:RelationalDatabase/scratch-*' },
    );
    expect(decide(document, 'lightsail:DeleteRelationalDatabase')).toBe('ExplicitDeny');
    expect(decide(document, 'lightsail:DeleteRelationalDatabase', 'arn:aws:lightsail:us-east-1:123456789012:RelationalDatabase/scratch-1')).toBe(
      'Allow',
    );
    expect(decide(policy({ Effect: 'Allow', Action: '*', NotResource: '*' }), 'lightsail:GetRelationalDatabase')).toBe('ImplicitDeny');
  });

  it('requires every condition of a statement, across keys and operators', () => {
    const document = policy({
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:ResourceTag/team': 'payments', 'aws:ResourceTag/env': ['prod', 'staging'] },
        Bool: { 'aws:SecureTransport': true },
      },
    });
    const all = { 'aws:ResourceTag/team': 'payments', 'aws:ResourceTag/env': 'staging', 'aws:SecureTransport': 'true' };
    expect(decide(document, 'lightsail:GetRelationalDatabase', DATABASE_ARN, all)).toBe('Allow');
    expect(decide(document, 'lightsail:GetRelationalDatabase', DATABASE_ARN, { ...all, 'aws:ResourceTag/env': 'dev' })).toBe('ImplicitDeny');
    expect(decide(document, 'lightsail:GetRelationalDatabase', DATABASE_ARN, { ...all, 'aws:SecureTransport': 'false' })).toBe('ImplicitDeny');
    expect(decide(document, 'lightsail:GetRelationalDatabase', DATABASE_ARN, { ...all, 'aws:ResourceTag/team': undefined })).toBe('ImplicitDeny');
  });

  it('applies a conditional Deny only when its condition holds', () => {
    const document = policy(
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', 'fd00::/8'] } } },
    );
    expect(decide(document, 'lightsail:GetRelationalDatabase', DATABASE_ARN, { 'aws:SourceIp': '10.2.3.4' })).toBe('Allow');
    expect(decide(document, 'lightsail:GetRelationalDatabase', DATABASE_ARN, { 'aws:SourceIp': 'fd12::1' })).toBe('Allow');
    expect(decide(document, 'lightsail:GetRelationalDatabase', DATABASE_ARN, { 'aws:SourceIp': '203.0.113.9' })).toBe('ExplicitDeny');
    expect(decide(document, 'lightsail:GetRelationalDatabase', DATABASE_ARN, {})).toBe('ExplicitDeny');
  });

  it('evaluates hand-built documents, and documents assembled from parsed statements', () => {
    const statement: PolicyStatement = { effect: 'Allow', actions: ['lightsail:Get*'], resources: ['*'], conditions: [] };
    const handBuilt: PolicyDocument = { version: '2012-10-17', statements: [statement] };
    expect(decide(handBuilt, 'lightsail:GetInstances')).toBe('Allow');
    expect(decide(handBuilt, 'lightsail:CreateInstances')).toBe('ImplicitDeny');
    const parsed = policy({ Effect: 'Deny', Action: 'lightsail:GetInstances', Resource: '*' });
    const assembled: PolicyDocument = { version: '2012-10-17', statements: [statement, ...parsed.statements] };
    expect(decide(assembled, 'lightsail:GetInstances')).toBe('ExplicitDeny');
    expect(decide(assembled, 'lightsail:GetRegions')).toBe('Allow');
  });

  it('gives the same decisions when the compiled form is reused', () => {
    const document = policy({ Effect: 'Allow', Action: 'lightsail:Get*', Resource: '*', Condition: { StringLike: { 'aws:username': 'a*' } } });
    for (let round = 0; round < 3; round++) {
      expect(decide(document, 'lightsail:GetInstances', '*', { 'aws:username': 'alice' })).toBe('Allow');
      expect(decide(document, 'lightsail:GetInstances', '*', { 'aws:username': 'bob' })).toBe('ImplicitDeny');
    }
  });
});

describe('the product spec policy (payments team)', () => {
  const specPolicy = parsePolicy(`{"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "lightsail:Get*", "Resource": "*"},
    {"Effect": "Allow", "Action": "lightsail:CreateRelationalDatabase", "Resource": "*",
     "Condition": {"StringEquals": {"aws:RequestTag/team": "payments"}}},
    {"Effect": "Allow", "Action": "lightsail:*", "Resource": "*",
     "Condition": {"StringEquals": {"aws:ResourceTag/team": "payments"}}},
    {"Effect": "Deny", "Action": "lightsail:GetRelationalDatabaseMasterUserPassword", "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:ResourceTag/team": "payments"}}},
    {"Effect": "Deny", "Action": "lightsail:DeleteRelationalDatabase", "Resource": "*"}]}`);

  const payments = { 'aws:ResourceTag/team': 'payments' };
  const search = { 'aws:ResourceTag/team': 'search' };
  const untagged = {};

  const cases: [string, string, Record<string, ContextValue | undefined>, Decision['effect'], number?][] = [
    ['can Get a payments database', 'lightsail:GetRelationalDatabase', payments, 'Allow', 0],
    ['can Get a database of another team', 'lightsail:GetRelationalDatabase', search, 'Allow', 0],
    ['can Get an untagged database', 'lightsail:GetRelationalDatabase', untagged, 'Allow', 0],
    ['can list databases', 'lightsail:GetRelationalDatabases', untagged, 'Allow', 0],
    ['can get the master password of a payments database', 'lightsail:GetRelationalDatabaseMasterUserPassword', payments, 'Allow', 0],
    ['cannot get the master password of another team’s database', 'lightsail:GetRelationalDatabaseMasterUserPassword', search, 'ExplicitDeny', 3],
    ['cannot get the master password of an untagged database', 'lightsail:GetRelationalDatabaseMasterUserPassword', untagged, 'ExplicitDeny', 3],
    [
      'cannot get the master password when only the tag key differs in case',
      'lightsail:GetRelationalDatabaseMasterUserPassword',
      { 'aws:ResourceTag/Team': 'Payments' },
      'ExplicitDeny',
      3,
    ],
    ['can create with request tag team=payments', 'lightsail:CreateRelationalDatabase', { 'aws:RequestTag/team': 'payments' }, 'Allow', 1],
    ['cannot create with another team’s request tag', 'lightsail:CreateRelationalDatabase', { 'aws:RequestTag/team': 'search' }, 'ImplicitDeny'],
    ['cannot create without a request tag', 'lightsail:CreateRelationalDatabase', untagged, 'ImplicitDeny'],
    [
      'the lightsail:* statement covers Create too if a resource tag is (wrongly) supplied',
      'lightsail:CreateRelationalDatabase',
      { 'aws:ResourceTag/team': 'payments', 'aws:RequestTag/team': 'search' },
      'Allow',
      2,
    ],
    ['can reboot a payments database', 'lightsail:RebootRelationalDatabase', payments, 'Allow', 2],
    ['can update a payments database', 'lightsail:UpdateRelationalDatabase', payments, 'Allow', 2],
    ['cannot reboot another team’s database', 'lightsail:RebootRelationalDatabase', search, 'ImplicitDeny'],
    ['cannot update an untagged database', 'lightsail:UpdateRelationalDatabase', untagged, 'ImplicitDeny'],
    ['cannot delete a payments database', 'lightsail:DeleteRelationalDatabase', payments, 'ExplicitDeny', 4],
    ['cannot delete another team’s database', 'lightsail:DeleteRelationalDatabase', search, 'ExplicitDeny', 4],
    ['cannot delete an untagged database', 'lightsail:DeleteRelationalDatabase', untagged, 'ExplicitDeny', 4],
  ];

  for (const [description, action, context, effect, statementIndex] of cases) {
    it(`${description}: ${effect}`, () => {
      const decision = evaluate([specPolicy], { action, resource: DATABASE_ARN, context: contextValues(context) });
      expect(decision.effect).toBe(effect);
      if (decision.effect !== 'ImplicitDeny') expect(decision.statement).toBe(specPolicy.statements[statementIndex ?? -1]);
    });
  }
});
