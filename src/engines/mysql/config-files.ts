/**
 * The instance's my.cnf, the only option file the server reads (it starts
 * with --defaults-file). Pure functions: the driver writes their output.
 *
 * Every setting says how the running server takes a change: `restart`
 * (read at start only; pendingRestart() reports it) or `dynamic` (provision
 * applies it at once with SET GLOBAL).
 */
import { createHash } from 'node:crypto';
import type { InstanceSpec } from '../driver.js';
import type { MysqlInstancePaths } from './instance-paths.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;

export type SettingValue = string | number | boolean;

export interface ServerSetting {
  name: string;
  value: SettingValue;
  apply: 'restart' | 'dynamic';
  /** The SHOW GLOBAL VARIABLES name holding the value, when it is not `name` (log_bin → log_bin_basename). */
  variable?: string;
}

export interface MemorySettings {
  innodbBufferPoolBytes: number;
  maxConnections: number;
  innodbLogBufferBytes: number;
  keyBufferBytes: number;
  ariaPagecacheBytes: number;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const floorTo = (value: number, unit: number) => Math.floor(value / unit) * unit;

/**
 * Memory settings from the bundle's RAM. The buffer pool gets a quarter (RDS
 * gives 3/4 on a dedicated host; berth shares its host, and the pool is
 * touched lazily, so an idle instance costs far less). max_connections
 * follows RDS MySQL's {DBInstanceClassMemory/12582880}. The MyISAM key cache
 * and the Aria page cache (system tables, on-disk temporary tables) stay
 * small: at their 128 MB defaults they add ≈ 28 MB to every idle instance.
 */
export function memorySettings(ramSizeInGb: number): MemorySettings {
  const ram = Math.max(0.25, ramSizeInGb) * GB;
  return {
    innodbBufferPoolBytes: Math.max(32 * MB, floorTo(ram / 4, 8 * MB)),
    maxConnections: clamp(Math.floor(ram / 12582880), 20, 5000),
    innodbLogBufferBytes: clamp(floorTo(ram / 256, MB), 2 * MB, 16 * MB),
    keyBufferBytes: 8 * MB,
    ariaPagecacheBytes: clamp(floorTo(ram / 64, MB), 8 * MB, 128 * MB),
  };
}

const LOOPBACK = ['127.0.0.1', '::1'];

/**
 * bind_address (MariaDB ≥ 10.11 takes a comma list): loopback only when
 * private; when public, loopback plus the public addresses, or `*` (every
 * interface) when those are absent or include `*`. Same rule as PostgreSQL's
 * listen_addresses.
 */
export function bindAddress(spec: Pick<InstanceSpec, 'publiclyAccessible' | 'publicListenAddresses'>): string {
  if (!spec.publiclyAccessible) return LOOPBACK.join(',');
  const extra = spec.publicListenAddresses ?? ['*'];
  if (extra.includes('*')) return '*';
  return [...new Set([...LOOPBACK, ...extra])].join(',');
}

export interface MyCnfInput {
  spec: Pick<InstanceSpec, 'port' | 'publiclyAccessible' | 'publicListenAddresses' | 'ramSizeInGb'>;
  paths: MysqlInstancePaths;
  /** Installation prefix of the server (basedir). */
  basedir: string;
  /** Binary logs are being archived (setArchiving): the server must never expire them itself. */
  archiving?: boolean;
  /** The instance's part in replication (replication.ts); absent: a primary that commits alone. */
  replication?: ReplicationRole;
}

/** A standby (read-only, replicating) or a primary whose commits wait for a semi-synchronous standby, or not. */
export interface ReplicationRole {
  standby: boolean;
  synchronous: boolean;
}

/**
 * How long a semi-synchronous commit waits for the standby's acknowledgement
 * before MariaDB would go on alone (ms). As good as forever: berth decides
 * when the primary commits alone (setSynchronousStandby), with an event.
 */
export const SEMI_SYNC_WAIT_MS = 4_294_967_295;

/** Binary log files are closed (and become archivable) at this size, besides every flushArchive. */
export const MAX_BINLOG_BYTES = 64 * MB;

/**
 * While archiving is off nothing reads the binary logs (they stay on only so
 * that archiving never needs a restart): the server expires them after this
 * long (checked whenever a file is closed). While archiving is on it never
 * does: berth purges what it archived.
 */
export const UNARCHIVED_BINLOG_EXPIRE_SECONDS = 600;

/**
 * server_id (1 .. 2^32-1) stamped on every binary log event: derived from the
 * instance directory, so it is stable across restarts and differs between an
 * instance and the copies restored from it.
 */
export function serverIdFor(dataDir: string): number {
  const n = createHash('sha256').update(dataDir).digest().readUInt32BE(0);
  return (n % 0xfffffffe) + 1;
}

export function serverSettings({ spec, paths: p, basedir, archiving = false, replication }: MyCnfInput): ServerSetting[] {
  const mem = memorySettings(spec.ramSizeInGb);
  const restart = (name: string, value: SettingValue, variable?: string): ServerSetting =>
    ({ name, value, apply: 'restart', ...(variable ? { variable } : {}) });
  const dynamic = (name: string, value: SettingValue): ServerSetting => ({ name, value, apply: 'dynamic' });
  return [
    // Files
    restart('basedir', basedir),
    restart('datadir', p.datadir),
    restart('tmpdir', p.tmpDir),
    restart('secure_file_priv', p.secureFileDir),
    restart('pid_file', p.pidFile),
    // Connections
    restart('port', spec.port),
    restart('bind_address', bindAddress(spec)),
    restart('socket', p.socket),
    restart('skip_name_resolve', true),
    dynamic('max_connections', mem.maxConnections),
    dynamic('character_set_server', 'utf8mb4'),
    // TLS: every TCP connection must use it (the unix socket counts as secure).
    restart('ssl_cert', p.certFile),
    restart('ssl_key', p.keyFile),
    restart('tls_version', 'TLSv1.2,TLSv1.3'),
    dynamic('require_secure_transport', true),
    // Memory (from the bundle)
    restart('innodb_buffer_pool_size', mem.innodbBufferPoolBytes),
    restart('innodb_log_buffer_size', mem.innodbLogBufferBytes),
    restart('aria_pagecache_buffer_size', mem.ariaPagecacheBytes),
    dynamic('key_buffer_size', mem.keyBufferBytes),
    restart('performance_schema', false),
    // Logs: the error log always; general and slow query logs ready to be switched on.
    restart('log_error', p.errorLog),
    dynamic('log_output', 'FILE'),
    dynamic('general_log_file', p.generalLog),
    dynamic('general_log', false),
    dynamic('slow_query_log_file', p.slowLog),
    dynamic('slow_query_log', false),
    // Binary log: the source of the continuous archive (point-in-time restore). Always on,
    // since turning it on needs a restart; row-based, so a replay reproduces exactly what
    // was committed. Fsynced at every commit group like the redo log (sync_binlog = 1), so
    // a host crash loses no committed transaction from the binary log either.
    restart('log_bin', p.binlogBase, 'log_bin_basename'),
    restart('log_bin_index', p.binlogIndex),
    dynamic('server_id', serverIdFor(p.dataDir)),
    dynamic('binlog_format', 'ROW'),
    // Events are compressed (zlib) as the server writes them, so the archive, its copies in the
    // backup store and what a standby fetches are compressed too; mariadb-binlog and replicas
    // read them as they are.
    dynamic('log_bin_compress', true),
    dynamic('sync_binlog', 1),
    dynamic('max_binlog_size', MAX_BINLOG_BYTES),
    dynamic('binlog_expire_logs_seconds', archiving ? 0 : UNARCHIVED_BINLOG_EXPIRE_SECONDS),
    // Replication (high availability): GTID-based, semi-synchronous after the binary log sync,
    // so an acknowledged commit is in the standby's relay log. A standby logs what it applies
    // (its binary log goes on seamlessly when it is promoted) and is read-only; the relay log
    // is named after the instance, not the host name.
    restart('log_slave_updates', true),
    restart('relay_log', p.relayLogBase),
    restart('relay_log_index', `${p.relayLogBase}.index`),
    restart('skip_slave_start', !(replication?.standby ?? false)),
    dynamic('read_only', replication?.standby ?? false),
    dynamic('rpl_semi_sync_slave_enabled', true),
    dynamic('rpl_semi_sync_master_wait_point', 'AFTER_SYNC'),
    dynamic('rpl_semi_sync_master_timeout', SEMI_SYNC_WAIT_MS),
    dynamic('rpl_semi_sync_master_enabled', replication?.synchronous ?? false),
  ];
}

/** A value as SHOW GLOBAL VARIABLES prints it. */
export function displayValue(value: SettingValue): string {
  if (typeof value === 'boolean') return value ? 'ON' : 'OFF';
  return String(value);
}

/**
 * Does the running value (SHOW GLOBAL VARIABLES) equal the one in my.cnf?
 * The server prints directories with a trailing slash (datadir,
 * secure_file_priv) and booleans as ON/OFF.
 */
export function sameValue(inFile: string, running: string): boolean {
  const normal = (v: string) => {
    const upper = v.toUpperCase();
    if (['1', 'TRUE', 'ON'].includes(upper)) return 'ON';
    if (['0', 'FALSE', 'OFF'].includes(upper)) return 'OFF';
    return v.length > 1 ? v.replace(/\/+$/, '') : v;
  };
  return normal(inFile) === normal(running);
}

/** An option-file value, double-quoted (with \\ and \" escapes) unless it is plain. */
export function optionValue(value: SettingValue): string {
  const text = displayValue(value);
  if (/[\n\r\0]/.test(text)) throw new Error(`option value ${JSON.stringify(text)} contains a line break or NUL`);
  if (/^[A-Za-z0-9_./,:*+@-]+$/.test(text)) return text;
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface MyCnfLayout {
  /**
   * An option file (berth's parameters.cnf) read after the settings that are
   * not `controlled` and before those that are: its values override berth's
   * defaults, never what berth controls.
   */
  include: string;
  controlled: (name: string) => boolean;
}

export function renderMyCnf(settings: readonly ServerSetting[], layout?: MyCnfLayout): string {
  const width = Math.max(...settings.map(({ name }) => name.length));
  const line = ({ name, value }: ServerSetting) => `${name.padEnd(width)} = ${optionValue(value)}`;
  let body = settings.map(line);
  if (layout) {
    if (/[\n\r\0]/.test(layout.include) || layout.include !== layout.include.trim()) {
      throw new Error(`cannot include ${JSON.stringify(layout.include)} from an option file`);
    }
    body = [
      ...settings.filter((s) => !layout.controlled(s.name)).map(line),
      '# Parameters set through the API (UpdateRelationalDatabaseParameters) override the defaults above.',
      `!include ${layout.include}`,
      '# What berth controls comes last: nothing above, nor the included file, overrides it.',
      ...settings.filter((s) => layout.controlled(s.name)).map(line),
    ];
  }
  return [
    '# Managed by berth and rewritten on every provision: do not edit.',
    '# The server starts with --defaults-file=<this file> and reads no other option file.',
    '[mariadbd]',
    ...body,
    '',
  ].join('\n');
}

/** `name = value` pairs of the [mariadbd] group of a file written by renderMyCnf. */
export function parseMyCnf(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let inGroup = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const group = /^\[(.+)\]$/.exec(line);
    if (group) {
      inGroup = group[1] === 'mariadbd';
      continue;
    }
    const match = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (!inGroup || !match) continue;
    let value = match[2] ?? '';
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(["\\])/g, '$1');
    }
    values.set((match[1] ?? '').replace(/-/g, '_'), value);
  }
  return values;
}
