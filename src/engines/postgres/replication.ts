/**
 * PostgreSQL high availability: physical streaming replication.
 *
 *   primary  role berth_replicator (REPLICATION, SCRAM verifier only), a
 *            physical slot per standby (berth_standby_<id>), pg_hba allowing
 *            it over hostssl on loopback, berth-replication.conf:
 *            synchronous_standby_names = the standby (or empty: alone)
 *   standby  an online backup of the primary (backup.ts: pg_backup_start,
 *            copy, pg_backup_stop) moved into its PGDATA, its own port and
 *            certificate, standby.signal, berth-replication.conf:
 *            primary_conninfo (sslmode=verify-full against berth's CAs,
 *            passfile outside PGDATA), primary_slot_name, timeline latest
 *
 * synchronous_commit stays `on`: a commit is acknowledged once the
 * synchronous standby has flushed it. Promotion is pg_promote() (a new
 * timeline); there is no pg_rewind in the npm packages, so a former primary
 * is never turned into a standby: it is discarded and a new one cloned.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { InstanceSpec, TlsMaterial } from '../driver.js';
import { chownTo, chownTreeTo, mkdirOwnedBy, writeFileAtomicAs, type OsUser } from '../os-user.js';
import type { ReplicationLink, StandbyState } from '../replication.js';
import { killInstanceProcesses } from '../../supervisor/process-info.js';
import { pollUntil } from '../../supervisor/wait.js';
import { quoteIdentifier, quoteLiteral } from './admin-connection.js';
import type { PostgresBackupHost } from './backup-host.js';
import { takeBackup } from './backup.js';
import { confString, REPLICATION_CONF } from './config-files.js';
import type { PostgresInstancePaths } from './instance-paths.js';
import { runningPostmasterPid } from './postmaster-pid.js';
import { scramSha256Verifier } from './scram.js';
import { REPLICATION_ROLE } from './template.js';


/** A standby's slot and application_name (what synchronous_standby_names names). */
export function standbyName(standbyId: string): string {
  return `berth_standby_${standbyId.toLowerCase().replace(/[^a-z0-9]/g, '_')}`.slice(0, 63);
}

export function replicationFiles(p: PostgresInstancePaths) {
  return {
    conf: path.join(p.pgdata, REPLICATION_CONF),
    signal: path.join(p.pgdata, 'standby.signal'),
    // Outside PGDATA: never part of a backup or of a standby cloned from this one.
    passfile: path.join(p.dataDir, 'replication.pgpass'),
    caFile: path.join(p.dataDir, 'replication-ca.pem'),
    clone: path.join(p.dataDir, '.standby-clone'),
  };
}

export interface ReplicationOptions {
  /** How long a new standby may take to stream. */
  streamTimeoutMs: number;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

/** The replication account with `password` (as a SCRAM verifier), created or repaired. */
async function ensureReplicationRole(c: pg.Client, password: string): Promise<void> {
  const verifier = quoteLiteral(scramSha256Verifier(password));
  const role = quoteIdentifier(REPLICATION_ROLE);
  const found = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [REPLICATION_ROLE]);
  const attributes = 'LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT';
  if (found.rowCount === 0) await c.query(`CREATE ROLE ${role} ${attributes} PASSWORD ${verifier}`);
  else await c.query(`ALTER ROLE ${role} ${attributes} PASSWORD ${verifier}`);
}

async function ensureSlot(c: pg.Client, slot: string): Promise<void> {
  const found = await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  // Reserved now: the WAL from the copy onwards stays until the standby has it.
  if (found.rowCount === 0) await c.query('SELECT pg_create_physical_replication_slot($1, true)', [slot]);
}

function libpqValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A .pgpass line field: `:` and `\` escaped. */
function pgpassField(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}

function renderStandbyConf(name: string, link: ReplicationLink, files: ReturnType<typeof replicationFiles>): string {
  const conninfo = [
    `host=${libpqValue(link.host)}`,
    `port=${link.port}`,
    `user=${REPLICATION_ROLE}`,
    `passfile=${libpqValue(files.passfile)}`,
    'sslmode=verify-full',
    `sslrootcert=${libpqValue(files.caFile)}`,
    `application_name=${name}`,
    'connect_timeout=2',
  ].join(' ');
  return [
    '# Managed by berth: this instance is a standby. Removed when it is promoted.',
    `primary_conninfo = ${confString(conninfo)}`,
    `primary_slot_name = ${confString(name)}`,
    "recovery_target_timeline = 'latest'",
    'hot_standby = on',
    // Replies every second: the primary sees at once when the standby stops answering.
    "wal_receiver_status_interval = '1s'",
    "wal_retrieve_retry_interval = '1s'",
    '',
  ].join('\n');
}

function renderPrimaryConf(standby: string | undefined): string {
  return [
    '# Managed by berth: the synchronous standby of this primary (empty: it runs alone).',
    `synchronous_standby_names = ${confString(standby === undefined ? '' : `"${standby}"`)}`,
    '',
  ].join('\n');
}

async function writeIfChanged(user: OsUser, file: string, text: string, mode: number): Promise<boolean> {
  if ((await fs.readFile(file, 'utf8').catch(() => undefined)) === text) return false;
  await writeFileAtomicAs(user, file, text, mode);
  return true;
}

/** The standby's link to its primary: conninfo, password file, the CAs to verify against. */
async function writeStandbyLink(user: OsUser, p: PostgresInstancePaths, standbyId: string, link: ReplicationLink): Promise<boolean> {
  const files = replicationFiles(p);
  const pass = `${pgpassField(link.host)}:${link.port}:replication:${REPLICATION_ROLE}:${pgpassField(link.password)}\n`;
  let changed = await writeIfChanged(user, files.passfile, pass, 0o600);
  changed = (await writeIfChanged(user, files.caFile, link.caPem.endsWith('\n') ? link.caPem : `${link.caPem}\n`, 0o600)) || changed;
  changed = (await writeIfChanged(user, files.conf, renderStandbyConf(standbyName(standbyId), link, files), 0o600)) || changed;
  if (!(await exists(files.signal))) {
    await writeFileAtomicAs(user, files.signal, '', 0o600);
    changed = true;
  }
  return changed;
}

async function isInRecovery(host: PostgresBackupHost, spec: InstanceSpec): Promise<boolean> {
  return host.withAdmin(spec, async (c) => (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r === true);
}

export async function isStandby(host: PostgresBackupHost, spec: InstanceSpec): Promise<boolean> {
  if (!(await host.running(spec))) return existsSync(replicationFiles(host.paths(spec)).signal);
  return isInRecovery(host, spec);
}

/** A standby built before a crash that only needs (re)starting: its copy completed, its link written. */
async function isBuiltStandby(p: PostgresInstancePaths): Promise<boolean> {
  const files = replicationFiles(p);
  return (await exists(path.join(p.pgdata, 'PG_VERSION'))) && (await exists(files.signal)) && (await exists(files.conf)) && !(await exists(files.clone));
}

/** Move a completed online backup into `p`'s PGDATA: data/ becomes PGDATA, wal/ its pg_wal. */
async function adoptClone(user: OsUser, clone: string, p: PostgresInstancePaths): Promise<void> {
  const data = path.join(clone, 'data');
  await chownTreeTo(user, clone);
  const walDir = path.join(data, 'pg_wal');
  await fs.mkdir(path.join(walDir, 'archive_status'), { recursive: true, mode: 0o700 });
  await chownTo(user, path.join(walDir, 'archive_status'));
  for (const name of await fs.readdir(path.join(clone, 'wal'))) await fs.rename(path.join(clone, 'wal', name), path.join(walDir, name));
  await fs.rm(path.join(data, 'manifest.json'), { force: true });
  await fs.rename(data, p.pgdata);
  await fs.rm(clone, { recursive: true, force: true });
}

export async function waitStreaming(host: PostgresBackupHost, primary: InstanceSpec, standbyId: string, timeoutMs: number): Promise<void> {
  const name = standbyName(standbyId);
  const streaming = await pollUntil(
    async () =>
      host.withAdmin(primary, async (c) =>
        (await c.query("SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'", [name])).rowCount === 1,
      ),
    { timeoutMs, intervalMs: 20 },
  );
  if (!streaming) throw new Error(`standby ${standbyId} did not stream from the primary within ${timeoutMs} ms`);
}

export async function buildStandby(
  host: PostgresBackupHost,
  primary: InstanceSpec,
  standby: InstanceSpec,
  tls: TlsMaterial,
  link: ReplicationLink,
  options: ReplicationOptions,
): Promise<void> {
  const user = await host.user();
  const p = host.paths(standby);
  const name = standbyName(standby.id);
  // The primary's pg_hba.conf lets the replication account in; it is rewritten with every provision.
  await host.refreshConfig(primary);
  await host.withAdmin(primary, async (c) => {
    await ensureReplicationRole(c, link.password);
    await ensureSlot(c, name);
  });
  if (!(await isBuiltStandby(p))) {
    await host.removeInstance(standby); // a half-built copy from before a crash
    await mkdirOwnedBy(user, p.dataDir, 0o700);
    const clone = replicationFiles(p).clone;
    await takeBackup(host, primary, clone);
    await adoptClone(user, clone, p);
  }
  await host.writeInstanceFiles(standby, tls);
  await writeStandbyLink(user, p, standby.id, link);
  await host.start(standby, options.streamTimeoutMs);
  await waitStreaming(host, primary, standby.id, options.streamTimeoutMs);
}

export async function followPrimary(host: PostgresBackupHost, standby: InstanceSpec, primary: InstanceSpec, link: ReplicationLink, options: ReplicationOptions): Promise<void> {
  const user = await host.user();
  const p = host.paths(standby);
  if (!(await isBuiltStandby(p))) throw new Error(`instance ${standby.id} is not a standby`);
  const changed = await writeStandbyLink(user, p, standby.id, link);
  if (!(await host.running(standby))) await host.start(standby, options.streamTimeoutMs);
  else if (changed) await host.withAdmin(standby, (c) => c.query('SELECT pg_reload_conf()'));
  await waitStreaming(host, primary, standby.id, options.streamTimeoutMs);
}

export async function setSynchronousStandby(host: PostgresBackupHost, primary: InstanceSpec, standbyId: string | undefined, timeoutMs: number): Promise<void> {
  const user = await host.user();
  const p = host.paths(primary);
  const name = standbyId === undefined ? undefined : standbyName(standbyId);
  await host.refreshConfig(primary);
  const changed = await writeIfChanged(user, replicationFiles(p).conf, renderPrimaryConf(name), 0o600);
  if (!(await host.running(primary))) return;
  if (changed) await host.withAdmin(primary, (c) => c.query('SELECT pg_reload_conf()'));
  const expected = name === undefined ? '' : `"${name}"`;
  const applied = await pollUntil(
    () =>
      host.withAdmin(primary, async (c) => {
        const setting = (await c.query<{ synchronous_standby_names: string }>('SHOW synchronous_standby_names')).rows[0]?.synchronous_standby_names;
        if (setting !== expected) return false;
        if (name === undefined) return true;
        const row = await c.query("SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND sync_state = 'sync'", [name]);
        return row.rowCount === 1;
      }),
    { timeoutMs, intervalMs: 10 },
  );
  if (!applied) {
    throw new Error(
      name === undefined
        ? `the primary did not stop waiting for its standby within ${timeoutMs} ms`
        : `standby ${standbyId} did not become the synchronous standby within ${timeoutMs} ms`,
    );
  }
}

export async function standbyState(host: PostgresBackupHost, primary: InstanceSpec, standbyId: string): Promise<StandbyState> {
  return host.withAdmin(primary, async (c) => {
    const row = (
      await c.query<{ state: string; sync_state: string; lag: string | null; seconds: number | null }>(
        `SELECT state, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)::text AS lag,
                extract(epoch FROM replay_lag)::float8 AS seconds
           FROM pg_stat_replication WHERE application_name = $1`,
        [standbyName(standbyId)],
      )
    ).rows[0];
    if (!row) return { streaming: false, synchronous: false, lagBytes: undefined, lagSeconds: undefined };
    return {
      streaming: row.state === 'streaming',
      synchronous: row.sync_state === 'sync',
      lagBytes: row.lag === null ? undefined : Math.max(0, Number(row.lag)),
      lagSeconds: row.seconds ?? 0,
    };
  });
}

/** Drops the slots of other standbys (terminating a connection still using one) so they hold no WAL. */
export async function forgetStandbys(host: PostgresBackupHost, primary: InstanceSpec, keep: string | undefined): Promise<void> {
  const kept = keep === undefined ? '' : standbyName(keep);
  await host.withAdmin(primary, async (c) => {
    const slots = await c.query<{ slot_name: string; active_pid: number | null }>(
      "SELECT slot_name, active_pid FROM pg_replication_slots WHERE slot_name LIKE 'berth\\_standby\\_%' AND slot_name <> $1",
      [kept],
    );
    for (const slot of slots.rows) {
      if (slot.active_pid !== null) await c.query('SELECT pg_terminate_backend($1)', [slot.active_pid]);
      await pollUntil(
        async () => (await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [slot.slot_name])).rowCount === 0,
        { timeoutMs: 5_000, intervalMs: 10 },
      );
      await c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot.slot_name]);
    }
  });
}

export async function promote(host: PostgresBackupHost, standby: InstanceSpec): Promise<void> {
  const user = await host.user();
  const p = host.paths(standby);
  const files = replicationFiles(p);
  if (await isInRecovery(host, standby)) {
    const promoted = await host.withAdmin(standby, async (c) => (await c.query<{ ok: boolean }>('SELECT pg_promote(true, 60) AS ok')).rows[0]?.ok);
    if (promoted !== true) throw new Error(`standby ${standby.id} did not finish its promotion within 60 s`);
  }
  // A restart keeps it a primary: no standby settings left (PostgreSQL removed standby.signal).
  await writeIfChanged(user, files.conf, renderPrimaryConf(undefined), 0o600);
  await fs.rm(files.signal, { force: true });
  await fs.rm(files.passfile, { force: true });
  await host.withAdmin(standby, (c) => c.query('SELECT pg_reload_conf()'));
}

/** SIGKILL the postmaster (stopped or not) and every process left in its PGDATA. */
export async function fence(host: PostgresBackupHost, spec: InstanceSpec): Promise<void> {
  const p = host.paths(spec);
  await killInstanceProcesses(await runningPostmasterPid(p.pgdata), await fs.realpath(p.pgdata).catch(() => p.pgdata));
}
