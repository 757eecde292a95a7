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
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import type { InstanceSpec } from '../src/engines/driver.js';
import { masterConnectionOptions } from '../src/engines/mysql/master-connection.js';
import { MysqlDriver } from '../src/engines/mysql/mysql-driver.js';
import { benchBackupVersusCopy, benchInstances, benchPointInTime, dirBytes, MB, mbps, median, timed } from './engine-bench.js';
import { summary } from './stats.js';

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

const bench = await benchInstances({
  parentDir: values.dir as string,
  prefix: 'berth-bench-mybackup-',
  driver: (rootDir) => new MysqlDriver({ rootDir }),
  blueprintId: (driver) => {
    const blueprintId = driver.blueprints()[0]?.blueprintId;
    if (!blueprintId) throw new Error(`no MariaDB here: ${JSON.stringify(driver.discovery())}`);
    return blueprintId;
  },
  password: PASSWORD,
});
const { rootDir, tls, driver, newSpec, running, destroy } = bench;

async function sql(spec: InstanceSpec, text: string): Promise<mysql.RowDataPacket[]> {
  const c = await mysql.createConnection(masterConnectionOptions(spec, { host: 'localhost', caPem: tls.ca, password: PASSWORD }));
  c.on('error', () => undefined);
  try {
    return (await c.query<mysql.RowDataPacket[]>(text))[0];
  } finally {
    await c.end();
  }
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

  await benchBackupVersusCopy(bench, spec, {
    sourceDir: datadir,
    runs,
    rows,
    countRows: async (target) => Number((await sql(target, 'SELECT count(*) AS n FROM wide'))[0]?.n),
    labelWidth: 16,
    sourceLabel: 'cp -a datadir',
    sourceNote: '(all of it: redo log, ibtmp1 included)',
  });
  await destroy(spec);
}

async function benchPitr(): Promise<void> {
  const { spec, archive, backupDir, manifest, backupMs: smallBackupMs, cpSmall, plain, atT, atLatest, flushBusy, idle } = await benchPointInTime(bench, {
    sql,
    createTable: 'CREATE TABLE pitr (id INT AUTO_INCREMENT PRIMARY KEY, tag VARCHAR(10) NOT NULL) ENGINE=InnoDB',
    insert: (tag, rows) => `INSERT INTO pitr (tag) SELECT '${tag}' FROM mysql.seq_1_to_${rows}`,
    pitrRuns,
    plainRestore: true,
  });

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
  await bench.dispose();
}
