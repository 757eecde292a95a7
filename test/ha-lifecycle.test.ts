/**
 * Everything else a user does with a high-availability database, against a
 * real berth and both engines: snapshots taken from the standby, a password
 * changed before a failover that works after it, parameters on both servers,
 * point-in-time restores to before and after a failover, restores into an HA
 * bundle (from a snapshot and to a point in time), reboot, stop and start
 * (both servers), CA rotation (a held session survives), public access, and
 * delete (both instances, one final snapshot).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateRelationalDatabaseFromSnapshotCommand,
  CreateRelationalDatabaseSnapshotCommand,
  DeleteRelationalDatabaseCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseSnapshotsCommand,
  RebootRelationalDatabaseCommand,
  StartRelationalDatabaseCommand,
  StopRelationalDatabaseCommand,
  UpdateRelationalDatabaseCommand,
  UpdateRelationalDatabaseParametersCommand,
  type LightsailClient,
  type Operation,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWhenAvailable } from '../src/engines/conformance/prerequisites.js';
import { serverIdFor } from '../src/engines/mysql/config-files.js';
import { BerthProcess } from './helpers/berth-process.js';
import { createHighlyAvailable } from './helpers/failover-rounds.js';
import { highAvailability, instancesOf, openSession, roleInstance, serverPid } from './helpers/ha.js';
import { engineAvailable, type TestEngine } from './helpers/sql.js';
import { operationDone, until } from './helpers/waiters.js';

const PASSWORD = 'Lifecycle-HA-pass1';
const NEW_PASSWORD = 'Lifecycle-HA-pass2';

const PARAMETER: Record<TestEngine, { name: string; value: string; show: string }> = {
  postgres: { name: 'work_mem', value: '8192', show: "SELECT setting AS value FROM pg_settings WHERE name = 'work_mem'" },
  mysql: { name: 'wait_timeout', value: '1234', show: 'SELECT @@GLOBAL.wait_timeout AS value' },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const engine of ['postgres', 'mysql'] as const) {
  describeWhenAvailable(`high-availability lifecycle (${engine})`, engineAvailable(engine) ? undefined : 'MariaDB (mariadbd) is not installed', () => {
    let berth: BerthProcess;
    let client: LightsailClient;
    let ca = '';
    let password = PASSWORD;
    const name = `hal-${engine}`;
    /** A moment after the first rows and before the failover. */
    let beforeFailover: Date;
    /** Just after the writes that followed the failover. */
    let afterFailover = 0;

    const describe = async (db = name): Promise<RelationalDatabase> =>
      (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: db }))).relationalDatabase!;
    const endpoint = async (db = name) => ({ port: (await describe(db)).masterEndpoint!.port!, user: 'owner', database: 'app', password });
    const succeeded = async (operations: Operation[] | undefined) => {
      for (const operation of operations ?? []) expect((await operationDone(client, operation, 180_000)).status).toBe('Succeeded');
    };
    const synchronous = (db = name) =>
      until(`a synchronous standby of ${db}`, async () => {
        const view = await highAvailability(berth, db);
        return view.standby?.synchronous && view.standby.state === 'running' && (await describe(db)).state === 'available' ? view : undefined;
      }, 180_000, 200);
    const rows = async (db = name): Promise<number[]> => {
      const session = await openSession(engine, await endpoint(db), ca);
      try {
        return (await session.query('SELECT v FROM marks ORDER BY v')).map((row) => Number(row.v));
      } finally {
        await session.end();
      }
    };
    const insert = async (...values: number[]) => {
      const session = await openSession(engine, await endpoint(), ca);
      try {
        for (const v of values) await session.query(`INSERT INTO marks (v) VALUES (${v})`);
      } finally {
        await session.end();
      }
    };
    const restorableAfter = (moment: number) =>
      until('the latest restorable time to pass the writes', async () => {
        const latest = (await describe()).latestRestorableTime;
        return latest && latest.getTime() > moment ? latest : undefined;
      }, 120_000, 200);
    /** The pids of both servers, primary first. */
    const pids = async (db = name) => Promise.all((['primary', 'standby'] as const).map(async (role) => serverPid(berth, engine, (await roleInstance(berth, db, role)).id)));

    beforeAll(async () => {
      berth = await BerthProcess.start({ extraArgs: ['--backup-check-interval-ms', '200', '--archive-interval-ms', '500'] });
      client = berth.client();
      ({ ca } = await createHighlyAvailable(berth, engine, name, { password: PASSWORD, table: 'CREATE TABLE marks (v INT PRIMARY KEY)' }));
      // The first automatic backup: the start of the restorable range.
      await until('a latest restorable time', async () => (await describe()).latestRestorableTime, 120_000, 200);
    });

    afterAll(async () => {
      client?.destroy();
      await berth?.dispose();
    });

    it('takes snapshots from the standby', async () => {
      await insert(1, 2);
      const { operations } = await client.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: name, relationalDatabaseSnapshotName: `${name}-snap` }));
      await succeeded(operations);
      const { relationalDatabaseSnapshots } = await client.send(new GetRelationalDatabaseSnapshotsCommand({}));
      const snapshot = relationalDatabaseSnapshots!.find((s) => s.name === `${name}-snap`)!;
      const dir = path.join(berth.dataDir, 'snapshots', snapshot.arn!.split('/')[1]!);
      const standby = await roleInstance(berth, name, 'standby');
      if (engine === 'postgres') {
        expect(await readFile(path.join(dir, 'data', 'backup_label'), 'utf8')).toMatch(/^BACKUP FROM: standby$/m);
      } else {
        const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
        expect(manifest.position.serverId).toBe(serverIdFor(path.join(berth.dataDir, 'databases', standby.id)));
      }
    });

    it('applies parameters and a new password to both servers; the password works after a failover', async () => {
      const parameter = PARAMETER[engine];
      await client.send(new UpdateRelationalDatabaseParametersCommand({
        relationalDatabaseName: name,
        parameters: [{ parameterName: parameter.name, parameterValue: parameter.value, applyMethod: 'immediate' }],
      }));
      const standby = await roleInstance(berth, name, 'standby');
      await until('the parameter on the standby', async () => {
        const session = await openSession(engine, { ...(await endpoint()), port: standby.port }, ca);
        try {
          const [row] = await session.query(parameter.show);
          return String(row?.value) === parameter.value ? true : undefined;
        } finally {
          await session.end();
        }
      }, 30_000, 200);
      const { operations } = await client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: name, masterUserPassword: NEW_PASSWORD }));
      await succeeded(operations);
      password = NEW_PASSWORD;
      await insert(3);
      await sleep(1_100);
      beforeFailover = new Date();
      await restorableAfter(beforeFailover.getTime());
      await sleep(1_100);
      const [primaryPid] = await pids();
      process.kill(-primaryPid!, 'SIGKILL');
      await until('the failover to begin', async () => ((await describe()).state !== 'available' ? true : undefined), 30_000, 20);
      await synchronous();
      expect((await highAvailability(berth, name)).failovers.length).toBeGreaterThanOrEqual(2);
      await insert(4, 5); // with the new password, on the promoted standby
      afterFailover = Date.now();
      expect(await rows()).toEqual([1, 2, 3, 4, 5]);
    });

    it('restores to points in time before and after the failover, into an HA bundle', async () => {
      const latest = await restorableAfter(afterFailover);
      const before = await client.send(new CreateRelationalDatabaseFromSnapshotCommand({
        relationalDatabaseName: `${name}-before`, sourceRelationalDatabaseName: name, restoreTime: beforeFailover,
      }));
      await succeeded(before.operations);
      expect(await rows(`${name}-before`)).toEqual([1, 2, 3]);
      const after = await client.send(new CreateRelationalDatabaseFromSnapshotCommand({
        relationalDatabaseName: `${name}-after`, sourceRelationalDatabaseName: name, useLatestRestorableTime: true,
        relationalDatabaseBundleId: 'micro_ha_2_0',
      }));
      await succeeded(after.operations);
      expect(latest.getTime()).toBeGreaterThan(beforeFailover.getTime());
      expect(await rows(`${name}-after`)).toEqual([1, 2, 3, 4, 5]);
      const view = await synchronous(`${name}-after`);
      expect(view.highlyAvailable).toBe(true);
    });

    it('restores a snapshot into an HA bundle with a synchronous standby', async () => {
      const restored = await client.send(new CreateRelationalDatabaseFromSnapshotCommand({
        relationalDatabaseName: `${name}-snap-ha`, relationalDatabaseSnapshotName: `${name}-snap`, relationalDatabaseBundleId: 'micro_ha_2_0',
      }));
      await succeeded(restored.operations);
      password = PASSWORD; // the snapshot's
      try {
        expect(await rows(`${name}-snap-ha`)).toEqual([1, 2]);
      } finally {
        password = NEW_PASSWORD;
      }
      expect((await describe(`${name}-snap-ha`)).secondaryAvailabilityZone).toBeTruthy();
      expect((await synchronous(`${name}-snap-ha`)).standby?.availabilityZone).not.toBe((await describe(`${name}-snap-ha`)).location?.availabilityZone);
    });

    it('reboots both servers, stops and starts both', async () => {
      const [primaryBefore, standbyBefore] = await pids();
      await succeeded((await client.send(new RebootRelationalDatabaseCommand({ relationalDatabaseName: name }))).operations);
      await synchronous();
      const [primaryAfter, standbyAfter] = await pids();
      expect(primaryAfter).not.toBe(primaryBefore);
      expect(standbyAfter).not.toBe(standbyBefore);
      await succeeded((await client.send(new StopRelationalDatabaseCommand({ relationalDatabaseName: name }))).operations);
      expect((await describe()).state).toBe('stopped');
      for (const pid of [primaryAfter, standbyAfter]) expect(() => process.kill(pid!, 0)).toThrow();
      await succeeded((await client.send(new StartRelationalDatabaseCommand({ relationalDatabaseName: name }))).operations);
      await synchronous();
      expect(await rows()).toEqual([1, 2, 3, 4, 5]);
    });

    it('rotates the CA on both servers; a held session on the primary survives', async () => {
      const held = await openSession(engine, await endpoint(), ca);
      try {
        const target = (await describe()).caCertificateIdentifier === 'rds-ca-ecc384-g1' ? 'rds-ca-rsa2048-g1' : 'rds-ca-ecc384-g1';
        const { operations } = await client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: name, caCertificateIdentifier: target, applyImmediately: true }));
        await succeeded(operations);
        expect((await describe()).caCertificateIdentifier).toBe(target);
        await held.query('INSERT INTO marks (v) VALUES (6)');
        await synchronous();
        const standby = await roleInstance(berth, name, 'standby');
        const own = await (await fetch(`${berth.url}/certificates/${target}.pem`)).text();
        for (const port of [(await describe()).masterEndpoint!.port!, standby.port]) {
          const session = await openSession(engine, { ...(await endpoint()), port }, own);
          await session.query('SELECT 1');
          await session.end();
        }
      } finally {
        await held.end();
      }
    });

    it('turns public access on and off and keeps serving', async () => {
      for (const publiclyAccessible of [true, false]) {
        await succeeded((await client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: name, publiclyAccessible }))).operations);
        await until('the change to apply', async () => ((await describe()).publiclyAccessible === publiclyAccessible ? true : undefined));
        expect(await rows()).toEqual([1, 2, 3, 4, 5, 6]);
      }
      await synchronous();
    });

    it('deletes both instances with one final snapshot', async () => {
      const [primaryPid, standbyPid] = await pids();
      const { operations } = await client.send(new DeleteRelationalDatabaseCommand({
        relationalDatabaseName: name, skipFinalSnapshot: false, finalRelationalDatabaseSnapshotName: `${name}-final`,
      }));
      await succeeded(operations);
      expect(instancesOf(berth, name)).toEqual([]);
      for (const pid of [primaryPid, standbyPid]) expect(() => process.kill(pid!, 0)).toThrow();
      const { relationalDatabaseSnapshots } = await client.send(new GetRelationalDatabaseSnapshotsCommand({}));
      expect(relationalDatabaseSnapshots!.filter((s) => s.fromRelationalDatabaseName === name && s.name === `${name}-final`)).toHaveLength(1);
    });
  });
}
