/**
 * The configuration berth owns: `berth.conf` (included at the end of the
 * template's postgresql.conf, so it wins) and `pg_hba.conf`. Pure functions:
 * the driver writes their output.
 */
import type { InstanceSpec } from '../driver.js';
import { ADMIN_ROLE, REPLICATION_ROLE } from './template.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;

export const INCLUDE_LINE = "include 'berth.conf'";

export interface MemorySettings {
  sharedBuffersMb: number;
  effectiveCacheSizeMb: number;
  maxConnections: number;
  workMemMb: number;
  maintenanceWorkMemMb: number;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** Memory settings from the bundle's RAM, following RDS's formulas where they exist. */
export function memorySettings(ramSizeInGb: number): MemorySettings {
  const ram = Math.max(0.25, ramSizeInGb) * GB;
  return {
    sharedBuffersMb: Math.max(16, Math.floor(ram / 8 / MB)),
    effectiveCacheSizeMb: Math.max(32, Math.floor((ram * 3) / 4 / MB)),
    // RDS: LEAST({DBInstanceClassMemory/9531392}, 5000)
    maxConnections: clamp(Math.floor(ram / 9531392), 20, 5000),
    workMemMb: clamp(Math.floor(ram / 256 / MB), 4, 64),
    maintenanceWorkMemMb: clamp(Math.floor(ram / 16 / MB), 64, 2048),
  };
}

/** A postgresql.conf string literal. */
export function confString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** unix_socket_directories is a comma-separated list: quote an element that needs it. */
function socketDirectoryList(dir: string): string {
  return /[\s,"]/.test(dir) ? `"${dir.replace(/"/g, '""')}"` : dir;
}

export interface BerthConfInput {
  spec: Pick<InstanceSpec, 'id' | 'port' | 'publiclyAccessible' | 'publicListenAddresses' | 'ramSizeInGb' | 'cpuCount'>;
  socketDir: string;
  /** Relative to PGDATA. */
  certFile: string;
  keyFile: string;
}

export function renderBerthConf({ spec, socketDir, certFile, keyFile }: BerthConfInput): string {
  const mem = memorySettings(spec.ramSizeInGb);
  const cpus = Math.max(1, Math.floor(spec.cpuCount));
  // Defaults from the bundle, which users may override with
  // UpdateRelationalDatabaseParameters (berth-parameters.conf, included next).
  const defaults: Array<[string, string | number]> = [
    // Memory (from the bundle)
    ['max_connections', mem.maxConnections],
    ['shared_buffers', confString(`${mem.sharedBuffersMb}MB`)],
    ['effective_cache_size', confString(`${mem.effectiveCacheSizeMb}MB`)],
    ['work_mem', confString(`${mem.workMemMb}MB`)],
    ['maintenance_work_mem', confString(`${mem.maintenanceWorkMemMb}MB`)],
    // CPU (from the bundle)
    ['max_worker_processes', Math.max(8, cpus)],
    ['max_parallel_workers', cpus],
    ['max_parallel_workers_per_gather', Math.min(4, Math.floor(cpus / 2))],
    ['timezone', confString('UTC')],
  ];
  // What berth controls: after the include, so these win over any parameter
  // file (parameters.ts refuses to write them in the first place).
  const controlled: Array<[string, string | number]> = [
    ['cluster_name', confString(spec.id)],
    // Connections
    ['port', spec.port],
    // listen_addresses is read at postmaster start only: a change needs a restart.
    ['listen_addresses', confString(listenAddresses(spec))],
    ['unix_socket_directories', confString(socketDirectoryList(socketDir))],
    ['unix_socket_permissions', '0700'],
    ['superuser_reserved_connections', 3],
    ['password_encryption', confString('scram-sha-256')],
    // TLS (clients are required to use it by pg_hba.conf)
    ['ssl', 'on'],
    ['ssl_cert_file', confString(certFile)],
    ['ssl_key_file', confString(keyFile)],
    ['ssl_min_protocol_version', confString('TLSv1.2')],
    ['ssl_ciphers', confString('HIGH:!aNULL:!MD5:!3DES')],
    // Memory
    ['huge_pages', 'off'],
    ['dynamic_shared_memory_type', 'posix'],
    // Logging: server-log.ts reads these files (daily, UTC, never truncated,
    // each entry starting with its millisecond timestamp).
    ['logging_collector', 'on'],
    ['log_destination', confString('stderr')],
    ['log_directory', confString('log')],
    ['log_filename', confString('postgresql-%Y-%m-%d.log')],
    ['log_rotation_age', confString('1d')],
    ['log_rotation_size', confString('100MB')],
    ['log_truncate_on_rotation', 'off'],
    ['log_file_mode', '0600'],
    ['log_line_prefix', confString('%m [%p] %q%u@%d ')],
    ['log_timezone', confString('UTC')],
    // WAL archiving. archive_mode is read at postmaster start only, so it is
    // always on: setArchiving switches archive_command alone (a reload, no
    // restart). Until then every finished segment is discarded (`true`): an
    // empty archive_command would keep them all in pg_wal.
    // (wal_recycle stays on: a switch writes the rest of its segment as empty
    // pages even in a recycled file, so the tail compresses away either way;
    // measured by bench/postgres-backup.ts.)
    // `always`: a standby archives what it receives too (the archive script
    // accepts a file archived again with the same bytes), so the archive has
    // no hole when a primary dies before archiving its last segments. A
    // primary archives as with `on`.
    ['archive_mode', 'always'],
    ['archive_command', confString('true')],
    // Replication: a standby that falls this far behind loses its slot (and
    // is rebuilt) rather than filling the primary's disk with WAL.
    ['max_slot_wal_keep_size', confString('1GB')],
    ['wal_sender_timeout', confString('10s')],
  ];
  const width = Math.max(...[...defaults, ...controlled].map(([name]) => name.length));
  const render = (settings: Array<[string, string | number]>) => settings.map(([name, value]) => `${name.padEnd(width)} = ${value}`).join('\n');
  const include = (file: string) => `include_if_exists ${confString(file)}`;
  return [
    '# Managed by berth and rewritten on every provision: do not edit.',
    '# Defaults from the bundle; berth-parameters.conf (UpdateRelationalDatabaseParameters) overrides them.',
    render(defaults),
    include(PARAMETERS_CONF),
    '# Set by berth: these win over the parameters above.',
    render(controlled),
    include(ARCHIVE_CONF),
    include(RECOVERY_CONF),
    include(REPLICATION_CONF),
    '',
  ].join('\n');
}

/** Written by UpdateRelationalDatabaseParameters (parameters.ts), kept across provisions. */
export const PARAMETERS_CONF = 'berth-parameters.conf';
/** Written by setArchiving (archive_command), kept across provisions. */
export const ARCHIVE_CONF = 'berth-archive.conf';
/** Written by a restore for the recovery run, removed once the server is promoted. */
export const RECOVERY_CONF = 'berth-recovery.conf';
/** Written by replication.ts: a standby's link to its primary, or a primary's synchronous standby. */
export const REPLICATION_CONF = 'berth-replication.conf';

export function renderPgHba(): string {
  return [
    '# Managed by berth and rewritten on every provision: do not edit.',
    '# berth itself administers over the private unix socket (dir 0700, service user only).',
    '# Everyone else connects over TCP with TLS and SCRAM; plain-text TCP is not accepted.',
    '# Standbys replicate as berth_replicator, over TLS on loopback, and do nothing else.',
    '# TYPE  DATABASE     USER              ADDRESS       METHOD',
    `local   all          ${ADMIN_ROLE}                     trust`,
    `hostssl all          ${ADMIN_ROLE}       0.0.0.0/0     reject`,
    `hostssl all          ${ADMIN_ROLE}       ::/0          reject`,
    `hostssl replication  ${REPLICATION_ROLE}  127.0.0.1/32  scram-sha-256`,
    `hostssl replication  ${REPLICATION_ROLE}  ::1/128       scram-sha-256`,
    `hostssl all          ${REPLICATION_ROLE}  0.0.0.0/0     reject`,
    `hostssl all          ${REPLICATION_ROLE}  ::/0          reject`,
    'hostssl all          all               0.0.0.0/0     scram-sha-256',
    'hostssl all          all               ::/0          scram-sha-256',
    '',
  ].join('\n');
}

/** postgresql.conf with the include of berth.conf appended once, at its end. */
export function withBerthInclude(postgresqlConf: string): string {
  if (/^\s*include\s+'berth\.conf'\s*$/m.test(postgresqlConf)) return postgresqlConf;
  const separator = postgresqlConf.endsWith('\n') ? '' : '\n';
  return `${postgresqlConf}${separator}\n# Added by berth: its settings override everything above.\n${INCLUDE_LINE}\n`;
}

const LOOPBACK = ['127.0.0.1', '::1'];

/** Loopback only when private; when public, loopback plus the public addresses (or `*`). */
export function listenAddresses(spec: Pick<InstanceSpec, 'publiclyAccessible' | 'publicListenAddresses'>): string {
  if (!spec.publiclyAccessible) return LOOPBACK.join(',');
  const extra = spec.publicListenAddresses ?? ['*'];
  if (extra.includes('*')) return '*';
  return [...new Set([...LOOPBACK, ...extra])].join(',');
}
