/**
 * Continuous archiving of the binary logs into a directory: switching it on
 * and off, flushing (the latest restorable time), pruning, and reading the
 * archive back for a point-in-time restore.
 *
 * MariaDB has no archive_command: berth copies binary log files into the
 * archive itself, once the server has closed them (a closed file never
 * changes again). That happens in setArchiving (what is closed already) and
 * in flushArchive, which closes the current file first (FLUSH BINARY LOGS):
 * the archive advances at the pace the control loop flushes it. While
 * archiving is on the server never expires binary logs
 * (binlog_expire_logs_seconds = 0); flushArchive purges what it archived.
 *
 * log_bin is always on (my.cnf), so switching archiving is dynamic, except
 * once for an instance provisioned before log_bin was in my.cnf: setArchiving
 * restarts it.
 *
 * Archive layout (one directory per instance; made and written by berth's own
 * OS user, 0700: the database server, run as the service user, cannot change it):
 *   mariadb-bin.NNNNNN          a closed binary log file, byte for byte
 *   mariadb-bin.NNNNNN.sha256   "<sha256>  mariadb-bin.NNNNNN", written last: a file is
 *                               archived once its .sha256 exists
 *   berth-flush.json            the last flushArchive: its time, the newest file it
 *                               archived, what tells the next flush that nothing happened
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import type { BackupManifest } from '../backup.js';
import type { InstanceSpec } from '../driver.js';
import { writeFileAtomicAs, type OsUser } from '../os-user.js';
import { pollUntil } from '../../supervisor/wait.js';
import { Copier, fsyncDirectory } from '../backup-manifest.js';
import { globalVariables, quoteString } from './admin-connection.js';
import type { MysqlBackupHost } from './backup-host.js';
import { backupPosition } from './backup.js';
import { binlogName, binlogNumber, readBinlogHead } from './binlog.js';
import type { MysqlInstancePaths } from './instance-paths.js';

export const FLUSH_STATE_FILE = 'berth-flush.json';
const SHA256_SUFFIX = '.sha256';

// ---- where an instance archives to (<dataDir>/archiving.json) ----

export interface ArchiveState {
  archiveDir: string;
}

export async function readArchiveState(p: Pick<MysqlInstancePaths, 'archiveStateFile'>): Promise<ArchiveState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(p.archiveStateFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let state: ArchiveState;
  try {
    state = JSON.parse(text) as ArchiveState;
  } catch (err) {
    throw new Error(`${p.archiveStateFile} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof state?.archiveDir !== 'string') throw new Error(`${p.archiveStateFile} names no archiveDir`);
  return state;
}

// ---- the archive directory ----

export interface ArchivedBinlog {
  name: string;
  number: number;
  /** Its .sha256 exists. */
  complete: boolean;
}

/** Binary log files in an archive, by number. */
export async function listArchive(archiveDir: string): Promise<Map<number, ArchivedBinlog>> {
  const files = new Map<number, ArchivedBinlog>();
  let names: string[];
  try {
    names = await fs.readdir(archiveDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return files;
    throw err;
  }
  for (const name of names) {
    const base = name.endsWith(SHA256_SUFFIX) ? name.slice(0, -SHA256_SUFFIX.length) : name;
    const number = binlogNumber(base);
    if (number === undefined) continue;
    const entry = files.get(number) ?? { name: base, number, complete: false };
    if (base !== name) entry.complete = true;
    files.set(number, entry);
  }
  return files;
}

export function isArchived(archiveDir: string, name: string): Promise<boolean> {
  return exists(path.join(archiveDir, `${name}${SHA256_SUFFIX}`));
}

/** The SHA-256 recorded for an archived file ("<hex>  <name>", what `sha256sum -c` reads). */
async function recordedSha256(file: string): Promise<string | undefined> {
  const text = await fs.readFile(`${file}${SHA256_SUFFIX}`, 'utf8').catch(() => undefined);
  const hex = text?.split(/\s+/)[0];
  return hex && /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

async function writeChecksum(archiveDir: string, name: string, sha256: string): Promise<void> {
  const final = path.join(archiveDir, `${name}${SHA256_SUFFIX}`);
  const temp = path.join(archiveDir, `.${name}${SHA256_SUFFIX}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${sha256}  ${name}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, final);
  } finally {
    await fs.rm(temp, { force: true });
  }
  await fsyncDirectory(archiveDir);
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Copy the closed binary log `source` into the archive as `name`: a temp
 * file, fsynced, hard-linked to its name (which never replaces a file), then
 * its .sha256 (temp, fsync, rename). A file archived again succeeds only when
 * the archived copy holds exactly the same bytes; different content fails
 * and is kept.
 */
export async function archiveBinlog(source: string, archiveDir: string, name: string, copier: Copier): Promise<void> {
  const final = path.join(archiveDir, name);
  if (await exists(final)) {
    const [archived, original] = await Promise.all([copier.hash(final), copier.hash(source)]);
    if (archived.sha256 !== original.sha256) {
      throw new Error(`${final} already exists with different content than ${source}; refusing to overwrite it`);
    }
    if ((await recordedSha256(final)) !== archived.sha256) await writeChecksum(archiveDir, name, archived.sha256);
    return;
  }
  const temp = path.join(archiveDir, `.${name}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    const copied = await copier.copy(source, temp, { mode: 0o600 });
    if (!copied) throw new Error(`binary log ${source} disappeared before it was archived`);
    await fsyncFile(temp);
    try {
      await fs.link(temp, final);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return await archiveBinlog(source, archiveDir, name, copier); // archived meanwhile: compare
    }
    await writeChecksum(archiveDir, name, copied.sha256);
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/**
 * Check an archived file against its .sha256 before it is used; throws
 * naming it when it is missing or corrupted.
 */
export async function verifyArchived(archiveDir: string, name: string, copier = new Copier()): Promise<void> {
  const file = path.join(archiveDir, name);
  const recorded = await recordedSha256(file);
  if (recorded === undefined) throw new Error(`archived binary log ${file} has no readable ${name}${SHA256_SUFFIX}`);
  let actual: string;
  try {
    actual = (await copier.hash(file)).sha256;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`archived binary log ${file} is missing (its ${name}${SHA256_SUFFIX} exists)`);
    throw err;
  }
  if (actual !== recorded) {
    throw new Error(`archived binary log ${file} is corrupted: its sha256 is ${actual}, ${file}${SHA256_SUFFIX} says ${recorded}`);
  }
}

// ---- the server side ----

/** SHOW BINARY LOGS: file names, oldest first (the last one is the file being written). */
async function binaryLogs(c: mysql.Connection): Promise<string[]> {
  const [rows] = await c.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
  return rows.map((row) => String(row.Log_name));
}

async function binlogDirectory(c: mysql.Connection): Promise<string> {
  const base = (await globalVariables(c, ['log_bin_basename'])).get('log_bin_basename');
  if (!base) throw new Error('the server runs without a binary log');
  return path.dirname(base);
}

async function assertBinlogOn(c: mysql.Connection, what: string): Promise<void> {
  if ((await globalVariables(c, ['log_bin'])).get('log_bin') !== 'ON') {
    throw new Error(`the server runs without a binary log (log_bin is OFF), so ${what}: restart it (my.cnf turns log_bin on)`);
  }
}

/** Archive every closed binary log not archived yet; returns the closed files and the current one. */
async function archiveClosed(c: mysql.Connection, archiveDir: string): Promise<{ closed: string[]; current: string }> {
  const logs = await binaryLogs(c);
  const current = logs.at(-1);
  if (current === undefined) throw new Error('SHOW BINARY LOGS lists no file');
  const closed = logs.slice(0, -1);
  const dir = await binlogDirectory(c);
  const archived = await listArchive(archiveDir);
  const copier = new Copier();
  for (const name of closed) {
    const number = binlogNumber(name);
    if (number === undefined) throw new Error(`unexpected binary log name ${name}`);
    if (archived.get(number)?.complete) continue;
    await archiveBinlog(path.join(dir, name), archiveDir, name, copier);
  }
  return { closed, current };
}

/**
 * Remove the binary logs before `current` from the server. PURGE silently
 * keeps a file until the binlog checkpoint has passed it (InnoDB reported
 * its commits durable, which FLUSH ENGINE LOGS hastens): tried for up to
 * `waitMs`, after which the next flush purges it.
 */
async function purgeBefore(c: mysql.Connection, current: string, waitMs = 2_000): Promise<void> {
  await c.query('FLUSH NO_WRITE_TO_BINLOG ENGINE LOGS');
  await pollUntil(
    async () => {
      await c.query(`PURGE BINARY LOGS TO ${quoteString(current)}`);
      return (await binaryLogs(c))[0] === current;
    },
    { timeoutMs: waitMs, intervalMs: 20 },
  );
}

export async function writeArchiveState(user: OsUser, p: MysqlInstancePaths, archiveDir: string | undefined): Promise<void> {
  if (archiveDir === undefined) {
    await fs.rm(p.archiveStateFile, { force: true });
    return;
  }
  const text = `${JSON.stringify({ archiveDir } satisfies ArchiveState)}\n`;
  if ((await fs.readFile(p.archiveStateFile, 'utf8').catch(() => undefined)) !== text) {
    await writeFileAtomicAs(user, p.archiveStateFile, text, 0o600);
  }
}

export async function setArchiving(host: MysqlBackupHost, spec: InstanceSpec, archiveDir: string | undefined): Promise<void> {
  const user = await host.user();
  const p = host.paths(spec);
  if (!(await exists(path.join(p.datadir, 'mysql'))) || !(await exists(p.myCnf))) throw new Error(`${p.dataDir} is not provisioned`);
  const dir = archiveDir === undefined ? undefined : path.resolve(archiveDir);
  if (dir !== undefined) {
    await fs.mkdir(path.dirname(dir), { recursive: true, mode: 0o755 });
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  }
  // The state first: my.cnf (binlog_expire_logs_seconds) is rendered from it.
  await writeArchiveState(user, p, dir);
  // my.cnf, and at once on a running server: binlog_expire_logs_seconds (0 while archiving).
  await host.writeConfig(spec);
  if (!(await host.running(spec))) return; // read at the next start; the archive fills at the next flush
  const logBin = await host.withAdmin(spec, async (c) => (await globalVariables(c, ['log_bin'])).get('log_bin'));
  if (logBin !== 'ON' && dir !== undefined) {
    // Provisioned before my.cnf turned log_bin on: the one restart it needs.
    await host.stop(spec);
    await host.start(spec, 120_000);
  }
  await host.withAdmin(spec, async (c) => {
    if ((await globalVariables(c, ['log_bin'])).get('log_bin') !== 'ON') return; // off, and archiving stays off
    if (dir !== undefined) {
      await archiveClosed(c, dir);
    } else {
      // Nothing reads them any more: keep only the current file (writeConfig set the server's own expiry again).
      const current = (await binaryLogs(c)).at(-1);
      if (current) await purgeBefore(c, current);
    }
  });
}

// ---- flush ----

export interface FlushState {
  /** Everything committed before this moment is archived. */
  flushedAt: string;
  /** The newest binary log archived by that flush (null: none was closed yet). */
  binlog: string | null;
  /** The file the server wrote to after that flush. */
  current: string;
  /** gtid_binlog_pos read before the rotation: unchanged (and the same current file) means nothing was committed since. */
  gtid: string;
  serverId: number;
}

export async function readFlushState(archiveDir: string): Promise<FlushState | undefined> {
  try {
    const state = JSON.parse(await fs.readFile(path.join(archiveDir, FLUSH_STATE_FILE), 'utf8')) as FlushState;
    const validBinlog = state.binlog === null || (typeof state.binlog === 'string' && binlogNumber(state.binlog) !== undefined);
    return typeof state.flushedAt === 'string' && !Number.isNaN(Date.parse(state.flushedAt)) && validBinlog &&
      typeof state.current === 'string' && typeof state.gtid === 'string' && typeof state.serverId === 'number'
      ? state
      : undefined;
  } catch {
    return undefined;
  }
}

async function writeFlushState(archiveDir: string, state: FlushState): Promise<void> {
  const final = path.join(archiveDir, FLUSH_STATE_FILE);
  const temp = `${final}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(state)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, final);
  } finally {
    await fs.rm(temp, { force: true });
  }
  await fsyncDirectory(archiveDir);
}

/**
 * T = now; FLUSH BINARY LOGS (the file holding every commit before T is
 * closed); archive every closed file not archived yet; record the flush;
 * purge the archived files from the server; return T.
 *
 * When nothing was committed since the previous flush (gtid_binlog_pos and
 * the current file unchanged, read after T), no file is closed: T is
 * returned all the same, since every commit before T was archived by then.
 * An idle database thus costs no new binary log file per flush.
 */
export async function flushArchive(host: MysqlBackupHost, spec: InstanceSpec, archiveDir: string): Promise<Date> {
  const dir = path.resolve(archiveDir);
  const p = host.paths(spec);
  const state = await readArchiveState(p);
  if (state === undefined || path.resolve(state.archiveDir) !== dir) {
    throw new Error(`archiving into ${dir} is not enabled (${state ? `the instance archives into ${state.archiveDir}` : 'archiving is off'})`);
  }
  if (!(await host.running(spec))) throw new Error(`instance ${spec.id} is not running`);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  return host.withAdmin(spec, async (c) => {
    await assertBinlogOn(c, 'nothing can be archived');
    const flushedAt = new Date();
    const vars = await globalVariables(c, ['gtid_binlog_pos', 'server_id']);
    const gtid = vars.get('gtid_binlog_pos') ?? '';
    const serverId = Number(vars.get('server_id'));
    const previous = await readFlushState(dir);
    const before = await binaryLogs(c);
    const newest = binlogNumber(before.at(-1) ?? '');
    if (previous && previous.serverId === serverId && newest !== undefined && newest < (binlogNumber(previous.current) ?? 0)) {
      // RESET MASTER (the master user holds RELOAD) deleted every binary log and numbers them from 1 again.
      throw new Error(
        `the server's binary log was reset (RESET MASTER?) since the last flush: it writes ${before.at(-1)}, the archive ${dir} ` +
          `has reached ${previous.current}. Changes since the last flush are not archived; a new backup and a new archive are needed`,
      );
    }
    if (
      previous && previous.serverId === serverId && previous.gtid === gtid && previous.current === before.at(-1) &&
      (previous.binlog === null || (await isArchived(dir, previous.binlog)))
    ) {
      // Idle since the previous flush. Files closed meanwhile (none expected) are archived all the same.
      await archiveClosed(c, dir);
      await writeFlushState(dir, { ...previous, flushedAt: flushedAt.toISOString() });
      return flushedAt;
    }
    await c.query('FLUSH BINARY LOGS');
    const { closed, current } = await archiveClosed(c, dir);
    await writeFlushState(dir, { flushedAt: flushedAt.toISOString(), binlog: closed.at(-1) ?? null, current, gtid, serverId });
    await purgeBefore(c, current);
    return flushedAt;
  });
}

// ---- prune ----

/**
 * Delete archived binary logs older than the file `oldestKept` starts from
 * (its position's binlogFile). A backup without a binary log position
 * (taken while the server ran without one) needs none, but newer backups
 * may: nothing is deleted then. berth's own files stay.
 */
export async function pruneArchive(archiveDir: string, oldestKept: BackupManifest): Promise<string[]> {
  const position = backupPosition(oldestKept);
  const deleted: string[] = [];
  if (position.binlogFile === undefined) return deleted;
  const first = binlogNumber(position.binlogFile) as number;
  let names: string[];
  try {
    names = await fs.readdir(archiveDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return deleted;
    throw err;
  }
  // .sha256 first: a file interrupted half-way counts as not archived, never as archived and damaged.
  const ordered = names.sort((a, b) => Number(b.endsWith(SHA256_SUFFIX)) - Number(a.endsWith(SHA256_SUFFIX)));
  for (const name of ordered) {
    // mariadb-bin.000042, mariadb-bin.000042.sha256, and temp leftovers .mariadb-bin.000042.tmp-...
    const match = /^\.?(.+?\.\d{6,})(?:\.sha256)?(?:\.tmp-[0-9a-f]+)?$/.exec(name);
    const number = match ? binlogNumber(match[1] as string) : undefined;
    if (number === undefined || number >= first) continue;
    await fs.rm(path.join(archiveDir, name), { force: true });
    deleted.push(name);
  }
  if (deleted.length > 0) await fsyncDirectory(archiveDir);
  return deleted;
}

// ---- reading the archive for a restore ----

export interface ReplayPlan {
  /** Archived files to replay, oldest first (checked against their .sha256). */
  files: string[];
  /** Offset in the first file where the backup's consistent point is. */
  startPosition: number;
}

/**
 * The archived binary logs a restore of `manifest` to `target` replays, each
 * checked against its SHA-256 first. The archive must hold every file from
 * the backup's own up to the newest one archived (a hole would silently end
 * the replay early), and must reach `target`: targets after the last flush
 * (or, without one, after the backup) fail.
 */
export async function planReplay(archiveDir: string, backupDir: string, manifest: BackupManifest, target: Date, stopSeconds: number): Promise<ReplayPlan> {
  const position = backupPosition(manifest);
  const consistentAt = Date.parse(manifest.consistentAt);
  if (position.binlogFile === undefined || position.binlogPosition === undefined) {
    throw new Error(`backup ${backupDir} was taken while the instance ran without a binary log: it cannot be restored to a point in time`);
  }
  const first = binlogNumber(position.binlogFile) as number;
  const archived = await listArchive(archiveDir);
  let newest = first - 1;
  let archivedUntil = consistentAt;
  const flushed = await readFlushState(archiveDir);
  if (flushed && flushed.serverId === position.serverId && Date.parse(flushed.flushedAt) >= consistentAt) {
    archivedUntil = Math.max(archivedUntil, Date.parse(flushed.flushedAt));
    // What the last flush archived counts too: a missing newest file is a hole as well.
    if (flushed.binlog !== null) newest = Math.max(newest, binlogNumber(flushed.binlog) as number);
  }
  for (const file of archived.values()) if (file.complete && file.number > newest) newest = file.number;
  for (let n = first; n <= newest; n++) {
    if (!archived.get(n)?.complete) {
      throw new Error(
        `the archive ${archiveDir} is missing binary log ${binlogName(n)}, needed to replay from backup ${backupDir} ` +
          `(which starts at ${position.binlogFile}:${position.binlogPosition}) up to ${binlogName(newest)}`,
      );
    }
  }
  if (target.getTime() > archivedUntil) {
    throw new Error(
      `the archive ${archiveDir} ends before ${target.toISOString()}: binary logs written after ${new Date(archivedUntil).toISOString()} ` +
        'were never archived (flushArchive returns the latest restorable time)',
    );
  }
  const files: string[] = [];
  const copier = new Copier();
  for (let n = first; n <= newest; n++) {
    const name = binlogName(n);
    await verifyArchived(archiveDir, name, copier);
    const head = await readBinlogHead(path.join(archiveDir, name));
    if (n === first) {
      if (head.serverId !== position.serverId) {
        throw new Error(`the archive ${archiveDir} holds binary logs of another server: ${name} was written by server_id ${head.serverId}, backup ${backupDir} by ${position.serverId}`);
      }
      const { size } = await fs.stat(path.join(archiveDir, name));
      if (size < position.binlogPosition) {
        throw new Error(`archived binary log ${path.join(archiveDir, name)} (${size} bytes) ends before the backup's position ${position.binlogPosition}`);
      }
    } else if (head.createdAt.getTime() / 1000 >= stopSeconds) {
      break; // opened after the target: mariadb-binlog would stop at its first event
    }
    files.push(path.join(archiveDir, name));
  }
  return { files, startPosition: position.binlogPosition };
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}
