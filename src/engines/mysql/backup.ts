/**
 * Consistent online backups with mariadb-backup:
 *
 *   mariadb-backup --backup   copies the datadir while the server runs: InnoDB
 *                             files as they change plus the redo written
 *                             meanwhile, then, under BACKUP STAGE BLOCK_COMMIT
 *                             (commits wait for a moment), the non-InnoDB
 *                             tables and the binary log position of that point
 *                             (xtrabackup_binlog_info)
 *   every file hashed         manifest.json
 *
 * The copied redo is applied (mariadb-backup --prepare) when the backup is
 * used, on the copy a restore or a standby build makes of it (applyCopiedRedo),
 * as PostgreSQL's backups replay their WAL at restore: it was a third of the
 * backup's time, and a backup is taken far more often than it is restored.
 * Backups of earlier berths were prepared when taken (position.redo absent);
 * they are used as they are.
 *
 * It runs as berth's own OS user: the admin account authenticates with
 * unix_socket over the instance's socket (the peer must be that OS user), and
 * that user can read the datadir (root, or the service user itself when berth
 * runs unprivileged).
 *
 * Layout (built as .<name>.partial-<random>, renamed when complete):
 *   manifest.json      BackupManifest: every file below with size and SHA-256
 *   directories.json   every directory under data/ (a restore recreates empty ones)
 *   data/...           the copied datadir, plus mariadb-backup's own files
 *                      (xtrabackup_*, backup-my.cnf), which --prepare reads and a
 *                      restore then removes, and mysql_upgrade_info (the server
 *                      series of the data)
 *
 * The binary logs are not part of a backup: the backup's position says where
 * in them a point-in-time restore starts replaying from the archive.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupFile, BackupManifest } from '../backup.js';
import type { InstanceSpec } from '../driver.js';
import { buildDirectoryAtomically, inLanes } from '../backup-manifest.js';
import { chownTreeTo, type OsUser } from '../os-user.js';
import { assertRunningForBackup, readEngineManifest, sealBackup, writeHashedFile } from '../backup-steps.js';
import { globalVariables } from './admin-connection.js';
import type { MysqlBackupHost } from './backup-host.js';
import { binlogNumber } from './binlog.js';
import { runTool } from './tool-process.js';

export const DIRECTORIES_FILE = 'directories.json';

/** mariadb-backup's bookkeeping in the backup's data/ (10.11 names and the 11.x ones): not part of a datadir. */
export function isBackupToolFile(relative: string): boolean {
  if (relative.includes('/')) return false;
  return relative === 'backup-my.cnf' || relative.startsWith('xtrabackup_') || relative.startsWith('mariadb_backup_');
}

/** manifest.position of a MariaDB backup. */
export interface MysqlBackupPosition {
  /** Binary log file and offset of the consistent point; absent when the server ran without a binary log. */
  binlogFile?: string;
  binlogPosition?: number;
  /** gtid_binlog_pos of that point ('' without a binary log). */
  gtid: string;
  /** server_id of the instance backed up. */
  serverId: number;
  /** 'copied': the copied redo is still to be applied (applyCopiedRedo); absent: applied when the backup was taken. */
  redo?: 'copied';
}

export function backupPosition(manifest: BackupManifest): MysqlBackupPosition {
  const p = manifest.position;
  const serverId = p.serverId;
  if (typeof serverId !== 'number' || !Number.isInteger(serverId) || serverId < 0) throw new Error('backup manifest position lacks serverId');
  const gtid = typeof p.gtid === 'string' ? p.gtid : '';
  const redo = p.redo === 'copied' ? { redo: 'copied' as const } : {};
  if (p.binlogFile === undefined) return { gtid, serverId, ...redo };
  const file = p.binlogFile;
  const offset = p.binlogPosition;
  if (typeof file !== 'string' || binlogNumber(file) === undefined) throw new Error(`backup manifest position has an invalid binlogFile ${JSON.stringify(file)}`);
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 4) throw new Error('backup manifest position lacks binlogPosition');
  return { binlogFile: file, binlogPosition: offset, gtid, serverId, ...redo };
}

/** The manifest of a MariaDB backup, checked (files present with their sizes, position well-formed). */
export async function readMysqlManifest(backupDir: string): Promise<BackupManifest> {
  const manifest = await readEngineManifest(backupDir, 'mysql', 'MariaDB', backupPosition);
  if (!manifest.files.some((file) => file.path === DIRECTORIES_FILE)) {
    throw new Error(`backup ${path.resolve(backupDir)}: ${DIRECTORIES_FILE} is not in its manifest`);
  }
  return manifest;
}

/** `mariadb-bin.000042\t1387\t0-1-12` (file, offset, GTID) → its parts. */
export function parseBinlogInfo(text: string): { file: string; position: number; gtid: string } {
  const [file, position, gtid] = text.trim().split('\t');
  const offset = Number(position);
  if (!file || binlogNumber(path.basename(file)) === undefined || !Number.isSafeInteger(offset) || offset < 4) {
    throw new Error(`cannot read the binary log position from ${JSON.stringify(text.trim())}`);
  }
  return { file: path.basename(file), position: offset, gtid: gtid?.trim() ?? '' };
}

async function readBinlogInfo(data: string): Promise<{ file: string; position: number; gtid: string } | undefined> {
  for (const name of ['mariadb_backup_binlog_info', 'xtrabackup_binlog_info']) {
    const text = await fs.readFile(path.join(data, name), 'utf8').catch(() => undefined);
    if (text !== undefined && text.trim() !== '') return parseBinlogInfo(text);
  }
  return undefined;
}

/** Files and directories under `root`, relative and sorted; anything but a file or directory is an error. */
async function walk(root: string): Promise<{ files: string[]; directories: string[] }> {
  const files: string[] = [];
  const directories: string[] = [];
  const visit = async (relative: string): Promise<void> => {
    const entries = await fs.readdir(path.join(root, relative), { withFileTypes: true });
    for (const entry of entries) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        directories.push(child);
        await visit(child);
      } else if (entry.isFile()) files.push(child);
      else throw new Error(`${path.join(root, child)} is neither a file nor a directory`);
    }
  };
  await visit('');
  return { files: files.sort(), directories: directories.sort() };
}

export async function takeBackup(host: MysqlBackupHost, spec: InstanceSpec, targetDir: string): Promise<BackupManifest> {
  await assertRunningForBackup(host, spec);
  const backupTool = host.tool('mariadb-backup');
  const p = host.paths(spec);
  const variables = await host.withAdmin(spec, (c) => globalVariables(c, ['log_bin', 'server_id']));
  const binlogOn = variables.get('log_bin') === 'ON';
  const serverId = Number(variables.get('server_id') ?? 0);
  return buildDirectoryAtomically(targetDir, async (temp) => {
    const data = path.join(temp, 'data');
    try {
      await runTool(backupTool, [
        `--defaults-file=${p.myCnf}`, // must come first: the server's settings (datadir, InnoDB) and no system option file
        '--backup',
        `--target-dir=${data}`,
        `--socket=${p.socket}`,
        `--user=${host.adminAccount}`,
        '--parallel=2',
      ]);
    } catch (err) {
      throw new Error(`mariadb-backup --backup failed: ${(err as Error).message}`);
    }
    const consistentAt = new Date();
    const binlog = await readBinlogInfo(data);
    if (binlogOn && !binlog) throw new Error('mariadb-backup recorded no binary log position although the binary log is on');
    // The series of the data, which restore checks (mariadb-backup does not copy it).
    const upgradeInfo = await fs.readFile(path.join(p.datadir, 'mysql_upgrade_info')).catch(() => undefined);
    if (upgradeInfo) await fs.writeFile(path.join(data, 'mysql_upgrade_info'), upgradeInfo, { mode: 0o600, flag: 'wx' });

    const tree = await walk(data);
    const files: BackupFile[] = [await writeHashedFile(temp, DIRECTORIES_FILE, `${JSON.stringify(tree.directories)}\n`)];
    await inLanes(tree.files, 2, async (relative, copier) => {
      files.push({ path: `data/${relative}`, ...(await copier.hash(path.join(data, relative))) });
    });
    const position: MysqlBackupPosition = binlog
      ? { binlogFile: binlog.file, binlogPosition: binlog.position, gtid: binlog.gtid, serverId, redo: 'copied' }
      : { gtid: '', serverId, redo: 'copied' };
    return sealBackup(temp, {
      engine: 'mysql',
      blueprintId: spec.blueprintId,
      engineVersion: host.engineVersion(spec.blueprintId),
      consistentAt,
      position: { ...position },
      files,
    });
  });
}

/**
 * Makes `datadir`, a copy of a backup's data/ (mariadb-backup's own files
 * included), a clean datadir of the backup's consistent point: applies the
 * copied redo unless the backup was prepared when taken, then removes
 * mariadb-backup's files and gives everything to `user` (--prepare runs as
 * berth and may create files).
 */
export async function applyCopiedRedo(host: Pick<MysqlBackupHost, 'tool'>, manifest: BackupManifest, datadir: string, user: OsUser): Promise<void> {
  if (backupPosition(manifest).redo === 'copied') {
    try {
      // backup-my.cnf, written by --backup, holds the InnoDB settings the copy needs.
      await runTool(host.tool('mariadb-backup'), [`--defaults-file=${path.join(datadir, 'backup-my.cnf')}`, '--prepare', `--target-dir=${datadir}`, '--use-memory=128M']);
    } catch (err) {
      throw new Error(`mariadb-backup --prepare failed: ${(err as Error).message}`);
    }
  }
  for (const name of await fs.readdir(datadir)) if (isBackupToolFile(name)) await fs.rm(path.join(datadir, name), { force: true });
  await chownTreeTo(user, datadir);
}
