/**
 * The archive in the backup store follows a failover: an HA database (its
 * backups taken from the standby) fails over, takes writes on its new
 * primary, and after the host is lost `berth recover` brings back every
 * write, before and after the failover, for both engines (PostgreSQL's
 * shared WAL archive, MariaDB's archive per instance).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetRelationalDatabaseCommand, type LightsailClient } from '@aws-sdk/client-lightsail';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BackupKeyring } from '../src/backup-store/keyring.js';
import { signedCall } from '../src/cli/signed-call.js';
import { ADMIN_TARGET_PREFIX } from '../src/gateway/pipeline.js';
import type { RecoveryReport } from '../src/services/recover.js';
import { BerthProcess } from './helpers/berth-process.js';
import { createHighlyAvailable, synchronous } from './helpers/failover-rounds.js';
import { highAvailability, openSession, roleInstance, serverPid } from './helpers/ha.js';
import { engineAvailable } from './helpers/sql.js';
import { databaseState, until } from './helpers/waiters.js';

const ENGINES = (['postgres', 'mysql'] as const).filter(engineAvailable);
const PASSWORD = 'Ha-store-pass-1';

describe('the archive in the backup store follows a failover', () => {
  let root: string;
  let berth: BerthProcess;
  let client: LightsailClient;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'berth-test-store-ha-'));
    const keyFile = path.join(root, 'backup.key');
    await BackupKeyring.generate(keyFile);
    berth = await BerthProcess.start({
      extraArgs: ['--backup-store', `file://${path.join(root, 'store')}`, '--backup-key-file', keyFile, '--archive-interval-ms', '1000', '--backup-check-interval-ms', '500'],
    });
    client = berth.client();
  });

  afterEach((context) => {
    if (context.task.result?.state === 'fail') console.error(`berth's last lines:\n${berth?.lastLines(60)}`);
  });

  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it('recovers every write of an HA database, before and after its failover, once the host is lost', async () => {
    const writtenAt = new Map<string, number>();
    for (const engine of ENGINES) {
      const name = `ha-${engine}`;
      const { endpoint, ca } = await createHighlyAvailable(berth, engine, name, { password: PASSWORD });
      const write = async (ids: number[]) => {
        const port = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!.masterEndpoint!.port!;
        const session = await openSession(engine, { ...endpoint, port }, ca);
        for (const id of ids) await session.query(`INSERT INTO ledger (id) VALUES (${id})`);
        await session.end();
      };
      await write([1, 2, 3]);
      const before = (await highAvailability(berth, name)).failovers.length;
      const primary = await roleInstance(berth, name, 'primary');
      process.kill(-(await serverPid(berth, engine, primary.id))!, 'SIGKILL');
      await until('the failover', async () => ((await highAvailability(berth, name)).failovers.length >= before + 2 ? true : undefined), 60_000, 100);
      await databaseState(client, name, 'available', 60_000);
      await synchronous(berth, name);
      await write([4, 5, 6]);
      writtenAt.set(engine, Date.now());
    }
    for (const engine of ENGINES) {
      // An idle database's restorable time stays at its last write: what the store holds is up to date then.
      await until(`the store to hold the writes of ha-${engine}`, async () => {
        const latest = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: `ha-${engine}` }))).relationalDatabase!.latestRestorableTime;
        return latest && latest.getTime() >= writtenAt.get(engine)! ? true : undefined;
      }, 60_000, 200);
    }

    await berth.loseHost();
    await berth.launch();
    client.destroy();
    client = berth.client();
    const report = (await signedCall(
      { endpoint: berth.url, region: berth.region, key: { accessKeyId: berth.accessKeyId, secretAccessKey: berth.secretAccessKey } },
      `${ADMIN_TARGET_PREFIX}RecoverRelationalDatabases`,
      {},
    )) as RecoveryReport;
    expect(report.recovered.map((entry) => entry.relationalDatabaseName).sort()).toEqual(ENGINES.map((engine) => `ha-${engine}`).sort());
    const ca = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
    for (const engine of ENGINES) {
      const name = `ha-${engine}`;
      const db = await databaseState(client, name, 'available', 180_000);
      expect(db.relationalDatabaseBundleId).toBe('micro_ha_2_0');
      const session = await openSession(engine, { port: db.masterEndpoint!.port!, user: 'owner', database: 'app', password: PASSWORD }, ca);
      const ids = (await session.query('SELECT id FROM ledger ORDER BY id')).map((row) => Number(row.id));
      await session.end();
      expect(ids, `the writes of ${name}`).toEqual([1, 2, 3, 4, 5, 6]);
      await synchronous(berth, name); // and it is highly available again
    }
  });
});
