import { performance } from 'node:perf_hooks';
import { CreateRelationalDatabaseCommand, GetRelationalDatabaseCommand } from '@aws-sdk/client-lightsail';
import type { BerthProcess } from '../test/helpers/berth-process.js';
import { connectVerified } from '../test/helpers/clients.js';
import { until } from '../test/helpers/waiters.js';
import { BENCH_PASSWORD, createDatabase } from './databases.js';
import { summary } from './stats.js';

/** Create → first verified TLS query, measured from outside as a client sees it. */
export async function benchCreate(berth: BerthProcess, count: number): Promise<void> {
  const client = berth.client();
  const bundle = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
  const warm = performance.now();
  await createDatabase(client, 'bench-warmup');
  console.log(`create (cold: engine install and template for this major): ${(performance.now() - warm).toFixed(0)} ms`);

  const available: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const { operations } = await client.send(
      new CreateRelationalDatabaseCommand({
        relationalDatabaseName: `bench-create-${i}`,
        relationalDatabaseBlueprintId: 'postgres_17',
        relationalDatabaseBundleId: 'micro_2_0',
        masterDatabaseName: 'app',
        masterUsername: 'bench',
        masterUserPassword: BENCH_PASSWORD,
      }),
    );
    const accepted = performance.now() - started;
    // The port is reserved at create time; poll it with a verified connection.
    const db = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: `bench-create-${i}` }))).relationalDatabase!;
    await until(
      'a verified query',
      async () => {
        const connection = await connectVerified(
          { port: db.masterEndpoint!.port!, user: 'bench', database: 'app', password: BENCH_PASSWORD },
          bundle,
        );
        try {
          await connection.query('SELECT 1');
          return true;
        } finally {
          await connection.end();
        }
      },
      60_000,
      5,
    );
    available.push(performance.now() - started);
    if (i === 0) console.log(`  (the API accepted the create in ${accepted.toFixed(1)} ms; operations: ${operations!.length})`);
  }
  console.log(`create → first verified TLS query: ${summary(available)}`);
  client.destroy();
}
