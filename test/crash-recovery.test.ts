import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateRelationalDatabaseCommand,
  CreateRelationalDatabaseFromSnapshotCommand,
  CreateRelationalDatabaseSnapshotCommand,
  DeleteRelationalDatabaseCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseEventsCommand,
  UpdateRelationalDatabaseCommand,
  type LightsailClient,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from './helpers/berth-process.js';
import type { Endpoint } from './helpers/clients.js';
import { berthSettled, inconsistencies, serverProcesses } from './helpers/consistency.js';
import { createDatabase } from './helpers/databases.js';
import { sql } from './helpers/sql.js';
import { databaseState, operationDone, until } from './helpers/waiters.js';

const PASSWORD = 'Ledger-pass-1';
const CAS = ['rds-ca-ecc384-g1', 'rds-ca-rsa2048-g1'];

/** One mutation of each kind, sent right before berth is killed. */
const MUTATIONS: Array<{ name: string; send(client: LightsailClient, round: number): Promise<unknown> }> = [
  {
    name: 'create',
    send: (client, round) =>
      client.send(
        new CreateRelationalDatabaseCommand({
          relationalDatabaseName: `crash-${round}`,
          relationalDatabaseBlueprintId: 'postgres_17',
          relationalDatabaseBundleId: 'micro_2_0',
          masterDatabaseName: 'app',
          masterUsername: 'owner',
        }),
      ),
  },
  {
    name: 'CA rotation',
    send: (client, round) =>
      client.send(
        new UpdateRelationalDatabaseCommand({ relationalDatabaseName: 'ledger', caCertificateIdentifier: CAS[round % 2], applyImmediately: true }),
      ),
  },
  {
    name: 'snapshot',
    send: (client, round) =>
      client.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: 'ledger', relationalDatabaseSnapshotName: `ledger-snap-${round}` })),
  },
  {
    name: 'restore',
    send: (client, round) =>
      client.send(new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: `restored-${round}`, relationalDatabaseSnapshotName: 'ledger-base' })),
  },
  {
    name: 'delete with final snapshot',
    send: (client, round) => client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: `victim-${round}` })),
  },
  {
    name: 'password change',
    send: (client) => client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: 'ledger', masterUserPassword: PASSWORD, applyImmediately: true })),
  },
];

describe('kill -9 of berth in the middle of mutations, and of an engine', () => {
  let berth: BerthProcess;
  let client: LightsailClient;
  let ledger: Endpoint;
  let bundle: string;
  const committed: number[] = [];

  beforeAll(async () => {
    berth = await BerthProcess.start({ extraArgs: ['--backup-check-interval-ms', '500'] });
    client = berth.client();
    bundle = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
    const db = await createDatabase(client, 'ledger', { masterUserPassword: PASSWORD });
    ledger = { port: db.masterEndpoint!.port!, user: 'owner', database: 'app', password: PASSWORD };
    await sql('postgres', ledger, bundle, 'CREATE TABLE entries (id int PRIMARY KEY)');
    const { operations } = await client.send(
      new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: 'ledger', relationalDatabaseSnapshotName: 'ledger-base' }),
    );
    await until('the base snapshot', async () =>
      (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'ledger' }))).relationalDatabase!.state === 'available'
        ? operations
        : undefined,
    );
  });

  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
  });

  for (const [round, mutation] of MUTATIONS.entries()) {
    it(`settles consistently after a kill -9 during a ${mutation.name}`, async () => {
      if (mutation.name === 'delete with final snapshot') await createDatabase(client, `victim-${round}`);
      const id = committed.length + 1;
      await sql('postgres', ledger, bundle, 'INSERT INTO entries VALUES (?)', [id]);
      committed.push(id);

      await mutation.send(client, round);
      await new Promise((resolve) => setTimeout(resolve, (round * 97) % 400));
      await berth.restart({ hard: true });
      client.destroy();
      client = berth.client();

      const operations = await berthSettled(client);
      expect(operations.every((operation) => operation.status === 'Succeeded' || operation.status === 'Failed')).toBe(true);
      expect(await inconsistencies(berth, client)).toEqual([]);
      await databaseState(client, 'ledger', 'available');
      const rows = await sql('postgres', ledger, bundle, 'SELECT id FROM entries ORDER BY id');
      expect(rows.map((row) => Number(row.id))).toEqual(committed);
    });
  }

  it('notices an engine killed with -9, restarts it, records it, and serves again within seconds', async () => {
    const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'ledger' }));
    const id = relationalDatabase!.arn!.split('/')[1]!;
    const pids = (await serverProcesses(berth)).get(id)!;
    const postmaster = Math.min(...pids);
    process.kill(postmaster, 'SIGKILL');
    const rows = await until('the ledger to answer again', async () => sql('postgres', ledger, bundle, 'SELECT count(*)::int AS n FROM entries'), 30_000, 200);
    expect(Number(rows[0]!.n)).toBe(committed.length);
    // The server answers before berth has verified it and called it available again.
    await berthSettled(client);
    const { relationalDatabaseEvents } = await client.send(new GetRelationalDatabaseEventsCommand({ relationalDatabaseName: 'ledger' }));
    const messages = relationalDatabaseEvents!.map((event) => event.message!);
    expect(messages.some((message) => /exited unexpectedly/.test(message))).toBe(true);
    expect(messages.some((message) => /recovered/.test(message))).toBe(true);
    expect(await inconsistencies(berth, client)).toEqual([]);
  });

  it('never reports available for a server that died while berth was down, and starts it again', async () => {
    const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'ledger' }));
    const id = relationalDatabase!.arn!.split('/')[1]!;
    const postmaster = Math.min(...(await serverProcesses(berth)).get(id)!);
    process.kill(postmaster, 'SIGKILL');
    await berth.restart({ hard: true });
    client.destroy();
    client = berth.client();

    const seen = new Set<string>();
    await until('the ledger to be available again', async () => {
      const { relationalDatabase: now } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'ledger' }));
      seen.add(now!.state!);
      if (now!.state !== 'available') return undefined;
      // The first answer that says available must have a server behind it.
      expect((await serverProcesses(berth)).get(id) ?? []).not.toEqual([]);
      return true;
    }, 30_000, 50);
    expect([...seen].filter((state) => state !== 'available' && state !== 'rebooting')).toEqual([]);
    const rows = await sql('postgres', ledger, bundle, 'SELECT count(*)::int AS n FROM entries');
    expect(Number(rows[0]!.n)).toBe(committed.length);
    const { relationalDatabaseEvents } = await client.send(new GetRelationalDatabaseEventsCommand({ relationalDatabaseName: 'ledger' }));
    expect(relationalDatabaseEvents!.map((event) => event.message!)).toContain('The database engine was not running when berth started; starting it');
    await berthSettled(client);
    expect(await inconsistencies(berth, client)).toEqual([]);
  });

  it('reports failed after repeated failed restarts of a broken server, and lets it be deleted', async () => {
    const doomed = await createDatabase(client, 'doomed');
    const id = doomed.arn!.split('/')[1]!;
    const dataDir = path.join(berth.dataDir, 'databases', id);
    const postmaster = Math.min(...(await serverProcesses(berth)).get(id)!);
    await rm(path.join(dataDir, 'pgdata', 'global', 'pg_control'));
    process.kill(postmaster, 'SIGKILL');

    await databaseState(client, 'doomed', 'failed', 90_000);
    const { relationalDatabaseEvents } = await client.send(new GetRelationalDatabaseEventsCommand({ relationalDatabaseName: 'doomed' }));
    const messages = relationalDatabaseEvents!.map((event) => event.message!);
    expect(messages.filter((message) => message.startsWith('The database engine could not be restarted'))).toHaveLength(5);
    expect(messages.at(-1)).toMatch(/^berth gave up restarting the database engine after 5 attempts/);
    expect(messages.filter((message) => message.includes(berth.dataDir))).toEqual([]);

    const { operations } = await client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: 'doomed', skipFinalSnapshot: true }));
    expect((await operationDone(client, operations![0]!)).status).toBe('Succeeded');
    expect(existsSync(dataDir)).toBe(false);
    await berthSettled(client);
    expect(await inconsistencies(berth, client)).toEqual([]);
  });
});
