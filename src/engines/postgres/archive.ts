/**
 * Continuous WAL archiving into a directory: switching it on and off,
 * flushing (the latest restorable time), pruning, and reading the archive.
 *
 * archive_mode is always on (berth.conf): switching archiving is a change of
 * archive_command in berth-archive.conf and a reload, never a restart (except
 * once for an instance provisioned before archive_mode was in berth.conf).
 *
 * Archive layout (one directory per instance):
 *   <wal file>.gz          gzip -4 of a WAL segment, a .history, .partial or .backup file
 *   <wal file>.gz.sha256   "<sha256 of the .gz>  <wal file>.gz"; written last, so a
 *                          file is archived once its .sha256 exists
 *   berth-flush.json       the last flushArchive: its time, the segment that holds
 *                          it, what tells the next flush that nothing happened since
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type pg from 'pg';
import type { BackupManifest } from '../backup.js';
import type { InstanceSpec } from '../driver.js';
import { assertTraversableBy, mkdirOwnedBy, writeFileAtomicAs, type OsUser } from '../os-user.js';
import { pollUntil, sleep } from '../../supervisor/wait.js';
import { readdirIfExists } from '../../util/files.js';
import { deleteFromArchive, FLUSH_STATE_FILE, readFlushStateFile } from '../archive-files.js';
import type { PostgresBackupHost } from './backup-host.js';
import { backupPosition } from './backup.js';
import { ARCHIVE_CONF, confString } from './config-files.js';
import { writeInstanceConfig } from './instance-files.js';
import type { PostgresInstancePaths } from './instance-paths.js';
import { parseLsn, parseWalFileName, segmentOf, WAL_SEGMENT_NAME, walFileName } from './wal.js';
import { ARCHIVE_SCRIPT, archiveCommand, RESTORE_SCRIPT } from './wal-scripts.js';

export { FLUSH_STATE_FILE };
/** archive_command while archiving is off: finished segments are dropped (berth.conf). */
export const DISCARD_ARCHIVE_COMMAND = 'true';

/** Where the WAL scripts of an instance live (outside PGDATA: a backup does not carry them). */
export function walScriptPaths(p: PostgresInstancePaths): { dir: string; archive: string; restore: string } {
  const dir = path.join(p.dataDir, 'scripts');
  return { dir, archive: path.join(dir, 'archive-wal.sh'), restore: path.join(dir, 'restore-wal.sh') };
}

export async function installWalScripts(user: OsUser, p: PostgresInstancePaths): Promise<ReturnType<typeof walScriptPaths>> {
  const scripts = walScriptPaths(p);
  await mkdirOwnedBy(user, scripts.dir, 0o700);
  for (const [file, text] of [[scripts.archive, ARCHIVE_SCRIPT], [scripts.restore, RESTORE_SCRIPT]] as const) {
    const current = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (current !== text) await writeFileAtomicAs(user, file, text, 0o500);
  }
  return scripts;
}

/** The archive_command archiving into `archiveDir` (what SHOW archive_command returns). */
export function archiveCommandFor(p: PostgresInstancePaths, archiveDir: string): string {
  return archiveCommand(walScriptPaths(p).archive, path.resolve(archiveDir));
}

export async function setArchiving(host: PostgresBackupHost, spec: InstanceSpec, archiveDir: string | undefined): Promise<void> {
  const user = await host.user();
  const p = host.paths(spec);
  if (!existsSync(path.join(p.pgdata, 'PG_VERSION'))) throw new Error(`${p.pgdata} is not provisioned`);
  const conf = path.join(p.pgdata, ARCHIVE_CONF);
  const berthConf = await fs.readFile(p.berthConf, 'utf8').catch(() => '');
  if (!berthConf.includes(`include_if_exists ${confString(ARCHIVE_CONF)}`)) {
    // Provisioned by a berth without archiving: bring berth.conf up to date (archive_mode, the include).
    await writeInstanceConfig(spec, user, p);
  }
  let command = DISCARD_ARCHIVE_COMMAND;
  if (archiveDir !== undefined) {
    const dir = path.resolve(archiveDir);
    await assertTraversableBy(user, dir);
    await mkdirOwnedBy(user, dir, 0o700); // archive_command runs as the service user
    await installWalScripts(user, p);
    command = archiveCommandFor(p, dir);
    const text = `# Managed by berth (setArchiving): do not edit.\narchive_command = ${confString(command)}\n`;
    if ((await fs.readFile(conf, 'utf8').catch(() => undefined)) !== text) await writeFileAtomicAs(user, conf, text, 0o600);
  } else {
    await fs.rm(conf, { force: true });
  }
  if (!(await host.running(spec))) return; // read at the next start
  const mode = await host.withAdmin(spec, async (c) => (await c.query<{ archive_mode: string }>('SHOW archive_mode')).rows[0]?.archive_mode);
  if (mode !== 'on' && mode !== 'always') {
    // Provisioned before berth.conf turned archive_mode on: the one restart it needs.
    await host.stop(spec);
    await host.start(spec, 120_000);
    return;
  }
  await host.withAdmin(spec, (c) => c.query('SELECT pg_reload_conf()'));
  // The postmaster re-reads its files, then signals the archiver; a new
  // session shows the new value once the postmaster has, and the archiver
  // applies its pending reload before it archives the next file.
  const applied = await pollUntil(
    async () => (await host.withAdmin(spec, async (c) => (await c.query<{ archive_command: string }>('SHOW archive_command')).rows[0]?.archive_command)) === command,
    { timeoutMs: 10_000, intervalMs: 10 },
  );
  if (!applied) throw new Error(`the server did not apply the new archive_command within 10 s:\n${await host.logTail(spec)}`);
}

interface FlushState {
  flushedAt: string;
  /** Segment holding the flush point (archived before the state was written). */
  wal: string;
  systemIdentifier: string;
  timeline: number;
  /** pg_snapshot_xmax right after the flush when no other transaction was running: unchanged means idle since. */
  idleXmax: string | null;
}

export function readFlushState(archiveDir: string): Promise<FlushState | undefined> {
  return readFlushStateFile<FlushState>(archiveDir, (state) => typeof state.flushedAt === 'string' && typeof state.wal === 'string');
}

export function isArchived(archiveDir: string, walFile: string): boolean {
  return existsSync(path.join(archiveDir, `${walFile}.gz.sha256`));
}

export interface FlushOptions {
  timeoutMs: number;
}

/**
 * T = now; a marker commit after T; pg_switch_wal(); wait until the segment
 * is in the archive; return T. Every transaction committed before T is then
 * archived, and the marker gives recovery a commit later than T, so
 * `recovery_target_time = T` is reached without waiting for more WAL.
 * When no transaction id was assigned since the previous flush (an idle
 * database: nothing but checkpoints), nothing is switched and the previous
 * T is returned: no 16 MB segment per flush of an idle database.
 */
export async function flushArchive(host: PostgresBackupHost, spec: InstanceSpec, archiveDir: string, options: FlushOptions): Promise<Date> {
  const dir = path.resolve(archiveDir);
  const p = host.paths(spec);
  const user = await host.user();
  if (!(await host.running(spec))) throw new Error(`instance ${spec.id} is not running`);
  const expected = archiveCommandFor(p, dir);
  return host.withAdmin(spec, async (client) => {
    const one = async <T>(sql: string, values: unknown[] = []): Promise<T> => {
      const row = (await client.query(sql, values)).rows[0] as T | undefined;
      if (row === undefined) throw new Error(`no row from ${sql}`);
      return row;
    };
    const current = await one<{ archive_command: string }>('SHOW archive_command');
    if (current.archive_command !== expected) {
      throw new Error(`archiving into ${dir} is not enabled (archive_command is ${JSON.stringify(current.archive_command)})`);
    }
    const before = await one<{ xmin: string; xmax: string; sysid: string; wal: string; failed: string }>(
      `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, pg_snapshot_xmax(pg_current_snapshot())::text AS xmax,
              (SELECT system_identifier::text FROM pg_control_system()) AS sysid,
              pg_walfile_name(pg_current_wal_insert_lsn()) AS wal,
              (SELECT failed_count::text FROM pg_stat_archiver) AS failed`,
    );
    const timeline = parseInt(before.wal.slice(0, 8), 16);
    const previous = await readFlushState(dir);
    if (
      previous && previous.idleXmax !== null && previous.idleXmax === before.xmax && previous.systemIdentifier === before.sysid &&
      previous.timeline === timeline && isArchived(dir, previous.wal)
    ) {
      return new Date(previous.flushedAt);
    }
    // Commit timestamps have microseconds, Date milliseconds: a millisecond
    // before T, so that T is not before any commit acknowledged earlier, and
    // one after it, so that the marker commits strictly after T.
    await sleep(1);
    const flushedAt = new Date();
    await sleep(1);
    const marker = await one<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
    const { wal } = await one<{ wal: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS wal');
    await waitArchived(host, spec, client, dir, wal, Number(before.failed), options.timeoutMs);
    const quiet = before.xmin === before.xmax && before.xmax === marker.xid;
    const state: FlushState = {
      flushedAt: flushedAt.toISOString(),
      wal,
      systemIdentifier: before.sysid,
      timeline,
      idleXmax: quiet ? (BigInt(marker.xid) + 1n).toString() : null,
    };
    await writeFileAtomicAs(user, path.join(dir, FLUSH_STATE_FILE), `${JSON.stringify(state)}\n`, 0o600);
    return flushedAt;
  });
}

async function waitArchived(
  host: PostgresBackupHost,
  spec: InstanceSpec,
  client: pg.Client,
  dir: string,
  wal: string,
  failedBefore: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (isArchived(dir, wal)) return;
    const stats = (
      await client.query<{ failed: string; last_failed_wal: string | null }>(
        'SELECT failed_count::text AS failed, last_failed_wal FROM pg_stat_archiver',
      )
    ).rows[0];
    const failures = Number(stats?.failed ?? 0) - failedBefore;
    // The archiver tries a file 3 times in a row before it pauses: a whole round failed.
    if (failures >= 3 || Date.now() >= deadline) {
      const why = failures > 0 ? `archive_command failed ${failures} times, last for ${stats?.last_failed_wal}` : `not archived after ${timeoutMs} ms`;
      const log = (await host.logTail(spec))
        .split('\n')
        .filter((line) => /archive|berth/i.test(line))
        .slice(-6)
        .join('\n');
      throw new Error(`WAL segment ${wal} did not reach the archive ${dir}: ${why}${log ? `\n${log}` : ''}`);
    }
    await sleep(15);
  }
}

export interface ArchivedFile {
  /** The WAL file name (without .gz). */
  name: string;
  /** Its .gz.sha256 exists. */
  complete: boolean;
}

/** WAL files in an archive (history files included), by name. */
export async function listArchive(archiveDir: string): Promise<Map<string, ArchivedFile>> {
  const files = new Map<string, ArchivedFile>();
  for (const name of await readdirIfExists(archiveDir)) {
    const match = /^([0-9A-F]{8}(?:[0-9A-F]{16}(?:\.[0-9A-Za-z.]+)?|\.history))\.gz(\.sha256)?$/.exec(name);
    if (!match) continue;
    const walName = match[1] as string;
    const entry = files.get(walName) ?? { name: walName, complete: false };
    if (match[2]) entry.complete = true;
    files.set(walName, entry);
  }
  return files;
}

/** A timeline's ancestors as its archived history file lists them: each with the LSN where it ended. */
async function readTimelineHistory(archiveDir: string, timeline: number): Promise<Array<{ timeline: number; endLsn: bigint }>> {
  const name = `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
  let text: string;
  try {
    text = gunzipSync(await fs.readFile(path.join(archiveDir, `${name}.gz`))).toString('utf8');
  } catch (err) {
    throw new Error(`the archive ${path.resolve(archiveDir)} holds WAL of timeline ${timeline} but not its history file ${name}: ${(err as Error).message}`);
  }
  const ancestors: Array<{ timeline: number; endLsn: bigint }> = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2 || line.trim().startsWith('#')) continue;
    ancestors.push({ timeline: Number.parseInt(fields[0] as string, 10), endLsn: parseLsn(fields[1] as string) });
  }
  return ancestors;
}

/**
 * The timeline a recovery from the backup follows: the newest archived
 * timeline (a failover promoted a standby onto each) that has WAL in the
 * archive and whose history has the backup's timeline going on past the
 * backup's end; the backup's own when there is none (a history file alone,
 * or one of a branch that left before the backup, is not its future).
 */
export async function recoveryTimeline(archiveDir: string, manifest: BackupManifest): Promise<{ timeline: number; ancestors: Array<{ timeline: number; endLsn: bigint }> }> {
  const position = backupPosition(manifest);
  const stopLsn = parseLsn(position.stopLsn);
  const files = [...(await listArchive(archiveDir)).values()].filter((file) => file.complete);
  const withWal = new Set(files.filter((file) => WAL_SEGMENT_NAME.test(file.name)).map((file) => Number.parseInt(file.name.slice(0, 8), 16)));
  const timelines = files
    .filter((file) => /^[0-9A-F]{8}\.history$/.test(file.name))
    .map((file) => Number.parseInt(file.name.slice(0, 8), 16))
    .filter((timeline) => timeline > position.timeline && withWal.has(timeline))
    .sort((x, y) => y - x);
  for (const timeline of timelines) {
    const ancestors = (await readTimelineHistory(archiveDir, timeline)).filter((entry) => entry.timeline >= position.timeline);
    if (ancestors[0]?.timeline === position.timeline && ancestors[0].endLsn >= stopLsn) return { timeline, ancestors };
  }
  return { timeline: position.timeline, ancestors: [] };
}

/**
 * The archive must hold every segment a recovery from the backup to the
 * newest archived WAL replays: after the backup's own WAL on its timeline
 * and, when failovers promoted standbys since, on each timeline up to the
 * one recoveryTimeline() chose. A hole would end a recovery early, silently
 * when no target time is set.
 */
export async function assertArchiveContinuous(archiveDir: string, backupDir: string, manifest: BackupManifest): Promise<void> {
  const position = backupPosition(manifest);
  const size = position.walSegmentSize;
  const stop = parseWalFileName(position.stopWal, size);
  const archived = await listArchive(archiveDir);
  const segments: Array<{ timeline: number; segno: bigint }> = [];
  const flushed = await readFlushState(archiveDir);
  if (flushed && flushed.systemIdentifier === position.systemIdentifier && WAL_SEGMENT_NAME.test(flushed.wal)) {
    segments.push(parseWalFileName(flushed.wal, size)); // a missing newest segment is a hole as well
  }
  for (const file of archived.values()) {
    if (file.complete && WAL_SEGMENT_NAME.test(file.name)) segments.push(parseWalFileName(file.name, size));
  }
  const { timeline, ancestors } = await recoveryTimeline(archiveDir, manifest);
  // The timelines a recovery walks through, each up to the segment before the one where the next began.
  const legs: Array<{ timeline: number; from: bigint; until: bigint | undefined }> = [];
  let from = stop.segno + 1n;
  for (const entry of ancestors) {
    const switchSegment = segmentOf(entry.endLsn, size);
    legs.push({ timeline: entry.timeline, from, until: switchSegment - 1n });
    from = from > switchSegment ? from : switchSegment;
  }
  legs.push({ timeline, from, until: undefined });
  for (const leg of legs) {
    const newest = leg.until ?? segments.filter((s) => s.timeline === leg.timeline).reduce((max, s) => (s.segno > max ? s.segno : max), leg.from - 1n);
    for (let segno = leg.from; segno <= newest; segno++) {
      const name = walFileName(leg.timeline, segno, size);
      if (!archived.get(name)?.complete) {
        throw new Error(
          `the archive ${path.resolve(archiveDir)} is missing WAL segment ${name}, needed to replay from backup ` +
            `${path.resolve(backupDir)} (which ends at ${position.stopWal}) up to ${walFileName(leg.timeline, newest, size)}`,
        );
      }
    }
  }
}

/**
 * Delete archived WAL older than the first segment `oldestKept` needs
 * (compared by segment number across timelines, as pg_archivecleanup does:
 * segment numbers only grow across timeline switches). Timeline history
 * files and berth's own files stay.
 */
export async function pruneArchive(archiveDir: string, oldestKept: BackupManifest): Promise<string[]> {
  const position = backupPosition(oldestKept);
  const size = position.walSegmentSize;
  const first = parseWalFileName(position.startWal, size).segno;
  return deleteFromArchive(archiveDir, (name) => {
    const match = /^\.?([0-9A-F]{24})(?:\.[0-9A-Za-z.]*)?$/.exec(name);
    if (!match) return false; // timeline history files (<timeline>.history.gz) never match
    return parseWalFileName(match[1] as string, size).segno < first;
  });
}
