/**
 * PostgreSQL backups, restores and the WAL archive, measured (figures only,
 * no targets):
 *
 *   backup    MB/s of driver.backup() on a database of --size-mb, against
 *             `cp -a` of its data dir in the same run (the ratio)
 *   restore   MB/s of driver.restore() of that backup into a new instance
 *             (checksums verified, started, promoted), against `cp -a` of
 *             the backup dir
 *   pitr      restore to a time between two inserts (small database)
 *   flush     flushArchive() after a write, and on an idle database
 *   archive   bytes archived per forced WAL switch on an idle database, with
 *             wal_recycle off (berth's setting) and on; gzip of a full segment
 *
 *   npx vite-node bench/postgres-backup.ts [-- --blueprint postgres_17 --size-mb 600 --runs 3 --dir /tmp]
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { freeLoopbackPort } from '../src/engines/conformance/net.js';
import { createOpensslTls } from '../src/engines/conformance/tls.js';
import type { InstanceSpec } from '../src/engines/driver.js';
import { walScriptPaths } from '../src/engines/postgres/archive.js';
import { masterClientConfig } from '../src/engines/postgres/master-connection.js';
import { PostgresDriver } from '../src/engines/postgres/postgres-driver.js';
import { summary } from './stats.js';

const execFileAsync = promisify(execFile);
const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    blueprint: { type: 'string', default: 'postgres_17' },
    'size-mb': { type: 'string', default: '600' },
    runs: { type: 'string', default: '3' },
    'pitr-runs': { type: 'string', default: '5' },
    dir: { type: 'string', default: os.tmpdir() },
  },
});
const blueprintId = values.blueprint as string;
const sizeMb = Number(values['size-mb']);
const runs = Number(values.runs);
const pitrRuns = Number(values['pitr-runs']);
const PASSWORD = 'bench-Pass-1';
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mbps = (bytes: number, ms: number) => bytes / MB / (ms / 1000);

const rootDir = await fs.mkdtemp(path.join(values.dir as string, 'berth-bench-backup-'));
await fs.chmod(rootDir, 0o711);
const tls = await createOpensslTls();
const driver = new PostgresDriver({ rootDir });
const specs: InstanceSpec[] = [];
let counter = 0;

async function newSpec(): Promise<InstanceSpec> {
  const id = `bench-${++counter}`;
  const spec: InstanceSpec = {
    id, blueprintId, dataDir: path.join(rootDir, 'instances', id), port: await freeLoopbackPort(),
    publiclyAccessible: false, ramSizeInGb: 1, cpuCount: 2, masterUsername: 'dbmaster', masterDatabaseName: 'appdb',
  };
  specs.push(spec);
  return spec;
}

async function running(): Promise<InstanceSpec> {
  const spec = await newSpec();
  await driver.provision(spec, await tls.makeServerTls());
  await driver.start(spec);
  await driver.ensureMasterUser(spec, PASSWORD);
  return spec;
}

async function sql(spec: InstanceSpec, text: string): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client(masterClientConfig(spec, { host: 'localhost', caPem: tls.ca, password: PASSWORD }));
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

async function dirBytes(dir: string): Promise<number> {
  const { stdout } = await execFileAsync('du', ['-sb', dir]);
  return Number(stdout.split('\t')[0]);
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await work();
  return [result, performance.now() - t0];
}

async function destroy(spec: InstanceSpec): Promise<void> {
  await driver.destroy(spec);
  specs.splice(specs.indexOf(spec), 1);
}

async function benchBackupRestore(): Promise<void> {
  const spec = await running();
  // ~1 KB rows: a heap of --size-mb plus its primary key index.
  const rows = Math.ceil((sizeMb * MB) / 1100);
  const [, loadMs] = await timed(() =>
    sql(spec, `CREATE TABLE wide AS SELECT g AS id, repeat(md5(g::text), 30) AS pad FROM generate_series(1, ${rows}) g;
               ALTER TABLE wide ADD PRIMARY KEY (id)`),
  );
  await driver.withAdmin(spec, (c) => c.query('CHECKPOINT'));
  const pgdata = driver.paths(spec).pgdata;
  const dbBytes = Number((await sql(spec, 'SELECT pg_database_size(current_database()) AS b'))[0]?.b);
  console.log(`database: ${(dbBytes / MB).toFixed(0)} MB (${rows} rows, loaded in ${(loadMs / 1000).toFixed(1)} s), data dir ${((await dirBytes(pgdata)) / MB).toFixed(0)} MB`);

  const series = () => ({ ms: [] as number[], rate: [] as number[], cp: [] as number[], cpRate: [] as number[], ratio: [] as number[], cpSync: [] as number[] });
  const backup = series();
  const restore = series();
  let size = 0;
  for (let run = 0; run < runs; run++) {
    const copyDir = path.join(rootDir, `cp-${run}`);
    const [, cpMs] = await timed(() => execFileAsync('cp', ['-a', pgdata, copyDir]));
    const [, cpSyncMs] = await timed(() => execFileAsync('sync', ['-f', copyDir]));
    const copied = await dirBytes(copyDir);
    await fs.rm(copyDir, { recursive: true, force: true });
    backup.cpSync.push(cpMs + cpSyncMs);
    const backupDir = path.join(rootDir, 'backups', `b-${run}`);
    const [manifest, backupMs] = await timed(() => driver.backup(spec, backupDir));
    size = manifest.sizeBytes;
    backup.ms.push(backupMs);
    backup.rate.push(mbps(manifest.sizeBytes, backupMs));
    backup.cp.push(cpMs);
    backup.cpRate.push(mbps(copied, cpMs));
    backup.ratio.push(mbps(manifest.sizeBytes, backupMs) / mbps(copied, cpMs));

    const cpRestore = path.join(rootDir, `cpr-${run}`);
    const [, cprMs] = await timed(() => execFileAsync('cp', ['-a', backupDir, cpRestore]));
    const [, cprSyncMs] = await timed(() => execFileAsync('sync', ['-f', cpRestore]));
    await fs.rm(cpRestore, { recursive: true, force: true });
    restore.cpSync.push(cprMs + cprSyncMs);
    const target = await newSpec();
    const [, restoreMs] = await timed(async () => driver.restore(target, await tls.makeServerTls(), { backupDir }));
    restore.ms.push(restoreMs);
    restore.rate.push(mbps(manifest.sizeBytes, restoreMs));
    restore.cp.push(cprMs);
    restore.cpRate.push(mbps(manifest.sizeBytes, cprMs));
    restore.ratio.push(mbps(manifest.sizeBytes, restoreMs) / mbps(manifest.sizeBytes, cprMs));
    const count = Number((await sql(target, 'SELECT count(*) AS n FROM wide'))[0]?.n);
    if (count !== rows) throw new Error(`restored ${count} rows instead of ${rows}`);
    await destroy(target);
    await fs.rm(backupDir, { recursive: true, force: true });
  }
  console.log(`backup of ${(size / MB).toFixed(0)} MB (${runs} runs, medians):`);
  console.log(`  driver.backup   ${median(backup.ms).toFixed(0)} ms, ${median(backup.rate).toFixed(0)} MB/s`);
  console.log(`  cp -a pgdata    ${median(backup.cp).toFixed(0)} ms, ${median(backup.cpRate).toFixed(0)} MB/s (all of it, pg_wal included)`);
  console.log(`  ratio backup/cp ${median(backup.ratio).toFixed(2)} (MB/s over MB/s); cp -a + sync -f: ${median(backup.cpSync).toFixed(0)} ms`);
  console.log(`restore of that backup into a new instance, ready (${runs} runs, medians):`);
  console.log(`  driver.restore  ${median(restore.ms).toFixed(0)} ms, ${median(restore.rate).toFixed(0)} MB/s`);
  console.log(`  cp -a backup    ${median(restore.cp).toFixed(0)} ms, ${median(restore.cpRate).toFixed(0)} MB/s`);
  console.log(`  ratio restore/cp ${median(restore.ratio).toFixed(2)}; cp -a + sync -f: ${median(restore.cpSync).toFixed(0)} ms`);
  await destroy(spec);
}

async function benchPitr(): Promise<void> {
  const spec = await running();
  const archive = path.join(rootDir, 'archive', spec.id);
  await driver.setArchiving(spec, archive);
  await sql(spec, 'CREATE TABLE pitr (id serial PRIMARY KEY, tag text NOT NULL)');
  const backupDir = path.join(rootDir, 'backups', 'pitr');
  const [, smallBackupMs] = await timed(() => driver.backup(spec, backupDir));
  const cpSmall: number[] = [];
  for (let run = 0; run < 3; run++) {
    const to = path.join(rootDir, `cp-small-${run}`);
    cpSmall.push((await timed(() => execFileAsync('cp', ['-a', backupDir, to])))[1]);
    await fs.rm(to, { recursive: true, force: true });
  }
  const flushBusy: number[] = [];
  await sql(spec, `INSERT INTO pitr (tag) SELECT 'A' FROM generate_series(1, 1000)`);
  await sleep(1100);
  const t = new Date();
  await sleep(1100);
  await sql(spec, `INSERT INTO pitr (tag) SELECT 'B' FROM generate_series(1, 1000)`);
  const [latest, flushMs] = await timed(() => driver.flushArchive(spec, archive));
  flushBusy.push(flushMs);
  const atT: number[] = [];
  const atLatest: number[] = [];
  for (let run = 0; run < pitrRuns; run++) {
    for (const [target, into] of [[t, atT], [latest, atLatest]] as const) {
      const restored = await newSpec();
      const [, ms] = await timed(async () => driver.restore(restored, await tls.makeServerTls(), { backupDir, archiveDir: archive, targetTime: target }));
      into.push(ms);
      const n = Number((await sql(restored, 'SELECT count(*) AS n FROM pitr'))[0]?.n);
      if (n !== (target === t ? 1000 : 2000)) throw new Error(`PITR restored ${n} rows`);
      await destroy(restored);
    }
  }
  for (let run = 0; run < 5; run++) {
    await sql(spec, `INSERT INTO pitr (tag) SELECT 'C' FROM generate_series(1, 10)`);
    flushBusy.push((await timed(() => driver.flushArchive(spec, archive)))[1]);
  }
  const idle: number[] = [];
  for (let run = 0; run < 5; run++) idle.push((await timed(() => driver.flushArchive(spec, archive)))[1]);
  const smallFiles = (await driver.readManifest(backupDir)).files.length;
  console.log(`small database (template + 2000 rows, ${smallFiles} files): backup ${smallBackupMs.toFixed(0)} ms; cp -a of the backup: ${summary(cpSmall)}`);
  console.log(`PITR restore to a time between two inserts: ${summary(atT)}`);
  console.log(`PITR restore to the latest flushed time:    ${summary(atLatest)}`);
  console.log(`flushArchive after a write: ${summary(flushBusy)}`);
  console.log(`flushArchive, idle database (no switch):    ${summary(idle)}`);
  await destroy(spec);
}

async function archivedBytesPerSwitch(spec: InstanceSpec, archive: string, switches: number): Promise<number[]> {
  const sizes: number[] = [];
  for (let i = 0; i < switches; i++) {
    // What a flush of a database that changed does: one commit, then a switch.
    const wal = await driver.withAdmin(spec, async (c) => {
      await c.query('SELECT pg_current_xact_id()');
      return (await c.query<{ wal: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS wal')).rows[0]?.wal as string;
    });
    const sum = path.join(archive, `${wal}.gz.sha256`);
    for (let waited = 0; !(await fs.stat(sum).catch(() => undefined)); waited += 10) {
      if (waited > 30_000) throw new Error(`${wal} not archived`);
      await sleep(10);
    }
    sizes.push((await fs.stat(path.join(archive, `${wal}.gz`))).size + (await fs.stat(sum)).size);
  }
  return sizes;
}

async function benchArchive(): Promise<void> {
  const spec = await running();
  const archive = path.join(rootDir, 'archive', spec.id);
  await driver.setArchiving(spec, archive);
  // Cycle through many segments first, so that recycled ones (old content) would exist.
  const churn = async () => {
    await sql(spec, 'DROP TABLE IF EXISTS churn; CREATE TABLE churn AS SELECT g, md5(g::text) AS m FROM generate_series(1, 1500000) g');
    await driver.withAdmin(spec, (c) => c.query('CHECKPOINT'));
    await driver.withAdmin(spec, (c) => c.query('CHECKPOINT'));
  };
  const withRecycle = async (setting: 'on' | 'off') => {
    await driver.withAdmin(spec, async (c) => {
      await c.query(`ALTER SYSTEM SET wal_recycle = ${setting}`);
      await c.query('SELECT pg_reload_conf()');
    });
    await sleep(300);
    await churn();
    const pgWal = path.join(driver.paths(spec).pgdata, 'pg_wal');
    const recycled = (await fs.readdir(pgWal)).filter((n) => /^[0-9A-F]{24}$/.test(n)).length - 1;
    return { sizes: await archivedBytesPerSwitch(spec, archive, 12), recycled };
  };
  const { sizes: off } = await withRecycle('off');
  const { sizes: on, recycled } = await withRecycle('on');
  console.log(`(with wal_recycle on, ${recycled} recycled segments were waiting in pg_wal before the switches)`);
  await driver.withAdmin(spec, async (c) => {
    await c.query('ALTER SYSTEM RESET wal_recycle');
    await c.query('SELECT pg_reload_conf()');
  });
  console.log(`archive bytes per forced switch, idle database (.gz + .sha256, 16 MB segments, 12 switches after 150 MB of WAL and a checkpoint):`);
  const kib = (xs: number[]) => xs.map((x) => (x / 1024).toFixed(0)).join(' ');
  console.log(`  wal_recycle off:         median ${(median(off) / 1024).toFixed(1)} KiB, total ${(off.reduce((a, b) => a + b, 0) / 1024).toFixed(0)} KiB  [${kib(off)}]`);
  console.log(`  wal_recycle on (berth):  median ${(median(on) / 1024).toFixed(1)} KiB, total ${(on.reduce((a, b) => a + b, 0) / 1024).toFixed(0)} KiB  [${kib(on)}]`);

  // A full segment of real WAL through archive-wal.sh.
  const pgWal = path.join(driver.paths(spec).pgdata, 'pg_wal');
  await sql(spec, 'INSERT INTO churn SELECT g, md5(g::text) FROM generate_series(1, 300000) g');
  const full = (await fs.readdir(pgWal)).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort()[0];
  if (full) {
    const sample = path.join(rootDir, 'segment-sample');
    await fs.copyFile(path.join(pgWal, full), sample);
    const out = path.join(rootDir, 'archive-sample');
    const times: number[] = [];
    let bytes = 0;
    for (let run = 0; run < 5; run++) {
      await fs.rm(out, { recursive: true, force: true });
      await fs.mkdir(out);
      const [, ms] = await timed(() => execFileAsync('/bin/sh', [walScriptPaths(driver.paths(spec)).archive, sample, '000000010000000000000001', out]));
      times.push(ms);
      bytes = (await fs.stat(path.join(out, '000000010000000000000001.gz'))).size;
    }
    console.log(`archive-wal.sh on a full 16 MB segment of INSERT WAL: ${summary(times)}, ${(bytes / MB).toFixed(1)} MB stored (${((bytes / (16 * MB)) * 100).toFixed(0)} %)`);
  }
  await destroy(spec);
}

const only = new Set((process.env.BENCH_ONLY ?? 'archive,pitr,backup').split(','));
try {
  console.log(`${blueprintId}, ${os.cpus().length} cores, dir ${rootDir}, ${new Date().toISOString()}`);
  if (only.has('archive')) await benchArchive();
  if (only.has('pitr')) await benchPitr();
  if (only.has('backup')) await benchBackupRestore();
} finally {
  for (const spec of [...specs]) await driver.destroy(spec).catch(() => undefined);
  await tls.cleanup();
  await fs.rm(rootDir, { recursive: true, force: true });
}
