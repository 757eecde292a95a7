import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateRelationalDatabaseCommand,
  GetRelationalDatabaseCommand,
  type LightsailClient,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import type { BerthProcess } from '../test/helpers/berth-process.js';
import { operationDone } from '../test/helpers/waiters.js';

export const BENCH_PASSWORD = 'Bench-password-1';

export async function createDatabase(client: LightsailClient, name: string): Promise<RelationalDatabase> {
  const { operations } = await client.send(
    new CreateRelationalDatabaseCommand({
      relationalDatabaseName: name,
      relationalDatabaseBlueprintId: 'postgres_17',
      relationalDatabaseBundleId: 'micro_2_0',
      masterDatabaseName: 'app',
      masterUsername: 'bench',
      masterUserPassword: BENCH_PASSWORD,
    }),
  );
  const done = await operationDone(client, operations![0]!, 120_000);
  if (done.status !== 'Succeeded') throw new Error(`create ${name} failed: ${done.errorDetails}`);
  return (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;
}

/** The postmaster of a database, from its postmaster.pid. */
export async function postmasterPid(berth: BerthProcess, database: RelationalDatabase): Promise<number> {
  const id = database.arn!.split('/')[1]!;
  const pidFile = await readFile(path.join(berth.dataDir, 'databases', id, 'pgdata', 'postmaster.pid'), 'utf8');
  return Number(pidFile.split('\n')[0]);
}
