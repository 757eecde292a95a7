/**
 * Rounds of primary kills under a write load against one HA database, for
 * the failover soak and benchmark: each round kills the primary's process
 * group (-9), measures the time from the kill to the first acknowledged
 * verified write on the same endpoint, waits for a synchronous standby again,
 * and at the end counts acknowledged commits missing (must be none).
 */
import { GetRelationalDatabaseCommand } from '@aws-sdk/client-lightsail';
import type { BerthProcess } from './berth-process.js';
import { createDatabase } from './databases.js';
import { highAvailability, LEDGER_TABLE, LedgerWriter, openSession, roleInstance, serverPid } from './ha.js';
import { ENGINE_BLUEPRINT, type TestEngine } from './sql.js';
import { until } from './waiters.js';

export const FAILOVER_PASSWORD = 'Failover-rounds-1';

export interface FailoverRound {
  /** Kill → first acknowledged write on the endpoint (ms). */
  writableAfterMs: number;
  /** Kill → berth reports the database available again (ms). */
  availableAfterMs: number;
  /** Attempts berth needed for the failover (from its log). */
  attempts: number;
}

export interface FailoverRounds {
  rounds: FailoverRound[];
  acknowledged: number;
  lost: number[];
}

/** An HA database (`micro_ha_2_0`) with `table` (default: the ledger), synchronous; returns its endpoint and the CA bundle. */
export async function createHighlyAvailable(
  berth: BerthProcess,
  engine: TestEngine,
  name: string,
  { password = FAILOVER_PASSWORD, table = LEDGER_TABLE[engine] }: { password?: string; table?: string } = {},
) {
  const client = berth.client();
  try {
    const database = await createDatabase(client, name, {
      relationalDatabaseBlueprintId: ENGINE_BLUEPRINT[engine],
      relationalDatabaseBundleId: 'micro_ha_2_0',
      masterUserPassword: password,
    });
    const endpoint = { port: database.masterEndpoint!.port!, user: 'owner', database: 'app', password };
    const ca = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
    const session = await openSession(engine, endpoint, ca);
    await session.query(table);
    await session.end();
    await synchronous(berth, name);
    return { endpoint, ca };
  } finally {
    client.destroy();
  }
}

export function synchronous(berth: BerthProcess, name: string) {
  return until(`a synchronous standby of ${name}`, async () => {
    const view = await highAvailability(berth, name);
    return view.standby?.synchronous && view.standby.state === 'running' ? view : undefined;
  }, 300_000, 100);
}

function attemptsOf(log: string, from: number): number {
  const lines = log.split('\n').slice(from).filter((line) => line.includes('"msg":"failover completed"'));
  const last = lines.at(-1);
  return last ? Number(/"attempt":(\d+)/.exec(last)?.[1] ?? 1) : 0;
}

/** kill -9 of the primary's process group; the pid is read again when the server restarted meanwhile. Returns when. */
async function killPrimary(berth: BerthProcess, engine: TestEngine, name: string): Promise<number> {
  for (let tries = 0; ; tries++) {
    const primary = await roleInstance(berth, name, 'primary');
    const pid = await serverPid(berth, engine, primary.id);
    try {
      if (pid === undefined) throw Object.assign(new Error(`no server pid for the primary of ${name}`), { code: 'ESRCH' });
      const at = Date.now();
      process.kill(-pid, 'SIGKILL');
      return at;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH' || tries >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function failoverRounds(
  berth: BerthProcess,
  engine: TestEngine,
  name: string,
  rounds: number,
  onRound: (round: FailoverRound, index: number) => void = () => undefined,
): Promise<FailoverRounds> {
  const { endpoint, ca } = await createHighlyAvailable(berth, engine, name);
  const client = berth.client();
  const writer = new LedgerWriter(engine, endpoint, ca);
  writer.start();
  const results: FailoverRound[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      await synchronous(berth, name);
      await until('commits before the kill', async () => (writer.acknowledged.length > 0 ? true : undefined));
      const logFrom = berth.output.split('\n').length;
      const killedAt = await killPrimary(berth, engine, name);
      // Watched from the kill on: berth reports the failover (not available) before it is available again.
      const shown = until('the failover to show', async () => {
        const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }));
        return relationalDatabase?.state !== 'available' ? true : undefined;
      }, 30_000, 10);
      const writableAt = await writer.firstCommitAfter(killedAt, 120_000);
      await shown;
      const availableAt = await until('available again', async () => {
        const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }));
        return relationalDatabase?.state === 'available' ? Date.now() : undefined;
      }, 120_000, 20);
      const round = { writableAfterMs: writableAt - killedAt, availableAfterMs: availableAt - killedAt, attempts: attemptsOf(berth.output, logFrom) };
      results.push(round);
      onRound(round, i);
    }
    await synchronous(berth, name);
  } finally {
    await writer.stop();
    client.destroy();
  }
  const session = await openSession(engine, endpoint, ca);
  const present = new Set((await session.query('SELECT id FROM ledger')).map((row) => Number(row.id)));
  await session.end();
  return { rounds: results, acknowledged: writer.acknowledged.length, lost: writer.acknowledged.filter((id) => !present.has(id)) };
}
