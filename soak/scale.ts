import type { BerthProcess } from '../test/helpers/berth-process.js';
import { allDatabases } from '../test/helpers/consistency.js';
import { createDatabase } from '../test/helpers/databases.js';
import { postmasterPid } from '../bench/databases.js';
import { pssKiB, rssKiB, treePssKiB } from '../bench/processes.js';
import { settle } from '../bench/settle.js';

const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

/** `target` databases at once on one machine: how much memory they and berth take. */
export async function soakScale(berth: BerthProcess, target: number): Promise<void> {
  const client = berth.client();
  const started = Date.now();
  for (let i = (await allDatabases(client)).length; i < target; i++) await createDatabase(client, `scale-${i}`);
  const createdIn = (Date.now() - started) / 1000;
  await settle('scale: start-up work and first backups');
  const databases = (await allDatabases(client)).filter((db) => db.engine === 'postgres');
  let total = 0;
  for (const database of databases) total += await treePssKiB(await postmasterPid(berth, database));
  console.log(
    `scale: ${databases.length} databases running (created in ${createdIn.toFixed(0)} s): servers ${mib(total)} PSS in all, ` +
      `${mib(total / databases.length)} each; berth PSS ${mib(await pssKiB(berth.pid!))}, RSS ${mib(await rssKiB(berth.pid!))}`,
  );
  client.destroy();
}
