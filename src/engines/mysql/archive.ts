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
import fs from 'node:fs/promises';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import type { BackupManifest } from '../backup.js';
import type { InstanceSpec } from '../driver.js';
import { writeFileAtomicAs, type OsUser } from '../os-user.js';
import { pollUntil } from '../../supervisor/wait.js';
import { fsyncDirectory, readdirIfExists } from '../../util/files.js';
import {
  archiveFileChecked, ArchiveIntakeClosedError, archiveIntakeClosed, deleteFromArchive, FLUSH_STATE_FILE, isArchivedFile as isArchived, readFlushStateFile, SHA256_SUFFIX, tempSuffix,
  verifyArchivedFile, writeFileDurably,
} from '../archive-files.js';
import { Copier } from '../backup-manifest.js';
import { globalVariables, quoteString } from './admin-connection.js';
import type { MysqlBackupHost } from './backup-host.js';
import { backupPosition } from './backup.js';
import { binlogName, binlogNumber, readBinlogHead } from './binlog.js';
import type { MysqlInstancePaths } from './instance-paths.js';
import { waitAppliedFetched } from './replication.js';

export { FLUSH_STATE_FILE, isArchived };

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
  for (const name of await readdirIfExists(archiveDir)) {
    const base = name.endsWith(SHA256_SUFFIX) ? name.slice(0, -SHA256_SUFFIX.length) : name;
    const number = binlogNumber(base);
    if (number === undefined) continue;
    const entry = files.get(number) ?? { name: base, number, complete: false };
    if (base !== name) entry.complete = true;
    files.set(number, entry);
  }
  return files;
}

/**
 * Copy the closed binary log `source` into the archive as `name`, never
 * overwriting (archiveFileChecked: a file archived again must hold the same
 * bytes), then its .sha256.
 */
export function archiveBinlog(source: string, archiveDir: string, name: string, copier: Copier): Promise<void> {
  return archiveFileChecked(source, archiveDir, name, copier, 'binary log');
}

/**
 * Check an archived file against its .sha256 before it is used; throws
 * naming it when it is missing or corrupted.
 */
export function verifyArchived(archiveDir: string, name: string, copier = new Copier()): Promise<void> {
  return verifyArchivedFile(archiveDir, name, copier, 'binary log');
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
  // Closed: the files stay on the server (nothing purges what is not archived) until it opens.
  const refused = await archiveIntakeClosed(archiveDir);
  if (refused !== undefined) throw new ArchiveIntakeClosedError(archiveDir, refused);
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

export function readFlushState(archiveDir: string): Promise<FlushState | undefined> {
  return readFlushStateFile<FlushState>(archiveDir, (state) => {
    const validBinlog = state.binlog === null || (typeof state.binlog === 'string' && binlogNumber(state.binlog) !== undefined);
    return typeof state.flushedAt === 'string' && !Number.isNaN(Date.parse(state.flushedAt)) && validBinlog &&
      typeof state.current === 'string' && typeof state.gtid === 'string' && typeof state.serverId === 'number';
  });
}

function writeFlushState(archiveDir: string, state: FlushState): Promise<void> {
  return writeFileDurably(archiveDir, FLUSH_STATE_FILE, `${FLUSH_STATE_FILE}${tempSuffix()}`, `${JSON.stringify(state)}\n`);
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
    // A standby's binary log holds a commit once it has applied it.
    await waitAppliedFetched(c, 10_000);
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
  if (position.binlogFile === undefined) return [];
  const first = binlogNumber(position.binlogFile) as number;
  const deleted = await deleteFromArchive(archiveDir, (name) => {
    // mariadb-bin.000042, mariadb-bin.000042.sha256, and temp leftovers .mariadb-bin.000042.tmp-...
    const match = /^\.?(.+?\.\d{6,})(?:\.sha256)?(?:\.tmp-[0-9a-f]+)?$/.exec(name);
    const number = match ? binlogNumber(match[1] as string) : undefined;
    return number !== undefined && number < first;
  });
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
