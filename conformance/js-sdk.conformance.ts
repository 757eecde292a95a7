/**
 * The AWS SDK for JavaScript v3 (`@aws-sdk/client-lightsail`) against a real
 * berth: a full database life cycle. The JS SDK has no Lightsail paginators
 * or waiters and no client-side validation, so this suite pages with
 * pageToken/nextPageToken loops, polls GetOperation, and checks that berth
 * itself refuses what botocore would have refused before sending.
 */
import {
  CreateRelationalDatabaseCommand,
  CreateRelationalDatabaseFromSnapshotCommand,
  CreateRelationalDatabaseSnapshotCommand,
  DeleteRelationalDatabaseCommand,
  DeleteRelationalDatabaseSnapshotCommand,
  GetOperationsCommand,
  GetOperationsForResourceCommand,
  GetRelationalDatabaseBlueprintsCommand,
  GetRelationalDatabaseBundlesCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseEventsCommand,
  GetRelationalDatabaseLogEventsCommand,
  GetRelationalDatabaseLogStreamsCommand,
  GetRelationalDatabaseMasterUserPasswordCommand,
  GetRelationalDatabaseMetricDataCommand,
  GetRelationalDatabasesCommand,
  GetRelationalDatabaseSnapshotCommand,
  GetRelationalDatabaseSnapshotsCommand,
  InvalidInputException,
  LightsailServiceException,
  NotFoundException,
  RebootRelationalDatabaseCommand,
  StartRelationalDatabaseCommand,
  StopRelationalDatabaseCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRelationalDatabaseCommand,
  type LightsailClient,
  type Operation,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withVerifiedClient, type Endpoint } from '../test/helpers/clients.js';
import { databaseState, operationDone, until } from '../test/helpers/waiters.js';
import { caBundle, requestsSeen, sleep, startConformanceBerth, tcpAccepts, type BerthProcess } from './helpers.js';

const PASSWORD = 'Js-conformance-1';
const NEW_PASSWORD = 'Js-conformance-2';

/** Collects every page of a pageToken/nextPageToken operation (the JS SDK has no Lightsail paginators). */
async function allPages<T>(fetchPage: (pageToken: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[][]> {
  const pages: T[][] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    pages.push(page.items);
    token = page.next;
  } while (token !== undefined && pages.length < 1000);
  return pages;
}

describe('AWS SDK for JavaScript v3 against berth', () => {
  let berth: BerthProcess;
  let client: LightsailClient;
  let bundle: string;
  let blueprintId = '';
  let betweenWrites: Date;
  const operationIds: string[] = [];

  const keep = (operations: Operation[] | undefined): Operation[] => {
    expect(operations?.length).toBeGreaterThan(0);
    for (const operation of operations!) operationIds.push(operation.id!);
    return operations!;
  };
  const allSucceeded = async (operations: Operation[] | undefined) => {
    const statuses: string[] = [];
    for (const operation of keep(operations)) statuses.push((await operationDone(client, operation, 180_000)).status!);
    return statuses;
  };
  const getDb = async (name: string) => (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;
  const endpointOf = (db: RelationalDatabase, password = PASSWORD): Endpoint => ({
    port: db.masterEndpoint!.port!,
    user: 'jsadmin',
    database: 'app',
    password,
  });
  const notes = (db: RelationalDatabase) =>
    withVerifiedClient(endpointOf(db), bundle, async (pg) => (await pg.query('SELECT body FROM notes ORDER BY id')).rows.map((row) => row.body));
  const insertNote = (db: RelationalDatabase, body: string) =>
    withVerifiedClient(endpointOf(db), bundle, (pg) => pg.query('INSERT INTO notes (body) VALUES ($1)', [body]));
  const snapshotNames = async () =>
    (
      await allPages(async (pageToken) => {
        const page = await client.send(new GetRelationalDatabaseSnapshotsCommand({ pageToken }));
        return { items: page.relationalDatabaseSnapshots!.map((s) => s.name!), next: page.nextPageToken };
      })
    ).flat();

  beforeAll(async () => {
    berth = await startConformanceBerth(2);
    client = berth.client();
    bundle = await caBundle(berth);
  });

  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
  });

  it('reads the catalogue and creates three databases (Date timestamps, generated password)', async () => {
    const { blueprints } = await client.send(new GetRelationalDatabaseBlueprintsCommand({}));
    const defaults = blueprints!.filter((b) => String(b.engine) === 'postgres' && b.isEngineDefault);
    expect(defaults).toHaveLength(1);
    blueprintId = defaults[0]!.blueprintId!;
    const { bundles } = await client.send(new GetRelationalDatabaseBundlesCommand({}));
    expect(bundles!.find((b) => b.bundleId === 'micro_2_0')).toMatchObject({ isActive: true, ramSizeInGb: expect.any(Number) });

    for (const name of ['js-one', 'js-two', 'js-three']) {
      const { operations } = await client.send(
        new CreateRelationalDatabaseCommand({
          relationalDatabaseName: name,
          relationalDatabaseBlueprintId: blueprintId,
          relationalDatabaseBundleId: 'micro_2_0',
          masterDatabaseName: 'app',
          masterUsername: 'jsadmin',
          // js-two gets a generated password.
          ...(name === 'js-two' ? {} : { masterUserPassword: PASSWORD }),
          tags: [{ key: 'suite', value: 'js' }],
        }),
      );
      expect(operations![0]).toMatchObject({ operationType: 'CreateRelationalDatabase', status: 'Started', resourceName: name });
      expect(operations![0]!.createdAt).toBeInstanceOf(Date);
      expect(await allSucceeded(operations)).toEqual(['Succeeded']);
    }
    const db = await getDb('js-one');
    expect(db).toMatchObject({
      state: 'available',
      engine: 'postgres',
      relationalDatabaseBlueprintId: blueprintId,
      masterUsername: 'jsadmin',
      backupRetentionEnabled: true,
      publiclyAccessible: false,
      tags: [{ key: 'suite', value: 'js' }],
      hardware: { cpuCount: expect.any(Number), ramSizeInGb: expect.any(Number), diskSizeInGb: expect.any(Number) },
    });
    expect(db.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(db.createdAt!.getTime() - Date.now())).toBeLessThan(10 * 60_000);

    const generated = await client.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: 'js-two' }));
    expect(generated.masterUserPassword!.length).toBeGreaterThanOrEqual(8);
    expect(generated.createdAt).toBeInstanceOf(Date);
    const two = await getDb('js-two');
    const user = await withVerifiedClient({ ...endpointOf(two), password: generated.masterUserPassword! }, bundle, async (pg) => (await pg.query('SELECT current_user AS u')).rows[0].u);
    expect(user).toBe('jsadmin');

    await withVerifiedClient(endpointOf(db), bundle, (pg) => pg.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)'));
    await insertNote(db, 'before-snapshot');
  });

  it('pages GetRelationalDatabases with pageToken loops and refuses a foreign token', async () => {
    const pages = await allPages(async (pageToken) => {
      const page = await client.send(new GetRelationalDatabasesCommand({ pageToken }));
      return { items: page.relationalDatabases!.map((db) => db.name!), next: page.nextPageToken };
    });
    expect(pages).toEqual([['js-one', 'js-three'], ['js-two']]);

    const first = await client.send(new GetRelationalDatabasesCommand({}));
    const foreign = client.send(new GetRelationalDatabaseSnapshotsCommand({ pageToken: first.nextPageToken }));
    await expect(foreign).rejects.toBeInstanceOf(InvalidInputException);
    await expect(foreign).rejects.toMatchObject({ code: 'InvalidPageToken', $metadata: { httpStatusCode: 400 } });
  });

  it('updates windows and the master password (new one works, old one refused, PREVIOUS kept)', async () => {
    const windows = await client.send(
      new UpdateRelationalDatabaseCommand({
        relationalDatabaseName: 'js-one',
        preferredBackupWindow: '10:00-10:30',
        preferredMaintenanceWindow: 'sat:23:50-sun:00:20',
      }),
    );
    expect(await allSucceeded(windows.operations)).toEqual(['Succeeded']);
    expect(await getDb('js-one')).toMatchObject({ preferredBackupWindow: '10:00-10:30', preferredMaintenanceWindow: 'sat:23:50-sun:00:20' });

    const password = await client.send(
      new UpdateRelationalDatabaseCommand({ relationalDatabaseName: 'js-one', masterUserPassword: NEW_PASSWORD, applyImmediately: true }),
    );
    expect(await allSucceeded(password.operations)).toEqual(['Succeeded']);
    const db = await databaseState(client, 'js-one', 'available');
    expect(db.pendingModifiedValues ?? {}).toEqual({});
    const current = await client.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: 'js-one', passwordVersion: 'CURRENT' }));
    const previous = await client.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: 'js-one', passwordVersion: 'PREVIOUS' }));
    expect([current.masterUserPassword, previous.masterUserPassword]).toEqual([NEW_PASSWORD, PASSWORD]);
    await withVerifiedClient(endpointOf(db, NEW_PASSWORD), bundle, (pg) => pg.query('SELECT 1'));
    await expect(withVerifiedClient(endpointOf(db, PASSWORD), bundle, (pg) => pg.query('SELECT 1'))).rejects.toThrow(/password authentication failed/);
    // Back to the first password, which the rest of the suite (and the snapshots) use.
    const back = await client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: 'js-one', masterUserPassword: PASSWORD, applyImmediately: true }));
    expect(await allSucceeded(back.operations)).toEqual(['Succeeded']);
    await databaseState(client, 'js-one', 'available');
  });

  it('switches public access on and off (127.0.0.2 accepts only while public)', async () => {
    const port = (await getDb('js-one')).masterEndpoint!.port!;
    for (const publiclyAccessible of [true, false]) {
      const { operations } = await client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: 'js-one', publiclyAccessible, applyImmediately: true }));
      expect(await allSucceeded(operations)).toEqual(['Succeeded']);
      const db = await until(`js-one publiclyAccessible=${publiclyAccessible}`, async () => {
        const current = await getDb('js-one');
        return current.state === 'available' && current.publiclyAccessible === publiclyAccessible ? current : undefined;
      });
      expect(db.masterEndpoint!.port).toBe(port);
      expect(await tcpAccepts('127.0.0.2', port)).toBe(publiclyAccessible);
    }
  });

  it('stops, starts and reboots', async () => {
    const stop = await client.send(new StopRelationalDatabaseCommand({ relationalDatabaseName: 'js-two' }));
    expect(stop.operations![0]).toMatchObject({ operationType: 'StopRelationalDatabase' });
    expect(await allSucceeded(stop.operations)).toEqual(['Succeeded']);
    const stopped = await databaseState(client, 'js-two', 'stopped');
    expect(await tcpAccepts('127.0.0.1', stopped.masterEndpoint!.port!)).toBe(false);
    const start = await client.send(new StartRelationalDatabaseCommand({ relationalDatabaseName: 'js-two' }));
    expect(await allSucceeded(start.operations)).toEqual(['Succeeded']);
    const started = await databaseState(client, 'js-two', 'available');
    expect(await tcpAccepts('127.0.0.1', started.masterEndpoint!.port!)).toBe(true);
    const reboot = await client.send(new RebootRelationalDatabaseCommand({ relationalDatabaseName: 'js-three' }));
    expect(reboot.operations![0]).toMatchObject({ operationType: 'RebootRelationalDatabase' });
    expect(await allSucceeded(reboot.operations)).toEqual(['Succeeded']);
    await databaseState(client, 'js-three', 'available');
  });

  it('tags and untags by name and ARN, refusing an ARN that is not the resource', async () => {
    const db = await getDb('js-one');
    keep((await client.send(new TagResourceCommand({ resourceName: 'js-one', resourceArn: db.arn, tags: [{ key: 'env', value: 'a' }, { key: 'team', value: 'x' }] }))).operations);
    keep((await client.send(new TagResourceCommand({ resourceName: 'js-one', tags: [{ key: 'env', value: 'b' }] }))).operations);
    keep((await client.send(new UntagResourceCommand({ resourceName: 'js-one', tagKeys: ['team', 'suite'] }))).operations);
    expect((await getDb('js-one')).tags).toEqual([{ key: 'env', value: 'b' }]);
    const wrongArn = client.send(new TagResourceCommand({ resourceName: 'js-one', resourceArn: (await getDb('js-two')).arn, tags: [{ key: 'k', value: 'v' }] }));
    await expect(wrongArn).rejects.toBeInstanceOf(InvalidInputException);
  });

  it('snapshots and restores the snapshot into a database holding exactly its data', async () => {
    const { operations } = await client.send(
      new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: 'js-one', relationalDatabaseSnapshotName: 'js-one-snap', tags: [{ key: 'kind', value: 'manual' }] }),
    );
    expect(operations!.map((op) => [op.resourceType, op.resourceName, op.operationDetails])).toEqual([
      ['RelationalDatabaseSnapshot', 'js-one-snap', 'js-one'],
      ['RelationalDatabase', 'js-one', 'js-one-snap'],
    ]);
    expect(await allSucceeded(operations)).toEqual(['Succeeded', 'Succeeded']);
    const { relationalDatabaseSnapshot: snapshot } = await client.send(new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: 'js-one-snap' }));
    expect(snapshot).toMatchObject({ state: 'available', fromRelationalDatabaseName: 'js-one', engine: 'postgres', tags: [{ key: 'kind', value: 'manual' }] });
    expect(snapshot!.createdAt).toBeInstanceOf(Date);

    const source = await getDb('js-one');
    await insertNote(source, 'after-snapshot');
    const restore = await client.send(new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: 'js-restored', relationalDatabaseSnapshotName: 'js-one-snap' }));
    expect(await allSucceeded(restore.operations)).toEqual(['Succeeded']);
    const restored = await getDb('js-restored');
    expect(restored).toMatchObject({ state: 'available', masterUsername: 'jsadmin' });
    expect(await notes(restored)).toEqual(['before-snapshot']);
  });

  it('restores to a restoreTime Date with milliseconds: rows before it, none after', async () => {
    const source = await getDb('js-one');
    await sleep(1100);
    betweenWrites = new Date();
    await sleep(1100);
    await insertNote(source, 'after-restore-time');
    const written = Date.now();
    const latest = await until('latestRestorableTime past the last write', async () => {
      const latest = (await getDb('js-one')).latestRestorableTime;
      return latest && latest.getTime() >= written ? latest : undefined;
    }, 60_000, 200);
    expect(latest).toBeInstanceOf(Date);
    const { operations } = await client.send(
      new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: 'js-pitr', sourceRelationalDatabaseName: 'js-one', restoreTime: betweenWrites }),
    );
    expect(await allSucceeded(operations)).toEqual(['Succeeded']);
    expect(await notes(await getDb('js-pitr'))).toEqual(['before-snapshot', 'after-snapshot']);
  });

  it('reads events, operations (global and per resource) by pageToken loops, metric data and log events', async () => {
    const eventPages = await allPages(async (pageToken) => {
      const page = await client.send(new GetRelationalDatabaseEventsCommand({ relationalDatabaseName: 'js-one', durationInMinutes: 60, pageToken }));
      return { items: page.relationalDatabaseEvents!, next: page.nextPageToken };
    });
    expect(eventPages.length).toBeGreaterThan(1);
    const events = eventPages.flat();
    expect(events.every((event) => event.createdAt instanceof Date && event.resource === 'js-one')).toBe(true);
    expect(events.map((event) => event.message)).toEqual(expect.arrayContaining([expect.stringMatching(/created/i), expect.stringContaining('js-one-snap')]));

    const operationPages = await allPages(async (pageToken) => {
      const page = await client.send(new GetOperationsCommand({ pageToken }));
      return { items: page.operations!, next: page.nextPageToken };
    });
    expect(Math.max(...operationPages.map((page) => page.length))).toBe(2);
    const listed = operationPages.flat();
    expect(new Set(listed.map((op) => op.id)).size).toBe(listed.length);
    expect(operationIds.filter((id) => !listed.some((op) => op.id === id))).toEqual([]);
    const times = listed.map((op) => op.createdAt!.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const forOne = (
      await allPages(async (pageToken) => {
        const page = await client.send(new GetOperationsForResourceCommand({ resourceName: 'js-one', pageToken }));
        return { items: page.operations!, next: page.nextPageToken };
      })
    ).flat();
    expect(forOne.length).toBeGreaterThan(2);
    expect(forOne.every((op) => op.resourceName === 'js-one')).toBe(true);
    expect(forOne.map((op) => op.operationType)).toEqual(expect.arrayContaining(['CreateRelationalDatabase', 'UpdateRelationalDatabase', 'TagResource']));

    const metric = await until('FreeStorageSpace datapoints', async () => {
      const result = await client.send(
        new GetRelationalDatabaseMetricDataCommand({
          relationalDatabaseName: 'js-one',
          metricName: 'FreeStorageSpace',
          period: 60,
          startTime: new Date(Date.now() - 600_000),
          endTime: new Date(Date.now() + 60_000),
          unit: 'Bytes',
          statistics: ['Minimum'],
        }),
      );
      return result.metricData!.length > 0 ? result : undefined;
    }, 60_000, 500);
    expect(metric.metricName).toBe('FreeStorageSpace');
    for (const point of metric.metricData!) {
      expect(point.timestamp).toBeInstanceOf(Date);
      expect(point).toMatchObject({ unit: 'Bytes', minimum: expect.any(Number) });
      expect(point.minimum).toBeGreaterThan(0);
    }

    const { logStreams } = await client.send(new GetRelationalDatabaseLogStreamsCommand({ relationalDatabaseName: 'js-one' }));
    expect(logStreams).toContain('postgresql');
    const log = await client.send(new GetRelationalDatabaseLogEventsCommand({ relationalDatabaseName: 'js-one', logStreamName: 'postgresql', startFromHead: true }));
    expect(log.resourceLogEvents!.length).toBeGreaterThan(0);
    expect(log.resourceLogEvents!.every((event) => event.createdAt instanceof Date && typeof event.message === 'string')).toBe(true);
  });

  it('throws modelled exception classes with $metadata.httpStatusCode, code, tip and docs; berth validates what the SDK does not', async () => {
    const missing = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'js-nope' })).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NotFoundException);
    expect(missing).toBeInstanceOf(LightsailServiceException);
    expect(missing).toMatchObject({
      name: 'NotFoundException',
      $fault: 'client',
      $metadata: { httpStatusCode: 404 },
      code: 'DoesNotExist',
      tip: expect.any(String),
      docs: expect.stringMatching(/^https:\/\//),
      message: expect.stringContaining('js-nope'),
    });

    // The JS SDK sends a missing required member as {}: berth must refuse it itself.
    const before = requestsSeen(berth).filter((line) => line.operation === 'GetRelationalDatabase' && line.status === 400).length;
    const empty = await client.send(new GetRelationalDatabaseCommand({} as never)).catch((error: unknown) => error);
    expect(empty).toBeInstanceOf(InvalidInputException);
    expect(empty).toMatchObject({ $metadata: { httpStatusCode: 400 }, message: expect.stringContaining('relationalDatabaseName'), tip: expect.any(String) });
    // ...and it did reach berth (its request log line may trail the response a little).
    await until('the 400 in berth\'s request log', async () =>
      requestsSeen(berth).filter((line) => line.operation === 'GetRelationalDatabase' && line.status === 400).length === before + 1 || undefined,
    5_000, 50);

    const tooShort = client.send(
      new GetRelationalDatabaseMetricDataCommand({
        relationalDatabaseName: 'js-one',
        metricName: 'CPUUtilization',
        period: 10,
        startTime: new Date(Date.now() - 600_000),
        endTime: new Date(),
        unit: 'Percent',
        statistics: ['Average'],
      }),
    );
    await expect(tooShort).rejects.toBeInstanceOf(InvalidInputException);
    await expect(tooShort).rejects.toMatchObject({ message: expect.stringMatching(/period/) });
  });

  it('deletes with skipFinalSnapshot, a named final snapshot and the default one, then cleans up', async () => {
    expect(await snapshotNames()).toEqual(['js-one-snap']);
    const skipped = await client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: 'js-two', skipFinalSnapshot: true }));
    expect(skipped.operations!.map((op) => op.operationType)).toEqual(['DeleteRelationalDatabase']);
    expect(await allSucceeded(skipped.operations)).toEqual(['Succeeded']);
    await expect(getDb('js-two')).rejects.toBeInstanceOf(NotFoundException);
    expect(await snapshotNames()).toEqual(['js-one-snap']);

    const named = await client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: 'js-three', finalRelationalDatabaseSnapshotName: 'js-three-final' }));
    expect(named.operations!.map((op) => [op.operationType, op.resourceName])).toEqual([
      ['DeleteRelationalDatabase', 'js-three'],
      ['CreateRelationalDatabaseSnapshot', 'js-three'],
      ['CreateRelationalDatabaseSnapshot', 'js-three-final'],
    ]);
    expect(await allSucceeded(named.operations)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    const { relationalDatabaseSnapshot: final } = await client.send(new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: 'js-three-final' }));
    expect(final).toMatchObject({ state: 'available', fromRelationalDatabaseName: 'js-three' });
    await expect(getDb('js-three')).rejects.toBeInstanceOf(NotFoundException);

    const implicit = await client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: 'js-restored' }));
    expect(await allSucceeded(implicit.operations)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    const names = await snapshotNames();
    expect(names).toEqual(['js-one-snap', expect.stringMatching(/^js-restored-FinalSnapshot-\d{13}$/), 'js-three-final']);

    for (const name of ['js-one', 'js-pitr']) {
      expect(await allSucceeded((await client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: name, skipFinalSnapshot: true }))).operations)).toEqual(['Succeeded']);
    }
    for (const name of names) {
      const { operations } = await client.send(new DeleteRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: name }));
      expect(operations![0]).toMatchObject({ operationType: 'DeleteRelationalDatabaseSnapshot', status: 'Succeeded' });
    }
    expect((await client.send(new GetRelationalDatabasesCommand({}))).relationalDatabases).toEqual([]);
    expect(await snapshotNames()).toEqual([]);
  });
});
