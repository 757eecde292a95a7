import {
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseMasterUserPasswordCommand,
  InvalidInputException,
  NotFoundException,
  StartRelationalDatabaseCommand,
  StopRelationalDatabaseCommand,
  UpdateRelationalDatabaseCommand,
  type LightsailClient,
  type RelationalDatabase,
  type UpdateRelationalDatabaseCommandInput,
} from '@aws-sdk/client-lightsail';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningAddresses } from '../src/engines/conformance/net.js';
import { BERTH_BIN, BerthProcess } from './helpers/berth-process.js';
import { connectVerified, execFileAsync, withVerifiedClient, type Endpoint } from './helpers/clients.js';
import { createDatabase } from './helpers/databases.js';
import { parentPid } from './helpers/processes.js';
import { databaseState, operationDone, until } from './helpers/waiters.js';

const NAME = 'update-db';
const FIRST_PASSWORD = 'First-password-1';
const PUBLIC_ADDRESS = '127.0.0.2';

/** A maintenance window open right now (and the matching backup window far away). */
function windowsOpenNow(now = new Date()): { maintenance: string; backup: string } {
  const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const start = new Date(now.getTime() - 10 * 60_000);
  const end = new Date(now.getTime() + 50 * 60_000);
  const at = (date: Date) =>
    `${days[date.getUTCDay()]}:${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
  const backupStart = new Date(now.getTime() + 12 * 3600_000);
  const backupEnd = new Date(backupStart.getTime() + 30 * 60_000);
  const hm = (date: Date) => `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
  return { maintenance: `${at(start)}-${at(end)}`, backup: `${hm(backupStart)}-${hm(backupEnd)}` };
}

describe('UpdateRelationalDatabase against a real berth and a real engine', () => {
  let berth: BerthProcess;
  let client: LightsailClient;
  let endpoint: Endpoint;
  const caPem: Record<string, string> = {};

  const describeDb = async (): Promise<RelationalDatabase> =>
    (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: NAME }))).relationalDatabase!;
  const update = async (input: Omit<UpdateRelationalDatabaseCommandInput, 'relationalDatabaseName'>) => {
    const { operations } = await client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: NAME, ...input }));
    expect(operations).toHaveLength(1);
    expect(operations![0]!.operationType).toBe('UpdateRelationalDatabase');
    const done = await operationDone(client, operations![0]!);
    expect(done.status, done.errorDetails).toBe('Succeeded');
    return operations![0]!;
  };
  const postmasterPid = (ca: string) =>
    withVerifiedClient(endpoint, ca, async (db) => parentPid((await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid));
  const servedBy = async (identifier: string) => {
    await withVerifiedClient(endpoint, caPem[identifier]!, (db) => db.query('SELECT 1'));
    for (const [other, pem] of Object.entries(caPem)) {
      if (other !== identifier) await expect(connectVerified(endpoint, pem), `verified by ${other}`).rejects.toThrow(/certificate/i);
    }
  };

  beforeAll(async () => {
    berth = await BerthProcess.start({
      extraArgs: ['--public-listen-addresses', PUBLIC_ADDRESS, '--maintenance-interval-ms', '200'],
    });
    client = berth.client();
    for (const id of ['rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1', 'rds-ca-ecc384-g1']) {
      caPem[id] = await (await fetch(`${berth.url}/certificates/${id}.pem`)).text();
    }
    const created = await createDatabase(client, NAME, {
      masterUserPassword: FIRST_PASSWORD,
      preferredBackupWindow: '03:00-03:30',
      preferredMaintenanceWindow: 'sun:05:00-sun:05:30',
    });
    endpoint = { port: created.masterEndpoint!.port!, user: 'owner', database: 'app', password: FIRST_PASSWORD };
  });

  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
  });

  it('rotates the CA now: reload without restart, held connection survives, new connections verify only against the new CA', async () => {
    await servedBy('rds-ca-rsa2048-g1');
    const pidBefore = await postmasterPid(caPem['rds-ca-rsa2048-g1']!);
    const held: pg.Client = await connectVerified(endpoint, caPem['rds-ca-rsa2048-g1']!);
    try {
      await held.query('CREATE TABLE kept (n int)');
      const { operations } = await client.send(
        new UpdateRelationalDatabaseCommand({ relationalDatabaseName: NAME, caCertificateIdentifier: 'rds-ca-ecc384-g1', applyImmediately: true }),
      );
      expect(operations![0]).toMatchObject({ status: 'Started', isTerminal: false });
      expect((await describeDb()).state).toMatch(/^(modifying|available)$/);
      expect((await operationDone(client, operations![0]!)).status).toBe('Succeeded');
      const db = await describeDb();
      expect(db).toMatchObject({ state: 'available', caCertificateIdentifier: 'rds-ca-ecc384-g1', pendingMaintenanceActions: [] });

      await held.query('INSERT INTO kept VALUES (1)');
      expect((await held.query('SELECT count(*)::int AS n FROM kept')).rows[0].n).toBe(1);
      await servedBy('rds-ca-ecc384-g1');
      expect(await postmasterPid(caPem['rds-ca-ecc384-g1']!)).toBe(pidBefore);
    } finally {
      await held.end();
    }
  });

  it('defers a CA rotation to the maintenance window, shows it pending, and applies it when the window opens', async () => {
    await update({ caCertificateIdentifier: 'rds-ca-rsa4096-g1', applyImmediately: false });
    const pending = await describeDb();
    expect(pending.state).toBe('available');
    expect(pending.caCertificateIdentifier).toBe('rds-ca-ecc384-g1');
    expect(pending.pendingMaintenanceActions).toHaveLength(1);
    const action = pending.pendingMaintenanceActions![0]!;
    expect(action.action).toBe('ca-certificate-rotation');
    expect(action.description).toContain('rds-ca-rsa4096-g1');
    // sun:05:00-sun:05:30: the next start is a Sunday at 05:00 UTC, within a week.
    const applyDate = action.currentApplyDate!;
    expect([applyDate.getUTCDay(), applyDate.getUTCHours(), applyDate.getUTCMinutes()]).toEqual([0, 5, 0]);
    expect(applyDate.getTime() - Date.now()).toBeLessThanOrEqual(7 * 24 * 3600_000);
    await servedBy('rds-ca-ecc384-g1');

    const open = windowsOpenNow();
    await update({ preferredMaintenanceWindow: open.maintenance, preferredBackupWindow: open.backup });
    const applied = await until('the maintenance window to apply the rotation', async () => {
      const db = await describeDb();
      return db.caCertificateIdentifier === 'rds-ca-rsa4096-g1' && db.state === 'available' ? db : undefined;
    });
    expect(applied.pendingMaintenanceActions).toEqual([]);
    expect(applied.preferredMaintenanceWindow).toBe(open.maintenance);
    await servedBy('rds-ca-rsa4096-g1');
    await update({ preferredMaintenanceWindow: 'sun:05:00-sun:05:30', preferredBackupWindow: '03:00-03:30' });
  });

  it('rejects an unknown CA with the list of valid ones, and changes nothing', async () => {
    const before = await describeDb();
    const attempt = client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: NAME, caCertificateIdentifier: 'rds-ca-2015' }));
    await expect(attempt).rejects.toBeInstanceOf(InvalidInputException);
    await expect(attempt).rejects.toMatchObject({
      message: expect.stringMatching(/rds-ca-rsa2048-g1.*rds-ca-rsa4096-g1.*rds-ca-ecc384-g1/),
    });
    expect(await describeDb()).toEqual(before);
  });

  it('changes the master password on the engine and keeps CURRENT and PREVIOUS versions', async () => {
    const before = new Date();
    await update({ masterUserPassword: 'Second-password-2', applyImmediately: true });
    const ca = caPem['rds-ca-rsa4096-g1']!;
    await expect(connectVerified(endpoint, ca)).rejects.toThrow(/password authentication failed/);
    endpoint = { ...endpoint, password: 'Second-password-2' };
    await withVerifiedClient(endpoint, ca, (db) => db.query('SELECT 1'));

    const version = (passwordVersion?: 'CURRENT' | 'PREVIOUS' | 'PENDING') =>
      client.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: NAME, passwordVersion }));
    const current = await version();
    expect(current.masterUserPassword).toBe('Second-password-2');
    expect(current.createdAt!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    const previous = await version('PREVIOUS');
    expect(previous.masterUserPassword).toBe(FIRST_PASSWORD);
    expect(previous.createdAt!.getTime()).toBeLessThan(current.createdAt!.getTime());
    await expect(version('PENDING')).rejects.toBeInstanceOf(NotFoundException);
    expect((await describeDb()).pendingModifiedValues).toEqual({});
  });

  it('rotates the master password to a strong generated one', async () => {
    await update({ rotateMasterUserPassword: true });
    const { masterUserPassword } = await client.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: NAME }));
    expect(masterUserPassword).toHaveLength(32);
    expect(masterUserPassword).toMatch(/[A-Z]/);
    expect(masterUserPassword).toMatch(/[0-9]/);
    const previous = await client.send(
      new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: NAME, passwordVersion: 'PREVIOUS' }),
    );
    expect(previous.masterUserPassword).toBe('Second-password-2');
    const ca = caPem['rds-ca-rsa4096-g1']!;
    await expect(connectVerified(endpoint, ca)).rejects.toThrow(/password authentication failed/);
    endpoint = { ...endpoint, password: masterUserPassword! };
    await withVerifiedClient(endpoint, ca, (db) => db.query('SELECT 1'));
  });

  it('turns public access on and off for real: the listening sockets follow', async () => {
    const port = endpoint.port;
    expect(await listeningAddresses(port)).not.toContain(PUBLIC_ADDRESS);
    const { operations } = await client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: NAME, publiclyAccessible: true }));
    expect(operations![0]!.status).toBe('Started');
    await operationDone(client, operations![0]!);
    expect(await describeDb()).toMatchObject({ publiclyAccessible: true, state: 'available' });
    expect(await listeningAddresses(port)).toContain(PUBLIC_ADDRESS);
    expect(await listeningAddresses(port)).toContain('127.0.0.1');

    await update({ publiclyAccessible: false });
    expect(await describeDb()).toMatchObject({ publiclyAccessible: false, state: 'available' });
    const after = await listeningAddresses(port);
    expect(after).not.toContain(PUBLIC_ADDRESS);
    expect(after!.every((address) => address.startsWith('127.') || address === '::1')).toBe(true);
  });

  it('keeps windows exactly as sent, wrapping midnight and the week', async () => {
    await update({ preferredBackupWindow: '12:00-12:30', preferredMaintenanceWindow: 'Sun:23:45-MON:00:15' });
    expect(await describeDb()).toMatchObject({ preferredBackupWindow: '12:00-12:30', preferredMaintenanceWindow: 'Sun:23:45-MON:00:15' });
    await update({ preferredBackupWindow: '23:50-00:20', preferredMaintenanceWindow: 'wed:10:00-Wed:10:30' });
    expect(await describeDb()).toMatchObject({ preferredBackupWindow: '23:50-00:20', preferredMaintenanceWindow: 'wed:10:00-Wed:10:30' });
  });

  it('disables backup retention at once, and defers enabling it to the window (or berth maintenance run)', async () => {
    await update({ disableBackupRetention: true, applyImmediately: true });
    expect(await describeDb()).toMatchObject({ backupRetentionEnabled: false, pendingModifiedValues: {} });

    await update({ enableBackupRetention: true });
    const pending = await describeDb();
    expect(pending.backupRetentionEnabled).toBe(false);
    expect(pending.pendingModifiedValues).toEqual({ backupRetentionEnabled: true });

    const { stdout } = await execFileAsync(process.execPath, [BERTH_BIN, 'maintenance', 'run', NAME, '--endpoint-url', berth.url], {
      env: { ...process.env, BERTH_ACCESS_KEY_ID: berth.accessKeyId, BERTH_SECRET_ACCESS_KEY: berth.secretAccessKey, AWS_REGION: 'us-east-1' },
    });
    const started = JSON.parse(stdout).operations[0];
    expect(started).toMatchObject({ operationType: 'UpdateRelationalDatabase', operationDetails: 'requested with berth maintenance run' });
    await operationDone(client, started);
    expect(await describeDb()).toMatchObject({ backupRetentionEnabled: true, pendingModifiedValues: {}, state: 'available' });
    await expect(
      execFileAsync(process.execPath, [BERTH_BIN, 'maintenance', 'run', NAME, '--endpoint-url', berth.url], {
        env: { ...process.env, BERTH_ACCESS_KEY_ID: berth.accessKeyId, BERTH_SECRET_ACCESS_KEY: berth.secretAccessKey },
      }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('no pending maintenance') });
  });

  describe('every invalid update answers InvalidInputException and changes nothing', () => {
    const cases: Array<[string, Omit<UpdateRelationalDatabaseCommandInput, 'relationalDatabaseName'>, RegExp]> = [
      ['password and rotation together', { masterUserPassword: 'Another-pass-3', rotateMasterUserPassword: true }, /rotateMasterUserPassword/],
      ['enable and disable backup retention together', { enableBackupRetention: true, disableBackupRetention: true }, /enableBackupRetention/],
      ['disable with a false enable', { enableBackupRetention: false, disableBackupRetention: true }, /not both/],
      ['a malformed backup window', { preferredBackupWindow: '7:00-7:30' }, /preferredBackupWindow/],
      ['a maintenance window shorter than 30 minutes', { preferredMaintenanceWindow: 'mon:01:00-mon:01:10' }, /30 minutes/],
      ['a backup window overlapping the stored maintenance window', { preferredBackupWindow: '10:15-10:45' }, /overlap/],
      ['a password with a space', { masterUserPassword: 'has a space in it' }, /masterUserPassword/],
      ['a major version change', { relationalDatabaseBlueprintId: 'postgres_16' }, /major version/],
    ];
    for (const [label, input, message] of cases) {
      it(label, async () => {
        const before = await describeDb();
        const attempt = client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: NAME, applyImmediately: true, ...input }));
        await expect(attempt).rejects.toBeInstanceOf(InvalidInputException);
        await expect(attempt).rejects.toMatchObject({ message: expect.stringMatching(message) });
        expect(await describeDb()).toEqual(before);
      });
    }

    it('an update of a database that does not exist', async () => {
      await expect(client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: 'nobody-here' }))).rejects.toBeInstanceOf(
        NotFoundException,
      );
    });

    it('an update of a stopped database', async () => {
      const stop = await client.send(new StopRelationalDatabaseCommand({ relationalDatabaseName: NAME }));
      await operationDone(client, stop.operations![0]!);
      await expect(
        client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: NAME, publiclyAccessible: true })),
      ).rejects.toMatchObject({ name: 'InvalidInputException', code: 'InvalidResourceState' });
      const start = await client.send(new StartRelationalDatabaseCommand({ relationalDatabaseName: NAME }));
      await operationDone(client, start.operations![0]!);
      await databaseState(client, NAME, 'available');
    });
  });
});
