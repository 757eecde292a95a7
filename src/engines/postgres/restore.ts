/**
 * A NEW instance from a backup, optionally replaying the archive up to a time:
 *
 *   1. manifest read; targetTime checked against the backup; the archive
 *      checked for holes (names only)
 *   2. every backup file copied and checked against its SHA-256 in the same
 *      read: data/ into <dataDir>/.pgdata.restoring (renamed to pgdata when
 *      all is verified), wal/ into <dataDir>/recovery/wal; the directory
 *      skeleton PostgreSQL expects comes from the blueprint's template
 *   3. the provision path writes the new instance's TLS files and config
 *      (its own port, certificate, bundle); berth-recovery.conf +
 *      recovery.signal: restore_command (backup WAL, then the archive, each
 *      archived file checked), recovery_target_time inclusive, promote
 *   4. start; ready once recovery finished and the server was promoted
 *   5. recovery settings and recovery/ removed: a restart stays a primary
 *
 * A failure before promotion removes the instance's files: no server and no
 * half-restored data dir is left behind. Called again after a crash, it
 * resumes from what is on disk (copy redone; recovery continued; cleanup).
 */
import { existsSync, type Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupManifest, RestoreSource } from '../backup.js';
import type { InstanceSpec, TlsMaterial } from '../driver.js';
import { mkdirOwnedBy, writeFileAtomicAs, type OsUser } from '../os-user.js';
import { assertArchiveContinuous, recoveryTimeline, installWalScripts, isArchived, readFlushState } from './archive.js';
import type { PostgresBackupHost } from './backup-host.js';
import { backupPosition } from './backup.js';
import { confString, RECOVERY_CONF } from './config-files.js';
import type { PostgresInstancePaths } from './instance-paths.js';
import { readEngineManifest } from '../backup-steps.js';
import { copyBackupStaged, pointInTime, resolveSource, restorableAs } from '../restore-steps.js';
import { restoreCommand } from './wal-scripts.js';

export interface RestoreOptions {
  /** Start → promoted limit (the replay of a long archive takes time). */
  readyTimeoutMs: number;
}

function restorePaths(p: PostgresInstancePaths) {
  const recovery = path.join(p.dataDir, 'recovery');
  return {
    stage: path.join(p.dataDir, '.pgdata.restoring'),
    recovery,
    wal: path.join(recovery, 'wal'),
    conf: path.join(p.pgdata, RECOVERY_CONF),
    signal: path.join(p.pgdata, 'recovery.signal'),
  };
}

const majorOf = (blueprintId: string) => /^postgres_(\d+)$/.exec(blueprintId)?.[1];

/** The manifest of a PostgreSQL backup, checked (files present with their sizes, position well-formed). */
export function readPostgresManifest(backupDir: string): Promise<BackupManifest> {
  return readEngineManifest(backupDir, 'postgres', 'PostgreSQL', backupPosition);
}

/** The manifest of a PostgreSQL backup that `spec` can be restored from. */
export async function readRestorableManifest(backupDir: string, spec: Pick<InstanceSpec, 'blueprintId'>): Promise<BackupManifest> {
  return restorableAs(await readPostgresManifest(backupDir), backupDir, spec, (backup, instance) => majorOf(backup) === majorOf(instance));
}

export async function restoreInstance(
  host: PostgresBackupHost,
  spec: InstanceSpec,
  tls: TlsMaterial,
  source: RestoreSource,
  options: RestoreOptions,
): Promise<void> {
  const { backupDir, archiveDir } = resolveSource(source);
  const { user, template } = await host.prepare(spec);
  const p = host.paths(spec);
  const r = restorePaths(p);
  const hasPgdata = existsSync(path.join(p.pgdata, 'PG_VERSION'));
  if (hasPgdata && !existsSync(r.signal)) {
    // PostgreSQL removes recovery.signal when it promotes; recovery/ goes last.
    if (!existsSync(r.recovery)) throw new Error(`${p.pgdata} exists already: a restore creates a new instance (destroy it first)`);
    await host.writeInstanceFiles(spec, tls); // restored before a crash: only the cleanup may be missing
    await host.start(spec, options.readyTimeoutMs);
    await finish(host, spec, r);
    return;
  }
  const manifest = await readRestorableManifest(backupDir, spec);
  const consistentAt = new Date(manifest.consistentAt);
  const target = source.targetTime;
  pointInTime(target, archiveDir, backupDir, consistentAt);
  if (archiveDir !== undefined) await assertArchiveContinuous(archiveDir, backupDir, manifest);
  const timeline = archiveDir === undefined ? undefined : (await recoveryTimeline(archiveDir, manifest)).timeline;
  try {
    if (!hasPgdata) {
      await mkdirOwnedBy(user, p.dataDir, 0o700);
      await copyBackup(user, template, backupDir, manifest, p, r);
    }
    await host.writeInstanceFiles(spec, tls);
    const scripts = await installWalScripts(user, p);
    const writeRecoveryConf = (withTarget: boolean) =>
      writeFileAtomicAs(
        user,
        r.conf,
        renderRecoveryConf(restoreCommand(scripts.restore, r.wal, archiveDir), withTarget ? target : undefined, timeline),
        0o600,
      );
    await writeRecoveryConf(true);
    let failure = await startRecovery(host, spec, options);
    if (failure?.kind === 'targetNotReached' && target !== undefined && archiveDir !== undefined) {
      // PostgreSQL knows it reached a time only from a later commit. None in
      // the archive: replaying all of it gives the state at the target, as
      // long as the target is not after what is known to be archived.
      const flushed = await readFlushState(archiveDir);
      const flushPresent = flushed?.systemIdentifier === backupPosition(manifest).systemIdentifier && isArchived(archiveDir, flushed.wal);
      const archivedUntil = Math.max(consistentAt.getTime(), flushed && flushPresent ? Date.parse(flushed.flushedAt) : 0);
      if (target.getTime() <= archivedUntil) {
        await writeRecoveryConf(false);
        failure = await startRecovery(host, spec, options);
      } else {
        failure.message =
          `the archive ${archiveDir} ends before ${target.toISOString()}: WAL written after ` +
          `${new Date(archivedUntil).toISOString()} was never archived (flushArchive returns the latest restorable time)` +
          (failure.lastRestored ? `; the last WAL file replayed was ${failure.lastRestored}` : '');
      }
    }
    if (failure) throw new Error(failure.message);
    await finish(host, spec, r);
  } catch (err) {
    await host.removeInstance(spec).catch(() => undefined);
    await fs.rm(r.stage, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

async function copyBackup(
  user: OsUser,
  template: string,
  backupDir: string,
  manifest: BackupManifest,
  p: PostgresInstancePaths,
  r: ReturnType<typeof restorePaths>,
): Promise<void> {
  await fs.rm(r.recovery, { recursive: true, force: true });
  await copyBackupStaged({
    user,
    backupDir,
    manifest,
    stage: r.stage,
    final: p.pgdata, // synced before (recovery/wal too: the same file system)
    outside: [r.wal],
    // Empty directories PostgreSQL expects (pg_notify, pg_wal/archive_status...) are not in a manifest.
    directories: () => directoriesUnder(template),
    target: (file) => {
      if (file.path.startsWith('data/')) return path.join(r.stage, file.path.slice('data/'.length));
      if (file.path.startsWith('wal/')) return path.join(r.wal, file.path.slice('wal/'.length));
      return undefined;
    },
    complete: () => writeFileAtomicAs(user, path.join(r.stage, 'recovery.signal'), '', 0o600),
  });
}

async function directoriesUnder(root: string, relative = ''): Promise<string[]> {
  const entries: Dirent[] = await fs.readdir(path.join(root, relative), { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const child = relative === '' ? entry.name : path.join(relative, entry.name);
    found.push(child, ...(await directoriesUnder(root, child)));
  }
  return found;
}

/**
 * `timeline`: the one to recover along (across failovers the archive holds
 * the WAL of every promoted standby, each on a timeline of its own), or
 * undefined for the backup's own.
 */
export function renderRecoveryConf(restore: string, targetTime: Date | undefined, timeline?: number): string {
  const lines = [
    '# Written by berth for a restore; removed once the server is promoted.',
    `restore_command = ${confString(restore)}`,
    `recovery_target_timeline = ${timeline === undefined ? "'current'" : confString(String(timeline))}`,
    // No connections before promotion: also lifts the hot-standby checks of
    // max_connections & co. against the source, whose bundle may be larger.
    'hot_standby = off',
    // PostgreSQL syncs the copied data dir before replaying: one syncfs, not an fsync per file.
    "recovery_init_sync_method = 'syncfs'",
  ];
  if (targetTime) {
    lines.push(
      `recovery_target_time = ${confString(postgresTimestamp(targetTime))}`,
      'recovery_target_inclusive = on',
      "recovery_target_action = 'promote'",
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `2024-05-01 12:00:00.123+00`: recovery_target_time does not take ISO 8601's `T` and `Z`. */
export function postgresTimestamp(time: Date): string {
  return `${time.toISOString().replace('T', ' ').replace('Z', '')}+00`;
}

interface RecoveryFailure {
  kind: 'targetNotReached' | 'archiveDamaged' | 'other';
  message: string;
  lastRestored?: string;
}

/** Start the recovering server; undefined once it is promoted and ready, else what went wrong. */
async function startRecovery(host: PostgresBackupHost, spec: InstanceSpec, options: RestoreOptions): Promise<RecoveryFailure | undefined> {
  try {
    await host.start(spec, options.readyTimeoutMs);
    return undefined;
  } catch (err) {
    await host.stop(spec).catch(() => undefined);
    const text = `${(err as Error).message}\n${await host.logTail(spec)}`;
    const restored = [...text.matchAll(/restored log file "([0-9A-F]{24})"/g)].map((m) => m[1] as string);
    const lastRestored = restored.at(-1);
    const berth = /berth restore: (.*)/.exec(text)?.[1];
    if (berth) return { kind: 'archiveDamaged', message: `recovery aborted: ${berth}` };
    if (/recovery ended before configured recovery target was reached/.test(text)) {
      return { kind: 'targetNotReached', message: 'recovery ended before the target time was reached', ...(lastRestored ? { lastRestored } : {}) };
    }
    if (/WAL file is from different database system/.test(text)) {
      return { kind: 'other', message: 'the archive holds WAL of a different database system than the backup' };
    }
    return { kind: 'other', message: `recovery failed: ${(err as Error).message}` };
  }
}

async function finish(host: PostgresBackupHost, spec: InstanceSpec, r: ReturnType<typeof restorePaths>): Promise<void> {
  const inRecovery = await host.withAdmin(spec, async (c) => (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r);
  if (inRecovery !== false) throw new Error('the restored server is still in recovery after it started');
  await fs.rm(r.conf, { force: true });
  await host.withAdmin(spec, (c) => c.query('SELECT pg_reload_conf()'));
  await fs.rm(r.recovery, { recursive: true, force: true });
}
