/**
 * Users, access keys and IAM-style policies on a running berth: a policy
 * matrix over every relational-database operation (allowed and denied by
 * action, resource and each condition key, the store unchanged after every
 * denial), admin operations for root only, key rotation, malformed policies
 * refused when set, the audit trail after a mixed run, and throttling of a
 * guessed key while a good key goes on.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CreateRelationalDatabaseSnapshotCommand,
  GetRelationalDatabaseCommand,
  LightsailClient,
  TagResourceCommand,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TARGET_PREFIX, TARGET_PREFIX } from '../src/gateway/pipeline.js';
import { IMPLEMENTED_OPERATIONS } from '../src/services/index.js';
import { systemClock } from '../src/util/clock.js';
import { BERTH_BIN } from './helpers/berth-process.js';
import { hasTool } from './helpers/clients.js';
import { createDatabase } from './helpers/databases.js';
import { InProcessBerth } from './helpers/in-process-berth.js';
import { seeded } from './helpers/seeded-random.js';
import { rawRequest, type RawResponse } from './helpers/signed-request.js';
import { operationDone, until } from './helpers/waiters.js';

const run = promisify(execFile);
const CI = process.env.CI === 'true';
const ROOT = { accessKeyId: 'AKINPROCESS', secretAccessKey: 'in-process-secret' };

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

const SPEC_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'lightsail:Get*', Resource: '*' },
    { Effect: 'Allow', Action: 'lightsail:CreateRelationalDatabase', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'payments' } } },
    { Effect: 'Allow', Action: 'lightsail:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'payments' } } },
    {
      Effect: 'Deny',
      Action: 'lightsail:GetRelationalDatabaseMasterUserPassword',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:ResourceTag/team': 'payments' } },
    },
    { Effect: 'Deny', Action: 'lightsail:DeleteRelationalDatabase', Resource: '*' },
  ],
};

/** Only what carries team=payments, or is created with it. */
const TAGGED_ONLY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'lightsail:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'payments' } } },
    { Effect: 'Allow', Action: 'lightsail:Create*', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'payments' } } },
  ],
};

/** tables a denied call must leave as they were. */
const STATE_TABLES = ['databases', 'instances', 'tags', 'snapshots', 'operations', 'master_passwords', 'users', 'access_keys', 'tasks', 'database_secrets', 'automatic_backups'];

let berth: InProcessBerth;
let alice: Key;
let bob: Key;
let carol: Key;
let frank: Key;
let paySnapshotName: string;

const call = (key: Key, operation: string, input: object, admin = false): Promise<RawResponse> =>
  rawRequest({
    url: berth.berth.url,
    ...key,
    region: 'us-east-1',
    target: `${admin ? ADMIN_TARGET_PREFIX : TARGET_PREFIX}${operation}`,
    body: JSON.stringify(input),
  });

const admin = async (operation: string, input: object) => {
  const response = await call(ROOT, operation, input, true);
  if (response.status !== 200) throw new Error(`${operation}: ${response.status} ${response.text}`);
  return response.json;
};

function storeState(): string {
  const sqlite = berth.berth.store.sqlite;
  return JSON.stringify(STATE_TABLES.map((table) => sqlite.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()));
}

async function expectDenied(key: Key, operation: string, input: object, admin = false): Promise<RawResponse> {
  const before = storeState();
  const response = await call(key, operation, input, admin);
  expect({ operation, status: response.status, type: response.json.__type }).toEqual({ operation, status: 403, type: 'AccessDeniedException' });
  expect(storeState(), `${operation} changed the store although it was denied`).toBe(before);
  return response;
}

async function expectAllowed(key: Key, operation: string, input: object): Promise<RawResponse> {
  const response = await call(key, operation, input);
  expect({ operation, type: response.json.__type, message: response.json.message }).not.toMatchObject({ type: 'AccessDeniedException' });
  expect(response.status, `${operation}: ${response.text}`).not.toBe(500);
  return response;
}

const cli = (args: string[]) =>
  run(process.execPath, [BERTH_BIN, ...args, '--endpoint-url', berth.berth.url], {
    env: { ...process.env, BERTH_ACCESS_KEY_ID: ROOT.accessKeyId, BERTH_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
  });

beforeAll(async () => {
  berth = await InProcessBerth.start(systemClock);
  const { client } = berth;
  await createDatabase(client, 'pay-db', { tags: [{ key: 'team', value: 'payments' }], masterUserPassword: 'Pay-db-secret-1' });
  await createDatabase(client, 'other-db', { masterUserPassword: 'Other-db-secret-1' });
  for (const [database, snapshot, tags] of [
    ['pay-db', 'pay-snap', [{ key: 'team', value: 'payments' }]],
    ['other-db', 'other-snap', []],
  ] as const) {
    const { operations } = await client.send(
      new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: database, relationalDatabaseSnapshotName: snapshot, tags: [...tags] }),
    );
    expect((await operationDone(client, operations![0]!, 120_000)).status).toBe('Succeeded');
  }
  paySnapshotName = 'pay-snap';
  const policyFile = path.join(berth.rootDir, 'spec-policy.json');
  await writeFile(policyFile, JSON.stringify(SPEC_POLICY));
  // The first user through the CLI, as an operator makes one.
  alice = JSON.parse((await cli(['users', 'create', 'alice', '--policy-file', policyFile, '--json'])).stdout) as Key;
  bob = ((await admin('CreateUser', { userName: 'bob', policyDocument: JSON.stringify(TAGGED_ONLY_POLICY) })) as { accessKey: Key }).accessKey;
  carol = ((await admin('CreateUser', { userName: 'carol' })) as { accessKey: Key }).accessKey;
  frank = ((await admin('CreateUser', { userName: 'frank' })) as { accessKey: Key }).accessKey;
}, 600_000);

afterAll(async () => {
  await berth?.dispose();
});

const METRIC_INPUT = (name: string) => ({
  relationalDatabaseName: name,
  metricName: 'CPUUtilization',
  period: 60,
  startTime: Math.floor(Date.now() / 1000) - 600,
  endTime: Math.floor(Date.now() / 1000),
  unit: 'Percent',
  statistics: ['Average'],
});
const LOG_INPUT = (name: string) => ({ relationalDatabaseName: name, logStreamName: 'postgresql' });
const NO_SUCH_PARAMETER = (name: string) => ({
  relationalDatabaseName: name,
  parameters: [{ parameterName: 'berth_no_such_parameter', parameterValue: '1', applyMethod: 'immediate' }],
});

/**
 * Each operation with the spec policy's user (alice) and the tagged-only
 * user (bob): denied first (the store must not change), then allowed. An
 * allowed call may still fail on its own merits (a made-up bundle, a state),
 * but never with AccessDeniedException.
 */
const MATRIX: Array<{ operation: string; denied: Array<[() => Key, object]>; allowed: Array<[() => Key, object]> }> = [
  { operation: 'GetRelationalDatabase', denied: [[() => bob, { relationalDatabaseName: 'other-db' }]], allowed: [[() => alice, { relationalDatabaseName: 'other-db' }], [() => bob, { relationalDatabaseName: 'pay-db' }]] },
  { operation: 'GetRelationalDatabases', denied: [[() => bob, {}]], allowed: [[() => alice, {}]] },
  {
    operation: 'CreateRelationalDatabase',
    denied: [
      [() => alice, { relationalDatabaseName: 'untagged', relationalDatabaseBlueprintId: 'postgres_17', relationalDatabaseBundleId: 'micro_2_0', masterDatabaseName: 'app', masterUsername: 'owner' }],
      [() => alice, { relationalDatabaseName: 'other-team', relationalDatabaseBlueprintId: 'postgres_17', relationalDatabaseBundleId: 'micro_2_0', masterDatabaseName: 'app', masterUsername: 'owner', tags: [{ key: 'team', value: 'other' }] }],
      [() => frank, { relationalDatabaseName: 'no-policy', relationalDatabaseBlueprintId: 'postgres_17', relationalDatabaseBundleId: 'micro_2_0', masterDatabaseName: 'app', masterUsername: 'owner', tags: [{ key: 'team', value: 'payments' }] }],
    ],
    allowed: [[() => alice, { relationalDatabaseName: 'pay-new', relationalDatabaseBlueprintId: 'postgres_17', relationalDatabaseBundleId: 'no_such_bundle', masterDatabaseName: 'app', masterUsername: 'owner', tags: [{ key: 'team', value: 'payments' }] }]],
  },
  { operation: 'StartRelationalDatabase', denied: [[() => alice, { relationalDatabaseName: 'other-db' }]], allowed: [[() => alice, { relationalDatabaseName: 'pay-db' }]] },
  { operation: 'UpdateRelationalDatabase', denied: [[() => alice, { relationalDatabaseName: 'other-db', preferredBackupWindow: '03:00-03:30' }]], allowed: [[() => alice, { relationalDatabaseName: 'pay-db', preferredBackupWindow: '03:00-03:30' }]] },
  {
    operation: 'CreateRelationalDatabaseSnapshot',
    denied: [[() => alice, { relationalDatabaseName: 'pay-db', relationalDatabaseSnapshotName: 'denied-snap', tags: [{ key: 'team', value: 'payments' }] }], [() => bob, { relationalDatabaseName: 'pay-db', relationalDatabaseSnapshotName: 'denied-snap' }]],
    allowed: [[() => bob, { relationalDatabaseName: 'pay-db', relationalDatabaseSnapshotName: 'bob-snap', tags: [{ key: 'team', value: 'payments' }] }]],
  },
  { operation: 'GetRelationalDatabaseSnapshot', denied: [[() => bob, { relationalDatabaseSnapshotName: 'other-snap' }]], allowed: [[() => alice, { relationalDatabaseSnapshotName: 'other-snap' }], [() => bob, { relationalDatabaseSnapshotName: 'pay-snap' }]] },
  { operation: 'GetRelationalDatabaseSnapshots', denied: [[() => bob, {}]], allowed: [[() => alice, {}]] },
  {
    operation: 'CreateRelationalDatabaseFromSnapshot',
    denied: [[() => alice, { relationalDatabaseSnapshotName: 'other-snap', relationalDatabaseName: 'from-other', relationalDatabaseBundleId: 'no_such_bundle' }]],
    allowed: [[() => alice, { relationalDatabaseSnapshotName: 'pay-snap', relationalDatabaseName: 'from-pay', relationalDatabaseBundleId: 'no_such_bundle' }]],
  },
  { operation: 'GetRelationalDatabaseEvents', denied: [[() => bob, { relationalDatabaseName: 'other-db' }]], allowed: [[() => alice, { relationalDatabaseName: 'other-db' }]] },
  { operation: 'GetRelationalDatabaseMetricData', denied: [[() => bob, METRIC_INPUT('other-db')]], allowed: [[() => alice, METRIC_INPUT('other-db')]] },
  { operation: 'GetRelationalDatabaseLogStreams', denied: [[() => bob, { relationalDatabaseName: 'other-db' }]], allowed: [[() => alice, { relationalDatabaseName: 'other-db' }]] },
  { operation: 'GetRelationalDatabaseLogEvents', denied: [[() => bob, LOG_INPUT('other-db')]], allowed: [[() => alice, LOG_INPUT('other-db')]] },
  { operation: 'GetRelationalDatabaseParameters', denied: [[() => bob, { relationalDatabaseName: 'other-db' }]], allowed: [[() => alice, { relationalDatabaseName: 'other-db' }]] },
  { operation: 'UpdateRelationalDatabaseParameters', denied: [[() => alice, NO_SUCH_PARAMETER('other-db')]], allowed: [[() => alice, NO_SUCH_PARAMETER('pay-db')]] },
  {
    operation: 'GetRelationalDatabaseMasterUserPassword',
    denied: [[() => alice, { relationalDatabaseName: 'other-db' }], [() => bob, { relationalDatabaseName: 'other-db' }]],
    allowed: [[() => alice, { relationalDatabaseName: 'pay-db' }]],
  },
  { operation: 'GetRelationalDatabaseBlueprints', denied: [[() => bob, {}]], allowed: [[() => alice, {}]] },
  { operation: 'GetRelationalDatabaseBundles', denied: [[() => bob, {}]], allowed: [[() => alice, {}]] },
  { operation: 'GetRegions', denied: [[() => bob, {}]], allowed: [[() => alice, {}]] },
  { operation: 'GetOperation', denied: [[() => bob, { operationId: 'no-such-operation' }]], allowed: [[() => alice, { operationId: 'no-such-operation' }]] },
  { operation: 'GetOperations', denied: [[() => bob, {}]], allowed: [[() => alice, {}]] },
  { operation: 'GetOperationsForResource', denied: [[() => bob, { resourceName: 'other-db' }]], allowed: [[() => bob, { resourceName: 'pay-db' }]] },
  { operation: 'TagResource', denied: [[() => alice, { resourceName: 'other-db', tags: [{ key: 'team', value: 'payments' }] }]], allowed: [[() => alice, { resourceName: 'pay-db', tags: [{ key: 'env', value: 'test' }] }]] },
  { operation: 'UntagResource', denied: [[() => alice, { resourceName: 'other-db', tagKeys: ['env'] }]], allowed: [[() => alice, { resourceName: 'pay-db', tagKeys: ['env'] }]] },
  // Changes that take effect go last: they move the databases out of available.
  { operation: 'DeleteRelationalDatabaseSnapshot', denied: [[() => alice, { relationalDatabaseSnapshotName: 'other-snap' }]], allowed: [[() => alice, { relationalDatabaseSnapshotName: 'pay-snap' }]] },
  { operation: 'RebootRelationalDatabase', denied: [[() => alice, { relationalDatabaseName: 'other-db' }]], allowed: [[() => alice, { relationalDatabaseName: 'pay-db' }]] },
  { operation: 'StopRelationalDatabase', denied: [[() => alice, { relationalDatabaseName: 'other-db' }]], allowed: [[() => bob, { relationalDatabaseName: 'pay-db' }]] },
  {
    operation: 'DeleteRelationalDatabase',
    denied: [[() => alice, { relationalDatabaseName: 'pay-db', skipFinalSnapshot: true }], [() => bob, { relationalDatabaseName: 'other-db', skipFinalSnapshot: true }]],
    allowed: [[() => bob, { relationalDatabaseName: 'pay-db', skipFinalSnapshot: true }]],
  },
];

describe('policies', () => {
  it('covers every relational-database operation berth serves', () => {
    expect(MATRIX.map((row) => row.operation).sort()).toEqual([...IMPLEMENTED_OPERATIONS].sort());
    for (const row of MATRIX) {
      expect(row.denied.length, row.operation).toBeGreaterThan(0);
      expect(row.allowed.length, row.operation).toBeGreaterThan(0);
    }
  });

  it('answers a denial in the shape the SDKs know, with who and what', async () => {
    const client = new LightsailClient({ endpoint: berth.berth.url, region: 'us-east-1', maxAttempts: 1, credentials: carol });
    try {
      const error = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'other-db' })).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
      expect((error as Error).message).toMatch(
        /^User: arn:aws:iam::\d{12}:user\/carol is not authorized to perform: lightsail:GetRelationalDatabase on resource: arn:aws:lightsail:us-east-1:\d{12}:RelationalDatabase\/\S+ because no identity-based policy allows/,
      );
      await expect(client.send(new TagResourceCommand({ resourceName: 'other-db', tags: [{ key: 'a', value: 'b' }] }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
    } finally {
      client.destroy();
    }
  });

  it('is enforced for the AWS CLI too', async () => {
    if (!(await hasTool('aws'))) {
      expect(CI, 'the AWS CLI must be installed in CI').toBe(false);
      return;
    }
    const env = { ...process.env, AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1' };
    const args = ['lightsail', 'get-relational-database-master-user-password', '--relational-database-name', 'other-db', '--endpoint-url', berth.berth.url];
    const failure = await run('aws', args, { env }).then(() => undefined, (error: { stderr: string }) => error);
    expect(failure?.stderr).toContain('AccessDeniedException');
    expect(failure?.stderr).toContain('with an explicit deny');
  });

  /** One condition key at a time, on carol (policy set per case). */
  const CONDITION_CASES: Array<{ name: string; statement: object; operation: string; input: object; allowed: boolean }> = [
    { name: 'aws:SourceIp in 127.0.0.0/8', statement: { Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } }, operation: 'GetRegions', input: {}, allowed: true },
    { name: 'aws:SourceIp in 10.0.0.0/8', statement: { Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } } }, operation: 'GetRegions', input: {}, allowed: false },
    { name: 'aws:SourceIp not in 10.0.0.0/8', statement: { Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }, operation: 'GetRegions', input: {}, allowed: true },
    { name: 'aws:SecureTransport true over HTTP', statement: { Condition: { Bool: { 'aws:SecureTransport': 'true' } } }, operation: 'GetRegions', input: {}, allowed: false },
    { name: 'aws:SecureTransport false over HTTP', statement: { Condition: { Bool: { 'aws:SecureTransport': false } } }, operation: 'GetRegions', input: {}, allowed: true },
    { name: 'aws:CurrentTime before 2000', statement: { Condition: { DateLessThan: { 'aws:CurrentTime': '2000-01-01T00:00:00Z' } } }, operation: 'GetRegions', input: {}, allowed: false },
    { name: 'aws:CurrentTime after 2000', statement: { Condition: { DateGreaterThan: { 'aws:CurrentTime': '2000-01-01T00:00:00Z' } } }, operation: 'GetRegions', input: {}, allowed: true },
    { name: 'aws:username', statement: { Condition: { StringEquals: { 'aws:username': 'carol' } } }, operation: 'GetRegions', input: {}, allowed: true },
    { name: 'StringLike on aws:ResourceTag, not matching', statement: { Condition: { StringLike: { 'aws:ResourceTag/team': 'pay*' } } }, operation: 'GetRelationalDatabase', input: { relationalDatabaseName: 'other-db' }, allowed: false },
    { name: 'StringLike on aws:ResourceTag, matching', statement: { Condition: { StringLike: { 'aws:ResourceTag/team': 'pay*' } } }, operation: 'RebootRelationalDatabase', input: { relationalDatabaseName: 'no-such-db' }, allowed: false },
    { name: 'StringLike on aws:ResourceTag, matching a database', statement: { Condition: { StringLike: { 'aws:ResourceTag/team': 'pay*' } } }, operation: 'GetRelationalDatabase', input: { relationalDatabaseName: 'pay-db' }, allowed: true },
    { name: 'StringNotEquals on an absent tag', statement: { Condition: { StringNotEquals: { 'aws:ResourceTag/team': 'payments' } } }, operation: 'GetRelationalDatabase', input: { relationalDatabaseName: 'other-db' }, allowed: true },
    { name: 'StringEquals on an absent tag', statement: { Condition: { StringEquals: { 'aws:ResourceTag/team': 'payments' } } }, operation: 'GetRelationalDatabase', input: { relationalDatabaseName: 'other-db' }, allowed: false },
    { name: 'aws:ResourceTag on a snapshot', statement: { Condition: { StringEquals: { 'aws:ResourceTag/team': 'payments' } } }, operation: 'GetRelationalDatabaseSnapshot', input: { relationalDatabaseSnapshotName: 'other-snap' }, allowed: false },
    { name: 'ForAllValues:StringEquals aws:TagKeys, all listed', statement: { Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'owner'] } } }, operation: 'TagResource', input: { resourceName: 'other-db', tags: [{ key: 'env', value: 'x' }] }, allowed: true },
    { name: 'ForAllValues:StringEquals aws:TagKeys, one not listed', statement: { Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } } }, operation: 'TagResource', input: { resourceName: 'other-db', tags: [{ key: 'env', value: 'x' }, { key: 'cost', value: 'y' }] }, allowed: false },
    { name: 'ForAnyValue:StringEquals aws:TagKeys, none listed', statement: { Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team'] } } }, operation: 'UntagResource', input: { resourceName: 'other-db', tagKeys: ['env'] }, allowed: false },
    { name: 'ForAnyValue:StringEquals aws:TagKeys, one listed', statement: { Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } } }, operation: 'UntagResource', input: { resourceName: 'other-db', tagKeys: ['env', 'x'] }, allowed: true },
    { name: 'aws:RequestTag on a create', statement: { Condition: { StringEquals: { 'aws:RequestTag/team': 'payments' } } }, operation: 'CreateRelationalDatabase', input: { relationalDatabaseName: 'c', relationalDatabaseBlueprintId: 'postgres_17', relationalDatabaseBundleId: 'no_such_bundle', masterDatabaseName: 'app', masterUsername: 'owner', tags: [{ key: 'team', value: 'ops' }] }, allowed: false },
    { name: 'a resource ARN pattern of another Region', statement: { Resource: 'arn:aws:lightsail:eu-west-1:*:RelationalDatabase/*' }, operation: 'GetRelationalDatabase', input: { relationalDatabaseName: 'other-db' }, allowed: false },
    { name: 'a resource ARN pattern of this Region', statement: { Resource: 'arn:aws:lightsail:us-east-1:*:RelationalDatabase/*' }, operation: 'GetRelationalDatabase', input: { relationalDatabaseName: 'other-db' }, allowed: true },
    { name: 'NotAction', statement: { Action: undefined, NotAction: 'lightsail:Get*' }, operation: 'GetRegions', input: {}, allowed: false },
  ];

  it.each(CONDITION_CASES)('$name: allowed=$allowed', async ({ statement, operation, input, allowed }) => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lightsail:*', Resource: '*', ...statement }] };
    await admin('PutUserPolicy', { userName: 'carol', policyDocument: JSON.stringify(policy) });
    if (allowed) await expectAllowed(carol, operation, input);
    else await expectDenied(carol, operation, input);
  });

  it('lets an explicit Deny win over any Allow', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'lightsail:GetRegion?', Resource: '*' },
      ],
    };
    await admin('PutUserPolicy', { userName: 'carol', policyDocument: JSON.stringify(policy) });
    const denied = await expectDenied(carol, 'GetRegions', {});
    expect(denied.json.message).toContain('with an explicit deny');
    await expectAllowed(carol, 'GetRelationalDatabaseBundles', {});
  });

  it('denies without changing anything, then allows, every operation by action, resource and tags', async () => {
    for (const row of MATRIX) for (const [key, input] of row.denied) await expectDenied(key(), row.operation, input);
    for (const row of MATRIX) for (const [key, input] of row.allowed) await expectAllowed(key(), row.operation, input);
    // What was allowed really happened.
    expect(berth.berth.store.snapshots.findByName({ accountId: berth.berth.accountId, region: 'us-east-1' }, paySnapshotName)).toBeUndefined();
    // The reboot, stop and delete it started finish before the next tests compare the store.
    await until('the allowed changes to finish', async () => (berth.berth.store.tasks.pending().length === 0 ? true : undefined), 180_000, 200);
    await berth.berth.control.controller.idle();
  }, 300_000);
});

describe('users and keys', () => {
  it('keeps the admin operations for the root key', async () => {
    for (const [operation, input] of [
      ['CreateUser', { userName: 'mallory' }],
      ['ListUsers', {}],
      ['PutUserPolicy', { userName: 'alice', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }) }],
      ['CreateAccessKey', { userName: 'alice' }],
      ['GetAuditEvents', {}],
      ['RunPendingMaintenance', { relationalDatabaseName: 'other-db' }],
    ] as const) {
      const response = await expectDenied(alice, operation, input, true);
      expect(response.json.message).toContain('admin operations of berth are for the root key only');
    }
  });

  it('lets a policy grant berth\'s read-only views of a database (berth:Get*) by its tags, and no other admin operation', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'berth:Get*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'payments' } } },
        { Effect: 'Allow', Action: 'berth:RunPendingMaintenance', Resource: '*' },
      ],
    };
    await admin('PutUserPolicy', { userName: 'carol', policyDocument: JSON.stringify(policy) });
    for (const operation of ['GetRelationalDatabaseBackups', 'GetRelationalDatabaseHighAvailability', 'GetRelationalDatabasePendingParameters']) {
      const allowed = await call(carol, operation, { relationalDatabaseName: 'pay-db' }, true);
      expect(allowed.status, `${operation}: ${allowed.text}`).toBe(200);
      const denied = await expectDenied(carol, operation, { relationalDatabaseName: 'other-db' }, true);
      expect(denied.json.message).toContain(`berth:${operation} on resource: arn:aws:lightsail:us-east-1:`);
    }
    const backups = (await call(carol, 'GetRelationalDatabaseBackups', { relationalDatabaseName: 'pay-db' }, true)).json.backups as { backupRetentionEnabled: boolean; automaticBackups: unknown[] };
    expect(backups.backupRetentionEnabled).toBe(true);
    expect(backups.automaticBackups.length).toBeGreaterThan(0);
    const maintenance = await expectDenied(carol, 'RunPendingMaintenance', { relationalDatabaseName: 'pay-db' }, true);
    expect(maintenance.json.message).toContain('admin operations of berth are for the root key only');
  });

  it('refuses a malformed policy when it is set, saying what is wrong, and changes nothing', async () => {
    const before = storeState();
    const response = await call(ROOT, 'CreateUser', { userName: 'dave', policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}' }, true);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ __type: 'InvalidInputException', code: 'MalformedPolicyDocument' });
    expect(response.json.message).toMatch(/Effect/);
    expect(storeState()).toBe(before);
  });

  it('survives a fuzz of policy documents: each is refused or taken, never a 500', async () => {
    const random = seeded(1304);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const junk = (depth: number): unknown => {
      switch (Math.floor(random() * (depth > 2 ? 5 : 8))) {
        case 0: return null;
        case 1: return random() < 0.5;
        case 2: return Math.floor(random() * 1e6);
        case 3: return pick(['', '*', 'lightsail:*', 'arn:aws:lightsail:*', '2012-10-17', 'Allow', 'Deny', '__proto__']);
        case 4: return 'x'.repeat(Math.floor(random() * 50));
        case 5: return Array.from({ length: Math.floor(random() * 3) }, () => junk(depth + 1));
        case 6:
          return Object.fromEntries(
            Array.from({ length: Math.floor(random() * 4) }, () => [
              pick(['Version', 'Statement', 'Effect', 'Action', 'Resource', 'Condition', 'StringEquals', 'constructor', '__proto__']),
              junk(depth + 1),
            ]),
          );
        default:
          return { Version: '2012-10-17', Statement: [{ Effect: pick(['Allow', 'Deny']), Action: junk(depth + 1), Resource: junk(depth + 1), Condition: junk(depth + 1) }] };
      }
    };
    const outcomes = new Map<number, number>();
    for (let i = 0; i < 150; i++) {
      const document = random() < 0.1 ? '{not json' : JSON.stringify(junk(0));
      const response = await call(ROOT, 'PutUserPolicy', { userName: 'carol', policyDocument: document }, true);
      outcomes.set(response.status, (outcomes.get(response.status) ?? 0) + 1);
      expect([200, 400], response.text).toContain(response.status);
      if (response.status === 400) expect(response.json.code).toBe('MalformedPolicyDocument');
      // Whatever was taken, carol's next request is answered (allowed or denied), never a 500.
      expect([200, 403]).toContain((await call(carol, 'GetRegions', {})).status);
    }
    expect(outcomes.get(400)).toBeGreaterThan(50);
  }, 120_000);

  it('rotates keys: a second key works beside the first, a deleted key and a deleted user stop working', async () => {
    await admin('CreateUser', { userName: 'erin', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lightsail:GetRegions', Resource: '*' }] }) });
    const first = ((await admin('ListAccessKeys', { userName: 'erin' })) as { accessKeys: Array<{ accessKeyId: string }> }).accessKeys[0]!;
    const created = JSON.parse((await cli(['keys', 'create', 'erin', '--json'])).stdout) as Key & { userName: string };
    expect(created.userName).toBe('erin');
    expect((await call(created, 'GetRegions', {})).status).toBe(200);
    const third = await call(ROOT, 'CreateAccessKey', { userName: 'erin' }, true);
    expect(third.json).toMatchObject({ __type: 'InvalidInputException', code: 'LimitExceeded' });

    await cli(['keys', 'delete', 'erin', first.accessKeyId]);
    const listed = (await cli(['keys', 'list', 'erin', '--json'])).stdout;
    expect(listed).toContain(created.accessKeyId);
    expect(listed).not.toContain(first.accessKeyId);
    expect((await call(created, 'GetRegions', {})).status).toBe(200);

    await cli(['users', 'delete', 'erin']);
    const gone = await call(created, 'GetRegions', {});
    expect(gone.status).toBe(403);
    expect(gone.json.code).toBe('InvalidClientTokenId');
    expect((await cli(['users', 'list'])).stdout).not.toMatch(/^erin\t/m);
  });

  it('keeps secret keys sealed at rest', () => {
    const rows = berth.berth.store.sqlite.prepare('SELECT secret_ciphertext FROM access_keys').all() as Array<{ secret_ciphertext: string }>;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.secret_ciphertext).toMatch(/^v1:/);
      expect(row.secret_ciphertext).not.toContain(alice.secretAccessKey);
    }
  });
});

describe('brute force', () => {
  it('throttles a guessed key while a good key goes on at full speed', async () => {
    const guessed = { accessKeyId: 'AKBEGUESSEDKEY00000', secretAccessKey: 'guess' };
    const wrongSecret = { accessKeyId: alice.accessKeyId, secretAccessKey: 'not-alices-secret' };
    const goodStatuses: number[] = [];
    const guessedCodes: string[] = [];
    for (let i = 0; i < 30; i++) {
      const guess = await call(guessed, 'GetRegions', {});
      guessedCodes.push(String(guess.json.__type === 'ThrottlingException' ? guess.json.__type : guess.json.code));
      goodStatuses.push((await call(alice, 'GetRegions', {})).status);
    }
    // Ten guesses are checked (and refused), then the address is throttled for unknown key ids (1 guess back per second;
    // the address may have spent a little of its budget earlier in this file).
    const firstThrottled = guessedCodes.indexOf('ThrottlingException');
    expect(firstThrottled).toBeGreaterThanOrEqual(8);
    expect(firstThrottled).toBeLessThanOrEqual(11);
    expect(new Set(guessedCodes.slice(0, firstThrottled))).toEqual(new Set(['InvalidClientTokenId']));
    expect(guessedCodes.slice(firstThrottled).filter((code) => code === 'ThrottlingException').length).toBeGreaterThanOrEqual(16);
    // A good key from the same address goes on, never throttled.
    expect(goodStatuses).toEqual(Array(30).fill(200));

    // Guessing the secret of a known key id throttles that key id from this address.
    const wrongTypes: string[] = [];
    for (let i = 0; i < 15; i++) wrongTypes.push(String((await call(wrongSecret, 'GetRegions', {})).json.__type));
    expect(wrongTypes.slice(0, 10)).toEqual(Array(10).fill('AccessDeniedException'));
    expect(wrongTypes.slice(11)).toEqual(Array(4).fill('ThrottlingException'));
  });
});

describe('audit trail', () => {
  it('records who changed what and every refusal, never a secret or a body', async () => {
    const { stdout } = await cli(['audit', '--json']);
    const events = JSON.parse(stdout) as Array<Record<string, unknown>>;
    const find = (match: Record<string, unknown>) => events.find((event) => Object.entries(match).every(([key, value]) => event[key] === value));
    expect(find({ userName: 'root', operation: 'CreateRelationalDatabase', resource: 'pay-db', status: 200 })).toBeDefined();
    expect(find({ userName: 'root', operation: 'CreateUser', resource: 'alice', status: 200 })).toBeDefined();
    expect(find({ userName: 'alice', operation: 'DeleteRelationalDatabase', resource: 'pay-db', status: 403, errorType: 'AccessDeniedException' })).toBeDefined();
    expect(find({ userName: 'alice', operation: 'GetRelationalDatabaseMasterUserPassword', resource: 'other-db', status: 403 })).toBeDefined();
    expect(find({ userName: 'alice', operation: 'TagResource', resource: 'pay-db', status: 200, sourceIp: '127.0.0.1' })).toBeDefined();
    expect(events.find((event) => event.userName === 'bob' && event.operation === 'DeleteRelationalDatabase' && event.resource === 'pay-db' && event.status !== 403)).toBeDefined();
    expect(find({ userName: '-', accessKeyId: 'AKBEGUESSEDKEY00000', status: 403 })).toBeDefined();
    // An allowed read is not a change: not recorded.
    expect(find({ userName: 'alice', operation: 'GetRegions', status: 200 })).toBeUndefined();
    for (const event of events) expect(event.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const aliceOnly = JSON.parse((await cli(['audit', '--user', 'alice', '--json'])).stdout) as Array<{ userName: string }>;
    expect(aliceOnly.length).toBeGreaterThan(5);
    expect(new Set(aliceOnly.map((event) => event.userName))).toEqual(new Set(['alice']));
    const future = JSON.parse((await cli(['audit', '--since', new Date(Date.now() + 3_600_000).toISOString(), '--json'])).stdout) as unknown[];
    expect(future).toEqual([]);
    const text = (await cli(['audit', '--resource', 'other-db'])).stdout;
    expect(text).toMatch(/\talice\t\S+\t127\.0\.0\.1\tGetRelationalDatabaseMasterUserPassword\tother-db\t403 AccessDeniedException\t/);

    const dump = JSON.stringify(berth.berth.store.sqlite.prepare('SELECT * FROM audit_events').all());
    for (const secret of [alice.secretAccessKey, bob.secretAccessKey, ROOT.secretAccessKey, 'Pay-db-secret-1', 'Other-db-secret-1']) expect(dump).not.toContain(secret);
  });
});
