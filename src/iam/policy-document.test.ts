import { describe, expect, it } from 'vitest';
import { refusal } from '../../test/helpers/policies.js';
import { MAX_POLICY_BYTES, parsePolicy } from './policy-document.js';

const ALLOW_ALL = { Effect: 'Allow', Action: '*', Resource: '*' };

function policyWith(statement: Record<string, unknown>): Record<string, unknown> {
  return { Version: '2012-10-17', Statement: statement };
}

function withCondition(condition: unknown): Record<string, unknown> {
  return policyWith({ ...ALLOW_ALL, Condition: condition });
}

describe('parsePolicy accepts', () => {
  it('a full document, from text or from a value, with the same result', () => {
    const source = {
      Version: '2012-10-17',
      Id: 'payments-team',
      Statement: [
        { Sid: 'ReadAll', Effect: 'Allow', Action: ['lightsail:Get*', 'Lightsail:Describe?'], Resource: '*' },
        {
          Effect: 'Deny',
          NotAction: 'lightsail:GetRegions',
          NotResource: ['arn:aws:lightsail:us-east-1:123456789012:RelationalDatabase/*'],
          Condition: {
            'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': ['team', 'env*'] },
            Bool: { 'aws:SecureTransport': false },
            StringEquals: undefined,
          },
        },
      ],
    };
    // As in JSON.stringify, a value's undefined properties are absent.
    const fromValue = parsePolicy(source);
    const fromText = parsePolicy(JSON.stringify(source));
    expect(fromText).toEqual(fromValue);
    expect(fromText).toEqual({
      version: '2012-10-17',
      statements: [
        { sid: 'ReadAll', effect: 'Allow', actions: ['lightsail:Get*', 'Lightsail:Describe?'], resources: ['*'], conditions: [] },
        {
          effect: 'Deny',
          notActions: ['lightsail:GetRegions'],
          notResources: ['arn:aws:lightsail:us-east-1:123456789012:RelationalDatabase/*'],
          conditions: [
            { operator: 'StringLike', qualifier: 'ForAnyValue', ifExists: true, key: 'aws:TagKeys', values: ['team', 'env*'] },
            { operator: 'Bool', ifExists: false, key: 'aws:SecureTransport', values: ['false'] },
          ],
        },
      ],
    });
  });
  it('a single statement object and the 2008-10-17 version', () => {
    const policy = parsePolicy({ Version: '2008-10-17', Statement: ALLOW_ALL });
    expect(policy).toEqual({ version: '2008-10-17', statements: [{ effect: 'Allow', actions: ['*'], resources: ['*'], conditions: [] }] });
  });
  it('normalises condition values to strings and canonicalises keys', () => {
    const policy = parsePolicy(
      withCondition({
        StringEquals: { 'AWS:requesttag/Team': [1, true, 'x'], 'aws:USERNAME': 'alice' },
        Null: { 'aws:ResourceTag/owner': 'TRUE' },
        DateLessThan: { 'aws:CurrentTime': 1714521600 },
      }),
    );
    expect(policy.statements[0]?.conditions).toEqual([
      { operator: 'StringEquals', ifExists: false, key: 'aws:RequestTag/Team', values: ['1', 'true', 'x'] },
      { operator: 'StringEquals', ifExists: false, key: 'aws:username', values: ['alice'] },
      { operator: 'Null', ifExists: false, key: 'aws:ResourceTag/owner', values: ['true'] },
      { operator: 'DateLessThan', ifExists: false, key: 'aws:CurrentTime', values: ['1714521600'] },
    ]);
  });
  it('an empty Condition object and an empty Sid', () => {
    expect(parsePolicy(policyWith({ ...ALLOW_ALL, Sid: '', Condition: {} })).statements[0]?.conditions).toEqual([]);
  });
  it('ARNs with wildcards in any part, and action names with wildcards in any case', () => {
    const policy = parsePolicy(
      policyWith({
        Effect: 'Allow',
        Action: ['LIGHTSAIL:get*', 'lightsail:*', 'lightsail:?et*'],
        Resource: ['arn:*:*:*:*:*', 'arn:aws:lightsail:us-?ast-1:*:Instance/a:b'],
      }),
    );
    expect(policy.statements[0]?.resources).toHaveLength(2);
  });
  it('100 statements', () => {
    expect(parsePolicy({ Version: '2012-10-17', Statement: new Array(100).fill(ALLOW_ALL) }).statements).toHaveLength(100);
  });
  it('a policy whose whitespace takes it over the limit (IAM does not count whitespace)', () => {
    const statements = new Array(40).fill({ Effect: 'Allow', Action: 'lightsail:GetInstances', Resource: '*' });
    const text = JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 8);
    expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_POLICY_BYTES);
    expect(parsePolicy(text).statements).toHaveLength(40);
  });
  it('returns a frozen document', () => {
    const policy = parsePolicy(withCondition({ StringEquals: { 'aws:username': ['a'] } }));
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.statements)).toBe(true);
    expect(Object.isFrozen(policy.statements[0]?.conditions[0]?.values)).toBe(true);
  });
});

describe('parsePolicy refuses', () => {
  it('text that is not JSON', () => {
    expect(refusal('{"Version": ')).toMatch(/^Policy is not valid JSON: /);
    expect(refusal('')).toMatch(/^Policy is not valid JSON: /);
    expect(refusal('[['.repeat(2000))).toMatch(/^Policy is not valid JSON: /);
  });
  it.each([
    ['[]', 'an array'],
    ['null', 'null'],
    ['42', 'the number 42'],
    ['"policy"', '"policy"'],
    ['true', 'true'],
  ])('JSON text %s that is not an object', (text, described) => {
    expect(refusal(text)).toBe(`Policy must be a JSON object with Version and Statement, not ${described}.`);
  });
  it('values that are not objects or not JSON at all', () => {
    expect(refusal(undefined)).toBe('Policy must be a JSON object with Version and Statement, not undefined.');
    expect(refusal(() => 1)).toBe('Policy must be a JSON object with Version and Statement, not function.');
    expect(refusal(null)).toBe('Policy must be a JSON object with Version and Statement, not null.');
    expect(refusal([ALLOW_ALL])).toBe('Policy must be a JSON object with Version and Statement, not an array.');
    expect(refusal({ Version: '2012-10-17', Statement: { ...ALLOW_ALL, Sid: 1n } })).toMatch(/^Policy is not JSON-serialisable: .*BigInt/);
    const cyclic: Record<string, unknown> = { Version: '2012-10-17' };
    cyclic.Statement = cyclic;
    expect(refusal(cyclic)).toMatch(/^Policy is not JSON-serialisable: .*circular/);
    expect(refusal({ toJSON: () => { throw new RangeError('boom'); } })).toBe('Policy is not JSON-serialisable: boom');
    let deep: unknown = ALLOW_ALL;
    for (let depth = 0; depth < 100_000; depth++) deep = [deep];
    expect(refusal({ Version: '2012-10-17', Statement: deep })).toMatch(/^Policy is not JSON-serialisable: /);
  });
  it('unknown top-level keys, suggesting the right spelling', () => {
    expect(refusal({ version: '2012-10-17', Statement: ALLOW_ALL })).toBe(
      'Policy has unknown key "version". Did you mean "Version"? Allowed keys: Version, Id and Statement.',
    );
    expect(refusal({ Version: '2012-10-17', Statement: ALLOW_ALL, Comment: 'x' })).toBe(
      'Policy has unknown key "Comment". Allowed keys: Version, Id and Statement.',
    );
    expect(refusal({ Version: '2012-10-17', Statements: [ALLOW_ALL] })).toBe(
      'Policy has unknown key "Statements". Did you mean "Statement"? Allowed keys: Version, Id and Statement.',
    );
  });
  it('a missing or wrong Version', () => {
    expect(refusal({ Statement: ALLOW_ALL })).toBe('Policy must have a Version: "2012-10-17" or "2008-10-17".');
    expect(refusal({ Version: '2012-10-18', Statement: ALLOW_ALL })).toBe('Version must be "2012-10-17" or "2008-10-17", not "2012-10-18".');
    expect(refusal({ Version: 2012, Statement: ALLOW_ALL })).toBe('Version must be "2012-10-17" or "2008-10-17", not the number 2012.');
  });
  it('an Id that is not a string', () => {
    expect(refusal({ Version: '2012-10-17', Id: 7, Statement: ALLOW_ALL })).toBe('Id must be a string, not the number 7.');
  });
  it('a missing, empty, oversized or mistyped Statement', () => {
    expect(refusal({ Version: '2012-10-17' })).toBe('Policy must have a Statement: an object or a non-empty array of objects.');
    expect(refusal({ Version: '2012-10-17', Statement: [] })).toBe('Statement must not be an empty array; a policy needs at least one statement.');
    expect(refusal({ Version: '2012-10-17', Statement: 'Allow' })).toBe('Statement must be an object or a non-empty array of objects, not "Allow".');
    expect(refusal({ Version: '2012-10-17', Statement: null })).toBe('Statement must be an object or a non-empty array of objects, not null.');
    expect(refusal({ Version: '2012-10-17', Statement: [ALLOW_ALL, [ALLOW_ALL]] })).toBe('Statement[1] must be an object, not an array.');
    expect(refusal({ Version: '2012-10-17', Statement: new Array(101).fill(ALLOW_ALL) })).toBe('Policy has 101 statements; at most 100 are allowed.');
  });
  it('an Effect that is missing or not exactly Allow or Deny', () => {
    const statements = [ALLOW_ALL, ALLOW_ALL, { ...ALLOW_ALL, Effect: 'allow' }];
    expect(refusal({ Version: '2012-10-17', Statement: statements })).toBe('Statement[2].Effect must be "Allow" or "Deny", not "allow".');
    expect(refusal(policyWith({ Action: '*', Resource: '*' }))).toBe('Statement must have an Effect: "Allow" or "Deny".');
    expect(refusal(policyWith({ ...ALLOW_ALL, Effect: true }))).toBe('Statement.Effect must be "Allow" or "Deny", not true.');
  });
  it('Principal and NotPrincipal', () => {
    expect(refusal(policyWith({ ...ALLOW_ALL, Principal: '*' }))).toBe('Statement.Principal is not allowed: identity policies take no Principal.');
    expect(refusal({ Version: '2012-10-17', Statement: [{ ...ALLOW_ALL, NotPrincipal: { AWS: '*' } }] })).toBe(
      'Statement[0].NotPrincipal is not allowed: identity policies take no Principal.',
    );
  });
  it('unknown statement keys', () => {
    expect(refusal(policyWith({ Effect: 'Allow', Actions: '*', Resource: '*' }))).toBe(
      'Statement has unknown key "Actions". Did you mean "Action"? Allowed keys: Sid, Effect, Action, NotAction, Resource, NotResource and Condition.',
    );
    expect(refusal(policyWith({ ...ALLOW_ALL, Conditions: {} }))).toMatch(/^Statement has unknown key "Conditions". Did you mean "Condition"\?/);
  });
  it('both or neither of Action and NotAction, Resource and NotResource', () => {
    expect(refusal(policyWith({ ...ALLOW_ALL, NotAction: 'lightsail:Get*' }))).toBe('Statement has both Action and NotAction; use exactly one.');
    expect(refusal(policyWith({ Effect: 'Allow', Resource: '*' }))).toBe('Statement must have an Action or a NotAction.');
    expect(refusal(policyWith({ ...ALLOW_ALL, NotResource: '*' }))).toBe('Statement has both Resource and NotResource; use exactly one.');
    expect(refusal(policyWith({ Effect: 'Allow', Action: '*' }))).toBe('Statement must have a Resource or a NotResource.');
  });
  it('Action and Resource values that are not strings or non-empty arrays of strings', () => {
    expect(refusal(policyWith({ ...ALLOW_ALL, Action: [] }))).toBe('Statement.Action must not be an empty array.');
    expect(refusal(policyWith({ ...ALLOW_ALL, Action: 5 }))).toBe(
      'Statement.Action must be a string or a non-empty array of strings, not the number 5.',
    );
    expect(refusal(policyWith({ ...ALLOW_ALL, NotAction: ['lightsail:Get*', null], Action: undefined }))).toBe(
      'Statement.NotAction[1] must be a string, not null.',
    );
    expect(refusal(policyWith({ ...ALLOW_ALL, Resource: { arn: '*' } }))).toBe(
      'Statement.Resource must be a string or a non-empty array of strings, not an object.',
    );
    expect(refusal(policyWith({ ...ALLOW_ALL, Resource: [] }))).toBe('Statement.Resource must not be an empty array.');
  });
  it('actions of other services, without a service, or with bad characters', () => {
    expect(refusal(policyWith({ ...ALLOW_ALL, Action: 's3:GetObject' }))).toBe(
      'Statement.Action "s3:GetObject" names the service "s3"; only lightsail: and berth: actions are known here.',
    );
    expect(refusal(policyWith({ ...ALLOW_ALL, Action: ['lightsail:Get*', '*:Get*'] }))).toBe(
      'Statement.Action[1] "*:Get*" names the service "*"; only lightsail: and berth: actions are known here.',
    );
    expect(refusal(policyWith({ ...ALLOW_ALL, Action: 'GetInstances' }))).toBe(
      'Statement.Action "GetInstances" must be "*" or "lightsail:<ActionName>".',
    );
    expect(refusal(policyWith({ ...ALLOW_ALL, Action: 'lightsail:Get-Instances' }))).toBe(
      'Statement.Action "lightsail:Get-Instances": the action name may contain only letters, digits and the wildcards * and ?.',
    );
    expect(refusal(policyWith({ ...ALLOW_ALL, Action: 'lightsail:' }))).toMatch(/the action name may contain only letters/);
    expect(refusal(policyWith({ ...ALLOW_ALL, Action: 'lightsail:Get:Instances' }))).toMatch(/the action name may contain only letters/);
    expect(refusal(policyWith({ ...ALLOW_ALL, Action: '' }))).toBe('Statement.Action "" must be "*" or "lightsail:<ActionName>".');
  });
  it('resources that are not * or an ARN of at least six parts', () => {
    expect(refusal(policyWith({ ...ALLOW_ALL, Resource: 'my-database' }))).toBe(
      'Statement.Resource "my-database" must be "*" or an ARN such as "arn:aws:lightsail:us-east-1:123456789012:RelationalDatabase/*".',
    );
    expect(refusal(policyWith({ ...ALLOW_ALL, Resource: ['*', 'ARN:aws:lightsail:*:*:*'] }))).toMatch(
      /^Statement.Resource\[1\] "ARN:aws:lightsail:\*:\*:\*" must be "\*" or an ARN/,
    );
    expect(refusal(policyWith({ ...ALLOW_ALL, Resource: '' }))).toMatch(/^Statement.Resource "" must be "\*" or an ARN/);
    expect(refusal(policyWith({ ...ALLOW_ALL, NotResource: 'arn:aws:lightsail', Resource: undefined }))).toBe(
      'Statement.NotResource "arn:aws:lightsail" has 3 colon-separated parts; an ARN has at least 6 (arn:aws:lightsail:<region>:<account>:<ResourceType>/<id>).',
    );
    expect(refusal(policyWith({ ...ALLOW_ALL, Resource: 'arn:aws:lightsail:us-east-1:123' }))).toMatch(/has 5 colon-separated parts/);
  });
  it('bad and duplicate Sids', () => {
    expect(refusal(policyWith({ ...ALLOW_ALL, Sid: 3 }))).toBe('Statement.Sid must be a string, not the number 3.');
    expect(refusal(policyWith({ ...ALLOW_ALL, Sid: 'read-all' }))).toBe('Statement.Sid "read-all" may contain only letters and digits.');
    expect(refusal({ Version: '2012-10-17', Statement: [{ ...ALLOW_ALL, Sid: 'A' }, ALLOW_ALL, { ...ALLOW_ALL, Sid: 'A' }] })).toBe(
      'Statement[2].Sid "A" is already used by Statement[0]; Sids must be unique within a policy.',
    );
  });
  it('policies over the size limit, not counting whitespace', () => {
    const statements = new Array(100).fill({ Effect: 'Allow', Action: 'lightsail:GetRelationalDatabases', Resource: '*' });
    const policy = { Version: '2012-10-17', Statement: statements };
    const bytes = Buffer.byteLength(JSON.stringify(policy));
    expect(bytes).toBeGreaterThan(MAX_POLICY_BYTES);
    const message = `Policy is ${bytes} bytes, not counting whitespace; the limit is ${MAX_POLICY_BYTES} bytes.`;
    expect(refusal(policy)).toBe(message);
    expect(refusal(JSON.stringify(policy, null, 2))).toBe(message);
    expect(refusal(`{"Version": "2012-10-17", "Id": "${'é'.repeat(3100)}", "Statement": ${JSON.stringify(ALLOW_ALL)}}`)).toMatch(
      /^Policy is \d+ bytes, not counting whitespace/,
    );
  });
  it('deeply nested JSON without overflowing the stack', () => {
    const depth = 2500;
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(refusal(nested)).toBe('Policy must be a JSON object with Version and Statement, not an array.');
    expect(refusal(`{"Version": "2012-10-17", "Statement": [${nested}]}`)).toBe('Statement[0] must be an object, not an array.');
    const nestedObject = `${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`;
    expect(refusal(`{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": ${nestedObject}}}`)).toMatch(
      /^Statement.Condition has unknown condition operator "a"\./,
    );
    expect(refusal(`${'['.repeat(30_000)}${']'.repeat(30_000)}`)).toMatch(/^Policy is \d+ bytes, not counting whitespace/);
  });
  it('counts whitespace inside strings, escaped quotes included', () => {
    const text = `{"Version": "2012-10-17", "Id": "say \\" ${' '.repeat(MAX_POLICY_BYTES)}", "Statement": ${JSON.stringify(ALLOW_ALL)}}`;
    expect(refusal(text)).toMatch(/^Policy is \d+ bytes, not counting whitespace/);
  });
  it('huge text before parsing it', () => {
    expect(refusal(`${' '.repeat(70_000)}{}`)).toBe('Policy text is 70002 bytes; a policy may be at most 6144 bytes, not counting whitespace.');
  });
  it('prototype-pollution keys, without polluting anything', () => {
    expect(refusal('{"__proto__": {"polluted": true}, "Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}')).toBe(
      'Policy has unknown key "__proto__". Allowed keys: Version, Id and Statement.',
    );
    expect(refusal('{"Version": "2012-10-17", "Statement": {"__proto__": {}, "Effect": "Allow", "Action": "*", "Resource": "*"}}')).toMatch(
      /^Statement has unknown key "__proto__"\./,
    );
    expect(refusal('{"Version": "2012-10-17", "Statement": {"constructor": {}, "Effect": "Allow", "Action": "*", "Resource": "*"}}')).toMatch(
      /^Statement has unknown key "constructor"\./,
    );
    expect(refusal('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"__proto__": "x"}}}}')).toMatch(
      /unknown condition key "__proto__"/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('keeps messages short whatever the input', () => {
    const message = refusal(policyWith({ ...ALLOW_ALL, Action: `s3:${'x'.repeat(5000)}` }));
    expect(message.length).toBeLessThan(200);
    expect(message).toContain('…');
  });
});
