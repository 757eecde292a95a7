/**
 * MysqlDriver as EngineBackups, against real MariaDB servers: online backups
 * under writes, restores into new instances, point-in-time restores from the
 * binary log archive, and the ways they must fail. Every instance, connection
 * and temp dir is released in afterAll, also when a case fails.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { expect, it } from 'vitest';
import type { BackupManifest } from '../backup.js';
import {
  backupUnderWrites, expectArchivedChecksums, expectLedgerConsistent, expectNoBackupWhenStopped, expectPasswordKeptUntilEnsured, flipByte, ledgerWriter,
  pitrTags, restoredUnderOtherCa,
} from '../conformance/backup-checks.js';
import { driverFixture } from '../conformance/instances.js';
import { describeWhenAvailable } from '../conformance/prerequisites.js';
import type { InstanceSpec } from '../driver.js';
import { globalVariables } from './admin-connection.js';
import { binlogName, binlogNumber } from './binlog.js';
import { masterConnectionOptions } from './master-connection.js';
import { MysqlDriver } from './mysql-driver.js';
import { findMariadbTool } from './server-binaries.js';

const execFileAsync = promisify(execFile);
const PASSWORD = "backup-'Pass'-1";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why the suite cannot run here, or undefined. */
function missing(): string | undefined {
  const probe = new MysqlDriver({ rootDir: '/nonexistent' });
  const found = probe.discovery();
  if (!found.found) return found.reason;
  for (const tool of ['mariadb-backup', 'mariadb-binlog', 'mariadb'] as const) {
    const located = findMariadbTool(found.server, tool);
    if (!located.found) return located.reason;
  }
  return probe.blueprints().length === 0 ? 'no MariaDB blueprint' : undefined;
}

function findTool(tool: 'mariadb-backup'): string {
  const found = new MysqlDriver({ rootDir: '/nonexistent' }).discovery();
  const located = found.found ? findMariadbTool(found.server, tool) : undefined;
  if (!located?.found) throw new Error(`${tool} not found`);
  return located.path;
}

/** Every file under `root`, relative and `/`-separated. */
async function listFiles(root: string, relative = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(path.join(root, relative), { withFileTypes: true })) {
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await listFiles(root, child)));
    else found.push(child);
  }
  return found;
}

function fixture() {
  return driverFixture({
    label: 'mybackup',
    driver: (rootDir) => new MysqlDriver({ rootDir }),
    blueprintId: (driver) => driver.blueprints()[0]?.blueprintId ?? '',
    password: PASSWORD,
    idPrefix: 'bk',
  }, (base) => {
    const f = {
      /** A verify-full TLS connection as the master user (kept open until afterAll unless ended). */
      async connect(spec: InstanceSpec, caPem = base.tls.ca, password = PASSWORD): Promise<mysql.Connection> {
        const c = await mysql.createConnection({ ...masterConnectionOptions(spec, { host: 'localhost', caPem, password }), multipleStatements: true });
        c.on('error', () => undefined);
        base.closeAtEnd(() => c.end().catch(() => c.destroy()));
        return c;
      },
      async query<T = Record<string, unknown>>(spec: InstanceSpec, sql: string, caPem = base.tls.ca): Promise<T[]> {
        const c = await f.connect(spec, caPem);
        try {
          return (await c.query<mysql.RowDataPacket[]>(sql))[0] as T[];
        } finally {
          await c.end().catch(() => c.destroy());
        }
      },
      /** Complete archived binary logs (their .sha256 exists), sorted. */
      async archived(dir: string): Promise<string[]> {
        return (await fs.readdir(dir)).filter((n) => n.endsWith('.sha256')).map((n) => n.slice(0, -'.sha256'.length)).sort();
      },
      /** The server's binary logs (SHOW BINARY LOGS). */
      async serverBinlogs(spec: InstanceSpec): Promise<string[]> {
        return base.driver.withAdmin(spec, async (c) => (await c.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS'))[0].map((r) => String(r.Log_name)));
      },
      async copyDir(from: string, to: string): Promise<void> {
        await execFileAsync('cp', ['-a', from, to]);
      },
    };
    return f;
  });
}

const tags = (f: ReturnType<typeof fixture>, spec: InstanceSpec, caPem?: string) => pitrTags(f.query, spec, caPem);

const PITR_TABLE = 'CREATE TABLE pitr (id INT AUTO_INCREMENT PRIMARY KEY, tag VARCHAR(20) NOT NULL) ENGINE=InnoDB';
const insertTag = (tag: string, n: number) => `INSERT INTO pitr (tag) SELECT ${mysql.escape(tag)} FROM mysql.seq_1_to_${n}`;

describeWhenAvailable('MysqlDriver backups (MariaDB)', missing(), () => {
  const f = fixture();

  it('backs up while a writer keeps committing; the restore (new port, new certificate) is consistent at the backup point or later', async () => {
    const spec = await f.running();
    const setup = await f.connect(spec);
    await setup.query('CREATE TABLE seq (id BIGINT PRIMARY KEY, pad VARCHAR(300) NOT NULL) ENGINE=InnoDB');
    await setup.query('CREATE TABLE ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, amount INT NOT NULL) ENGINE=InnoDB');
    await setup.query("INSERT INTO seq SELECT seq, REPEAT(MD5(seq), 8) FROM mysql.seq_1_to_20000");
    const writer = await f.connect(spec);
    // Each transaction: the next id, and a pair of ledger rows that sum to zero.
    const writing = ledgerWriter((sql, values) => writer.query(sql, values), (n) => [
      ['INSERT INTO seq VALUES (?, REPEAT(MD5(?), 8))', [n, n]],
      ['INSERT INTO ledger (amount) VALUES (?), (?)', [n, -n]],
    ]);
    try {
      const { before, after, startedAt, dir, manifest } = await backupUnderWrites(f, spec, writing);

      // The manifest: position, checksums, what is in it.
      expect(manifest).toMatchObject({ format: 1, engine: 'mysql', blueprintId: f.blueprintId });
      expect(manifest.engineVersion).toMatch(/-MariaDB$/);
      expect(Date.parse(manifest.consistentAt)).toBeGreaterThanOrEqual(startedAt);
      expect(Date.parse(manifest.consistentAt)).toBeLessThanOrEqual(Date.now());
      const serverId = Number((await f.driver.withAdmin(spec, (c) => globalVariables(c, ['server_id']))).get('server_id'));
      expect(manifest.position).toEqual({
        binlogFile: expect.stringMatching(/^mariadb-bin\.\d{6}$/), binlogPosition: expect.any(Number), gtid: expect.stringMatching(/^0-\d+-\d+$/), serverId,
        redo: 'copied', // applied by the restore, not by the backup
      });
      const paths = manifest.files.map((file) => file.path);
      expect(paths).toEqual(expect.arrayContaining([
        'directories.json', 'data/ibdata1', 'data/ib_logfile0', 'data/mysql/global_priv.MAI', 'data/appdb/seq.frm', 'data/appdb/ledger.frm',
        'data/xtrabackup_binlog_info', 'data/mysql_upgrade_info', 'data/backup-my.cnf', // what --prepare at restore reads
      ]));
      expect(paths.filter((p) => /mariadb-bin|\.pem$|(^|\/)my\.cnf$/.test(p))).toEqual([]); // no binary logs, TLS files or config
      expect(manifest.sizeBytes).toBe(manifest.files.reduce((sum, file) => sum + file.size, 0));
      const info = manifest.files.find((file) => file.path === 'data/xtrabackup_binlog_info');
      const infoBytes = await fs.readFile(path.join(dir, 'data', 'xtrabackup_binlog_info'));
      expect(info?.sha256).toBe(createHash('sha256').update(infoBytes).digest('hex'));
      expect(infoBytes.toString()).toContain(`${manifest.position.binlogFile}\t${manifest.position.binlogPosition}`);
      expect(await f.driver.readManifest(dir)).toEqual(manifest);
      expect((await fs.readdir(path.dirname(dir))).filter((n) => n.includes('partial'))).toEqual([]);

      // Restore into a new instance: its own port and a certificate of another CA.
      const { copy, material } = await restoredUnderOtherCa(f, dir, spec, PASSWORD);
      await expectLedgerConsistent(f.query, copy, material.caPem, before, after);
      // InnoDB agrees with itself: every table checks, index and clustered index count alike.
      const checks = await f.driver.withAdmin(copy, async (c) => (await c.query<mysql.RowDataPacket[]>('CHECK TABLE appdb.seq, appdb.ledger'))[0]);
      expect(checks.filter((r) => r.Msg_type === 'status').map((r) => r.Msg_text)).toEqual(['OK', 'OK']);

      // The restored instance: its own server_id, a binary log of its own, no archiving, files owned by the service user.
      const vars = await f.driver.withAdmin(copy, (c) => globalVariables(c, ['server_id', 'log_bin', 'port', 'binlog_expire_logs_seconds']));
      expect(vars.get('log_bin')).toBe('ON');
      expect(vars.get('port')).toBe(String(copy.port));
      expect(Number(vars.get('server_id'))).not.toBe(serverId);
      const datadir = f.driver.paths(copy).datadir;
      const owner = (await fs.stat(path.join(f.driver.paths(spec).datadir, 'ibdata1'))).uid;
      expect((await fs.stat(path.join(datadir, 'ibdata1'))).uid).toBe(owner);
      expect((await fs.stat(path.join(datadir, 'appdb', 'seq.ibd'))).uid).toBe(owner);
      expect((await fs.readdir(datadir)).filter((name) => name.startsWith('xtrabackup_') || name === 'backup-my.cnf')).toEqual([]);
      expect(await f.driver.pendingRestart(copy)).toEqual([]);

      // berth's own path into the copy works; the master user keeps the source's password until ensureMasterUser sets another.
      await expectPasswordKeptUntilEnsured(f, copy, material.caPem, PASSWORD);

      // Called again (a crash after the restore finished): only (re)starts it; a live instance is never replaced.
      await f.driver.stop(copy);
      await f.driver.restore(copy, material, { backupDir: dir });
      await f.driver.verifyConnection(copy, { host: 'localhost', caPem: material.caPem, password: 'after-Restore-2' });
      await expect(f.driver.restore(spec, material, { backupDir: dir })).rejects.toThrow(/already holds an instance: a restore creates a new one/);
      expect((await f.driver.status(spec)).running).toBe(true);
    } finally {
      await writing.stop();
    }
  });

  it('point-in-time restore: to T gives the rows before T only; to the flushed time gives all', async () => {
    const spec = await f.running();
    const archive = path.join(f.rootDir, 'archive', spec.id);
    const pid = (await f.driver.status(spec)).pid;
    await f.driver.setArchiving(spec, archive);
    expect((await f.driver.status(spec)).pid).toBe(pid); // log_bin is on already: no restart
    expect((await fs.stat(archive)).mode & 0o777).toBe(0o700);
    expect((await f.driver.withAdmin(spec, (c) => globalVariables(c, ['binlog_expire_logs_seconds']))).get('binlog_expire_logs_seconds')).toBe('0');
    const c = await f.connect(spec);
    await c.query(PITR_TABLE);
    await c.query(insertTag('base', 10));
    const backupDir = path.join(f.rootDir, 'backups', 'pitr');
    const manifest = await f.driver.backup(spec, backupDir);

    // The earliest restorable time, nothing archived after it: the backup as it is.
    const atBackup = await f.restored({ backupDir, archiveDir: archive, targetTime: new Date(manifest.consistentAt) });
    expect(await tags(f, atBackup)).toEqual({ base: 10 });

    await c.query(insertTag('A', 100));
    // One statement of ≈ 24 MB of rows: more than the default max_allowed_packet once mariadb-binlog prints it.
    await c.query('CREATE TABLE big (id INT PRIMARY KEY, pad VARCHAR(800) NOT NULL) ENGINE=InnoDB');
    await c.query("INSERT INTO big SELECT seq, REPEAT(MD5(seq), 25) FROM mysql.seq_1_to_30000");
    await sleep(1100);
    const t = new Date();
    await sleep(1100);
    await c.query(insertTag('B', 50));
    const flushed = await f.driver.flushArchive(spec, archive);
    expect(flushed.getTime()).toBeGreaterThan(t.getTime());
    expect(await f.archived(archive)).toContain(manifest.position.binlogFile);
    // The archived files are gone from the server: only the file being written is left.
    expect(await f.serverBinlogs(spec)).toHaveLength(1);

    // Idle: a flush closes no file and returns a later time.
    const files = await f.archived(archive);
    const idle = await f.driver.flushArchive(spec, archive);
    expect(idle.getTime()).toBeGreaterThan(flushed.getTime());
    expect(await f.archived(archive)).toEqual(files);
    expect(await f.serverBinlogs(spec)).toHaveLength(1);

    const atT = await f.restored({ backupDir, archiveDir: archive, targetTime: t });
    expect(await tags(f, atT)).toEqual({ A: 100, base: 10 });
    expect(await f.query(atT, 'SELECT count(*) AS n, sum(length(pad)) AS s FROM big')).toEqual([{ n: 30000, s: '24000000' }]);
    const atLatest = await f.restored({ backupDir, archiveDir: archive, targetTime: idle });
    expect(await tags(f, atLatest)).toEqual({ A: 100, B: 50, base: 10 });
    // The replay was not logged: the restored instance's binary log starts after it.
    const [replayLogged] = await f.driver.withAdmin(atLatest, async (c2) => (await c2.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS'))[0]);
    expect(Number(replayLogged?.File_size)).toBeLessThan(100_000);

    // Every archived file matches its checksum file.
    await expectArchivedChecksums(archive, files);
    // The binary log is compressed as it is written: the 24 MB of rows (MD5 text, repeated) take far less.
    const archivedBytes = (await Promise.all(files.map(async (name) => (await fs.stat(path.join(archive, name))).size))).reduce((a, b) => a + b, 0);
    expect(archivedBytes).toBeLessThan(8_000_000);

    // Archiving off: no restart; the server may expire its binary logs again; nothing is archived any more.
    await f.driver.setArchiving(spec, undefined);
    expect((await f.driver.status(spec)).pid).toBe(pid);
    expect((await f.driver.withAdmin(spec, (admin) => globalVariables(admin, ['binlog_expire_logs_seconds']))).get('binlog_expire_logs_seconds')).toBe('600');
    await expect(f.driver.flushArchive(spec, archive)).rejects.toThrow(/archiving into .* is not enabled/);
    await c.query(insertTag('C', 5));
    await f.driver.withAdmin(spec, (admin) => admin.query('FLUSH BINARY LOGS'));
    await f.driver.setArchiving(spec, undefined); // idempotent: purges the closed file
    expect(await f.archived(archive)).toEqual(files);
    expect(await f.serverBinlogs(spec)).toHaveLength(1);
  });

  it('restores a backup whose redo was applied when it was taken, as earlier berths took them', async () => {
    const spec = await f.running();
    const c = await f.connect(spec);
    await c.query("CREATE TABLE kept ENGINE=InnoDB AS SELECT seq AS id, REPEAT('k', 50) AS pad FROM mysql.seq_1_to_3000");
    const dir = path.join(f.rootDir, 'backups', 'prepared-when-taken');
    const taken = await f.driver.backup(spec, dir);
    // What an earlier berth did at backup time: --prepare, then every file hashed, no `redo` in the position.
    await execFileAsync(findTool('mariadb-backup'), [`--defaults-file=${path.join(dir, 'data', 'backup-my.cnf')}`, '--prepare', `--target-dir=${path.join(dir, 'data')}`]);
    const files: BackupManifest['files'] = [];
    for (const file of await listFiles(dir)) {
      if (file === 'manifest.json') continue;
      const bytes = await fs.readFile(path.join(dir, file));
      files.push({ path: file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    const { redo, ...position } = taken.position;
    expect(redo).toBe('copied');
    const manifest = { ...taken, position, files, sizeBytes: files.reduce((sum, file) => sum + file.size, 0) };
    await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const copy = await f.newSpec();
    await f.driver.restore(copy, await f.tls.makeServerTls(), { backupDir: dir });
    expect(await f.query(copy, 'SELECT COUNT(*) AS n FROM appdb.kept')).toEqual([{ n: 3000 }]);
  });

  it('a corrupted or missing backup file fails the restore, naming it; nothing is left running', async () => {
    const spec = await f.running();
    const c = await f.connect(spec);
    await c.query("CREATE TABLE big ENGINE=InnoDB AS SELECT seq AS id, REPEAT('z', 100) AS pad FROM mysql.seq_1_to_50000");
    const good = path.join(f.rootDir, 'backups', 'to-corrupt');
    const manifest = await f.driver.backup(spec, good);
    // big.ibd, or big.new when the table was created after the backup's checkpoint (its pages come from the copied redo)
    const victim = manifest.files.find((file) => /^data\/appdb\/big\.(ibd|new)$/.test(file.path) && file.size > 16384 * 4)?.path ?? 'data/appdb/big.ibd';
    expect(manifest.files.map((file) => file.path)).toContain(victim);

    const corrupted = path.join(f.rootDir, 'backups', 'corrupted');
    await f.copyDir(good, corrupted);
    await flipByte(path.join(corrupted, victim), 16384 * 3 + 500);
    await f.restoreFails({ backupDir: corrupted }, `backup ${corrupted}: file ${victim} is corrupted`);

    const missingFile = path.join(f.rootDir, 'backups', 'missing');
    await f.copyDir(good, missingFile);
    await fs.rm(path.join(missingFile, 'data', 'mysql', 'global_priv.MAD'));
    await f.restoreFails({ backupDir: missingFile }, `backup ${missingFile}: file data/mysql/global_priv.MAD is missing`);
    await expect(f.driver.readManifest(missingFile)).rejects.toThrow('file data/mysql/global_priv.MAD is missing');

    const badDirs = path.join(f.rootDir, 'backups', 'bad-directories');
    await f.copyDir(good, badDirs);
    await fs.writeFile(path.join(badDirs, 'directories.json'), (await fs.readFile(path.join(badDirs, 'directories.json'), 'utf8')).replace('appdb', 'appdc'));
    await f.restoreFails({ backupDir: badDirs }, `backup ${badDirs}: file directories.json is corrupted`);

    await f.restoreFails({ backupDir: path.join(f.rootDir, 'backups', 'nowhere') }, /has no manifest\.json/);
    await f.restoreFails({ backupDir: good, targetTime: new Date() }, /needs the archive/);
    const other = { ...(await f.newSpec()), blueprintId: 'mariadb_99_1' };
    await expect(f.driver.restore(other, await f.tls.makeServerTls(), { backupDir: good })).rejects.toThrow(`holds ${f.blueprintId} data`);
    await expectNoBackupWhenStopped(f, spec);
  });

  it('a hole, a damaged file or a target past the archive fails the point-in-time restore clearly', async () => {
    const spec = await f.running();
    const archive = path.join(f.rootDir, 'archive', spec.id);
    await f.driver.setArchiving(spec, archive);
    const c = await f.connect(spec);
    await c.query(PITR_TABLE);
    const backupDir = path.join(f.rootDir, 'backups', 'holes');
    const manifest = await f.driver.backup(spec, backupDir);
    let last = new Date();
    for (const tag of ['one', 'two', 'three']) {
      await c.query(insertTag(tag, 10));
      last = await f.driver.flushArchive(spec, archive);
    }
    const first = binlogNumber(String(manifest.position.binlogFile)) as number;
    const next = (k: number) => binlogName(first + k);
    expect(await f.archived(archive)).toEqual(expect.arrayContaining([next(0), next(1), next(2)]));

    const hole = path.join(f.rootDir, 'archive', 'with-hole');
    await f.copyDir(archive, hole);
    await fs.rm(path.join(hole, next(1)));
    await fs.rm(path.join(hole, `${next(1)}.sha256`));
    await f.restoreFails({ backupDir, archiveDir: hole, targetTime: last }, `the archive ${hole} is missing binary log ${next(1)}`);

    const tail = path.join(f.rootDir, 'archive', 'without-last');
    await f.copyDir(archive, tail);
    await fs.rm(path.join(tail, next(2)));
    await fs.rm(path.join(tail, `${next(2)}.sha256`));
    await f.restoreFails({ backupDir, archiveDir: tail, targetTime: last }, `the archive ${tail} is missing binary log ${next(2)}`);

    const start = path.join(f.rootDir, 'archive', 'without-first');
    await f.copyDir(archive, start);
    await fs.rm(path.join(start, `${next(0)}.sha256`));
    await f.restoreFails({ backupDir, archiveDir: start, targetTime: last }, `the archive ${start} is missing binary log ${next(0)}, needed to replay from backup ${backupDir}`);

    const damaged = path.join(f.rootDir, 'archive', 'damaged');
    await f.copyDir(archive, damaged);
    await flipByte(path.join(damaged, next(1)), 300);
    await f.restoreFails({ backupDir, archiveDir: damaged, targetTime: last }, `archived binary log ${path.join(damaged, next(1))} is corrupted`);

    // Intact by its checksum but not by the binary log's own: the replay fails, and nothing is left running.
    const rewritten = path.join(f.rootDir, 'archive', 'rewritten');
    await f.copyDir(archive, rewritten);
    await flipByte(path.join(rewritten, next(1)), 300);
    const bytes = await fs.readFile(path.join(rewritten, next(1)));
    await fs.writeFile(path.join(rewritten, `${next(1)}.sha256`), `${createHash('sha256').update(bytes).digest('hex')}  ${next(1)}\n`);
    await f.restoreFails({ backupDir, archiveDir: rewritten, targetTime: last }, /replaying the archived binary logs \(.*\) up to .* UTC failed: mariadb-binlog/);

    const beyond = new Date(last.getTime() + 2000);
    await f.restoreFails({ backupDir, archiveDir: archive, targetTime: beyond }, `the archive ${archive} ends before ${beyond.toISOString()}`);
    await f.restoreFails({ backupDir, archiveDir: archive, targetTime: new Date(Date.parse(manifest.consistentAt) - 1000) }, /is before .* when backup .* became consistent/);
    const empty = path.join(f.rootDir, 'archive', 'empty');
    await fs.mkdir(empty);
    await f.restoreFails({ backupDir, archiveDir: empty, targetTime: last }, `the archive ${empty} ends before ${last.toISOString()}`);

    // The intact archive still restores to the last flush.
    const ok = await f.restored({ backupDir, archiveDir: archive, targetTime: last });
    expect(await tags(f, ok)).toEqual({ one: 10, three: 10, two: 10 });
  });

  it('pruneArchive keeps what the oldest kept backup needs, deletes the older files', async () => {
    const spec = await f.running();
    const archive = path.join(f.rootDir, 'archive', spec.id);
    await f.driver.setArchiving(spec, archive);
    const c = await f.connect(spec);
    await c.query(PITR_TABLE);
    const firstDir = path.join(f.rootDir, 'backups', 'prune-1');
    const first = await f.driver.backup(spec, firstDir);
    for (const tag of ['a', 'b']) {
      await c.query(insertTag(tag, 10));
      await f.driver.flushArchive(spec, archive);
    }
    const secondDir = path.join(f.rootDir, 'backups', 'prune-2');
    const second: BackupManifest = await f.driver.backup(spec, secondDir);
    let last = new Date();
    for (const tag of ['c', 'd']) {
      await c.query(insertTag(tag, 10));
      last = await f.driver.flushArchive(spec, archive);
    }
    const before = await f.archived(archive);
    const keepFrom = binlogNumber(String(second.position.binlogFile)) as number;
    const older = before.filter((n) => (binlogNumber(n) as number) < keepFrom);
    expect(older.length).toBeGreaterThan(0);
    expect(first.position.binlogFile).not.toBe(second.position.binlogFile);

    await f.driver.pruneArchive(archive, second);
    const after = await f.archived(archive);
    expect(after).toEqual(before.filter((n) => !older.includes(n)));
    expect(after).toContain(second.position.binlogFile);
    const left = await fs.readdir(archive);
    expect(left).toContain('berth-flush.json');
    expect(left.filter((n) => older.some((o) => n.includes(o)))).toEqual([]);

    const fromSecond = await f.restored({ backupDir: secondDir, archiveDir: archive, targetTime: last });
    expect(await tags(f, fromSecond)).toEqual({ a: 10, b: 10, c: 10, d: 10 });
    await f.restoreFails({ backupDir: firstDir, archiveDir: archive, targetTime: last }, /is missing binary log/);
  });

  it('flushArchive fails naming the file when the archive holds a different file of that name (recovering once it is gone), and after RESET MASTER', async () => {
    const spec = await f.running();
    const archive = path.join(f.rootDir, 'archive', spec.id);
    await f.driver.setArchiving(spec, archive);
    await f.driver.flushArchive(spec, archive);
    const [current] = (await f.serverBinlogs(spec)).slice(-1);
    const squatter = path.join(archive, String(current));
    await fs.writeFile(squatter, 'not this binary log');
    await f.query(spec, 'CREATE TABLE t ENGINE=InnoDB AS SELECT 1 AS x');
    await expect(f.driver.flushArchive(spec, archive)).rejects.toThrow(`${squatter} already exists with different content`);
    expect(await fs.readFile(squatter, 'utf8')).toBe('not this binary log');
    expect(await f.serverBinlogs(spec)).toContain(current); // not purged: not archived
    await fs.rm(squatter);
    await f.driver.flushArchive(spec, archive);
    expect(await f.archived(archive)).toContain(current);

    // The master user may RESET MASTER (it holds RELOAD): the numbering starts over, which the next flush reports.
    await f.driver.flushArchive(spec, archive);
    await f.query(spec, 'RESET MASTER');
    await expect(f.driver.flushArchive(spec, archive)).rejects.toThrow(/binary log was reset \(RESET MASTER\?\) since the last flush: it writes mariadb-bin\.000001/);
  });

  it('an instance provisioned before log_bin was in my.cnf reports the restart, and setArchiving restarts it once', async () => {
    const spec = await f.running();
    const p = f.driver.paths(spec);
    // my.cnf as berth wrote it before: no binary log.
    const cnf = await fs.readFile(p.myCnf, 'utf8');
    await fs.writeFile(p.myCnf, cnf.split('\n').filter((line) => !/^log_bin(_index)?\s/.test(line)).join('\n'));
    await f.driver.stop(spec);
    await f.driver.start(spec);
    expect((await f.driver.withAdmin(spec, (c) => globalVariables(c, ['log_bin']))).get('log_bin')).toBe('OFF');
    const oldBackup = path.join(f.rootDir, 'backups', 'no-binlog');
    const manifest = await f.driver.backup(spec, oldBackup); // a snapshot works, without a binary log position
    expect(manifest.position).toEqual({ redo: 'copied', gtid: '', serverId: expect.any(Number) });
    await f.driver.provision(spec, await f.tls.makeServerTls());
    expect(await f.driver.pendingRestart(spec)).toEqual(['log_bin', 'log_bin_index']);

    const archive = path.join(f.rootDir, 'archive', spec.id);
    const pid = (await f.driver.status(spec)).pid;
    await f.driver.setArchiving(spec, archive);
    expect((await f.driver.status(spec)).pid).not.toBe(pid);
    expect(await f.driver.pendingRestart(spec)).toEqual([]);
    expect((await f.driver.withAdmin(spec, (c) => globalVariables(c, ['log_bin']))).get('log_bin')).toBe('ON');
    await f.query(spec, PITR_TABLE);
    const flushed = await f.driver.flushArchive(spec, archive);
    expect((await f.archived(archive)).length).toBeGreaterThan(0);
    await f.restoreFails({ backupDir: oldBackup, archiveDir: archive, targetTime: flushed }, /taken while the instance ran without a binary log/);
    const plain = await f.restored({ backupDir: oldBackup });
    await f.driver.verifyConnection(plain, { host: 'localhost', caPem: f.tls.ca, password: PASSWORD });
  });

  it('a binary log left open by a crash (kill -9) is archived and replayed like the others', async () => {
    const spec = await f.running();
    const archive = path.join(f.rootDir, 'archive', spec.id);
    await f.driver.setArchiving(spec, archive);
    await f.query(spec, PITR_TABLE);
    const backupDir = path.join(f.rootDir, 'backups', 'crash');
    const manifest = await f.driver.backup(spec, backupDir);
    await f.query(spec, insertTag('before-crash', 7));
    const { pid } = await f.driver.status(spec);
    process.kill(pid as number, 'SIGKILL');
    await expect.poll(async () => (await f.driver.status(spec)).running, { timeout: 10_000 }).toBe(false);
    await f.driver.start(spec); // crash recovery; the server opens a new file
    await f.query(spec, insertTag('after-crash', 3));
    const flushed = await f.driver.flushArchive(spec, archive);
    expect(await f.archived(archive)).toEqual(expect.arrayContaining([manifest.position.binlogFile, binlogName((binlogNumber(String(manifest.position.binlogFile)) as number) + 1)]));
    const restored = await f.restored({ backupDir, archiveDir: archive, targetTime: flushed });
    expect(await tags(f, restored)).toEqual({ 'after-crash': 3, 'before-crash': 7 });
  });

  it('a restored instance archives, backs up and restores to a point in time in turn', async () => {
    const source = await f.running();
    await f.query(source, PITR_TABLE);
    await f.query(source, insertTag('gen1', 5));
    await f.driver.backup(source, path.join(f.rootDir, 'backups', 'gen1'));
    const second = await f.restored({ backupDir: path.join(f.rootDir, 'backups', 'gen1') });
    expect(await f.serverBinlogs(second)).toEqual(['mariadb-bin.000001']); // a binary log of its own

    const archive = path.join(f.rootDir, 'archive', second.id);
    await f.driver.setArchiving(second, archive);
    const backupDir = path.join(f.rootDir, 'backups', 'gen2');
    await f.driver.backup(second, backupDir);
    await f.query(second, insertTag('gen2-A', 5));
    await sleep(1100);
    const t = new Date();
    await sleep(1100);
    await f.query(second, insertTag('gen2-B', 5));
    await f.driver.flushArchive(second, archive);
    const third = await f.restored({ backupDir, archiveDir: archive, targetTime: t });
    expect(await tags(f, third)).toEqual({ gen1: 5, 'gen2-A': 5 });
  });
});
