/**
 * Checks the engines' backup suites (postgres/backup.test.ts,
 * mysql/backup.test.ts) make the same way: a writer committing throughout a
 * backup and the consistency of what a restore holds, a restore under another
 * CA, the master password carried over, archived files against their .sha256,
 * damaging a file, and the rows per tag of the point-in-time table.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { sleep } from '../../supervisor/wait.js';
import type { InstanceSpec, TlsMaterial } from '../driver.js';
import type { DriverFixture } from './instances.js';
import type { EngineBackups } from '../backup.js';
import type { EngineDriver } from '../driver.js';

type Fixture = DriverFixture<EngineDriver & EngineBackups>;
/** Rows of `sql` on an instance, over a verify-full session as the master user (the fixture's CA unless `caPem`). */
type Query = (spec: InstanceSpec, sql: string, caPem?: string) => Promise<Array<Record<string, unknown>>>;
type Statement = [sql: string, values: unknown[]];

/** Invert one byte of a file in place. */
export async function flipByte(file: string, offset: number): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

/** Rows per tag of the `pitr` table. */
export async function pitrTags(query: Query, spec: InstanceSpec, caPem?: string): Promise<Record<string, number>> {
  const rows = await query(spec, 'SELECT tag, count(*) AS n FROM pitr GROUP BY tag ORDER BY tag', caPem);
  return Object.fromEntries(rows.map((r) => [r.tag, Number(r.n)]));
}

/**
 * Transactions one after the other until stopped, from seq id 20001 on (the
 * table holds 1..20000): each BEGIN, `statements(n)` (the next id, and a pair
 * of ledger rows that sum to zero), COMMIT.
 */
export function ledgerWriter(run: (sql: string, values?: unknown[]) => Promise<unknown>, statements: (n: number) => Statement[]) {
  let committed = 20000;
  let stop = false;
  const writing = (async () => {
    while (!stop) {
      const n = committed + 1;
      await run('BEGIN');
      for (const [sql, values] of statements(n)) await run(sql, values);
      await run('COMMIT');
      committed = n;
    }
  })();
  return {
    committed: () => committed,
    async stop(): Promise<void> {
      stop = true;
      await writing.catch(() => undefined);
    },
  };
}

/**
 * Once `writing` is past id 20050, a backup into <root>/backups/under-writes,
 * during which the writer kept committing; the commits before and after it.
 */
export async function backupUnderWrites(f: Fixture, spec: InstanceSpec, writing: ReturnType<typeof ledgerWriter>) {
  while (writing.committed() < 20050) await sleep(5);
  const before = writing.committed();
  const startedAt = Date.now();
  const dir = path.join(f.rootDir, 'backups', 'under-writes');
  const manifest = await f.driver.backup(spec, dir);
  const after = writing.committed();
  expect(after).toBeGreaterThan(before); // writes went on during the backup
  return { before, after, startedAt, dir, manifest };
}

/**
 * What a restore of a backup taken under ledgerWriter holds: seq 1..n without
 * a hole, n at least what was committed when the backup started and at most
 * what was when it returned (+ the commit in flight), and the ledger rows of
 * those transactions, summing to zero. Returns n.
 */
export async function expectLedgerConsistent(query: Query, copy: InstanceSpec, caPem: string, before: number, after: number): Promise<number> {
  const [counts] = await query(copy, 'SELECT count(*) AS n, max(id) AS mx, min(id) AS mn FROM seq', caPem);
  const n = Number(counts?.n);
  expect(n).toBeGreaterThanOrEqual(before);
  expect(n).toBeLessThanOrEqual(after + 1); // + the commit in flight when backup() returned
  expect(Number(counts?.mx)).toBe(n); // no hole: 1..n
  expect(Number(counts?.mn)).toBe(1);
  const [ledger] = await query(copy, 'SELECT count(*) AS n, coalesce(sum(amount), 0) AS s FROM ledger', caPem);
  expect(Number(ledger?.s)).toBe(0);
  expect(Number(ledger?.n)).toBe(2 * (n - 20000));
  return n;
}

/** Restore `backupDir` into a new instance: its own port and a certificate of another CA, which alone it presents. */
export async function restoredUnderOtherCa(
  f: Fixture, backupDir: string, source: InstanceSpec, password: string,
): Promise<{ copy: InstanceSpec; material: TlsMaterial }> {
  const material = await f.tls.makeOtherCaServerTls();
  const copy = await f.restored({ backupDir }, material);
  expect(copy.port).not.toBe(source.port);
  await f.driver.verifyConnection(copy, { host: 'localhost', caPem: material.caPem, password });
  await expect(f.driver.verifyConnection(copy, { host: 'localhost', caPem: f.tls.ca, password })).rejects.toThrow();
  return { copy, material };
}

/** The master user keeps the source's password until ensureMasterUser sets another. */
export async function expectPasswordKeptUntilEnsured(f: Fixture, copy: InstanceSpec, caPem: string, sourcePassword: string): Promise<void> {
  await f.driver.ensureMasterUser(copy, 'after-Restore-2');
  await f.driver.verifyConnection(copy, { host: 'localhost', caPem, password: 'after-Restore-2' });
  await expect(f.driver.verifyConnection(copy, { host: 'localhost', caPem, password: sourcePassword })).rejects.toThrow();
}

/** Every archived file (`<name><suffix>`) matches its checksum file. */
export async function expectArchivedChecksums(archive: string, names: readonly string[], suffix = ''): Promise<void> {
  for (const name of names) {
    const bytes = await fs.readFile(path.join(archive, `${name}${suffix}`));
    const recorded = (await fs.readFile(path.join(archive, `${name}${suffix}.sha256`), 'utf8')).split(/\s+/)[0];
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(recorded);
  }
}

/** Stopped, `spec` cannot be backed up, and no backup directory is left. */
export async function expectNoBackupWhenStopped(f: Fixture, spec: InstanceSpec): Promise<void> {
  await f.driver.stop(spec);
  await expect(f.driver.backup(spec, path.join(f.rootDir, 'backups', 'stopped'))).rejects.toThrow(/is not running/);
  await expect(fs.access(path.join(f.rootDir, 'backups', 'stopped'))).rejects.toThrow();
}
