/**
 * MariaDB high availability: GTID replication with semi-synchronous
 * acknowledgement, as MariaDB 10.11 has it built in.
 *
 *   primary   the replication account berth_replicator@127.0.0.1/::1 (REQUIRE
 *             SSL, REPLICATION SLAVE only; its password only as a hash);
 *             rpl_semi_sync_master_enabled while a standby is synchronous,
 *             wait point AFTER_SYNC: a commit is acknowledged once the
 *             standby has it in its relay log
 *   standby   an online copy (mariadb-backup, backup.ts) moved into its
 *             datadir, its own port, certificate and server_id, read_only,
 *             gtid_slave_pos from the copy, CHANGE MASTER ... MASTER_USE_GTID
 *             = slave_pos over TLS verified against berth's CAs
 *             (MASTER_SSL_VERIFY_SERVER_CERT checks the host name)
 *   promote   stop fetching, apply everything already received, RESET SLAVE
 *             ALL, read_only off; its binary log (log_slave_updates) goes on
 *
 * <dataDir>/replication.json holds the role; my.cnf follows it
 * (config-files.ts), so a restart keeps a standby a standby and a promoted
 * one a primary.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import type { BackupManifest } from '../backup.js';
import type { InstanceSpec, TlsMaterial } from '../driver.js';
import { mkdirOwnedBy, writeFileAtomicAs, type OsUser } from '../os-user.js';
import type { ReplicationLink, StandbyState } from '../replication.js';
import { killInstanceProcesses } from '../../supervisor/process-info.js';
import { pollUntil } from '../../supervisor/wait.js';
import { readFileOrUndefined } from '../../util/files.js';
import { quoteString } from './admin-connection.js';
import type { MysqlBackupHost } from './backup-host.js';
import { applyCopiedRedo, backupPosition, takeBackup } from './backup.js';
import { serverIdFor, type ReplicationRole } from './config-files.js';
import type { MysqlInstancePaths } from './instance-paths.js';
import { runningMariadbdPid } from './mariadbd-process.js';
import { nativePasswordHash } from './native-password.js';

export const REPLICATION_ACCOUNT = 'berth_replicator';
const REPLICATION_HOSTS = ['127.0.0.1', '::1'];

/** What replication.json records. */
interface ReplicationState extends ReplicationRole {
  /** A standby's position in the primary's history when its copy was taken (gtid_slave_pos to start from). */
  startGtid?: string;
}

export interface ReplicationOptions {
  /** How long a new standby may take to replicate. */
  streamTimeoutMs: number;
}

async function readState(p: Pick<MysqlInstancePaths, 'replicationStateFile'>): Promise<ReplicationState | undefined> {
  const text = await readFileOrUndefined(p.replicationStateFile);
  if (text === undefined) return undefined;
  const state = JSON.parse(text.toString('utf8')) as ReplicationState;
  if (typeof state?.standby !== 'boolean' || typeof state.synchronous !== 'boolean') throw new Error(`${p.replicationStateFile} is not a replication state`);
  return state;
}

/** The instance's role for my.cnf (config-files.ts); undefined: a primary that commits alone. */
export async function readReplicationRole(p: Pick<MysqlInstancePaths, 'replicationStateFile'>): Promise<ReplicationRole | undefined> {
  const state = await readState(p);
  return state && { standby: state.standby, synchronous: state.synchronous };
}

async function writeState(user: OsUser, p: MysqlInstancePaths, state: ReplicationState): Promise<void> {
  await writeFileAtomicAs(user, p.replicationStateFile, `${JSON.stringify(state)}\n`, 0o600);
}

/** The replication account with `password` (as its hash), created or repaired, on every loopback host. */
async function ensureReplicationAccount(c: mysql.Connection, password: string): Promise<void> {
  const hash = quoteString(nativePasswordHash(password));
  for (const host of REPLICATION_HOSTS) {
    const account = `${quoteString(REPLICATION_ACCOUNT)}@${quoteString(host)}`;
    await c.query(`CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY PASSWORD ${hash} REQUIRE SSL`);
    await c.query(`ALTER USER ${account} IDENTIFIED BY PASSWORD ${hash} REQUIRE SSL`);
    await c.query(`GRANT REPLICATION SLAVE ON *.* TO ${account}`);
  }
}

type Row = Record<string, unknown>;

async function slaveStatus(c: mysql.Connection): Promise<Row | undefined> {
  const [rows] = await c.query<mysql.RowDataPacket[]>('SHOW SLAVE STATUS');
  return rows[0];
}

async function globalStatus(c: mysql.Connection, names: string[]): Promise<Map<string, string>> {
  const [rows] = await c.query<mysql.RowDataPacket[]>(`SHOW GLOBAL STATUS WHERE Variable_name IN (${names.map(quoteString).join(', ')})`);
  return new Map(rows.map((row) => [String(row.Variable_name), String(row.Value)]));
}

/** The host MariaDB connects to: `localhost` would mean its unix socket, so a loopback name becomes 127.0.0.1. */
function tcpHost(host: string): string {
  return host === 'localhost' ? '127.0.0.1' : host;
}

/**
 * A string literal for a session in NO_BACKSLASH_ESCAPES (link() sets it):
 * quotes doubled, a backslash is itself.
 */
function literalWithoutEscapes(value: string): string {
  if (value.includes('\0')) throw new Error('the replication password contains a NUL byte');
  return `'${value.replace(/'/g, "''")}'`;
}

function changeMasterSql(link: ReplicationLink, caFile: string): string {
  return [
    'CHANGE MASTER TO',
    `MASTER_HOST = ${quoteString(tcpHost(link.host))},`,
    `MASTER_PORT = ${link.port},`,
    `MASTER_USER = ${quoteString(REPLICATION_ACCOUNT)},`,
    `MASTER_PASSWORD = ${literalWithoutEscapes(link.password)},`,
    'MASTER_SSL = 1,',
    `MASTER_SSL_CA = ${quoteString(caFile)},`,
    'MASTER_SSL_VERIFY_SERVER_CERT = 1,',
    'MASTER_USE_GTID = slave_pos,',
    'MASTER_CONNECT_RETRY = 1,',
    'MASTER_HEARTBEAT_PERIOD = 1',
  ].join(' ');
}

/** Is the standby linked to `link` already (host, port, account, CA file)? The password is not shown by the server. */
function linkedTo(status: Row | undefined, link: ReplicationLink, caFile: string): boolean {
  return status !== undefined &&
    String(status.Master_Host) === tcpHost(link.host) &&
    Number(status.Master_Port) === link.port &&
    String(status.Master_User) === REPLICATION_ACCOUNT &&
    String(status.Master_SSL_CA_File) === caFile &&
    String(status.Master_SSL_Verify_Server_Cert) === 'Yes' &&
    String(status.Using_Gtid) === 'Slave_Pos';
}

async function writeCaFile(user: OsUser, p: MysqlInstancePaths, caPem: string): Promise<boolean> {
  const text = caPem.endsWith('\n') ? caPem : `${caPem}\n`;
  if ((await fs.readFile(p.replicationCaFile, 'utf8').catch(() => undefined)) === text) return false;
  await writeFileAtomicAs(user, p.replicationCaFile, text, 0o600);
  return true;
}

/** Points the running standby at `link` (CHANGE MASTER when anything differs) and starts replicating. */
async function link(host: MysqlBackupHost, standby: InstanceSpec, state: ReplicationState, target: ReplicationLink): Promise<void> {
  const user = await host.user();
  const p = host.paths(standby);
  const caChanged = await writeCaFile(user, p, target.caPem);
  await host.withAdmin(standby, async (c) => {
    let status = await slaveStatus(c);
    if (status === undefined && state.startGtid !== undefined) {
      await c.query(`SET GLOBAL gtid_slave_pos = ${quoteString(state.startGtid)}`);
    }
    if (caChanged || !linkedTo(status, target, p.replicationCaFile)) {
      await c.query('STOP SLAVE');
      await c.query("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'");
      await c.query(changeMasterSql(target, p.replicationCaFile));
      status = await slaveStatus(c);
    }
    if (status?.Slave_IO_Running !== 'Yes' || status.Slave_SQL_Running !== 'Yes') await c.query('START SLAVE');
  });
}

/** Resolves once the standby fetches from its primary and applies what it fetched. */
async function waitReplicating(host: MysqlBackupHost, standby: InstanceSpec, timeoutMs: number): Promise<void> {
  let last: Row | undefined;
  const replicating = await pollUntil(
    () =>
      host.withAdmin(standby, async (c) => {
        last = await slaveStatus(c);
        return last?.Slave_IO_Running === 'Yes' && last.Slave_SQL_Running === 'Yes';
      }),
    { timeoutMs, intervalMs: 20 },
  );
  if (!replicating) {
    const error = [last?.Last_IO_Error, last?.Last_SQL_Error].filter((e) => typeof e === 'string' && e !== '').join('; ');
    throw new Error(`standby ${standby.id} did not replicate from its primary within ${timeoutMs} ms${error ? `: ${error}` : ''}`);
  }
}

/** A standby built before a crash that only needs starting and linking: its copy is in place and its role recorded. */
async function isBuiltStandby(p: MysqlInstancePaths): Promise<boolean> {
  const state = await readState(p).catch(() => undefined);
  return state?.standby === true && existsSync(path.join(p.datadir, 'mysql')) && !existsSync(p.standbyClone);
}

/** Makes an online copy the standby's datadir (its redo applied, mariadb-backup's files gone); returns the copy's GTID position. */
async function adoptClone(host: MysqlBackupHost, user: OsUser, p: MysqlInstancePaths): Promise<string> {
  const manifest = JSON.parse(await fs.readFile(path.join(p.standbyClone, 'manifest.json'), 'utf8')) as BackupManifest;
  const { gtid } = backupPosition(manifest);
  const data = path.join(p.standbyClone, 'data');
  await applyCopiedRedo(host, manifest, data, user);
  await fs.rename(data, p.datadir);
  return gtid;
}

export async function buildStandby(
  host: MysqlBackupHost,
  primary: InstanceSpec,
  standby: InstanceSpec,
  tls: TlsMaterial,
  target: ReplicationLink,
  options: ReplicationOptions,
): Promise<void> {
  const user = await host.user();
  const p = host.paths(standby);
  await host.withAdmin(primary, (c) => ensureReplicationAccount(c, target.password));
  if (!(await isBuiltStandby(p))) {
    await host.removeInstance(standby); // a half-built copy from before a crash
    await mkdirOwnedBy(user, p.dataDir, 0o700);
    await takeBackup(host, primary, p.standbyClone);
    const startGtid = await adoptClone(host, user, p);
    // Before my.cnf is written: the server starts read-only, never as a primary.
    await writeState(user, p, { standby: true, synchronous: false, startGtid });
    await fs.rm(p.standbyClone, { recursive: true, force: true });
  }
  await host.writeInstanceFiles(standby, tls);
  await host.start(standby, options.streamTimeoutMs);
  await link(host, standby, (await readState(p))!, target);
  await waitReplicating(host, standby, options.streamTimeoutMs);
}

export async function followPrimary(host: MysqlBackupHost, standby: InstanceSpec, target: ReplicationLink, options: ReplicationOptions): Promise<void> {
  const p = host.paths(standby);
  if (!(await isBuiltStandby(p))) throw new Error(`instance ${standby.id} is not a standby`);
  if (!(await host.running(standby))) await host.start(standby, options.streamTimeoutMs);
  await link(host, standby, (await readState(p))!, target);
  await waitReplicating(host, standby, options.streamTimeoutMs);
}

/** server_ids of the replicas connected to the primary (SHOW SLAVE HOSTS). */
async function connectedReplicas(c: mysql.Connection): Promise<number[]> {
  const [rows] = await c.query<mysql.RowDataPacket[]>('SHOW SLAVE HOSTS');
  return rows.map((row) => Number(row.Server_id));
}

async function semiSync(c: mysql.Connection): Promise<{ on: boolean; clients: number }> {
  const status = await globalStatus(c, ['Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_clients']);
  return { on: status.get('Rpl_semi_sync_master_status') === 'ON', clients: Number(status.get('Rpl_semi_sync_master_clients') ?? 0) };
}

export async function setSynchronousStandby(host: MysqlBackupHost, primary: InstanceSpec, standby: InstanceSpec | undefined, timeoutMs: number): Promise<void> {
  const user = await host.user();
  const p = host.paths(primary);
  const earlier = await readState(p);
  if (earlier?.standby) throw new Error(`instance ${primary.id} is a standby`);
  await writeState(user, p, { standby: false, synchronous: standby !== undefined });
  await host.writeConfig(primary); // rpl_semi_sync_master_enabled, at once when running: switching it off releases waiting commits
  if (standby === undefined || !(await host.running(primary))) return;
  const serverId = serverIdFor(host.paths(standby).dataDir);
  const applied = await pollUntil(
    () =>
      host.withAdmin(primary, async (c) => {
        const { on, clients } = await semiSync(c);
        return on && clients >= 1 && (await connectedReplicas(c)).includes(serverId);
      }),
    { timeoutMs, intervalMs: 10 },
  );
  if (!applied) throw new Error(`standby ${standby.id} did not become the semi-synchronous standby within ${timeoutMs} ms`);
}

/** SHOW BINARY LOGS as [name, size], oldest first. */
async function binaryLogSizes(c: mysql.Connection): Promise<Array<[string, number]>> {
  const [rows] = await c.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
  return rows.map((row) => [String(row.Log_name), Number(row.File_size)]);
}

/** Bytes of the primary's binary log after (file, position): what the standby has not fetched yet. */
function bytesAfter(logs: Array<[string, number]>, file: string, position: number): number | undefined {
  const at = logs.findIndex(([name]) => name === file);
  if (at < 0) return undefined;
  let lag = Math.max(0, logs[at]![1] - position);
  for (const [, size] of logs.slice(at + 1)) lag += size;
  return lag;
}

export async function standbyState(host: MysqlBackupHost, primary: InstanceSpec, standby: InstanceSpec): Promise<StandbyState> {
  const none: StandbyState = { streaming: false, synchronous: false, lagBytes: undefined, lagSeconds: undefined };
  const onPrimary = await host.withAdmin(primary, async (c) => ({
    semi: await semiSync(c),
    replicas: await connectedReplicas(c),
    logs: await binaryLogSizes(c),
  }));
  if (!onPrimary.replicas.includes(serverIdFor(host.paths(standby).dataDir))) return none;
  const status = await host.withAdmin(standby, slaveStatus).catch(() => undefined);
  if (!status) return none;
  const streaming = status.Slave_IO_Running === 'Yes' && status.Slave_SQL_Running === 'Yes';
  const seconds = status.Seconds_Behind_Master;
  return {
    streaming,
    synchronous: streaming && onPrimary.semi.on && onPrimary.semi.clients >= 1,
    lagBytes: bytesAfter(onPrimary.logs, String(status.Master_Log_File), Number(status.Read_Master_Log_Pos)),
    lagSeconds: seconds === null || seconds === undefined ? undefined : Number(seconds),
  };
}

export async function isStandby(host: MysqlBackupHost, spec: InstanceSpec): Promise<boolean> {
  if (await host.running(spec)) return host.withAdmin(spec, async (c) => (await slaveStatus(c)) !== undefined);
  return (await readState(host.paths(spec)).catch(() => undefined))?.standby === true;
}

/** Has the standby applied everything it fetched (its SQL thread caught up with its IO thread)? */
function appliedAll(status: Row): boolean {
  return String(status.Relay_Master_Log_File) === String(status.Master_Log_File) &&
    Number(status.Exec_Master_Log_Pos) === Number(status.Read_Master_Log_Pos);
}

/**
 * On a standby: resolves once it has applied everything it had fetched when
 * called (everything the primary acknowledged before then, while
 * synchronous), so its binary log holds it. Resolves at once on a primary.
 */
export async function waitAppliedFetched(c: mysql.Connection, timeoutMs: number): Promise<void> {
  const at = await slaveStatus(c);
  if (at === undefined) return;
  const file = String(at.Master_Log_File);
  const position = Number(at.Read_Master_Log_Pos);
  const applied = await pollUntil(async () => {
    const now = await slaveStatus(c);
    if (now === undefined) return true;
    const execFile = String(now.Relay_Master_Log_File);
    return execFile > file || (execFile === file && Number(now.Exec_Master_Log_Pos) >= position);
  }, { timeoutMs, intervalMs: 10 });
  if (!applied) throw new Error(`the standby did not apply what it had received within ${timeoutMs} ms`);
}

export async function promote(host: MysqlBackupHost, standby: InstanceSpec, timeoutMs: number): Promise<void> {
  const user = await host.user();
  const p = host.paths(standby);
  await host.withAdmin(standby, async (c) => {
    const status = await slaveStatus(c);
    if (status === undefined) return; // promoted already
    await c.query('STOP SLAVE IO_THREAD');
    if (status.Slave_SQL_Running !== 'Yes') await c.query('START SLAVE SQL_THREAD');
    let last: Row | undefined;
    const applied = await pollUntil(async () => {
      last = await slaveStatus(c);
      return last !== undefined && appliedAll(last);
    }, { timeoutMs, intervalMs: 10 });
    if (!applied) throw new Error(`standby ${standby.id} did not apply what it received within ${timeoutMs} ms${last?.Last_SQL_Error ? `: ${String(last.Last_SQL_Error)}` : ''}`);
    await c.query('STOP SLAVE');
    await c.query('RESET SLAVE ALL');
  });
  await writeState(user, p, { standby: false, synchronous: false });
  await host.writeConfig(standby); // read_only off at once
  await fs.rm(p.replicationCaFile, { force: true });
}

/** SIGKILL the server (stopped or not) and anything working in its directory. */
export async function fence(host: MysqlBackupHost, spec: InstanceSpec): Promise<void> {
  const p = host.paths(spec);
  await killInstanceProcesses(await runningMariadbdPid(p), await fs.realpath(p.dataDir).catch(() => p.dataDir));
}
