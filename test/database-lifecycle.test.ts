import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateRelationalDatabaseCommand,
  DeleteRelationalDatabaseCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseMasterUserPasswordCommand,
  NotFoundException,
  RebootRelationalDatabaseCommand,
  StartRelationalDatabaseCommand,
  StopRelationalDatabaseCommand,
  type LightsailClient,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from './helpers/berth-process.js';
import { connectVerified, execFileAsync, hasTool, withVerifiedClient, type Endpoint } from './helpers/clients.js';
import { isAlive, parentPid } from './helpers/processes.js';
import { databaseState, operationDone, until } from './helpers/waiters.js';

const NAME = 'lifecycle-db';
const PASSWORD = 'Lifecycle-pass.123';

describe('a PostgreSQL database through its whole life, against a real berth', () => {
  let berth: BerthProcess;
  let client: LightsailClient;
  let bundle: string;
  let endpoint: Endpoint;
  let created: RelationalDatabase;

  const postmasterPid = () =>
    withVerifiedClient(endpoint, bundle, async (db) => {
      const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return parentPid(rows[0]!.pid);
    });
  const rowCount = () =>
    withVerifiedClient(endpoint, bundle, async (db) => Number((await db.query('SELECT count(*) AS n FROM notes')).rows[0].n));
  const describeDb = async () =>
    (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: NAME }))).relationalDatabase!;

  beforeAll(async () => {
    berth = await BerthProcess.start();
    client = berth.client();
    bundle = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
  });

  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
  });

  it('creates the database and reports it available only once it serves verified TLS', async () => {
    const { operations } = await client.send(
      new CreateRelationalDatabaseCommand({
        relationalDatabaseName: NAME,
        relationalDatabaseBlueprintId: 'postgres_17',
        relationalDatabaseBundleId: 'micro_2_0',
        masterDatabaseName: 'app',
        masterUsername: 'appadmin',
        masterUserPassword: PASSWORD,
        tags: [{ key: 'team', value: 'storage' }],
      }),
    );
    expect(operations).toHaveLength(1);
    expect(operations![0]).toMatchObject({
      resourceName: NAME,
      resourceType: 'RelationalDatabase',
      operationType: 'CreateRelationalDatabase',
      status: 'Started',
      isTerminal: false,
    });
    const done = await operationDone(client, operations![0]!);
    expect(done.status).toBe('Succeeded');
    // The moment the operation succeeds the database must already be available (Terraform relies on it).
    created = await describeDb();
    expect(created.state).toBe('available');
    expect(created).toMatchObject({
      name: NAME,
      resourceType: 'RelationalDatabase',
      relationalDatabaseBlueprintId: 'postgres_17',
      relationalDatabaseBundleId: 'micro_2_0',
      engine: 'postgres',
      masterDatabaseName: 'app',
      masterUsername: 'appadmin',
      backupRetentionEnabled: true,
      publiclyAccessible: false,
      parameterApplyStatus: 'in-sync',
      caCertificateIdentifier: 'rds-ca-rsa2048-g1',
      location: { availabilityZone: 'us-east-1a', regionName: 'us-east-1' },
      hardware: { cpuCount: 2, diskSizeInGb: 40, ramSizeInGb: 1 },
      tags: [{ key: 'team', value: 'storage' }],
      pendingModifiedValues: {},
      pendingMaintenanceActions: [],
    });
    expect(created.engineVersion).toMatch(/^17\.\d+$/);
    expect(created.arn).toMatch(/^arn:aws:lightsail:us-east-1:\d{12}:RelationalDatabase\/[0-9a-f-]{36}$/);
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.masterEndpoint?.address).toBe('localhost');
    expect(created.preferredBackupWindow).toMatch(/^\d{2}:\d{2}-\d{2}:\d{2}$/);
    expect(created.preferredMaintenanceWindow).toMatch(/^[a-z]{3}:\d{2}:\d{2}-[a-z]{3}:\d{2}:\d{2}$/);
    endpoint = { port: created.masterEndpoint!.port!, user: 'appadmin', database: 'app', password: PASSWORD };

    const secret = await client.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: NAME }));
    expect(secret.masterUserPassword).toBe(PASSWORD);
  });

  it('accepts verify-full connections against the served bundle, and refuses a CA that did not sign', async () => {
    await withVerifiedClient(endpoint, bundle, async (db) => {
      await db.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)');
      await db.query("INSERT INTO notes (body) VALUES ('first'), ('second')");
      const { rows } = await db.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0].ssl).toBe(true);
    });
    const otherCa = await (await fetch(`${berth.url}/certificates/rds-ca-ecc384-g1.pem`)).text();
    await expect(connectVerified(endpoint, otherCa)).rejects.toThrow(/certificate/i);
  });

  it('serves psql with sslmode=verify-full', async (context) => {
    if (!(await hasTool('psql'))) return context.skip();
    const bundleFile = path.join(berth.dataDir, '..', 'bundle.pem');
    await writeFile(bundleFile, bundle);
    const { stdout } = await execFileAsync(
      'psql',
      [
        `host=localhost port=${endpoint.port} sslmode=verify-full sslrootcert=${bundleFile} user=appadmin dbname=app`,
        '-At',
        '-c',
        'SELECT count(*) FROM notes',
      ],
      { env: { ...process.env, PGPASSWORD: PASSWORD } },
    );
    expect(stdout.trim()).toBe('2');
  });

  it('stops and starts the server for real, keeping the data', async () => {
    const pidBefore = await postmasterPid();
    const stop = await client.send(new StopRelationalDatabaseCommand({ relationalDatabaseName: NAME }));
    expect((await operationDone(client, stop.operations![0]!)).status).toBe('Succeeded');
    expect((await describeDb()).state).toBe('stopped');
    expect(isAlive(pidBefore)).toBe(false);
    await expect(connectVerified(endpoint, bundle)).rejects.toThrow();

    const start = await client.send(new StartRelationalDatabaseCommand({ relationalDatabaseName: NAME }));
    expect((await operationDone(client, start.operations![0]!)).status).toBe('Succeeded');
    expect((await describeDb()).state).toBe('available');
    expect(await rowCount()).toBe(2);
    expect(await postmasterPid()).not.toBe(pidBefore);
  });

  it('reboots into a new server process with the data intact', async () => {
    const pidBefore = await postmasterPid();
    const reboot = await client.send(new RebootRelationalDatabaseCommand({ relationalDatabaseName: NAME }));
    expect(reboot.operations![0]).toMatchObject({ operationType: 'RebootRelationalDatabase', status: 'Started' });
    expect((await operationDone(client, reboot.operations![0]!)).status).toBe('Succeeded');
    expect((await describeDb()).state).toBe('available');
    expect(await postmasterPid()).not.toBe(pidBefore);
    expect(await rowCount()).toBe(2);
  });

  it('keeps the server running across a clean berth restart and re-adopts it', async () => {
    const pidBefore = await postmasterPid();
    const before = await describeDb();
    await berth.restart();
    client.destroy();
    client = berth.client();
    expect(await describeDb()).toEqual(before);
    expect(await postmasterPid()).toBe(pidBefore);
    expect(await rowCount()).toBe(2);
  });

  it('loses nothing when berth is killed with -9', async () => {
    await withVerifiedClient(endpoint, bundle, (db) => db.query("INSERT INTO notes (body) VALUES ('third')"));
    const before = await describeDb();
    await berth.restart({ hard: true });
    client.destroy();
    client = berth.client();
    expect(await describeDb()).toEqual(before);
    expect(await rowCount()).toBe(3);
  });

  it('starts a server that died while berth was down', async () => {
    const pid = await postmasterPid();
    await berth.stop();
    process.kill(pid, 'SIGKILL');
    await berth.launch();
    client.destroy();
    client = berth.client();
    const db = await databaseState(client, NAME, 'available');
    expect(db.name).toBe(NAME);
    const recovered = await until('the recovered server to answer', () => rowCount());
    expect(recovered).toBe(3);
  });

  it('deletes the database: process and data dir gone, metadata gone', async () => {
    const pid = await postmasterPid();
    const dataDir = path.join(berth.dataDir, 'databases', created.arn!.split('/')[1]!);
    expect(existsSync(dataDir)).toBe(true);
    const { operations } = await client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: NAME, skipFinalSnapshot: true }));
    expect(operations![0]).toMatchObject({ operationType: 'DeleteRelationalDatabase', status: 'Started' });
    expect((await operationDone(client, operations![0]!)).status).toBe('Succeeded');
    await expect(client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: NAME }))).rejects.toBeInstanceOf(NotFoundException);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  });
});

