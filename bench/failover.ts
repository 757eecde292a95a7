/**
 * High availability (npm run bench -- failover), per engine:
 *   - failover time: kill -9 of the primary → first acknowledged verified
 *     write on the same endpoint, median and p95 over `rounds` failovers
 *   - the cost of synchronous replication: write throughput of an HA
 *     database over a standard one of the same bundle, same run (pgbench for
 *     PostgreSQL, 4 writer connections for both), and the lag under that load
 *   - the time to build a standby of a database of `buildGb` GB
 */
import { execFile } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { BerthProcess } from '../test/helpers/berth-process.js';
import { createDatabase } from '../test/helpers/databases.js';
import { createHighlyAvailable, failoverRounds, FAILOVER_PASSWORD, synchronous } from '../test/helpers/failover-rounds.js';
import { highAvailability, openSession, roleInstance, serverPid, type Session } from '../test/helpers/ha.js';
import { engineAvailable, ENGINE_BLUEPRINT, type TestEngine } from '../test/helpers/sql.js';
import { percentile, summary } from './stats.js';

const execFileAsync = promisify(execFile);

type Endpoint = { port: number; user: string; database: string; password: string };

/** Rows inserted per second by `clients` connections for `seconds`, each commit acknowledged. */
async function insertRate(engine: TestEngine, endpoint: Endpoint, ca: string, seconds: number, clients = 4): Promise<number> {
  const setup = await openSession(engine, endpoint, ca);
  await setup.query(engine === 'postgres' ? 'CREATE TABLE IF NOT EXISTS bench_load (id bigserial PRIMARY KEY, v text)' : 'CREATE TABLE IF NOT EXISTS bench_load (id BIGINT AUTO_INCREMENT PRIMARY KEY, v TEXT)');
  await setup.end();
  const sessions: Session[] = await Promise.all(Array.from({ length: clients }, () => openSession(engine, endpoint, ca)));
  let count = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(sessions.map(async (session) => {
    while (performance.now() < deadline) {
      await session.query("INSERT INTO bench_load (v) VALUES ('berth bench row of a modest size')");
      count += 1;
    }
  }));
  await Promise.all(sessions.map((session) => session.end()));
  return count / seconds;
}

async function pgbenchTps(endpoint: Endpoint, ca: string, seconds: number): Promise<number | undefined> {
  const env = { ...process.env, PGHOST: 'localhost', PGPORT: String(endpoint.port), PGUSER: endpoint.user, PGPASSWORD: endpoint.password, PGDATABASE: endpoint.database, PGSSLMODE: 'verify-full', PGSSLROOTCERT: await caFile(ca) };
  try {
    await execFileAsync('pgbench', ['-i', '-s', '5', '-q'], { env });
    const { stdout } = await execFileAsync('pgbench', ['-c', '4', '-j', '2', '-T', String(seconds), '-N'], { env });
    return Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
  } catch (error) {
    console.log(`pgbench: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

let caPath: string | undefined;
async function caFile(ca: string): Promise<string> {
  if (caPath) return caPath;
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const os = await import('node:os');
  caPath = path.join(await mkdtemp(path.join(os.tmpdir(), 'berth-bench-')), 'ca.pem');
  await writeFile(caPath, ca);
  return caPath;
}

async function fillTo(engine: TestEngine, endpoint: Endpoint, ca: string, gigabytes: number): Promise<void> {
  const session = await openSession(engine, endpoint, ca, 30 * 60_000); // a bulk load takes minutes
  const rowsPerGb = 1_000_000; // about 1 KB a row
  if (engine === 'postgres') {
    await session.query('CREATE TABLE bulk (id bigint, payload text)');
    await session.query(`INSERT INTO bulk SELECT g, repeat(md5(g::text), 30) FROM generate_series(1, ${Math.round(rowsPerGb * gigabytes)}) g`);
  } else {
    await session.query('CREATE TABLE bulk (id BIGINT PRIMARY KEY, payload TEXT) ENGINE=InnoDB');
    const batch = 100_000;
    for (let from = 0; from < rowsPerGb * gigabytes; from += batch) {
      await session.query(`INSERT INTO bulk SELECT seq, REPEAT(MD5(seq), 30) FROM seq_${from + 1}_to_${from + batch}`);
    }
  }
  await session.end();
}

async function standbyBuildSeconds(berth: BerthProcess, engine: TestEngine, gigabytes: number): Promise<number> {
  const name = `bench-build-${engine}`;
  const { endpoint, ca } = await createHighlyAvailable(berth, engine, name);
  await fillTo(engine, endpoint, ca, gigabytes);
  await synchronous(berth, name);
  const standby = await roleInstance(berth, name, 'standby');
  const pid = await serverPid(berth, engine, standby.id);
  const from = berth.output.split('\n').length;
  // Its files gone (moved away at once, before the kill): berth must build it from scratch, not restart it.
  const dir = path.join(berth.dataDir, 'databases', standby.id);
  await rename(dir, `${dir}.gone`);
  process.kill(-pid!, 'SIGKILL'); // degraded, then rebuilt by berth
  await rm(`${dir}.gone`, { recursive: true, force: true });
  await synchronous(berth, name);
  await until(() => berth.output.split('\n').slice(from).some((line) => line.includes('"task":"build-standby"') && line.includes('succeeded')));
  const line = berth.output.split('\n').slice(from).find((l) => l.includes('"task":"build-standby"') && l.includes('succeeded'))!;
  return Number(/"ms":(\d+)/.exec(line)?.[1]) / 1000;
}

async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((resolve) => setTimeout(resolve, 100));
}

export async function benchFailover(berth: BerthProcess, rounds: number, buildGb: number, engines: TestEngine[]): Promise<void> {
  for (const engine of engines) {
    if (!engineAvailable(engine)) {
      console.log(`failover ${engine}: not installed, skipped`);
      continue;
    }
    const result = await failoverRounds(berth, engine, `bench-failover-${engine}`, rounds);
    const writable = result.rounds.map((round) => round.writableAfterMs);
    console.log(`failover ${engine}: kill -9 → first verified write on the endpoint: ${summary(writable)}; available again: ${summary(result.rounds.map((r) => r.availableAfterMs))}; ${result.lost.length} acknowledged commits lost of ${result.acknowledged}; p95 ${percentile(writable, 95).toFixed(0)} ms`);

    const client = berth.client();
    const standard = await createDatabase(client, `bench-standard-${engine}`, { relationalDatabaseBlueprintId: ENGINE_BLUEPRINT[engine], relationalDatabaseBundleId: 'micro_2_0', masterUserPassword: FAILOVER_PASSWORD });
    client.destroy();
    const standardEndpoint = { port: standard.masterEndpoint!.port!, user: 'owner', database: 'app', password: FAILOVER_PASSWORD };
    const ha = await createHighlyAvailable(berth, engine, `bench-ha-${engine}`);
    const lags: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const view = await highAvailability(berth, `bench-ha-${engine}`);
        if (view.standby?.lagBytes !== undefined) lags.push(view.standby.lagBytes);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    sampler.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    const haRate = await insertRate(engine, ha.endpoint, ha.ca, 15);
    sampling = false;
    await sampler;
    const standardRate = await insertRate(engine, standardEndpoint, ha.ca, 15);
    console.log(`replication cost ${engine}: 4 writers, HA ${haRate.toFixed(0)} commits/s vs standard ${standardRate.toFixed(0)} commits/s (ratio ${(haRate / standardRate).toFixed(2)}); lag under load ${lags.length > 0 ? summary(lags, 'B') : 'not observed'}`);
    if (engine === 'postgres') {
      const haTps = await pgbenchTps(ha.endpoint, ha.ca, 15);
      const standardTps = await pgbenchTps(standardEndpoint, ha.ca, 15);
      if (haTps && standardTps) console.log(`pgbench -N -c 4 ${engine}: HA ${haTps.toFixed(0)} tps vs standard ${standardTps.toFixed(0)} tps (ratio ${(haTps / standardTps).toFixed(2)})`);
    }
    const build = await standbyBuildSeconds(berth, engine, buildGb);
    console.log(`standby build ${engine}: ${buildGb} GB database, build-standby task ${build.toFixed(1)} s`);
  }
}
