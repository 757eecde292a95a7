import { performance } from 'node:perf_hooks';
import { UpdateRelationalDatabaseCommand } from '@aws-sdk/client-lightsail';
import type pg from 'pg';
import type { BerthProcess } from '../test/helpers/berth-process.js';
import { connectVerified, type Endpoint } from '../test/helpers/clients.js';
import { operationDone, until } from '../test/helpers/waiters.js';
import { BENCH_PASSWORD, createDatabase } from './databases.js';
import { settle } from './settle.js';
import { summary } from './stats.js';

const CAS = ['rds-ca-ecc384-g1', 'rds-ca-rsa4096-g1', 'rds-ca-rsa2048-g1'];

/**
 * CA rotation: time from the API call to the first new connection verified
 * against the new CA (and only it), over `rotations` rotations, while 8
 * connections opened before the first rotation query in a loop.
 */
export async function benchRotation(berth: BerthProcess, rotations: number): Promise<void> {
  const client = berth.client();
  const db = await createDatabase(client, 'bench-rotation');
  await settle('rotation: the new database\'s first backup');
  const endpoint: Endpoint = { port: db.masterEndpoint!.port!, user: 'bench', database: 'app', password: BENCH_PASSWORD };
  const pems = Object.fromEntries(
    await Promise.all(CAS.map(async (id) => [id, await (await fetch(`${berth.url}/certificates/${id}.pem`)).text()] as const)),
  );
  const global = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();

  const held: pg.Client[] = await Promise.all(Array.from({ length: 8 }, () => connectVerified(endpoint, global)));
  let queries = 0;
  let failures = 0;
  let running = true;
  const loops = held.map(async (connection) => {
    while (running) {
      try {
        await connection.query('SELECT 1');
        queries += 1;
      } catch {
        failures += 1;
      }
    }
  });

  const times: number[] = [];
  for (let i = 0; i < rotations; i++) {
    const target = CAS[i % CAS.length]!;
    const started = performance.now();
    const { operations } = await client.send(
      new UpdateRelationalDatabaseCommand({ relationalDatabaseName: 'bench-rotation', caCertificateIdentifier: target, applyImmediately: true }),
    );
    await until(
      `a connection verified by ${target}`,
      async () => {
        const connection = await connectVerified(endpoint, pems[target]!);
        await connection.end();
        return true;
      },
      60_000,
      2,
    );
    times.push(performance.now() - started);
    await operationDone(client, operations![0]!);
  }
  running = false;
  await Promise.all(loops);
  await Promise.all(held.map((connection) => connection.end()));
  console.log(`CA rotation → first connection verified by the new CA: ${summary(times)}`);
  console.log(`held connections during ${rotations} rotations: ${queries} queries on 8 connections, ${failures} failed`);
  client.destroy();
}
