/**
 * MariaDB backups, restores and the binary log archive, measured (figures
 * only, no targets):
 *
 *   backup    MB/s of driver.backup() (mariadb-backup --backup and --prepare,
 *             every file hashed) on a database of --size-mb, against `cp -a`
 *             of its datadir in the same run (the ratio)
 *   restore   MB/s of driver.restore() of that backup into a new instance
 *             (checksums verified, copied, started, ready), against `cp -a`
 *             of the backup dir
 *   pitr      restore to a time between two inserts (small database), and to
 *             the latest flush after --replay-mb of archived binary log
 *   flush     flushArchive() after a write, and on an idle database
 *
 *   npx vite-node bench/mysql-backup.ts [-- --size-mb 600 --runs 3 --replay-mb 100 --dir /tmp]
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freeLoopbackPort } from '../src/engines/conformance/net.js';
import { createOpensslTls } from '../src/engines/conformance/tls.js';
import type { InstanceSpec } from '../src/engines/driver.js';
import { masterConnectionOptions } from '../src/engines/mysql/master-connection.js';
import { MysqlDriver } from '../src/engines/mysql/mysql-driver.js';
import { summary } from './stats.js';

const execFileAsync = promisify(execFile);
const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    'size-mb': { type: 'string', default: '600' },
    runs: { type: 'string', default: '3' },
    'pitr-runs': { type: 'string', default: '5' },
    'replay-mb': { type: 'string', default: '100' },
    dir: { type: 'string', default: os.tmpdir() },
  },
});
const sizeMb = Number(values['size-mb']);
const runs = Number(values.runs);
const pitrRuns = Number(values['pitr-runs']);
const replayMb = Number(values['replay-mb']);
const PASSWORD = 'bench-Pass-1';
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mbps = (bytes: number, ms: number) => bytes / MB / (ms / 1000);

const rootDir = await fs.mkdtemp(path.join(values.dir as string, 'berth-bench-mybackup-'));
await fs.chmod(rootDir, 0o711);
const tls = await createOpensslTls();
const driver = new MysqlDriver({ rootDir });
const blueprintId = driver.blueprints()[0]?.blueprintId;
if (!blueprintId) throw new Error(`no MariaDB here: ${JSON.stringify(driver.discovery())}`);
const specs: InstanceSpec[] = [];
let counter = 0;

async function newSpec(): Promise<InstanceSpec> {
  const id = `bench-${++counter}`;
  const spec: InstanceSpec = {
    id, blueprintId: blueprintId as string, dataDir: path.join(rootDir, 'instances', id), port: await freeLoopbackPort(),
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

async function sql(spec: InstanceSpec, text: string): Promise<mysql.RowDataPacket[]> {
  const c = await mysql.createConnection(masterConnectionOptions(spec, { host: 'localhost', caPem: tls.ca, password: PASSWORD }));
  c.on('error', () => undefined);
  try {
    return (await c.query<mysql.RowDataPacket[]>(text))[0];
  } finally {
    await c.end();
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

/** ≈ 1 KB rows in statements of 20 000 rows (≈ 20 MB each). */
async function load(spec: InstanceSpec, table: string, rows: number, from = 1): Promise<void> {
  for (let start = from; start < from + rows; start += 20_000) {
    const end = Math.min(from + rows - 1, start + 19_999);
    await sql(spec, `INSERT INTO ${table} SELECT seq, REPEAT(MD5(seq), 30) FROM mysql.seq_${start}_to_${end}`);
  }
}

async function benchBackupRestore(): Promise<void> {
  const spec = await running();
  const rows = Math.ceil((sizeMb * MB) / 1250);
  await sql(spec, 'CREATE TABLE wide (id INT PRIMARY KEY, pad VARCHAR(1000) NOT NULL) ENGINE=InnoDB');
  const [, loadMs] = await timed(() => load(spec, 'wide', rows));
  const datadir = driver.paths(spec).datadir;
  const tableBytes = (await fs.stat(path.join(datadir, 'appdb', 'wide.ibd'))).size;
  console.log(
    `database: table ${(tableBytes / MB).toFixed(0)} MB (${rows} rows, loaded in ${(loadMs / 1000).toFixed(1)} s), ` +
      `datadir ${((await dirBytes(datadir)) / MB).toFixed(0)} MB`,
  );

  const series = () => ({ ms: [] as number[], rate: [] as number[], cp: [] as number[], cpRate: [] as number[], ratio: [] as number[], cpSync: [] as number[] });
  const backup = series();
  const restore = series();
  let size0 = 0;
  for (let run = 0; run < runs; run++) {
    const copyDir = path.join(rootDir, `cp-${run}`);
    const [, cpMs] = await timed(() => execFileAsync('cp', ['-a', datadir, copyDir]));
    const [, cpSyncMs] = await timed(() => execFileAsync('sync', ['-f', copyDir]));
    const copied = await dirBytes(copyDir);
    await fs.rm(copyDir, { recursive: true, force: true });
    backup.cpSync.push(cpMs + cpSyncMs);
    const backupDir = path.join(rootDir, 'backups', `b-${run}`);
    const [manifest, backupMs] = await timed(() => driver.backup(spec, backupDir));
    size0 = manifest.sizeBytes;
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
  console.log(`backup of ${(size0 / MB).toFixed(0)} MB (${runs} runs, medians):`);
  console.log(`  driver.backup    ${median(backup.ms).toFixed(0)} ms, ${median(backup.rate).toFixed(0)} MB/s`);
  console.log(`  cp -a datadir    ${median(backup.cp).toFixed(0)} ms, ${median(backup.cpRate).toFixed(0)} MB/s (all of it: redo log, ibtmp1 included)`);
  console.log(`  ratio backup/cp  ${median(backup.ratio).toFixed(2)} (MB/s over MB/s); cp -a + sync -f: ${median(backup.cpSync).toFixed(0)} ms`);
  console.log(`restore of that backup into a new instance, ready (${runs} runs, medians):`);
  console.log(`  driver.restore   ${median(restore.ms).toFixed(0)} ms, ${median(restore.rate).toFixed(0)} MB/s`);
  console.log(`  cp -a backup     ${median(restore.cp).toFixed(0)} ms, ${median(restore.cpRate).toFixed(0)} MB/s`);
  console.log(`  ratio restore/cp ${median(restore.ratio).toFixed(2)}; cp -a + sync -f: ${median(restore.cpSync).toFixed(0)} ms`);
  await destroy(spec);
}

async function benchPitr(): Promise<void> {
  const spec = await running();
  const archive = path.join(rootDir, 'archive', spec.id);
  await driver.setArchiving(spec, archive);
  await sql(spec, 'CREATE TABLE pitr (id INT AUTO_INCREMENT PRIMARY KEY, tag VARCHAR(10) NOT NULL) ENGINE=InnoDB');
  const backupDir = path.join(rootDir, 'backups', 'pitr');
  const [manifest, smallBackupMs] = await timed(() => driver.backup(spec, backupDir));
  const cpSmall: number[] = [];
  for (let run = 0; run < 3; run++) {
    const to = path.join(rootDir, `cp-small-${run}`);
    cpSmall.push((await timed(() => execFileAsync('cp', ['-a', backupDir, to])))[1]);
    await fs.rm(to, { recursive: true, force: true });
  }
  const flushBusy: number[] = [];
  await sql(spec, "INSERT INTO pitr (tag) SELECT 'A' FROM mysql.seq_1_to_1000");
  await sleep(1100);
  const t = new Date();
  await sleep(1100);
  await sql(spec, "INSERT INTO pitr (tag) SELECT 'B' FROM mysql.seq_1_to_1000");
  const [latest, flushMs] = await timed(() => driver.flushArchive(spec, archive));
  flushBusy.push(flushMs);
  const plain: number[] = [];
  const atT: number[] = [];
  const atLatest: number[] = [];
  for (let run = 0; run < pitrRuns; run++) {
    for (const [target, into] of [[undefined, plain], [t, atT], [latest, atLatest]] as const) {
      const restored = await newSpec();
      const source = target ? { backupDir, archiveDir: archive, targetTime: target } : { backupDir };
      const [, ms] = await timed(async () => driver.restore(restored, await tls.makeServerTls(), source));
      into.push(ms);
      const n = Number((await sql(restored, 'SELECT count(*) AS n FROM pitr'))[0]?.n);
      if (n !== (target === undefined ? 0 : target === t ? 1000 : 2000)) throw new Error(`PITR restored ${n} rows`);
      await destroy(restored);
    }
  }
  for (let run = 0; run < 5; run++) {
    await sql(spec, "INSERT INTO pitr (tag) SELECT 'C' FROM mysql.seq_1_to_10");
    flushBusy.push((await timed(() => driver.flushArchive(spec, archive)))[1]);
  }
  const idle: number[] = [];
  for (let run = 0; run < 5; run++) idle.push((await timed(() => driver.flushArchive(spec, archive)))[1]);

  // A longer replay: --replay-mb of rows after the backup, restored to the latest flush.
  await sql(spec, 'CREATE TABLE wide (id INT PRIMARY KEY, pad VARCHAR(1000) NOT NULL) ENGINE=InnoDB');
  const rows = Math.ceil((replayMb * MB) / 1000);
  await load(spec, 'wide', rows);
  const end = await driver.flushArchive(spec, archive);
  const first = Number(String(manifest.position.binlogFile).split('.')[1]);
  let archivedBytes = 0;
  for (const name of await fs.readdir(archive)) {
    const n = /^mariadb-bin\.(\d+)$/.exec(name)?.[1];
    if (n !== undefined && Number(n) >= first) archivedBytes += (await fs.stat(path.join(archive, name))).size;
  }
  const replay: number[] = [];
  for (let run = 0; run < Math.min(3, pitrRuns); run++) {
    const restored = await newSpec();
    const [, ms] = await timed(async () => driver.restore(restored, await tls.makeServerTls(), { backupDir, archiveDir: archive, targetTime: end }));
    replay.push(ms);
    const n = Number((await sql(restored, 'SELECT count(*) AS n FROM wide'))[0]?.n);
    if (n !== rows) throw new Error(`PITR restored ${n} wide rows instead of ${rows}`);
    await destroy(restored);
  }
  const smallFiles = (await driver.readManifest(backupDir)).files.length;
  console.log(`small database (template + 1 table, ${smallFiles} files, ${(manifest.sizeBytes / MB).toFixed(0)} MB): backup ${smallBackupMs.toFixed(0)} ms; cp -a of the backup: ${summary(cpSmall)}`);
  console.log(`restore of it, no archive:                 ${summary(plain)}`);
  console.log(`PITR restore to a time between two inserts: ${summary(atT)}`);
  console.log(`PITR restore to the latest flushed time:    ${summary(atLatest)}`);
  console.log(`PITR restore replaying ${(archivedBytes / MB).toFixed(0)} MB of archived binary log (${rows} rows): ${summary(replay)} ` +
    `(${mbps(archivedBytes, median(replay)).toFixed(1)} MB/s of binary log, restore included)`);
  console.log(`flushArchive after a write: ${summary(flushBusy)}`);
  console.log(`flushArchive, idle database (no rotation):  ${summary(idle)}`);
  await destroy(spec);
}

try {
  console.log(`MariaDB ${driver.blueprints()[0]?.engineVersion}, ${os.cpus().length} CPUs, root ${rootDir}`);
  await benchBackupRestore();
  await benchPitr();
} finally {
  for (const spec of specs.splice(0)) await driver.destroy(spec).catch(() => undefined);
  await tls.cleanup();
  await fs.rm(rootDir, { recursive: true, force: true });
}
