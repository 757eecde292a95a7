/**
 * The archive's files without a server: never overwriting, checksums,
 * pruning by the oldest kept backup's position.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupManifest } from '../backup.js';
import { Copier } from '../backup-manifest.js';
import { archiveBinlog, listArchive, pruneArchive, verifyArchived } from './archive.js';

let dir = '';
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), `berth-test-${process.env.BERTH_TEST_RUN ?? 'adhoc'}-binlog-archive-`));
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const sha = (data: string) => createHash('sha256').update(data).digest('hex');

describe('archiveBinlog', () => {
  it('writes the file and its .sha256 (0600), again only when the bytes are the same', async () => {
    const archive = path.join(dir, 'a1');
    await fs.mkdir(archive);
    const source = path.join(dir, 'mariadb-bin.000001');
    await fs.writeFile(source, 'binlog one');
    await archiveBinlog(source, archive, 'mariadb-bin.000001', new Copier());
    expect(await fs.readFile(path.join(archive, 'mariadb-bin.000001'), 'utf8')).toBe('binlog one');
    expect(await fs.readFile(path.join(archive, 'mariadb-bin.000001.sha256'), 'utf8')).toBe(`${sha('binlog one')}  mariadb-bin.000001\n`);
    expect((await fs.stat(path.join(archive, 'mariadb-bin.000001'))).mode & 0o777).toBe(0o600);
    await archiveBinlog(source, archive, 'mariadb-bin.000001', new Copier()); // same bytes: fine
    await fs.writeFile(source, 'another binlog one');
    await expect(archiveBinlog(source, archive, 'mariadb-bin.000001', new Copier())).rejects.toThrow(
      `${path.join(archive, 'mariadb-bin.000001')} already exists with different content than ${source}; refusing to overwrite it`,
    );
    expect(await fs.readFile(path.join(archive, 'mariadb-bin.000001'), 'utf8')).toBe('binlog one');
    expect((await fs.readdir(archive)).sort()).toEqual(['mariadb-bin.000001', 'mariadb-bin.000001.sha256']);
  });

  it('completes a file archived before a crash (no .sha256 yet)', async () => {
    const archive = path.join(dir, 'a2');
    await fs.mkdir(archive);
    const source = path.join(dir, 'mariadb-bin.000002');
    await fs.writeFile(source, 'binlog two');
    await fs.writeFile(path.join(archive, 'mariadb-bin.000002'), 'binlog two');
    expect((await listArchive(archive)).get(2)).toEqual({ name: 'mariadb-bin.000002', number: 2, complete: false });
    await archiveBinlog(source, archive, 'mariadb-bin.000002', new Copier());
    expect((await listArchive(archive)).get(2)?.complete).toBe(true);
    await verifyArchived(archive, 'mariadb-bin.000002');
  });

  it('verifyArchived names a corrupted or missing file', async () => {
    const archive = path.join(dir, 'a3');
    await fs.mkdir(archive);
    await fs.writeFile(path.join(archive, 'mariadb-bin.000003'), 'binlog three, damaged');
    await fs.writeFile(path.join(archive, 'mariadb-bin.000003.sha256'), `${sha('binlog three')}  mariadb-bin.000003\n`);
    await expect(verifyArchived(archive, 'mariadb-bin.000003')).rejects.toThrow(
      `archived binary log ${path.join(archive, 'mariadb-bin.000003')} is corrupted: its sha256 is ${sha('binlog three, damaged')}`,
    );
    await fs.rm(path.join(archive, 'mariadb-bin.000003'));
    await expect(verifyArchived(archive, 'mariadb-bin.000003')).rejects.toThrow(/mariadb-bin\.000003 is missing \(its mariadb-bin\.000003\.sha256 exists\)/);
  });
});

describe('pruneArchive', () => {
  const manifest = (position: Record<string, string | number>): BackupManifest => ({
    format: 1, engine: 'mysql', blueprintId: 'mariadb_10_11', engineVersion: '10.11.0-MariaDB', consistentAt: new Date().toISOString(),
    position, sizeBytes: 0, files: [],
  });

  it('deletes files (and temp leftovers) older than the oldest kept backup starts from; keeps the rest and berth files', async () => {
    const archive = path.join(dir, 'p1');
    await fs.mkdir(archive);
    const names = [
      'mariadb-bin.000001', 'mariadb-bin.000001.sha256', 'mariadb-bin.000002', 'mariadb-bin.000002.sha256', '.mariadb-bin.000002.tmp-0123456789ab',
      'mariadb-bin.000003', 'mariadb-bin.000003.sha256', 'mariadb-bin.000004', 'berth-flush.json', 'unrelated.txt',
    ];
    for (const name of names) await fs.writeFile(path.join(archive, name), name);
    await pruneArchive(archive, manifest({ gtid: '', serverId: 1 })); // no position: nothing is deleted
    expect((await fs.readdir(archive)).sort()).toEqual([...names].sort());
    const deleted = await pruneArchive(archive, manifest({ binlogFile: 'mariadb-bin.000003', binlogPosition: 400, gtid: '0-1-9', serverId: 1 }));
    expect(deleted.sort()).toEqual(['.mariadb-bin.000002.tmp-0123456789ab', 'mariadb-bin.000001', 'mariadb-bin.000001.sha256', 'mariadb-bin.000002', 'mariadb-bin.000002.sha256']);
    expect((await fs.readdir(archive)).sort()).toEqual(['berth-flush.json', 'mariadb-bin.000003', 'mariadb-bin.000003.sha256', 'mariadb-bin.000004', 'unrelated.txt']);
    await pruneArchive(path.join(dir, 'nowhere'), manifest({ binlogFile: 'mariadb-bin.000003', binlogPosition: 400, gtid: '', serverId: 1 }));
  });
});
