import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LightsailClient, RelationalDatabase, Tag } from '@aws-sdk/client-lightsail';
import type { BerthProcess } from '../test/helpers/berth-process.js';
import { createDatabase as createTestDatabase } from '../test/helpers/databases.js';

export const BENCH_PASSWORD = 'Bench-password-1';

export function createDatabase(client: LightsailClient, name: string, tags: Tag[] = []): Promise<RelationalDatabase> {
  return createTestDatabase(client, name, { masterUsername: 'bench', masterUserPassword: BENCH_PASSWORD, tags });
}

/** The postmaster of a database, from its postmaster.pid. */
export async function postmasterPid(berth: BerthProcess, database: RelationalDatabase): Promise<number> {
  const id = database.arn!.split('/')[1]!;
  const pidFile = await readFile(path.join(berth.dataDir, 'databases', id, 'pgdata', 'postmaster.pid'), 'utf8');
  return Number(pidFile.split('\n')[0]);
}
