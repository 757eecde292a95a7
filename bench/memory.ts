import { GetRelationalDatabasesCommand, type LightsailClient, type RelationalDatabase } from '@aws-sdk/client-lightsail';
import type { BerthProcess } from '../test/helpers/berth-process.js';
import { createDatabase, postmasterPid } from './databases.js';
import { processTree, pssKiB, rssKiB, treePssKiB } from './processes.js';
import { settle } from './settle.js';
import { median } from './stats.js';

const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

/** PSS of idle database servers, and of berth itself once it manages `target` databases. */
export async function benchMemory(berth: BerthProcess, target: number): Promise<void> {
  const client = berth.client();
  for (let i = (await listAll(client)).length; i < target; i++) await createDatabase(client, `bench-memory-${i}`);
  await settle('memory: start-up work and first backups');
  const databases = await listAll(client);

  const perDatabase: number[] = [];
  let processes = 0;
  for (const database of databases) {
    const pid = await postmasterPid(berth, database);
    perDatabase.push(await treePssKiB(pid));
    processes += (await processTree(pid)).length;
  }
  const berthPid = berth.pid!;
  console.log(
    `idle database server (postmaster + ${Math.round(processes / databases.length) - 1} children): PSS median ${mib(median(perDatabase))}, ` +
      `max ${mib(Math.max(...perDatabase))}, all ${databases.length} together ${mib(perDatabase.reduce((a, b) => a + b, 0))}`,
  );
  console.log(`berth with ${databases.length} databases: PSS ${mib(await pssKiB(berthPid))}, RSS ${mib(await rssKiB(berthPid))}`);
  client.destroy();
}

async function listAll(client: LightsailClient): Promise<RelationalDatabase[]> {
  const all: RelationalDatabase[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new GetRelationalDatabasesCommand({ pageToken: token }));
    all.push(...(page.relationalDatabases ?? []));
    token = page.nextPageToken;
  } while (token);
  return all;
}
