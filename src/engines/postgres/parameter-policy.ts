/**
 * What berth keeps to itself among the PostgreSQL settings, and the checks it
 * adds on top of PostgreSQL's own rules so that the instance keeps working
 * with berth (backups, log reading, its own access).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Limits, SettingRow } from './server-settings.js';

const NETWORK = 'berth sets the network endpoints of the instance';
const TLS = 'berth manages TLS (certificates, protocol versions, ciphers)';
const AUTH = 'berth manages authentication';
const FILES = 'berth manages the files and libraries of the instance';
const DURABILITY = "berth's backups and point-in-time restore depend on it";
const LOGGING = 'berth reads the server log in this layout (GetRelationalDatabaseLogEvents)';
const ACCESS = 'berth keeps this fixed so that it can always reach and run the server';

const CONTROLLED: Readonly<Record<string, string>> = {
  port: NETWORK,
  listen_addresses: NETWORK,
  bonjour: NETWORK,
  bonjour_name: NETWORK,
  password_encryption: AUTH,
  db_user_namespace: AUTH,
  krb_server_keyfile: AUTH,
  krb_caseins_users: AUTH,
  hba_file: AUTH,
  ident_file: AUTH,
  data_directory: FILES,
  config_file: FILES,
  external_pid_file: FILES,
  dynamic_library_path: FILES,
  jit_provider: FILES,
  restore_command: DURABILITY,
  archive_cleanup_command: DURABILITY,
  primary_conninfo: DURABILITY,
  primary_slot_name: DURABILITY,
  promote_trigger_file: DURABILITY,
  synchronous_standby_names: DURABILITY,
  fsync: DURABILITY,
  full_page_writes: DURABILITY,
  logging_collector: LOGGING,
  log_destination: LOGGING,
  log_directory: LOGGING,
  log_filename: LOGGING,
  log_file_mode: LOGGING,
  log_line_prefix: LOGGING,
  log_timezone: LOGGING,
  log_rotation_age: LOGGING,
  log_rotation_size: LOGGING,
  log_truncate_on_rotation: LOGGING,
  superuser_reserved_connections: ACCESS,
  allow_alter_system: ACCESS,
  cluster_name: ACCESS,
  huge_pages: ACCESS,
  huge_page_size: ACCESS,
  shared_memory_type: ACCESS,
  dynamic_shared_memory_type: ACCESS,
  event_source: ACCESS,
};

const CONTROLLED_PREFIXES: ReadonlyArray<[string, string]> = [
  ['ssl', TLS],
  ['unix_socket_', NETWORK],
  ['archive_', DURABILITY],
  ['recovery_', DURABILITY],
];

/** Why berth keeps `name` to itself, or undefined when users may change it. */
export function berthControlReason(name: string): string | undefined {
  const lower = name.toLowerCase();
  return CONTROLLED[lower] ?? CONTROLLED_PREFIXES.find(([prefix]) => lower.startsWith(prefix))?.[1];
}

/** Values that would reveal host paths. */
export const HIDDEN_VALUES = new Set([
  'data_directory', 'config_file', 'hba_file', 'ident_file', 'external_pid_file', 'unix_socket_directories',
  'archive_command', 'restore_command', 'archive_cleanup_command', 'recovery_end_command', 'ssl_passphrase_command',
]);

export const PRELOAD_LIBRARY_LISTS = new Set(['shared_preload_libraries', 'session_preload_libraries', 'local_preload_libraries']);

/** The shortest transaction_timeout accepted (besides 0): new sessions must be able to start under it. */
export const MIN_TRANSACTION_TIMEOUT_MS = 1000;

/** Restrictions on top of PostgreSQL's own rules, for what berth needs to keep working. */
export interface Restriction {
  allowedValues(row: SettingRow, limits: Limits): string;
  /** An error for the normalised value, given the values the change set leaves in place. */
  check(value: string, limits: Limits, finalValue: (name: string) => string | undefined): string | undefined;
}

export const RESTRICTIONS: Readonly<Record<string, Restriction>> = {
  wal_level: {
    allowedValues: () => 'replica,logical',
    check: (value) => (value === 'minimal' ? `wal_level minimal cannot be used: ${DURABILITY} (allowed: replica, logical)` : undefined),
  },
  max_replication_slots: {
    allowedValues: (row) => `1-${row.max_val}`,
    check: (value) => (Number(value) < 1 ? 'max_replication_slots must be at least 1: berth takes backups through a temporary replication slot' : undefined),
  },
  max_connections: {
    allowedValues: (row, limits) => `${limits.reservedConnections + 1}-${row.max_val}`,
    check: connectionsCheck,
  },
  transaction_timeout: {
    allowedValues: (row) => `0,${MIN_TRANSACTION_TIMEOUT_MS}-${row.max_val}`,
    check: (value) =>
      Number(value) > 0 && Number(value) < MIN_TRANSACTION_TIMEOUT_MS
        ? `transaction_timeout must be 0 (off) or at least ${MIN_TRANSACTION_TIMEOUT_MS} ms: the timeout is armed before a new session has read its own settings, so shorter ones cut off connections while they start (berth's among them)`
        : undefined,
  },
  reserved_connections: {
    allowedValues: (row) => `${row.min_val}-${row.max_val}`,
    check: (_value, limits, finalValue) => connectionsCheck(finalValue('max_connections') ?? '0', limits, finalValue),
  },
};

/** PostgreSQL refuses to start unless max_connections exceeds the reserved connections. */
function connectionsCheck(maxConnections: string, _limits: Limits, finalValue: (name: string) => string | undefined): string | undefined {
  const reserved = Number(finalValue('superuser_reserved_connections') ?? 0) + Number(finalValue('reserved_connections') ?? 0);
  return Number(maxConnections) <= reserved
    ? `max_connections must be at least ${reserved + 1}: more than the ${reserved} connections reserved for berth and superusers (superuser_reserved_connections + reserved_connections)`
    : undefined;
}

/** Each library of a *_preload_libraries list must exist where the server loads it from. */
export async function checkLibraries(name: string, value: string, pkglibdir: string | undefined): Promise<string | undefined> {
  if (!pkglibdir) return undefined;
  const dir = name === 'local_preload_libraries' ? path.join(pkglibdir, 'plugins') : pkglibdir;
  const entries = value
    .split(',')
    .map((entry) => entry.trim().replace(/^"(.*)"$/, '$1'))
    .filter((entry) => entry !== '');
  const missing: string[] = [];
  for (const entry of entries) {
    const bare = entry.replace(/^\$libdir\//, '');
    if (bare.includes('/') || bare.startsWith('.')) {
      missing.push(entry);
      continue;
    }
    const file = path.join(dir, bare.endsWith('.so') ? bare : `${bare}.so`);
    if (!(await fs.stat(file).then((s) => s.isFile(), () => false))) missing.push(entry);
  }
  return missing.length > 0
    ? `${name}: no such library ${missing.map((m) => `'${m}'`).join(', ')} (libraries are loaded by name from the server's library directory)`
    : undefined;
}
