import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DeleteRelationalDatabaseCommand,
  GetRelationalDatabaseBlueprintsCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseMasterUserPasswordCommand,
  InvalidInputException,
  NotFoundException,
  RebootRelationalDatabaseCommand,
  StartRelationalDatabaseCommand,
  StopRelationalDatabaseCommand,
  UpdateRelationalDatabaseCommand,
  type LightsailClient,
  type Operation,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningAddresses } from '../src/engines/conformance/net.js';
import { BerthProcess } from './helpers/berth-process.js';
import { execFileAsync, hasTool, type Endpoint } from './helpers/clients.js';
import { createDatabase } from './helpers/databases.js';
import { connectMysqlVerified, withMysql } from './helpers/mysql.js';
import { engineAvailable } from './helpers/sql.js';
import { operationDone } from './helpers/waiters.js';

const NAME = 'maria-db';
const PASSWORD = 'Maria-pass-1';
const BLUEPRINT = 'mariadb_10_11';

describe.skipIf(!engineAvailable('mysql'))('a MySQL-compatible (MariaDB) database through berth', () => {
  let berth: BerthProcess;
  let client: LightsailClient;
  let endpoint: Endpoint;
  let created: RelationalDatabase;
  const ca: Record<string, string> = {};

  const describeDb = async () => (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: NAME }))).relationalDatabase!;
  const serverPid = () => withMysql(endpoint, ca.global!, async (db) => {
    const [rows] = await db.query("SELECT @@pid_file AS file");
    return (rows as Array<{ file: string }>)[0]!.file;
  });
  const count = () => withMysql(endpoint, ca.global!, async (db) => {
    const [rows] = await db.query('SELECT COUNT(*) AS n FROM notes');
    return Number((rows as Array<{ n: number }>)[0]!.n);
  });
  const act = async (pending: Promise<{ operations?: Operation[] }>) => {
    const { operations } = await pending;
    const done = await operationDone(client, operations![0]!);
    expect(done.status, done.errorDetails).toBe('Succeeded');
  };

  beforeAll(async () => {
    berth = await BerthProcess.start({ extraArgs: ['--public-listen-addresses', '127.0.0.2'] });
    client = berth.client();
    for (const id of ['global-bundle', 'rds-ca-rsa2048-g1', 'rds-ca-ecc384-g1']) {
      ca[id === 'global-bundle' ? 'global' : id] = await (await fetch(`${berth.url}/certificates/${id}.pem`)).text();
    }
  });
  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
  });

  it('offers an honest MariaDB blueprint under the mysql engine', async () => {
    const { blueprints } = await client.send(new GetRelationalDatabaseBlueprintsCommand({}));
    const maria = blueprints!.filter((blueprint) => blueprint.engine === 'mysql');
    expect(maria).toHaveLength(1);
    expect(maria[0]).toMatchObject({ blueprintId: BLUEPRINT, engineDescription: 'MariaDB, MySQL-compatible', isEngineDefault: true });
    expect(maria[0]!.engineVersion).toMatch(/^10\.11\.\d+-MariaDB$/);
  });

  it('creates it, applying the MySQL naming and password rules', async () => {
    await expect(
      createDatabase(client, 'bad-user', { relationalDatabaseBlueprintId: BLUEPRINT, masterUsername: 'a_very_long_user_name' }),
    ).rejects.toBeInstanceOf(InvalidInputException);
    await expect(
      createDatabase(client, 'bad-pass', { relationalDatabaseBlueprintId: BLUEPRINT, masterUserPassword: 'x'.repeat(42) }),
    ).rejects.toBeInstanceOf(InvalidInputException);
    created = await createDatabase(client, NAME, { relationalDatabaseBlueprintId: BLUEPRINT, masterUsername: 'admin1', masterUserPassword: PASSWORD });
    expect(created).toMatchObject({ state: 'available', engine: 'mysql', masterUsername: 'admin1', relationalDatabaseBlueprintId: BLUEPRINT });
    expect(created.engineVersion).toMatch(/MariaDB$/);
    endpoint = { port: created.masterEndpoint!.port!, user: 'admin1', database: 'app', password: PASSWORD };
  });

  it('serves verified TLS to mysql2 and refuses a CA that did not sign', async () => {
    await withMysql(endpoint, ca.global!, async (db) => {
      await db.query('CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(100) NOT NULL)');
      await db.query("INSERT INTO notes (body) VALUES ('one'), ('two')");
      const [rows] = await db.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
      expect((rows as Array<{ Value: string }>)[0]!.Value).toMatch(/^TLSv1\.[23]$/);
    });
    await expect(connectMysqlVerified(endpoint, ca['rds-ca-ecc384-g1']!)).rejects.toThrow();
  });

  it('serves the mariadb CLI with --ssl-verify-server-cert', async (context) => {
    if (!(await hasTool('mariadb', ['--version']))) return context.skip();
    const bundleFile = path.join(berth.dataDir, '..', 'bundle.pem');
    await writeFile(bundleFile, ca.global!);
    const { stdout } = await execFileAsync('mariadb', [
      '--protocol=TCP', '--host=localhost', `--port=${endpoint.port}`, '--user=admin1', `--password=${PASSWORD}`,
      '--ssl', `--ssl-ca=${bundleFile}`, '--ssl-verify-server-cert', '--batch', '--skip-column-names', 'app', '-e', 'SELECT COUNT(*) FROM notes',
    ]);
    expect(stdout.trim()).toBe('2');
  });

  it('keeps the data through stop/start, reboot, a berth restart and kill -9', async () => {
    await act(client.send(new StopRelationalDatabaseCommand({ relationalDatabaseName: NAME })));
    expect((await describeDb()).state).toBe('stopped');
    await expect(connectMysqlVerified(endpoint, ca.global!)).rejects.toThrow();
    await act(client.send(new StartRelationalDatabaseCommand({ relationalDatabaseName: NAME })));
    expect(await count()).toBe(2);
    await act(client.send(new RebootRelationalDatabaseCommand({ relationalDatabaseName: NAME })));
    expect(await count()).toBe(2);
    const before = await describeDb();
    await berth.restart();
    client.destroy();
    client = berth.client();
    expect(await describeDb()).toEqual(before);
    await withMysql(endpoint, ca.global!, (db) => db.query("INSERT INTO notes (body) VALUES ('three')"));
    await berth.restart({ hard: true });
    client.destroy();
    client = berth.client();
    expect(await describeDb()).toEqual(before);
    expect(await count()).toBe(3);
    expect(await serverPid()).toMatch(/\.pid$/);
  });

  it('rotates the CA with FLUSH SSL: a held connection survives, new ones verify only against the new CA', async () => {
    const held = await connectMysqlVerified(endpoint, ca['rds-ca-rsa2048-g1']!);
    try {
      const [[before]] = (await held.query('SELECT CONNECTION_ID() AS id, @@pid_file AS pidFile')) as unknown as [[{ id: number }]];
      await act(client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: NAME, caCertificateIdentifier: 'rds-ca-ecc384-g1', applyImmediately: true })));
      const [[after]] = (await held.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
      expect(after.id).toBe(before.id);
      await withMysql(endpoint, ca['rds-ca-ecc384-g1']!, (db) => db.query('SELECT 1'));
      await expect(connectMysqlVerified(endpoint, ca['rds-ca-rsa2048-g1']!)).rejects.toThrow();
      const [[uptime]] = (await held.query("SHOW GLOBAL STATUS LIKE 'Uptime'")) as unknown as [[{ Value: string }]];
      expect(Number(uptime.Value)).toBeGreaterThan(0);
    } finally {
      await held.end();
    }
    expect((await describeDb()).caCertificateIdentifier).toBe('rds-ca-ecc384-g1');
  });

  it('rotates the master password on the engine', async () => {
    await act(client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: NAME, rotateMasterUserPassword: true })));
    const { masterUserPassword } = await client.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: NAME }));
    expect(masterUserPassword!.length).toBeLessThanOrEqual(41);
    await expect(connectMysqlVerified(endpoint, ca.global!)).rejects.toThrow(/Access denied/);
    endpoint = { ...endpoint, password: masterUserPassword! };
    expect(await count()).toBe(3);
  });

  it('turns public access on and off on the listening socket', async () => {
    await act(client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: NAME, publiclyAccessible: true })));
    expect(await listeningAddresses(endpoint.port)).toContain('127.0.0.2');
    await act(client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: NAME, publiclyAccessible: false })));
    expect(await listeningAddresses(endpoint.port)).not.toContain('127.0.0.2');
    expect(await count()).toBe(3);
  });

  it('deletes it: server and data dir gone', async () => {
    const dataDir = path.join(berth.dataDir, 'databases', created.arn!.split('/')[1]!);
    expect(existsSync(dataDir)).toBe(true);
    const { operations } = await client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: NAME, skipFinalSnapshot: true }));
    expect((await operationDone(client, operations![0]!)).status).toBe('Succeeded');
    await expect(client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: NAME }))).rejects.toBeInstanceOf(NotFoundException);
    expect(existsSync(dataDir)).toBe(false);
    await expect(connectMysqlVerified(endpoint, ca.global!)).rejects.toThrow();
  });
});
