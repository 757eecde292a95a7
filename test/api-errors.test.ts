import {
  AccessDeniedException,
  CreateRelationalDatabaseCommand,
  DeleteRelationalDatabaseCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabasesCommand,
  InvalidInputException,
  LightsailClient,
  NotFoundException,
  RebootRelationalDatabaseCommand,
  StartRelationalDatabaseCommand,
  StopRelationalDatabaseCommand,
  type CreateRelationalDatabaseCommandInput,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from './helpers/berth-process.js';
import { rawRequest, type RawRequestOptions } from './helpers/signed-request.js';
import { operationDone } from './helpers/waiters.js';

const TARGET = 'Lightsail_20161128.';

describe('the wire protocol and its errors', () => {
  let berth: BerthProcess;
  let client: LightsailClient;
  const raw = (options: Partial<RawRequestOptions>) =>
    rawRequest({
      url: berth.url,
      accessKeyId: berth.accessKeyId,
      secretAccessKey: berth.secretAccessKey,
      region: 'us-east-1',
      ...options,
    });

  beforeAll(async () => {
    berth = await BerthProcess.start();
    client = berth.client();
  });
  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
  });

  function expectErrorShape(response: Awaited<ReturnType<typeof raw>>, type: string, status: number, code?: string) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(response.headers.get('x-amzn-errortype')).toBe(type);
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.json.__type).toBe(type);
    expect(typeof response.json.message).toBe('string');
    expect(typeof response.json.tip).toBe('string');
    expect(response.json.docs).toMatch(/^https:\/\//);
    if (code) expect(response.json.code).toBe(code);
    expect(response.text).not.toMatch(/\bat .*\.js:\d+/);
  }

  it('answers a signed success with the awsJson headers and epoch-number timestamps', async () => {
    const response = await raw({ target: `${TARGET}GetOperations` });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.json).toEqual({ operations: [] });
  });

  it('rejects an unknown target with UnknownOperationException', async () => {
    const response = await raw({ target: `${TARGET}MakeCoffee` });
    expectErrorShape(response, 'UnknownOperationException', 400);
    expect(response.json.message).toContain('MakeCoffee');
    expectErrorShape(await raw({ target: 'Other_2020.GetRegions' }), 'UnknownOperationException', 400);
    expectErrorShape(await raw({}), 'UnknownOperationException', 400);
  });

  it('names a Lightsail operation berth does not implement', async () => {
    const response = await raw({ target: `${TARGET}GetInstances` });
    expectErrorShape(response, 'InvalidInputException', 400, 'NotImplemented');
    expect(response.json.message).toContain('GetInstances');
  });

  it('rejects malformed JSON with SerializationException, and non-object JSON too', async () => {
    expectErrorShape(await raw({ target: `${TARGET}GetRegions`, body: '{"includeAvailabilityZones": tru' }), 'SerializationException', 400);
    expectErrorShape(await raw({ target: `${TARGET}GetRegions`, body: '[1,2]' }), 'SerializationException', 400);
  });

  it('rejects a body over the size limit with a modelled error the client receives', async () => {
    const response = await raw({ target: `${TARGET}GetRegions`, body: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }) });
    expectErrorShape(response, 'InvalidInputException', 400, 'RequestEntityTooLarge');
  });

  it('refuses missing, malformed, unknown-key, wrong-signature, tampered and stale requests', async () => {
    expectErrorShape(await raw({ target: `${TARGET}GetRegions`, unsigned: true }), 'UnauthenticatedException', 401, 'MissingAuthenticationToken');
    expectErrorShape(
      await raw({ target: `${TARGET}GetRegions`, unsigned: true, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=nonsense' } }),
      'UnauthenticatedException',
      401,
      'IncompleteSignature',
    );
    expectErrorShape(await raw({ target: `${TARGET}GetRegions`, accessKeyId: 'AKIDUNKNOWN' }), 'AccessDeniedException', 403, 'InvalidClientTokenId');
    expectErrorShape(await raw({ target: `${TARGET}GetRegions`, secretAccessKey: 'wrong-secret' }), 'AccessDeniedException', 403, 'SignatureDoesNotMatch');
    expectErrorShape(
      await raw({ target: `${TARGET}GetRegions`, body: '{}', tamperedBody: '{"includeAvailabilityZones":true}' }),
      'AccessDeniedException',
      403,
      'SignatureDoesNotMatch',
    );
    const stale = new Date(Date.now() - 16 * 60 * 1000);
    expectErrorShape(await raw({ target: `${TARGET}GetRegions`, signingDate: stale }), 'AccessDeniedException', 403, 'RequestTimeTooSkewed');
    const future = new Date(Date.now() + 16 * 60 * 1000);
    expectErrorShape(await raw({ target: `${TARGET}GetRegions`, signingDate: future }), 'AccessDeniedException', 403, 'RequestTimeTooSkewed');
  });

  it('surfaces auth errors as modelled exceptions in the JS SDK, and changes nothing', async () => {
    const wrong = berth.client({ secretAccessKey: 'not-the-secret' });
    const attempt = wrong.send(
      new CreateRelationalDatabaseCommand({
        relationalDatabaseName: 'never-created',
        relationalDatabaseBlueprintId: 'postgres_17',
        relationalDatabaseBundleId: 'micro_2_0',
        masterDatabaseName: 'app',
        masterUsername: 'app',
      }),
    );
    await expect(attempt).rejects.toBeInstanceOf(AccessDeniedException);
    await expect(attempt).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 }, code: 'SignatureDoesNotMatch' });
    wrong.destroy();
    const { relationalDatabases } = await client.send(new GetRelationalDatabasesCommand({}));
    expect(relationalDatabases).toEqual([]);
  });

  it('rejects a region that Lightsail does not have', async () => {
    const response = await raw({ target: `${TARGET}GetRegions`, region: 'moon-north-1' });
    expectErrorShape(response, 'InvalidInputException', 400, 'InvalidRegion');
    expect(response.json.message).toContain('us-east-1');
  });

  it('answers NotFoundException with the DoesNotExist code', async () => {
    const attempt = client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'ghost' }));
    await expect(attempt).rejects.toBeInstanceOf(NotFoundException);
    await expect(attempt).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 }, code: 'DoesNotExist' });
    const response = await raw({ target: `${TARGET}GetRelationalDatabase`, body: '{"relationalDatabaseName":"ghost"}' });
    expectErrorShape(response, 'NotFoundException', 404, 'DoesNotExist');
    expect(response.json.message).toContain('ghost');
  });

  it('echoes at most 255 characters of an unknown name, for databases, snapshots and tags', async () => {
    const long = `g${'h'.repeat(60_000)}t`; // under the 65,536-character limit on any string
    const calls: Array<[string, object, string]> = [
      ['GetRelationalDatabase', { relationalDatabaseName: long }, 'The Relational Database does not exist: '],
      ['GetRelationalDatabaseSnapshot', { relationalDatabaseSnapshotName: long }, 'The Relational Database Snapshot does not exist: '],
      ['TagResource', { resourceName: long, tags: [{ key: 'k', value: 'v' }] }, 'The resource does not exist: '],
    ];
    for (const [operation, input, prefix] of calls) {
      const response = await raw({ target: `${TARGET}${operation}`, body: JSON.stringify(input) });
      expectErrorShape(response, 'NotFoundException', 404, 'DoesNotExist');
      expect(response.json.message).toBe(prefix + long.slice(0, 255));
    }
  });

  describe('bad input of each kind answers InvalidInputException and creates nothing', () => {
    const valid: CreateRelationalDatabaseCommandInput = {
      relationalDatabaseName: 'valid-name',
      relationalDatabaseBlueprintId: 'postgres_17',
      relationalDatabaseBundleId: 'micro_2_0',
      masterDatabaseName: 'app',
      masterUsername: 'appuser',
      masterUserPassword: 'Valid-password1',
    };
    const cases: Array<[string, Partial<CreateRelationalDatabaseCommandInput>, RegExp]> = [
      ['missing required member', { masterUsername: undefined }, /masterUsername/],
      ['invalid database name', { relationalDatabaseName: '-bad name-' }, /relationalDatabaseName/],
      ['unknown blueprint', { relationalDatabaseBlueprintId: 'postgres_9' }, /postgres_17/],
      ['unknown bundle', { relationalDatabaseBundleId: 'huge_9_0' }, /bundle/],
      ['inactive bundle', { relationalDatabaseBundleId: 'micro_1_0' }, /inactive/],
      ['Availability Zone of another region', { availabilityZone: 'eu-west-1a' }, /us-east-1a/],
      ['reserved master user name', { masterUsername: 'select' }, /masterUsername/],
      ['master user name starting with a digit', { masterUsername: '1admin' }, /letter/],
      ['reserved master database name', { masterDatabaseName: 'template1' }, /masterDatabaseName/],
      ['password too short', { masterUserPassword: 'short' }, /8/],
      ['password with a forbidden character', { masterUserPassword: 'has/slash-in-it' }, /\//],
      ['malformed backup window', { preferredBackupWindow: '25:00-25:30' }, /preferredBackupWindow/],
      ['backup window shorter than 30 minutes', { preferredBackupWindow: '10:00-10:20' }, /30 minutes/],
      ['malformed maintenance window', { preferredMaintenanceWindow: 'tuesday:10:00-tuesday:10:30' }, /preferredMaintenanceWindow/],
      [
        'overlapping windows',
        { preferredBackupWindow: '10:00-10:45', preferredMaintenanceWindow: 'tue:10:30-tue:11:00' },
        /overlap/,
      ],
      ['tag with a reserved prefix', { tags: [{ key: 'aws:owner', value: 'x' }] }, /aws:/],
    ];
    for (const [label, change, message] of cases) {
      it(label, async () => {
        const attempt = client.send(new CreateRelationalDatabaseCommand({ ...valid, ...change }));
        await expect(attempt).rejects.toBeInstanceOf(InvalidInputException);
        await expect(attempt).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 }, message: expect.stringMatching(message) });
      });
    }

    it('wrong JSON types', async () => {
      const response = await raw({
        target: `${TARGET}CreateRelationalDatabase`,
        body: JSON.stringify({ ...valid, publiclyAccessible: 'yes' }),
      });
      expectErrorShape(response, 'InvalidInputException', 400);
      expect(response.json.message).toContain('publiclyAccessible');
    });

    it('left nothing behind', async () => {
      const { relationalDatabases } = await client.send(new GetRelationalDatabasesCommand({}));
      expect(relationalDatabases).toEqual([]);
    });
  });

  describe('calls that do not fit the state of the database', () => {
    const name = 'state-db';
    beforeAll(async () => {
      const { operations } = await client.send(
        new CreateRelationalDatabaseCommand({
          relationalDatabaseName: name,
          relationalDatabaseBlueprintId: 'postgres_16',
          relationalDatabaseBundleId: 'micro_2_0',
          masterDatabaseName: 'app',
          masterUsername: 'appuser',
        }),
      );
      expect((await operationDone(client, operations![0]!)).status).toBe('Succeeded');
    });

    it('refuses a second database of the same name', async () => {
      const attempt = client.send(
        new CreateRelationalDatabaseCommand({
          relationalDatabaseName: name,
          relationalDatabaseBlueprintId: 'postgres_16',
          relationalDatabaseBundleId: 'micro_2_0',
          masterDatabaseName: 'app',
          masterUsername: 'appuser',
        }),
      );
      await expect(attempt).rejects.toMatchObject({ name: 'InvalidInputException', code: 'AlreadyExists' });
    });

    it('refuses to start an available database and to reboot a stopped one', async () => {
      await expect(client.send(new StartRelationalDatabaseCommand({ relationalDatabaseName: name }))).rejects.toMatchObject({
        name: 'InvalidInputException',
        code: 'InvalidResourceState',
        message: expect.stringContaining('available'),
      });
      const stop = await client.send(new StopRelationalDatabaseCommand({ relationalDatabaseName: name }));
      await expect(client.send(new RebootRelationalDatabaseCommand({ relationalDatabaseName: name }))).rejects.toMatchObject({
        name: 'InvalidInputException',
        code: 'InvalidResourceState',
      });
      await operationDone(client, stop.operations![0]!);
      await expect(client.send(new StopRelationalDatabaseCommand({ relationalDatabaseName: name }))).rejects.toMatchObject({
        code: 'InvalidResourceState',
        message: expect.stringContaining('stopped'),
      });
    });

    it('refuses a final snapshot name together with skipFinalSnapshot=true, and a name that is not valid', async () => {
      await expect(
        client.send(
          new DeleteRelationalDatabaseCommand({ relationalDatabaseName: name, skipFinalSnapshot: true, finalRelationalDatabaseSnapshotName: 'final' }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidInputException', code: 'InvalidParameterCombination' });
      await expect(
        client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: name, finalRelationalDatabaseSnapshotName: '-bad-' })),
      ).rejects.toMatchObject({ name: 'InvalidInputException', message: expect.stringContaining('finalRelationalDatabaseSnapshotName') });
      const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }));
      expect(relationalDatabase?.state).toBe('stopped');
    });

    it('refuses to delete a database twice', async () => {
      const first = await client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: name, skipFinalSnapshot: true }));
      const second = client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: name, skipFinalSnapshot: true }));
      await expect(second).rejects.toBeInstanceOf(Error);
      await expect(second).rejects.toSatisfy(
        (error: { name: string }) => error.name === 'InvalidInputException' || error.name === 'NotFoundException',
      );
      expect((await operationDone(client, first.operations![0]!)).status).toBe('Succeeded');
    });
  });
});
