/**
 * PostgresDriver as EngineBackups, against real servers: online backups under
 * writes, restores into new instances, point-in-time restores from the WAL
 * archive, and the ways they must fail. Every instance, client and temp dir
 * is released in afterAll, also when a case fails.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { expect, it } from 'vitest';
import type { BackupManifest } from '../backup.js';
import {
  backupUnderWrites, expectArchivedChecksums, expectLedgerConsistent, expectNoBackupWhenStopped, expectPasswordKeptUntilEnsured, flipByte, ledgerWriter,
  pitrTags, restoredUnderOtherCa,
} from '../conformance/backup-checks.js';
import { driverFixture } from '../conformance/instances.js';
import { describeWhenAvailable } from '../conformance/prerequisites.js';
import type { InstanceSpec } from '../driver.js';
import { masterClientConfig } from './master-connection.js';
import { PostgresDriver } from './postgres-driver.js';
import { AVAILABLE_POSTGRES_BLUEPRINTS, missingPostgres } from './test-blueprints.js';
import { parseWalFileName, walFileName } from './wal.js';

const execFileAsync = promisify(execFile);
const available = AVAILABLE_POSTGRES_BLUEPRINTS;
const PASSWORD = "backup-'Pass'-1";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MB16 = 16 * 1024 * 1024;

function fixture(blueprintId: string) {
  return driverFixture({
    label: 'pgbackup',
    driver: (rootDir) => new PostgresDriver({ rootDir, archiveFlushTimeoutMs: 30_000 }),
    blueprintId: () => blueprintId,
    password: PASSWORD,
    idPrefix: 'bk',
  }, (base) => {
    const f = {
      async connect(spec: InstanceSpec, caPem = base.tls.ca, password = PASSWORD): Promise<pg.Client> {
        const client = new pg.Client(masterClientConfig(spec, { host: 'localhost', caPem, password }));
        client.on('error', () => undefined);
        base.closeAtEnd(() => client.end().catch(() => undefined));
        await client.connect();
        return client;
      },
      async query<T extends Record<string, unknown>>(spec: InstanceSpec, sql: string, caPem = base.tls.ca): Promise<T[]> {
        const client = await f.connect(spec, caPem);
        try {
          return (await client.query<T>(sql)).rows;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      /** Complete archived WAL files (their .sha256 exists), sorted. */
      async archived(dir: string): Promise<string[]> {
        return (await fs.readdir(dir)).filter((n) => n.endsWith('.gz.sha256')).map((n) => n.slice(0, -'.gz.sha256'.length)).sort();
      },
      async copyDir(from: string, to: string): Promise<void> {
        await execFileAsync('cp', ['-a', from, to]);
      },
    };
    return f;
  });
}

const tags = (f: ReturnType<typeof fixture>, spec: InstanceSpec) => pitrTags(f.query, spec);

describeWhenAvailable('PostgresDriver backups (postgres_17)', missingPostgres('postgres_17'), () => {
  const f = fixture('postgres_17');

  it('backs up while a writer keeps committing; the restore is consistent at the backup point or later', async () => {
    const spec = await f.running();
    const setup = await f.connect(spec);
    await setup.query('CREATE TABLE seq (id bigint PRIMARY KEY, pad text NOT NULL)');
    await setup.query('CREATE TABLE ledger (id bigserial PRIMARY KEY, amount int NOT NULL)');
    await setup.query(`INSERT INTO seq SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 20000) g`);
    const writer = await f.connect(spec);
    // Each transaction: the next id, and a pair of ledger rows that sum to zero.
    const writing = ledgerWriter((sql, values) => writer.query(sql, values), (n) => [
      ['INSERT INTO seq VALUES ($1::bigint, repeat(md5($1::bigint::text), 8))', [n]],
      ['INSERT INTO ledger (amount) VALUES ($1::int), ($2::int)', [n, -n]],
    ]);
    try {
      const { before, after, startedAt, dir, manifest } = await backupUnderWrites(f, spec, writing);

      // The manifest: position, checksums, what is left out.
      expect(manifest).toMatchObject({ format: 1, engine: 'postgres', blueprintId: 'postgres_17' });
      expect(Date.parse(manifest.consistentAt)).toBeGreaterThanOrEqual(startedAt);
      expect(Date.parse(manifest.consistentAt)).toBeLessThanOrEqual(Date.now());
      expect(manifest.position).toMatchObject({ timeline: 1, walSegmentSize: MB16 });
      const { startWal, stopWal } = manifest.position as { startWal: string; stopWal: string };
      const paths = manifest.files.map((file) => file.path);
      expect(paths).toEqual(expect.arrayContaining(['data/backup_label', 'data/global/pg_control', 'data/PG_VERSION', `wal/${startWal}`, `wal/${stopWal}`]));
      for (const left of ['data/postmaster.pid', 'data/postmaster.opts', 'data/server.key', 'data/server.crt']) expect(paths).not.toContain(left);
      expect(paths.filter((p) => p.startsWith('data/pg_wal/') || p.startsWith('data/log/'))).toEqual([]);
      expect(manifest.sizeBytes).toBe(manifest.files.reduce((sum, file) => sum + file.size, 0));
      const label = manifest.files.find((file) => file.path === 'data/backup_label');
      const labelBytes = await fs.readFile(path.join(dir, 'data', 'backup_label'));
      expect(label?.sha256).toBe(createHash('sha256').update(labelBytes).digest('hex'));
      expect(await f.driver.readManifest(dir)).toEqual(manifest);
      expect((await fs.readdir(path.dirname(dir))).filter((n) => n.includes('partial'))).toEqual([]);

      // Restore into a new instance: its own port and a certificate of another CA.
      const { copy, material } = await restoredUnderOtherCa(f, dir, spec, PASSWORD);
      const n = await expectLedgerConsistent(f.query, copy, material.caPem, before, after);
      // Index and heap agree, and every page passes its data checksum.
      const client = await f.connect(copy, material.caPem);
      await client.query('SET enable_seqscan = off');
      const viaIndex = await client.query<{ n: string }>('SELECT count(*) AS n FROM seq WHERE id > 0');
      expect(Number(viaIndex.rows[0]?.n)).toBe(n);
      await client.query('SET enable_seqscan = on; SET enable_indexscan = off; SET enable_bitmapscan = off');
      const viaHeap = await client.query<{ n: string }>(`SELECT count(*) AS n FROM seq WHERE pad <> ''`);
      expect(Number(viaHeap.rows[0]?.n)).toBe(n);
      await client.end();

      // A promoted primary: recovery settings are gone, a restart stays out of recovery.
      const files = await fs.readdir(f.driver.paths(copy).pgdata);
      expect(files).not.toContain('recovery.signal');
      expect(files).not.toContain('berth-recovery.conf');
      await f.driver.stop(copy);
      await f.driver.start(copy);
      const [state] = await f.query<{ r: boolean }>(copy, 'SELECT pg_is_in_recovery() AS r', material.caPem);
      expect(state?.r).toBe(false);
      // The master user keeps the source's password until ensureMasterUser sets another.
      await expectPasswordKeptUntilEnsured(f, copy, material.caPem, PASSWORD);
    } finally {
      await writing.stop();
    }
  });

  it('point-in-time restore: to T gives the rows before T only; to the flushed time gives all', async () => {
    const spec = await f.running();
    const archive = path.join(f.rootDir, 'archive', spec.id);
    const pid = (await f.driver.status(spec)).pid;
    await f.driver.setArchiving(spec, archive);
    expect((await f.driver.status(spec)).pid).toBe(pid); // a reload, no restart
    expect((await fs.stat(archive)).mode & 0o777).toBe(0o700);
    const c = await f.connect(spec);
    await c.query('CREATE TABLE pitr (id serial PRIMARY KEY, tag text NOT NULL)');
    await c.query(`INSERT INTO pitr (tag) SELECT 'base' FROM generate_series(1, 10)`);
    const backupDir = path.join(f.rootDir, 'backups', 'pitr');
    const manifest = await f.driver.backup(spec, backupDir);

    // The earliest restorable time, nothing archived after it: replays the whole archive.
    const atBackup = await f.restored({ backupDir, archiveDir: archive, targetTime: new Date(manifest.consistentAt) });
    expect(await tags(f, atBackup)).toEqual({ base: 10 });

    await c.query(`INSERT INTO pitr (tag) SELECT 'A' FROM generate_series(1, 100)`);
    await sleep(1100);
    const t = new Date();
    await sleep(1100);
    await c.query(`INSERT INTO pitr (tag) SELECT 'B' FROM generate_series(1, 50)`);
    const flushed = await f.driver.flushArchive(spec, archive);
    expect(flushed.getTime()).toBeGreaterThan(t.getTime());

    // Idle: a flush archives nothing new and returns the same time (autovacuum may
    // still assign a transaction id once, hence a few tries).
    let previous = flushed;
    let files = await f.archived(archive);
    let idle = false;
    for (let attempt = 0; attempt < 4 && !idle; attempt++) {
      const again = await f.driver.flushArchive(spec, archive);
      const now = await f.archived(archive);
      idle = again.getTime() === previous.getTime() && now.join() === files.join();
      previous = again;
      files = now;
    }
    expect(idle).toBe(true);

    const atT = await f.restored({ backupDir, archiveDir: archive, targetTime: t });
    expect(await tags(f, atT)).toEqual({ A: 100, base: 10 });
    const atLatest = await f.restored({ backupDir, archiveDir: archive, targetTime: previous });
    expect(await tags(f, atLatest)).toEqual({ A: 100, B: 50, base: 10 });

    // Every archived file matches its checksum file.
    await expectArchivedChecksums(archive, files, '.gz');

    // Archiving off: a reload again; segments are no longer archived.
    await f.driver.setArchiving(spec, undefined);
    expect((await f.driver.status(spec)).pid).toBe(pid);
    await expect(f.driver.flushArchive(spec, archive)).rejects.toThrow(/archiving into .* is not enabled/);
    await c.query(`INSERT INTO pitr (tag) SELECT 'C' FROM generate_series(1, 5)`);
    await f.driver.withAdmin(spec, (admin) => admin.query('SELECT pg_switch_wal()'));
    await sleep(500);
    expect(await f.archived(archive)).toEqual(files);
  });

  it('a corrupted or missing backup file fails the restore, naming it; nothing is left running', async () => {
    const spec = await f.running();
    const c = await f.connect(spec);
    await c.query(`CREATE TABLE big AS SELECT g AS id, repeat('z', 100) AS pad FROM generate_series(1, 50000) g`);
    const good = path.join(f.rootDir, 'backups', 'to-corrupt');
    const manifest = await f.driver.backup(spec, good);
    const relation = (await f.query<{ p: string }>(spec, `SELECT pg_relation_filepath('big') AS p`))[0]?.p;
    const victim = `data/${relation}`;
    expect(manifest.files.map((file) => file.path)).toContain(victim);

    const corrupted = path.join(f.rootDir, 'backups', 'corrupted');
    await f.copyDir(good, corrupted);
    await flipByte(path.join(corrupted, victim), 8192 * 3 + 500);
    await f.restoreFails({ backupDir: corrupted }, `backup ${corrupted}: file ${victim} is corrupted`);

    const missing = path.join(f.rootDir, 'backups', 'missing');
    await f.copyDir(good, missing);
    await fs.rm(path.join(missing, 'data', 'PG_VERSION'));
    await f.restoreFails({ backupDir: missing }, `backup ${missing}: file data/PG_VERSION is missing`);
    await expect(f.driver.readManifest(missing)).rejects.toThrow('file data/PG_VERSION is missing');

    await f.restoreFails({ backupDir: path.join(f.rootDir, 'backups', 'nowhere') }, /has no manifest\.json/);
    await expectNoBackupWhenStopped(f, spec);
  });

  it('restore called again after a crash finishes the cleanup; over an existing instance it refuses', async () => {
    const spec = await f.running();
    await f.query(spec, `CREATE TABLE kept AS SELECT generate_series(1, 7) AS v`);
    const backupDir = path.join(f.rootDir, 'backups', 'resume');
    await f.driver.backup(spec, backupDir);
    const material = await f.tls.makeServerTls();
    const copy = await f.restored({ backupDir }, material);
    // As a crash between promotion and cleanup leaves it: recovery/ and the recovery settings still there.
    const pgdata = f.driver.paths(copy).pgdata;
    await f.driver.stop(copy);
    await fs.mkdir(path.join(copy.dataDir, 'recovery', 'wal'), { recursive: true });
    await fs.writeFile(path.join(pgdata, 'berth-recovery.conf'), "recovery_target_action = 'promote'\n");
    await f.driver.restore(copy, material, { backupDir });
    expect(await fs.readdir(pgdata)).not.toContain('berth-recovery.conf');
    await expect(fs.access(path.join(copy.dataDir, 'recovery'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await f.query<{ n: string }>(copy, 'SELECT count(*) AS n FROM kept')).toEqual([{ n: '7' }]);
    // A data dir that is not a restore in progress is never taken over.
    await expect(f.driver.restore(spec, material, { backupDir })).rejects.toThrow(/exists already: a restore creates a new instance/);
    expect((await f.driver.status(spec)).running).toBe(true);
  });

  it('a hole, a damaged file or a target past the archived WAL fails the point-in-time restore clearly', async () => {
    const spec = await f.running();
    const archive = path.join(f.rootDir, 'archive', spec.id);
    await f.driver.setArchiving(spec, archive);
    const c = await f.connect(spec);
    await c.query('CREATE TABLE pitr (id serial PRIMARY KEY, tag text NOT NULL)');
    const backupDir = path.join(f.rootDir, 'backups', 'holes');
    const manifest = await f.driver.backup(spec, backupDir);
    let last = new Date();
    for (const tag of ['one', 'two', 'three']) {
      await c.query(`INSERT INTO pitr (tag) SELECT $1 FROM generate_series(1, 10)`, [tag]);
      last = await f.driver.flushArchive(spec, archive);
    }
    const stop = parseWalFileName((manifest.position as { stopWal: string }).stopWal, MB16);
    const next = (k: number) => walFileName(stop.timeline, stop.segno + BigInt(k), MB16);
    expect(await f.archived(archive)).toEqual(expect.arrayContaining([next(1), next(2), next(3)]));

    const hole = path.join(f.rootDir, 'archive', 'with-hole');
    await f.copyDir(archive, hole);
    await fs.rm(path.join(hole, `${next(2)}.gz`));
    await fs.rm(path.join(hole, `${next(2)}.gz.sha256`));
    await f.restoreFails({ backupDir, archiveDir: hole, targetTime: last }, `the archive ${hole} is missing WAL segment ${next(2)}`);

    const tail = path.join(f.rootDir, 'archive', 'without-last');
    await f.copyDir(archive, tail);
    await fs.rm(path.join(tail, `${next(3)}.gz`));
    await fs.rm(path.join(tail, `${next(3)}.gz.sha256`));
    await f.restoreFails({ backupDir, archiveDir: tail, targetTime: last }, `the archive ${tail} is missing WAL segment ${next(3)}`);

    const damaged = path.join(f.rootDir, 'archive', 'damaged');
    await f.copyDir(archive, damaged);
    await flipByte(path.join(damaged, `${next(2)}.gz`), 40);
    await f.restoreFails({ backupDir, archiveDir: damaged, targetTime: last }, `archived WAL file ${path.join(damaged, `${next(2)}.gz`)} is corrupted`);

    const beyond = new Date(last.getTime() + 2000);
    await f.restoreFails({ backupDir, archiveDir: archive, targetTime: beyond }, `the archive ${archive} ends before ${beyond.toISOString()}`);
    await f.restoreFails({ backupDir, archiveDir: archive, targetTime: new Date(Date.parse(manifest.consistentAt) - 1000) }, /is before .* when backup .* became consistent/);
    await f.restoreFails({ backupDir, targetTime: last }, /needs the archive/);

    // The intact archive still restores to the last flush.
    const ok = await f.restored({ backupDir, archiveDir: archive, targetTime: last });
    expect(await tags(f, ok)).toEqual({ one: 10, three: 10, two: 10 });
  });

  it('pruneArchive keeps what the oldest kept backup needs (and timeline history), deletes the older segments', async () => {
    const spec = await f.running();
    const archive = path.join(f.rootDir, 'archive', spec.id);
    await f.driver.setArchiving(spec, archive);
    const c = await f.connect(spec);
    await c.query('CREATE TABLE pitr (id serial PRIMARY KEY, tag text NOT NULL)');
    const first = await f.driver.backup(spec, path.join(f.rootDir, 'backups', 'prune-1'));
    for (const tag of ['a', 'b']) {
      await c.query(`INSERT INTO pitr (tag) SELECT $1 FROM generate_series(1, 10)`, [tag]);
      await f.driver.flushArchive(spec, archive);
    }
    const secondDir = path.join(f.rootDir, 'backups', 'prune-2');
    const second: BackupManifest = await f.driver.backup(spec, secondDir);
    let last = new Date();
    for (const tag of ['c', 'd']) {
      await c.query(`INSERT INTO pitr (tag) SELECT $1 FROM generate_series(1, 10)`, [tag]);
      last = await f.driver.flushArchive(spec, archive);
    }
    // A timeline history file as a restored instance archiving here would leave (recovery reads it).
    const history = gzipSync('1\t0/3000000\tno recovery target specified\n');
    await fs.writeFile(path.join(archive, '00000002.history.gz'), history);
    await fs.writeFile(path.join(archive, '00000002.history.gz.sha256'), `${createHash('sha256').update(history).digest('hex')}  00000002.history.gz\n`);
    const before = await f.archived(archive);
    const keepFrom = parseWalFileName((second.position as { startWal: string }).startWal, MB16).segno;
    const older = before.filter((n) => /^[0-9A-F]{24}/.test(n) && parseWalFileName(n, MB16).segno < keepFrom);
    expect(older.length).toBeGreaterThan(0);

    await f.driver.pruneArchive(archive, second);
    const after = await f.archived(archive);
    expect(after).toEqual(before.filter((n) => !older.includes(n)));
    expect(after).toContain('00000002.history');
    const left = await fs.readdir(archive);
    expect(left).toContain('berth-flush.json');
    expect(left.filter((n) => older.some((o) => n.includes(o)))).toEqual([]);

    const fromSecond = await f.restored({ backupDir: secondDir, archiveDir: archive, targetTime: last });
    expect(await tags(f, fromSecond)).toEqual({ a: 10, b: 10, c: 10, d: 10 });
    await f.restoreFails(
      { backupDir: path.join(f.rootDir, 'backups', 'prune-1'), archiveDir: archive, targetTime: last },
      /is missing WAL segment/,
    );
    expect(first.position.startWal).not.toBe(second.position.startWal);
  });
  it('setArchiving on an instance provisioned before archiving support restarts it once, then archives', async () => {
    const spec = await f.running();
    const conf = f.driver.paths(spec).berthConf;
    const old = (await fs.readFile(conf, 'utf8')).split('\n').filter((line) => !/archive|include_if_exists/.test(line)).join('\n');
    await fs.writeFile(conf, old);
    await f.driver.stop(spec);
    await f.driver.start(spec);
    const [mode] = await f.driver.withAdmin(spec, async (c) => (await c.query<{ archive_mode: string }>('SHOW archive_mode')).rows);
    expect(mode?.archive_mode).toBe('off');
    const pid = (await f.driver.status(spec)).pid;
    const archive = path.join(f.rootDir, 'archive', spec.id);
    await f.driver.setArchiving(spec, archive);
    expect((await f.driver.status(spec)).pid).not.toBe(pid);
    await f.query(spec, 'CREATE TABLE t AS SELECT 1 AS x');
    await f.driver.flushArchive(spec, archive);
    expect((await f.archived(archive)).length).toBeGreaterThan(0);
    const restartedPid = (await f.driver.status(spec)).pid;
    await f.driver.setArchiving(spec, undefined);
    await f.driver.setArchiving(spec, archive);
    expect((await f.driver.status(spec)).pid).toBe(restartedPid); // from now on a reload
  });

  it('flushArchive fails naming the segment when archive_command refuses to overwrite a different file', async () => {
    const spec = await f.running();
    const archive = path.join(f.rootDir, 'archive', spec.id);
    await f.driver.setArchiving(spec, archive);
    await f.driver.flushArchive(spec, archive);
    const [next] = await f.driver.withAdmin(spec, async (admin) =>
      (await admin.query<{ w: string }>('SELECT pg_walfile_name(pg_current_wal_insert_lsn()) AS w')).rows,
    );
    const squatter = path.join(archive, `${next?.w}.gz`);
    await fs.writeFile(squatter, 'not this segment');
    await f.query(spec, 'CREATE TABLE t AS SELECT 1 AS x');
    await expect(f.driver.flushArchive(spec, archive)).rejects.toThrow(
      new RegExp(`WAL segment ${next?.w} did not reach the archive ${archive}: archive_command failed 3 times, last for ${next?.w}[\\s\\S]*refusing to overwrite`),
    );
    expect(await fs.readFile(squatter, 'utf8')).toBe('not this segment');
    await fs.rm(squatter); // the archiver's next round succeeds
    await f.driver.flushArchive(spec, archive);
    expect(await f.archived(archive)).toContain(next?.w);
  });

  it('a restored instance (new timeline) archives, backs up and restores to a point in time in turn', async () => {
    const source = await f.running();
    const c = await f.connect(source);
    await c.query('CREATE TABLE pitr (id serial PRIMARY KEY, tag text NOT NULL)');
    await c.query(`INSERT INTO pitr (tag) SELECT 'gen1' FROM generate_series(1, 5)`);
    const first = await f.driver.backup(source, path.join(f.rootDir, 'backups', 'gen1'));
    const second = await f.restored({ backupDir: path.join(f.rootDir, 'backups', 'gen1') });
    const [tl] = await f.query<{ w: string }>(second, 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS w');
    expect(tl?.w.slice(0, 8)).toBe('00000002');

    const archive = path.join(f.rootDir, 'archive', second.id);
    await f.driver.setArchiving(second, archive);
    const backupDir = path.join(f.rootDir, 'backups', 'gen2');
    const manifest = await f.driver.backup(second, backupDir);
    expect(manifest.position.timeline).toBe(2);
    expect(manifest.files.map((file) => file.path)).toContain('wal/00000002.history');
    expect(manifest.position.systemIdentifier).toBe(first.position.systemIdentifier);
    const c2 = await f.connect(second);
    await c2.query(`INSERT INTO pitr (tag) SELECT 'gen2-A' FROM generate_series(1, 5)`);
    await sleep(1100);
    const t = new Date();
    await sleep(1100);
    await c2.query(`INSERT INTO pitr (tag) SELECT 'gen2-B' FROM generate_series(1, 5)`);
    await f.driver.flushArchive(second, archive);
    const third = await f.restored({ backupDir, archiveDir: archive, targetTime: t });
    expect(await tags(f, third)).toEqual({ gen1: 5, 'gen2-A': 5 });
    const [tl3] = await f.query<{ w: string }>(third, 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS w');
    expect(tl3?.w.slice(0, 8)).toBe('00000003');
  });
});

describeWhenAvailable('PostgresDriver backups (postgres_16)', missingPostgres('postgres_16'), () => {
  const f = fixture('postgres_16');

  it('backs up and restores to a point in time on 16 too', async () => {
    const spec = await f.running();
    const archive = path.join(f.rootDir, 'archive', spec.id);
    await f.driver.setArchiving(spec, archive);
    const c = await f.connect(spec);
    await c.query('CREATE TABLE pitr (id serial PRIMARY KEY, tag text NOT NULL)');
    const backupDir = path.join(f.rootDir, 'backups', 'pg16');
    const manifest = await f.driver.backup(spec, backupDir);
    expect(manifest).toMatchObject({ blueprintId: 'postgres_16', engineVersion: expect.stringMatching(/^16\./) });
    await c.query(`INSERT INTO pitr (tag) SELECT 'A' FROM generate_series(1, 3)`);
    await sleep(1100);
    const t = new Date();
    await sleep(1100);
    await c.query(`INSERT INTO pitr (tag) SELECT 'B' FROM generate_series(1, 3)`);
    await f.driver.flushArchive(spec, archive);
    const atT = await f.restored({ backupDir, archiveDir: archive, targetTime: t });
    expect(await tags(f, atT)).toEqual({ A: 3 });
    const wrongMajor = { ...(await f.newSpec()), blueprintId: 'postgres_17' };
    if (available.includes('postgres_17')) {
      await expect(f.driver.restore(wrongMajor, await f.tls.makeServerTls(), { backupDir })).rejects.toThrow(/holds postgres_16 data/);
    }
  });
});
