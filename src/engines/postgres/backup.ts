/**
 * Consistent online backups, the way backup tools take them, from a primary
 * or from a hot standby (an HA database's backups come from its standby):
 *
 *   one admin session, held open throughout:
 *     temporary physical replication slot (reserves WAL from now on)
 *     pg_backup_start(label, fast => true)
 *     copy PGDATA file by file, hashing each (writes continue meanwhile)
 *     pg_backup_stop(wait_for_archive => false) → backup_label, stop LSN
 *     copy the WAL from the start to the stop segment out of pg_wal
 *   session closed: the slot goes away (an abandoned backup is aborted too)
 *
 * The WAL comes from pg_wal, kept there by the slot, rather than from the
 * archive: a backup is self-contained and works whether or not archiving is
 * on, and never waits for the archiver.
 *
 * Layout (built as .<name>.partial-<random>, renamed when complete):
 *   manifest.json   BackupManifest: every file below with size and SHA-256
 *   data/...        PGDATA without pg_wal content, logs, pid/opts, TLS files,
 *                   temp files; plus the backup_label of pg_backup_stop
 *   wal/<segments>  WAL from the start to the stop segment, *.history files
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupFile, BackupManifest } from '../backup.js';
import type { InstanceSpec } from '../driver.js';
import type { PostgresBackupHost } from './backup-host.js';
import { ARCHIVE_CONF, RECOVERY_CONF, REPLICATION_CONF } from './config-files.js';
import { buildDirectoryAtomically, Copier, copyTreeHashed } from '../backup-manifest.js';
import { assertRunningForBackup, sealBackup, writeHashedFile } from '../backup-steps.js';
import { parseBackupLabel, parseLsn, segmentOf, TIMELINE_HISTORY_NAME, walFileName, walFileRange } from './wal.js';

/** Directories of PGDATA whose content a backup leaves out (the directories themselves are kept). */
const EXCLUDED_CONTENT = new Set([
  'pg_wal', // copied separately (start..stop segments) into wal/
  'pg_dynshmem', 'pg_notify', 'pg_replslot', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans',
  'pg_tblspc', // tablespaces are refused (see below); only superusers create them
  'log', // server logs
]);

/** Top-level files of PGDATA a backup leaves out. */
const EXCLUDED_FILES = new Set([
  'postmaster.pid', 'postmaster.opts', 'current_logfiles',
  'backup_label', 'backup_label.old', 'tablespace_map', 'tablespace_map.old',
  'recovery.signal', 'standby.signal',
  'server.crt', 'server.key', // a restore writes the new instance's own
  ARCHIVE_CONF, // a restored instance must not archive into its source's archive
  RECOVERY_CONF,
  REPLICATION_CONF, // a standby's link to its primary, a primary's synchronous standby: the copy's own
]);

/** What pg_basebackup leaves out too, plus berth's own transient files. */
export function excludedFromBackup(relative: string, entry: Dirent): boolean {
  const name = entry.name;
  if (name === 'pg_internal.init' || name.startsWith('pgsql_tmp')) return true;
  if (/\.tmp-[0-9a-f]{12}$/.test(name)) return true; // writeFileAtomicAs in progress
  const parent = path.posix.dirname(relative);
  if (EXCLUDED_CONTENT.has(parent)) return true;
  return parent === '.' && EXCLUDED_FILES.has(name);
}

/** manifest.position of a PostgreSQL backup. */
export interface PostgresBackupPosition {
  timeline: number;
  startLsn: string;
  stopLsn: string;
  /** First and last WAL segment the backup needs (both included in wal/). */
  startWal: string;
  stopWal: string;
  walSegmentSize: number;
  systemIdentifier: string;
}

export function backupPosition(manifest: BackupManifest): PostgresBackupPosition {
  const p = manifest.position;
  const text = (key: string) => {
    const value = p[key];
    if (typeof value !== 'string' || value === '') throw new Error(`backup manifest position lacks ${key}`);
    return value;
  };
  const number = (key: string) => {
    const value = p[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new Error(`backup manifest position lacks ${key}`);
    return value;
  };
  return {
    timeline: number('timeline'),
    startLsn: text('startLsn'),
    stopLsn: text('stopLsn'),
    startWal: text('startWal'),
    stopWal: text('stopWal'),
    walSegmentSize: number('walSegmentSize'),
    systemIdentifier: text('systemIdentifier'),
  };
}

export async function takeBackup(host: PostgresBackupHost, spec: InstanceSpec, targetDir: string): Promise<BackupManifest> {
  await assertRunningForBackup(host, spec);
  const pgdata = host.paths(spec).pgdata;
  return buildDirectoryAtomically(targetDir, (temp) =>
    host.withAdmin(spec, async (client) => {
      const one = async <T>(sql: string, values: unknown[] = []): Promise<T> => {
        const row = (await client.query(sql, values)).rows[0] as T | undefined;
        if (row === undefined) throw new Error(`no row from ${sql}`);
        return row;
      };
      const slot = `berth_backup_${randomBytes(6).toString('hex')}`;
      // Reserves WAL from the current redo point until the session ends.
      await client.query('SELECT pg_create_physical_replication_slot($1, true, true)', [slot]);
      const { segsize, sysid } = await one<{ segsize: string; sysid: string }>(
        `SELECT (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size') AS segsize,
                (SELECT system_identifier::text FROM pg_control_system()) AS sysid`,
      );
      const walSegmentSize = Number(segsize);
      await client.query('SELECT pg_backup_start($1, true)', [`berth ${spec.id} ${path.basename(targetDir)}`.slice(0, 1000)]);

      const data = await copyTreeHashed(pgdata, temp, {
        prefix: 'data',
        exclude: excludedFromBackup,
        // Written by the checkpointer at any time: copied last, as pg_basebackup does.
        copyLast: ['global/pg_control'],
      });

      const stop = await one<{ lsn: string; labelfile: string; spcmapfile: string | null }>(
        'SELECT lsn::text AS lsn, labelfile, spcmapfile FROM pg_backup_stop(false)',
      );
      const consistentAt = new Date();
      if (stop.spcmapfile && stop.spcmapfile.trim() !== '') {
        throw new Error('the instance uses tablespaces, which berth backups do not support');
      }
      const label = parseBackupLabel(stop.labelfile);
      // As pg_walfile_name() names it (which a standby cannot run): the segment holding the byte before the stop LSN.
      const stopWal = walFileName(label.timeline, segmentOf(parseLsn(stop.lsn) - 1n, walSegmentSize), walSegmentSize);

      const files: BackupFile[] = [...data.files];
      files.push(await writeHashedFile(temp, 'data/backup_label', stop.labelfile));
      await fs.mkdir(path.join(temp, 'wal'), { mode: 0o700 });
      const walDir = path.join(pgdata, 'pg_wal');
      const history = (await fs.readdir(walDir)).filter((name) => TIMELINE_HISTORY_NAME.test(name));
      const copier = new Copier();
      for (const name of [...history, ...walFileRange(label.startWal, stopWal, walSegmentSize)]) {
        const copied = await copier.copy(path.join(walDir, name), path.join(temp, 'wal', name), { mode: 0o600 });
        if (!copied) throw new Error(`WAL file ${name} disappeared from ${walDir} before it was copied`);
        files.push({ path: `wal/${name}`, ...copied });
      }
      await client.query('SELECT pg_drop_replication_slot($1)', [slot]);

      const position: PostgresBackupPosition = {
        timeline: label.timeline,
        startLsn: label.startLsn,
        stopLsn: stop.lsn,
        startWal: label.startWal,
        stopWal,
        walSegmentSize,
        systemIdentifier: sysid,
      };
      return sealBackup(temp, {
        engine: 'postgres',
        blueprintId: spec.blueprintId,
        engineVersion: host.engineVersion(spec.blueprintId),
        consistentAt,
        position: { ...position },
        files,
      });
    }),
  );
}
