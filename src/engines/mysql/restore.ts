/**
 * A NEW instance from a backup, optionally replaying the archived binary logs
 * up to a time:
 *
 *   1. manifest read; the target time checked against the backup; for a point
 *      in time, the archive checked: no hole from the backup's binary log on,
 *      the target not after what was archived, and every file the replay
 *      reads checked against its SHA-256
 *   2. every backup file copied and checked against its SHA-256 in the same
 *      read: data/ into <dataDir>/.data.restoring, where the copied redo is
 *      applied (mariadb-backup --prepare) and mariadb-backup's own files
 *      removed; renamed to the datadir when all is done
 *   3. the provision path writes the new instance's TLS files and my.cnf (its
 *      own port, certificate, bundle, server_id, binary log)
 *   4. start, ready
 *   5. point in time: mariadb-binlog replays the archived files from the
 *      backup's position up to the target (TZ=UTC, see stopDatetime), piped
 *      into the server over its socket as the admin account, unlogged
 *      (--disable-log-bin: the new instance's binary log starts after it)
 *
 * A failure removes the instance's files: no server and no half-restored
 * datadir is left behind. <dataDir>/restored-from.json records the source and
 * whether the restore finished: called again after a crash, an unfinished
 * restore starts over (a replay cannot be resumed half-way), a finished one
 * is only started; a datadir without that record is another instance, which
 * a restore refuses to replace.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupManifest, RestoreSource } from '../backup.js';
import type { InstanceSpec, TlsMaterial } from '../driver.js';
import { mkdirOwnedBy, writeFileAtomicAs, type OsUser } from '../os-user.js';
import { BackupIntegrityError, Copier } from '../backup-manifest.js';
import { copyBackupStaged, pointInTime, resolveSource, restorableAs } from '../restore-steps.js';
import { planReplay, type ReplayPlan } from './archive.js';
import type { MysqlBackupHost } from './backup-host.js';
import { applyCopiedRedo, DIRECTORIES_FILE, readMysqlManifest } from './backup.js';
import { stopDatetime } from './binlog.js';
import type { MysqlInstancePaths } from './instance-paths.js';
import { runPipeline } from './tool-process.js';

export interface RestoreOptions {
  /** Start → ready limit. */
  readyTimeoutMs: number;
}

function restorePaths(p: MysqlInstancePaths) {
  return {
    stage: path.join(p.dataDir, '.data.restoring'),
    record: path.join(p.dataDir, 'restored-from.json'),
  };
}

/** <dataDir>/restored-from.json: what the instance is restored from, and whether that finished. */
interface RestoreRecord {
  backupDir: string;
  targetTime: string | null;
  complete: boolean;
}

async function readRestoreRecord(file: string): Promise<RestoreRecord | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as RestoreRecord;
  } catch {
    return undefined;
  }
}

async function writeRestoreRecord(user: OsUser, file: string, record: RestoreRecord): Promise<void> {
  await writeFileAtomicAs(user, file, `${JSON.stringify(record)}\n`, 0o600);
}

/** The manifest of a MariaDB backup that `spec` can be restored from. */
export async function readRestorableManifest(backupDir: string, spec: Pick<InstanceSpec, 'blueprintId'>): Promise<BackupManifest> {
  return restorableAs(await readMysqlManifest(backupDir), backupDir, spec, (backup, instance) => backup === instance);
}

export async function restoreInstance(
  host: MysqlBackupHost,
  spec: InstanceSpec,
  tls: TlsMaterial,
  source: RestoreSource,
  options: RestoreOptions,
): Promise<void> {
  const { backupDir, archiveDir } = resolveSource(source);
  const manifest = await readRestorableManifest(backupDir, spec);
  const consistentAt = new Date(manifest.consistentAt);
  const target = source.targetTime;
  let replay: (ReplayPlan & { stop: string }) | undefined;
  const pitr = pointInTime(target, archiveDir, backupDir, consistentAt);
  if (pitr) {
    const stop = stopDatetime(pitr.target);
    const plan = await planReplay(pitr.archiveDir, backupDir, manifest, pitr.target, stop.seconds);
    if (plan.files.length > 0) replay = { ...plan, stop: stop.text };
  }
  // Fail before any copy when a program is missing.
  const tools = replay ? { binlog: host.tool('mariadb-binlog'), client: host.tool('mariadb') } : undefined;

  const { user } = await host.prepare(spec);
  const p = host.paths(spec);
  const r = restorePaths(p);
  const record: RestoreRecord = { backupDir, targetTime: target?.toISOString() ?? null, complete: false };
  if (existsSync(path.join(p.datadir, 'mysql'))) {
    const earlier = await readRestoreRecord(r.record);
    if (!earlier) throw new Error(`${p.dataDir} already holds an instance: a restore creates a new one`);
    if (earlier.complete && earlier.backupDir === record.backupDir && earlier.targetTime === record.targetTime) {
      // Restored before a crash: only the start may be missing.
      await host.writeInstanceFiles(spec, tls);
      await host.start(spec, options.readyTimeoutMs);
      return;
    }
    // Otherwise an unfinished restore (or one from another source): started over below.
  }
  try {
    await host.removeInstance(spec);
    await mkdirOwnedBy(user, p.dataDir, 0o700);
    await writeRestoreRecord(user, r.record, record);
    await copyBackup(host, user, backupDir, manifest, p, r);
    await host.writeInstanceFiles(spec, tls);
    await host.start(spec, options.readyTimeoutMs);
    if (replay && tools) await replayBinlogs(host, spec, replay, tools);
    await writeRestoreRecord(user, r.record, { ...record, complete: true });
  } catch (err) {
    await host.removeInstance(spec).catch(() => undefined);
    throw err;
  }
}

async function copyBackup(
  host: MysqlBackupHost,
  user: OsUser,
  backupDir: string,
  manifest: BackupManifest,
  p: MysqlInstancePaths,
  r: ReturnType<typeof restorePaths>,
): Promise<void> {
  await copyBackupStaged({
    user,
    backupDir,
    manifest,
    stage: r.stage,
    final: p.datadir,
    // Every directory of the datadir (some may hold no file), from the verified list.
    directories: () => readDirectories(backupDir, manifest),
    target: (file) => (file.path.startsWith('data/') ? path.join(r.stage, file.path.slice('data/'.length)) : undefined),
    complete: () => applyCopiedRedo(host, manifest, r.stage, user),
  });
}

/** directories.json, checked against the manifest before it is used. */
async function readDirectories(backupDir: string, manifest: BackupManifest): Promise<string[]> {
  const entry = manifest.files.find((file) => file.path === DIRECTORIES_FILE);
  if (!entry) throw new BackupIntegrityError(`backup ${backupDir}: ${DIRECTORIES_FILE} is not in its manifest`);
  const file = path.join(backupDir, DIRECTORIES_FILE);
  const actual = await new Copier().hash(file).catch(() => undefined);
  if (!actual) throw new BackupIntegrityError(`backup ${backupDir}: file ${DIRECTORIES_FILE} is missing`);
  if (actual.sha256 !== entry.sha256 || actual.size !== entry.size) {
    throw new BackupIntegrityError(
      `backup ${backupDir}: file ${DIRECTORIES_FILE} is corrupted (sha256 ${actual.sha256}, ${actual.size} bytes; ` +
        `the manifest says ${entry.sha256}, ${entry.size} bytes)`,
    );
  }
  const list = JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
  const safe = (d: unknown): d is string =>
    typeof d === 'string' && d !== '' && !path.posix.isAbsolute(d) && path.posix.normalize(d) === d && !d.split('/').includes('..');
  if (!Array.isArray(list) || !list.every(safe)) throw new BackupIntegrityError(`backup ${backupDir}: ${DIRECTORIES_FILE} lists an unsafe path`);
  return list;
}

/** Largest statement the replay may send (mariadb-binlog's BINLOG statements of big row events). */
const REPLAY_MAX_PACKET = 1024 * 1024 * 1024;

async function replayBinlogs(
  host: MysqlBackupHost,
  spec: InstanceSpec,
  replay: ReplayPlan & { stop: string },
  tools: { binlog: string; client: string },
): Promise<void> {
  const p = host.paths(spec);
  // The replay session reads max_allowed_packet from the global value when it connects.
  await host.withAdmin(spec, (c) => c.query(`SET GLOBAL max_allowed_packet = ${REPLAY_MAX_PACKET}`));
  try {
    await runPipeline(
      {
        command: tools.binlog,
        args: [
          '--no-defaults', // must come first
          '--disable-log-bin',
          '--verify-binlog-checksum',
          `--start-position=${replay.startPosition}`,
          `--stop-datetime=${replay.stop}`, // read in the tool's TZ: UTC
          ...replay.files,
        ],
      },
      {
        command: tools.client,
        args: ['--no-defaults', `--socket=${p.socket}`, `--user=${host.adminAccount}`, '--binary-mode', `--max-allowed-packet=${REPLAY_MAX_PACKET}`, '--batch'],
      },
    );
  } catch (err) {
    throw new Error(`replaying the archived binary logs (${replay.files.map((f) => path.basename(f)).join(', ')}) up to ${replay.stop} UTC failed: ${(err as Error).message}`);
  } finally {
    await host.withAdmin(spec, (c) => c.query('SET GLOBAL max_allowed_packet = DEFAULT')).catch(() => undefined);
  }
}
