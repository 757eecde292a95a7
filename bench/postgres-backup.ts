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
import type { InstanceSpec } from '../src/engines/driver.js';
import { walScriptPaths } from '../src/engines/postgres/archive.js';
import { masterClientConfig } from '../src/engines/postgres/master-connection.js';
import { PostgresDriver } from '../src/engines/postgres/postgres-driver.js';
import { sleep } from '../src/supervisor/wait.js';
import { benchBackupVersusCopy, benchInstances, benchPointInTime, dirBytes, MB, median, timed } from './engine-bench.js';
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

const bench = await benchInstances({
  parentDir: values.dir as string,
  prefix: 'berth-bench-backup-',
  driver: (rootDir) => new PostgresDriver({ rootDir }),
  blueprintId: () => blueprintId,
  password: PASSWORD,
});
const { rootDir, tls, driver, running, destroy } = bench;

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

  await benchBackupVersusCopy(bench, spec, {
    sourceDir: pgdata,
    runs,
    rows,
    countRows: async (target) => Number((await sql(target, 'SELECT count(*) AS n FROM wide'))[0]?.n),
    labelWidth: 15,
    sourceLabel: 'cp -a pgdata',
    sourceNote: '(all of it, pg_wal included)',
  });
  await destroy(spec);
}

async function benchPitr(): Promise<void> {
  const { spec, backupDir, backupMs: smallBackupMs, cpSmall, atT, atLatest, flushBusy, idle } = await benchPointInTime(bench, {
    sql,
    createTable: 'CREATE TABLE pitr (id serial PRIMARY KEY, tag text NOT NULL)',
    insert: (tag, rows) => `INSERT INTO pitr (tag) SELECT '${tag}' FROM generate_series(1, ${rows})`,
    pitrRuns,
    plainRestore: false,
  });
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
  await bench.dispose();
}
