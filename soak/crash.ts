import {
  CreateRelationalDatabaseCommand,
  CreateRelationalDatabaseFromSnapshotCommand,
  CreateRelationalDatabaseSnapshotCommand,
  DeleteRelationalDatabaseCommand,
  RebootRelationalDatabaseCommand,
  UpdateRelationalDatabaseCommand,
  type LightsailClient,
} from '@aws-sdk/client-lightsail';
import type { BerthProcess } from '../test/helpers/berth-process.js';
import type { Endpoint } from '../test/helpers/clients.js';
import { allDatabases, berthSettled, inconsistencies, operationsSettled, serverProcesses } from '../test/helpers/consistency.js';
import { createDatabase } from '../test/helpers/databases.js';
import { sql } from '../test/helpers/sql.js';
import { databaseState, until } from '../test/helpers/waiters.js';

const PASSWORD = 'Soak-ledger-1';
const CAS = ['rds-ca-ecc384-g1', 'rds-ca-rsa4096-g1', 'rds-ca-rsa2048-g1'];

type Mutation = (client: LightsailClient, round: number) => Promise<unknown>;

const MUTATIONS: Record<string, Mutation> = {
  create: (client, round) =>
    client.send(
      new CreateRelationalDatabaseCommand({
        relationalDatabaseName: `soak-${round}`,
        relationalDatabaseBlueprintId: round % 2 === 0 ? 'postgres_17' : 'postgres_16',
        relationalDatabaseBundleId: 'micro_2_0',
        masterDatabaseName: 'app',
        masterUsername: 'owner',
      }),
    ),
  rotate: (client, round) =>
    client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: 'ledger', caCertificateIdentifier: CAS[round % 3], applyImmediately: true })),
  password: (client) =>
    client.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: 'ledger', masterUserPassword: PASSWORD, applyImmediately: true })),
  snapshot: (client, round) =>
    client.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: 'ledger', relationalDatabaseSnapshotName: `soak-snap-${round}` })),
  restore: (client, round) =>
    client.send(new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: `soak-restored-${round}`, relationalDatabaseSnapshotName: 'soak-base' })),
  pitr: (client, round) =>
    client.send(
      new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: `soak-pitr-${round}`, sourceRelationalDatabaseName: 'ledger', useLatestRestorableTime: true }),
    ),
  reboot: (client) => client.send(new RebootRelationalDatabaseCommand({ relationalDatabaseName: 'ledger' })),
  delete: async (client) => {
    const victims = (await allDatabases(client)).filter((db) => db.name !== 'ledger' && db.state === 'available');
    const victim = victims[0];
    if (!victim) return undefined;
    return client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: victim.name, skipFinalSnapshot: victims.length % 2 === 0 }));
  },
};

/**
 * kill -9 of berth at random moments during random mutations, `rounds`
 * times, plus kill -9 of the ledger's engine every fifth round; after each
 * restart every operation must settle, the metadata must match the disk and
 * the processes, and no committed ledger row may be missing.
 */
export async function soakCrashes(berth: BerthProcess, rounds: number, random: () => number): Promise<void> {
  let client = berth.client();
  const bundle = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
  const db = await createDatabase(client, 'ledger', { masterUserPassword: PASSWORD });
  const ledger: Endpoint = { port: db.masterEndpoint!.port!, user: 'owner', database: 'app', password: PASSWORD };
  await sql('postgres', ledger, bundle, 'CREATE TABLE entries (id int PRIMARY KEY)');
  await client.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: 'ledger', relationalDatabaseSnapshotName: 'soak-base' }));
  await operationsSettled(client);
  await until('a restorable time', async () => (await allDatabases(client)).find((d) => d.name === 'ledger')?.latestRestorableTime);

  const names = Object.keys(MUTATIONS);
  const counts: Record<string, number> = {};
  let committed = 0;
  let failedOperations = 0;
  const settleTimes: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    await databaseState(client, 'ledger', 'available', 120_000);
    committed += 1;
    await sql('postgres', ledger, bundle, 'INSERT INTO entries VALUES (?)', [committed]);
    const name = names[Math.floor(random() * names.length)]!;
    counts[name] = (counts[name] ?? 0) + 1;
    await MUTATIONS[name]!(client, round).catch((error: Error) => console.log(`  round ${round}: ${name} refused: ${error.message}`));
    await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 1500)));
    if (round % 5 === 0) {
      const pids = (await serverProcesses(berth)).get(db.arn!.split('/')[1]!) ?? [];
      if (pids.length > 0) process.kill(Math.min(...pids), 'SIGKILL');
    }
    await berth.restart({ hard: true });
    client.destroy();
    client = berth.client();
    const started = Date.now();
    const operations = await berthSettled(client, 300_000);
    settleTimes.push(Date.now() - started);
    failedOperations = operations.filter((operation) => operation.status === 'Failed').length;
    const problems = await inconsistencies(berth, client);
    if (problems.length > 0) throw new Error(`round ${round} (${name}): ${problems.join('; ')}`);
    const rows = await until('the ledger', () => sql('postgres', ledger, bundle, 'SELECT count(*)::int AS n FROM entries'), 60_000, 200);
    if (Number(rows[0]!.n) !== committed) throw new Error(`round ${round}: ${rows[0]!.n} ledger rows, ${committed} committed`);
  }
  console.log(`crash soak: ${rounds} kill -9 rounds (${JSON.stringify(counts)}), ledger intact (${committed} rows), every invariant held`);
  console.log(`  settle after restart: max ${Math.max(...settleTimes)} ms; operations that failed in all: ${failedOperations}`);
  client.destroy();
}
