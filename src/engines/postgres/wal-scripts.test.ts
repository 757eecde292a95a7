/**
 * archive-wal.sh and restore-wal.sh run directly with /bin/sh, no server:
 * what PostgreSQL relies on (exit statuses) and what berth promises (never
 * overwrite, check before handing out).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setArchiveIntake } from '../archive-files.js';
import { ARCHIVE_SCRIPT, archiveCommand, RESTORE_FATAL_EXIT, RESTORE_SCRIPT, restoreCommand, shellQuote } from './wal-scripts.js';

const execFileAsync = promisify(execFile);
const SEGMENT = '000000010000000000000007';

let dir = '';
let archive = '';

async function run(name: string, script: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const file = path.join(dir, name);
  await fs.writeFile(file, script);
  try {
    const { stderr } = await execFileAsync('/bin/sh', [file, ...args], { cwd: dir });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? '' };
  }
}

const archiveWal = (src: string, name = SEGMENT) => run('archive-wal.sh', ARCHIVE_SCRIPT, [src, name, archive]);
const restoreWal = (name: string, dest: string, backupWal = path.join(dir, 'backup-wal')) => run('restore-wal.sh', RESTORE_SCRIPT, [name, dest, backupWal, archive]);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), `berth-test-${process.env.BERTH_TEST_RUN ?? 'adhoc'}-walscripts-`));
  archive = path.join(dir, 'archive dir with \'quotes\' and spaces');
  await fs.mkdir(archive);
  await fs.mkdir(path.join(dir, 'backup-wal'));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A WAL-like file: some random bytes, then zeros (the unused tail of a segment). */
async function walFile(name: string, randomBytesCount = 64 * 1024): Promise<{ file: string; data: Buffer }> {
  const data = Buffer.concat([randomBytes(randomBytesCount), Buffer.alloc(1024 * 1024)]);
  const file = path.join(dir, name);
  await fs.writeFile(file, data);
  return { file, data };
}

describe('archive-wal.sh', () => {
  it('stores <name>.gz and a sha256sum-style <name>.gz.sha256, compressing the zero tail away', async () => {
    const { file } = await walFile('seg');
    expect(await archiveWal(file)).toMatchObject({ code: 0 });
    const gz = await fs.readFile(path.join(archive, `${SEGMENT}.gz`));
    expect(gz.length).toBeLessThan(80 * 1024);
    expect(await fs.readFile(path.join(archive, `${SEGMENT}.gz.sha256`), 'utf8')).toBe(`${sha256(gz)}  ${SEGMENT}.gz\n`);
    expect((await fs.readdir(archive)).sort()).toEqual([`${SEGMENT}.gz`, `${SEGMENT}.gz.sha256`]); // no temp file left
  });

  it('fails, archiving nothing, while the intake is closed; archives once it is open again', async () => {
    const { file } = await walFile('seg');
    await setArchiveIntake(archive, 'the backup store spool is full');
    const refused = await archiveWal(file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`not archiving ${SEGMENT} now: the backup store spool is full`);
    expect((await fs.readdir(archive)).filter((name) => !name.startsWith('.'))).toEqual([]);
    await setArchiveIntake(archive, undefined);
    expect(await archiveWal(file)).toMatchObject({ code: 0 });
    expect((await fs.readdir(archive)).sort()).toEqual([`${SEGMENT}.gz`, `${SEGMENT}.gz.sha256`]);
  });

  it('succeeds again for the same content and never overwrites different content', async () => {
    const { file } = await walFile('seg');
    expect((await archiveWal(file)).code).toBe(0);
    const before = await fs.readFile(path.join(archive, `${SEGMENT}.gz`));
    expect((await archiveWal(file)).code).toBe(0); // PostgreSQL may archive a file twice after a crash
    const other = await walFile('other');
    const refused = await archiveWal(other.file);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/already exists with different content; refusing to overwrite/);
    expect((await fs.readFile(path.join(archive, `${SEGMENT}.gz`))).equals(before)).toBe(true);
  });

  it('lets a primary and its standby archive the same segments at once: every archived file matches its checksum', async () => {
    // Large enough that the two gzips overlap; several rounds to meet the race.
    for (let round = 0; round < 8; round++) {
      const name = `00000001000000000000001${round}`;
      const { file } = await walFile(`seg-${round}`, 4 * 1024 * 1024);
      const results = await Promise.all([archiveWal(file, name), archiveWal(file, name), archiveWal(file, name)]);
      expect(results.map((result) => result.code), results.map((result) => result.stderr).join('\n')).toEqual([0, 0, 0]);
      const gz = await fs.readFile(path.join(archive, `${name}.gz`));
      expect(await fs.readFile(path.join(archive, `${name}.gz.sha256`), 'utf8')).toBe(`${sha256(gz)}  ${name}.gz\n`);
    }
    expect((await fs.readdir(archive)).filter((entry) => entry.startsWith('.'))).toEqual([]); // no temp file left
  });

  it('completes a copy interrupted before its checksum file was written', async () => {
    const { file } = await walFile('seg');
    await archiveWal(file);
    await fs.rm(path.join(archive, `${SEGMENT}.gz.sha256`));
    expect((await archiveWal(file)).code).toBe(0);
    const gz = await fs.readFile(path.join(archive, `${SEGMENT}.gz`));
    expect(await fs.readFile(path.join(archive, `${SEGMENT}.gz.sha256`), 'utf8')).toBe(`${sha256(gz)}  ${SEGMENT}.gz\n`);
  });

  it('refuses names that could leave the archive directory', async () => {
    const { file } = await walFile('seg');
    for (const name of ['../x', '.hidden', '']) expect((await archiveWal(file, name)).code).not.toBe(0);
  });
});

describe('restore-wal.sh', () => {
  it('hands out verified archive files first (whole segments), then the backup WAL; 1 when a file is in neither', async () => {
    const dest = path.join(dir, 'RECOVERYXLOG');
    // Only in the backup (a restore without archive, or a segment not archived yet).
    const local = randomBytes(1000);
    await fs.writeFile(path.join(dir, 'backup-wal', SEGMENT), local);
    expect((await restoreWal(SEGMENT, dest)).code).toBe(0);
    expect((await fs.readFile(dest)).equals(local)).toBe(true);
    // Archived too: the archive's whole segment wins over the backup's partial copy (a standby's backup).
    const archived = await walFile('seg');
    await archiveWal(archived.file);
    expect((await restoreWal(SEGMENT, dest)).code).toBe(0);
    expect((await fs.readFile(dest)).equals(archived.data)).toBe(true); // (toEqual on MBs of bytes is slow)
    expect((await restoreWal('000000010000000000000008', dest)).code).toBe(1);
    expect((await restoreWal('00000002.history', dest)).code).toBe(1);
  });

  it(`exits ${RESTORE_FATAL_EXIT} (PostgreSQL aborts recovery) for a corrupted or vanished archive file`, async () => {
    const { file } = await walFile('seg');
    await archiveWal(file);
    const gz = path.join(archive, `${SEGMENT}.gz`);
    const bytes = await fs.readFile(gz);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    await fs.writeFile(gz, bytes);
    const dest = path.join(dir, 'RECOVERYXLOG');
    const corrupted = await restoreWal(SEGMENT, dest);
    expect(corrupted.code).toBe(RESTORE_FATAL_EXIT);
    expect(corrupted.stderr).toContain(`archived WAL file ${gz} is corrupted`);
    await expect(fs.access(dest)).rejects.toThrow();
    await fs.rm(gz);
    const vanished = await restoreWal(SEGMENT, dest);
    expect(vanished.code).toBe(RESTORE_FATAL_EXIT);
    expect(vanished.stderr).toContain('is missing');
  });
});

describe('archive_command and restore_command strings', () => {
  it('quote paths for the shell and escape % for PostgreSQL', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(archiveCommand('/d/archive-wal.sh', '/a/100% b')).toBe(`/bin/sh '/d/archive-wal.sh' %p %f '/a/100%% b'`);
    expect(restoreCommand('/d/restore-wal.sh', '/w', undefined)).toBe(`/bin/sh '/d/restore-wal.sh' %f %p '/w'`);
    expect(restoreCommand('/d/restore-wal.sh', '/w', '/a')).toBe(`/bin/sh '/d/restore-wal.sh' %f %p '/w' '/a'`);
  });
});
