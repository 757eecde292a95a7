/**
 * Engine parameters of a PostgreSQL instance: what GetRelationalDatabaseParameters
 * lists (pg_settings of the running server) and how
 * UpdateRelationalDatabaseParameters changes them.
 *
 * Files (in PGDATA, so backups and snapshots carry them):
 *   berth-parameters.conf          included by berth.conf after the bundle's
 *                                  defaults and before the settings berth
 *                                  controls: user values beat the defaults,
 *                                  berth's own settings beat everything.
 *                                  Holds every value in effect or waiting for
 *                                  a restart (static parameters).
 *   berth-parameters-pending.conf  not included: `pending-reboot` values of
 *                                  dynamic parameters. PostgreSQL would apply
 *                                  them at the next reload (any provision,
 *                                  TLS rotation or archiving switch reloads),
 *                                  so they wait here until start() moves them
 *                                  into berth-parameters.conf.
 *
 * Values are checked by PostgreSQL itself before anything is written:
 * `postgres -C name -c name=value` parses the value exactly as the server
 * would (units, ranges, enums, booleans) and prints it normalised, or fails
 * with the server's own message.
 */
import { EngineInputError } from '../observability.js';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import type { InstanceSpec } from '../driver.js';
import type { EngineParameter, ParameterChange } from '../observability.js';
import { isRoot, writeFileAtomicAs, type OsUser } from '../os-user.js';
import { pollUntil } from '../../supervisor/wait.js';
import { confString, PARAMETERS_CONF } from './config-files.js';
import type { PostgresInstancePaths } from './instance-paths.js';

const execFileAsync = promisify(execFile);

export { PARAMETERS_CONF };
export const PENDING_PARAMETERS_CONF = 'berth-parameters-pending.conf';

/** What the parameter functions need from the driver. */
export interface ParameterHost {
  user(): Promise<OsUser>;
  /** The `postgres` binary of the spec's blueprint (installed). */
  postgresBinary(spec: InstanceSpec): Promise<string>;
  paths(spec: Pick<InstanceSpec, 'dataDir'>): PostgresInstancePaths;
  running(spec: InstanceSpec): Promise<boolean>;
  withAdmin<T>(spec: InstanceSpec, use: (client: pg.Client) => Promise<T>): Promise<T>;
  /** Rewrite berth.conf (and pg_hba.conf) for the spec. */
  writeInstanceConfig(spec: InstanceSpec): Promise<void>;
}

// ---- what berth controls ----

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
const HIDDEN_VALUES = new Set([
  'data_directory', 'config_file', 'hba_file', 'ident_file', 'external_pid_file', 'unix_socket_directories',
  'archive_command', 'restore_command', 'archive_cleanup_command', 'recovery_end_command', 'ssl_passphrase_command',
]);

/** Settings whose value is a comma-separated list. */
const LIST_PARAMETERS = new Set([
  'search_path', 'shared_preload_libraries', 'session_preload_libraries', 'local_preload_libraries', 'temp_tablespaces',
  'listen_addresses', 'unix_socket_directories', 'log_destination', 'datestyle', 'debug_io_direct',
]);

const PRELOAD_LIBRARY_LISTS = new Set(['shared_preload_libraries', 'session_preload_libraries', 'local_preload_libraries']);

// ---- reading pg_settings ----

export interface SettingRow {
  name: string;
  setting: string | null;
  unit: string | null;
  vartype: 'bool' | 'integer' | 'real' | 'string' | 'enum';
  context: string;
  enumvals: string[] | null;
  min_val: string | null;
  max_val: string | null;
  short_desc: string;
  /** Where the value comes from (`client`: the session's startup options). */
  source?: string;
}

const DYNAMIC_CONTEXTS = new Set(['user', 'superuser', 'sighup', 'backend', 'superuser-backend']);

export async function readSettings(client: pg.Client): Promise<SettingRow[]> {
  const result = await client.query<SettingRow>(
    `SELECT name, setting, unit, vartype, context, enumvals, min_val, max_val, short_desc, source
       FROM pg_settings ORDER BY lower(name)`,
  );
  return result.rows;
}

interface Limits {
  /** superuser_reserved_connections + reserved_connections (PostgreSQL 16+). */
  reservedConnections: number;
  /** Where the server loads libraries from. */
  pkglibdir: string | undefined;
}

async function readLimits(client: pg.Client, settings: SettingRow[]): Promise<Limits> {
  const value = (name: string) => Number(settings.find((s) => s.name === name)?.setting ?? 0);
  const libdir = await client.query<{ setting: string }>(`SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'`);
  return {
    reservedConnections: value('superuser_reserved_connections') + value('reserved_connections'),
    pkglibdir: libdir.rows[0]?.setting,
  };
}

/** Restrictions on top of PostgreSQL's own rules, for what berth needs to keep working. */
interface Restriction {
  allowedValues(row: SettingRow, limits: Limits): string;
  /** An error for the normalised value, given the values the change set leaves in place. */
  check(value: string, limits: Limits, finalValue: (name: string) => string | undefined): string | undefined;
}

const RESTRICTIONS: Readonly<Record<string, Restriction>> = {
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

function allowedValues(row: SettingRow, limits: Limits): string | undefined {
  const restriction = RESTRICTIONS[row.name.toLowerCase()];
  if (restriction) return restriction.allowedValues(row, limits);
  switch (row.vartype) {
    case 'bool':
      return 'on,off';
    case 'enum':
      return row.enumvals?.join(',');
    case 'integer':
    case 'real':
      return row.min_val !== null && row.max_val !== null ? `${row.min_val}-${row.max_val}` : undefined;
    default:
      return undefined;
  }
}

function dataType(row: SettingRow): string {
  if (LIST_PARAMETERS.has(row.name.toLowerCase())) return 'list';
  switch (row.vartype) {
    case 'bool':
      return 'boolean';
    case 'integer':
      return 'integer';
    case 'real':
      return 'float';
    default:
      return 'string'; // string, and enum (its choices are in allowedValues)
  }
}

export function toEngineParameter(row: SettingRow, limits: Limits): EngineParameter {
  const lower = row.name.toLowerCase();
  const parameter: EngineParameter = {
    name: row.name,
    applyType: DYNAMIC_CONTEXTS.has(row.context) ? 'dynamic' : 'static',
    dataType: dataType(row),
    description: row.unit ? `${row.short_desc} (unit: ${row.unit})` : row.short_desc,
    isModifiable: row.context !== 'internal' && berthControlReason(lower) === undefined,
  };
  if (row.setting !== null && row.setting !== '' && !HIDDEN_VALUES.has(lower)) parameter.value = row.setting;
  const allowed = allowedValues(row, limits);
  if (allowed) parameter.allowedValues = allowed;
  return parameter;
}

export async function listParameters(host: ParameterHost, spec: InstanceSpec): Promise<EngineParameter[]> {
  await assertRunning(host, spec);
  const { settings, limits } = await host.withAdmin(spec, async (client) => {
    const rows = await readSettings(client);
    return { settings: rows, limits: await readLimits(client, rows) };
  });
  // berth's admin session sets some parameters for itself (ADMIN_SESSION_SETTINGS): show
  // what every other session gets, as the server reads it from its files.
  const own = settings.filter((row) => row.source === 'client');
  if (own.length > 0) {
    const user = await host.user();
    const postgres = await host.postgresBinary(spec);
    const pgdata = host.paths(spec).pgdata;
    await Promise.all(
      own.map(async (row) => {
        const configured = await configValue(user, postgres, pgdata, row.name);
        if ('value' in configured) row.setting = configured.value;
      }),
    );
  }
  return settings.map((row) => toEngineParameter(row, limits));
}

async function assertRunning(host: ParameterHost, spec: InstanceSpec): Promise<void> {
  if (!(await host.running(spec))) throw new Error(`the server of instance ${spec.id} is not running`);
}

// ---- berth's parameter files ----

/** name → value as written (the user's spelling, unquoted). Lower-case names. */
export type ParameterValues = Map<string, string>;

const FILE_LINE = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*'((?:[^'\\]|''|\\.)*)'\s*(?:#.*)?$/;

export function parseParameterFile(text: string): ParameterValues {
  const values: ParameterValues = new Map();
  for (const line of text.split('\n')) {
    const m = FILE_LINE.exec(line);
    if (!m) continue;
    values.set(m[1]!.toLowerCase(), m[2]!.replace(/''/g, "'").replace(/\\(.)/g, '$1'));
  }
  return values;
}

export function renderParameterFile(values: ParameterValues, header: string): string {
  const lines = [...values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => `${name} = ${confString(value)}`);
  return `# ${header}\n# Managed by berth (UpdateRelationalDatabaseParameters): do not edit.\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}

const MAIN_HEADER = 'Parameters in effect, or waiting for a restart (static parameters).';
const PENDING_HEADER = 'Dynamic parameters set with applyMethod pending-reboot: moved into berth-parameters.conf at the next start.';

export function parameterFiles(p: PostgresInstancePaths): { main: string; pending: string } {
  return { main: path.join(p.pgdata, PARAMETERS_CONF), pending: path.join(p.pgdata, PENDING_PARAMETERS_CONF) };
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function restoreFile(user: OsUser, file: string, content: string | undefined): Promise<void> {
  if (content === undefined) await fs.rm(file, { force: true });
  else await writeFileAtomicAs(user, file, content, 0o600);
}

/**
 * Moves the pending dynamic values into berth-parameters.conf. start() calls
 * it before the postmaster is spawned (never while it runs). Idempotent: a
 * crash between the two steps merges the same values again.
 */
export async function promotePendingParameters(user: OsUser, p: PostgresInstancePaths): Promise<void> {
  const files = parameterFiles(p);
  const pendingText = await readOptional(files.pending);
  if (pendingText === undefined) return;
  const pending = parseParameterFile(pendingText);
  if (pending.size > 0) {
    const main = parseParameterFile((await readOptional(files.main)) ?? '');
    for (const [name, value] of pending) main.set(name, value);
    await writeFileAtomicAs(user, files.main, renderParameterFile(main, MAIN_HEADER), 0o600);
  }
  await fs.rm(files.pending, { force: true });
}

// ---- applying ----

/**
 * `postgres -C name [-c name=value]`: the value the configuration files (and
 * `value`, when given) make, normalised as pg_settings shows it, or
 * PostgreSQL's complaint. Runs beside a running server without touching it.
 */
async function configValue(
  user: OsUser,
  postgres: string,
  pgdata: string,
  name: string,
  value?: string,
): Promise<{ value: string } | { error: string }> {
  const asUser = isRoot() && user.uid !== 0 ? { uid: user.uid, gid: user.gid } : {};
  const args = ['-D', pgdata, '-C', name, ...(value === undefined ? [] : ['-c', `${name}=${value}`])];
  try {
    const { stdout } = await execFileAsync(postgres, args, {
      ...asUser,
      cwd: pgdata,
      env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8', TZ: 'UTC' },
      timeout: 30_000,
      maxBuffer: 4 * 1024 * 1024,
    });
    return { value: stdout.replace(/\n$/, '') };
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    const messages = stderr
      .split('\n')
      .map((line) => /\b(FATAL|ERROR|DETAIL|HINT):\s+(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => m[2]!);
    // The exec error names the command line with berth's paths: say only that PostgreSQL refused.
    return { error: messages.length > 0 ? messages.join(' ') : 'PostgreSQL rejects this value' };
  }
}

/** Each library of a *_preload_libraries list must exist where the server loads it from. */
async function checkLibraries(name: string, value: string, pkglibdir: string | undefined): Promise<string | undefined> {
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

export class ParameterChangeError extends EngineInputError {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} parameter changes are not valid: ${problems.join('; ')}`);
  }
}

interface CheckedChange extends ParameterChange {
  row: SettingRow;
  /** Lower-case name used in berth's files. */
  key: string;
  dynamic: boolean;
}

/**
 * Validates every change, then writes berth's parameter files, reloads, and
 * waits until a new session sees the `immediate` values. Throws a
 * ParameterChangeError naming every invalid change (nothing is written then).
 */
export async function applyParameterChanges(host: ParameterHost, spec: InstanceSpec, changes: ParameterChange[]): Promise<void> {
  await assertRunning(host, spec);
  if (changes.length === 0) return;
  const user = await host.user();
  const p = host.paths(spec);
  const { settings, limits } = await host.withAdmin(spec, async (client) => {
    const rows = await readSettings(client);
    return { settings: rows, limits: await readLimits(client, rows) };
  });
  const byName = new Map(settings.map((row) => [row.name.toLowerCase(), row]));

  // 1. Names, modifiability, apply methods: no server round trip needed.
  const problems: string[] = [];
  const checked: CheckedChange[] = [];
  const seen = new Set<string>();
  for (const change of changes) {
    const key = change.name.trim().toLowerCase();
    const row = byName.get(key);
    if (!row) {
      problems.push(`${JSON.stringify(change.name)} is not a parameter of this PostgreSQL server`);
      continue;
    }
    if (seen.has(key)) {
      problems.push(`${row.name} is given more than once`);
      continue;
    }
    seen.add(key);
    if (row.context === 'internal') {
      problems.push(`${row.name} cannot be modified: it is fixed when PostgreSQL is built or the cluster is initialised`);
      continue;
    }
    const reason = berthControlReason(key);
    if (reason) {
      problems.push(`${row.name} cannot be modified: ${reason}`);
      continue;
    }
    const dynamic = DYNAMIC_CONTEXTS.has(row.context);
    if (change.applyMethod !== 'immediate' && change.applyMethod !== 'pending-reboot') {
      problems.push(`${row.name}: applyMethod must be immediate or pending-reboot`);
      continue;
    }
    if (!dynamic && change.applyMethod === 'immediate') {
      problems.push(`${row.name} is a static parameter: it takes effect only when the server restarts, so its applyMethod must be pending-reboot`);
      continue;
    }
    if (/[\0\r\n]/.test(change.value)) {
      problems.push(`${row.name}: the value must not contain line breaks or NUL characters`);
      continue;
    }
    checked.push({ ...change, row, key, dynamic });
  }

  // 2. Values, as the server parses them (also when a name was refused: every bad change is named).
  const postgres = await host.postgresBinary(spec);
  const normalised = new Map<string, string>();
  for (const change of checked) {
    const result = await configValue(user, postgres, p.pgdata, change.row.name, change.value);
    if ('error' in result) {
      const allowed = allowedValues(change.row, limits);
      problems.push(
        `${JSON.stringify(change.value)} is not a valid value for ${change.row.name}: ${result.error}` +
          (allowed ? ` (allowed values: ${allowed}${change.row.unit ? `, unit ${change.row.unit}` : ''})` : ''),
      );
      continue;
    }
    normalised.set(change.key, result.value);
  }
  if (problems.length > 0) throw new ParameterChangeError(problems);

  // 3. What berth needs on top (valid for PostgreSQL, fatal for berth).
  const finalValue = (name: string) => normalised.get(name) ?? byName.get(name)?.setting ?? undefined;
  for (const change of checked) {
    const value = normalised.get(change.key)!;
    const problem =
      RESTRICTIONS[change.key]?.check(value, limits, finalValue) ??
      (PRELOAD_LIBRARY_LISTS.has(change.key) ? await checkLibraries(change.key, value, limits.pkglibdir) : undefined);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new ParameterChangeError(problems);

  // 4. Persist (remembering the old files to roll back to).
  const berthConf = (await readOptional(p.berthConf)) ?? '';
  if (!berthConf.includes(`include_if_exists ${confString(PARAMETERS_CONF)}`)) await host.writeInstanceConfig(spec);
  const files = parameterFiles(p);
  const oldMain = await readOptional(files.main);
  const oldPending = await readOptional(files.pending);
  const main = parseParameterFile(oldMain ?? '');
  const pending = parseParameterFile(oldPending ?? '');
  for (const change of checked) {
    if (change.dynamic && change.applyMethod === 'pending-reboot') {
      pending.set(change.key, change.value);
    } else {
      main.set(change.key, change.value);
      pending.delete(change.key);
    }
  }
  const newMain = renderParameterFile(main, MAIN_HEADER);
  const newPending = pending.size > 0 ? renderParameterFile(pending, PENDING_HEADER) : undefined;
  const rollback = async () => {
    await restoreFile(user, files.main, oldMain);
    await restoreFile(user, files.pending, oldPending);
  };
  try {
    if (newMain !== oldMain) await writeFileAtomicAs(user, files.main, newMain, 0o600);
    if (newPending !== oldPending) await restoreFile(user, files.pending, newPending);
    // The server's own reading of the files, before it applies anything.
    const fileErrors = await host.withAdmin(spec, async (client) => {
      const result = await client.query<{ name: string | null; sourceline: number; error: string }>(
        `SELECT f.name, f.sourceline, f.error FROM pg_file_settings f LEFT JOIN pg_settings s ON lower(s.name) = f.name
          WHERE f.error IS NOT NULL AND (f.sourcefile = $1 OR f.name IS NULL)
            AND NOT (s.context = 'postmaster' AND f.error = 'setting could not be applied')`,
        [files.main],
      );
      return result.rows;
    });
    if (fileErrors.length > 0) {
      throw new Error(
        `the server rejects the parameter file: ${fileErrors.map((e) => `${e.name ?? 'line ' + e.sourceline}: ${e.error}`).join('; ')}`,
      );
    }
  } catch (err) {
    await rollback();
    throw err;
  }

  // 5. Apply: a reload, after which new sessions have the file's values. The
  // immediate ones must be the values that win (applied: not overridden by a
  // later file such as postgresql.auto.conf).
  await reloadAndWait(host, spec);
  const immediate = checked.filter((c) => c.applyMethod === 'immediate');
  if (immediate.length > 0) {
    const applied = await host.withAdmin(spec, async (client) => {
      const result = await client.query<{ name: string }>(
        'SELECT name FROM pg_file_settings WHERE sourcefile = $1 AND applied AND name = ANY($2)',
        [files.main, immediate.map((c) => c.key)],
      );
      return new Set(result.rows.map((row) => row.name));
    });
    const notApplied = immediate.filter((c) => !applied.has(c.key));
    if (notApplied.length > 0) {
      throw new Error(
        `the server did not take ${notApplied.map((c) => c.row.name).join(', ')} from ${PARAMETERS_CONF} after a reload ` +
          '(a later setting overrides it); the values are saved',
      );
    }
  }
}

/**
 * pg_reload_conf(), then wait until a new session has the reloaded
 * configuration: pg_conf_load_time() of a new session is the time the
 * postmaster last read its files, and it forks sessions with what it read.
 */
export async function reloadAndWait(host: ParameterHost, spec: InstanceSpec, timeoutMs = 10_000): Promise<void> {
  const before = await host.withAdmin(spec, async (client) => {
    const result = await client.query<{ t: string }>('SELECT pg_conf_load_time()::text AS t');
    await client.query('SELECT pg_reload_conf()');
    return result.rows[0]!.t;
  });
  const reloaded = await pollUntil(
    () =>
      host.withAdmin(
        spec,
        async (client) => (await client.query<{ r: boolean }>('SELECT pg_conf_load_time() > $1::timestamptz AS r', [before])).rows[0]?.r === true,
      ),
    { timeoutMs, intervalMs: 10 },
  );
  if (!reloaded) throw new Error(`the server did not reload its configuration within ${timeoutMs / 1000} s`);
}

/**
 * Parameters saved by applyParameterChanges that the running server does not
 * use yet: pending dynamic values, and static values in berth-parameters.conf
 * that differ from what the server started with.
 */
export async function pendingParameterNames(host: ParameterHost, spec: InstanceSpec): Promise<string[]> {
  const p = host.paths(spec);
  const files = parameterFiles(p);
  const pending = parseParameterFile((await readOptional(files.pending)) ?? '');
  const names = new Set<string>();
  if (!(await host.running(spec))) {
    for (const name of pending.keys()) names.add(name);
    return [...names].sort();
  }
  await host.withAdmin(spec, async (client) => {
    const canonical = await client.query<{ name: string }>('SELECT name FROM pg_settings WHERE lower(name) = ANY($1)', [[...pending.keys()]]);
    for (const row of canonical.rows) names.add(row.name);
    const waiting = await client.query<{ name: string }>(
      `SELECT DISTINCT s.name FROM pg_file_settings f JOIN pg_settings s ON lower(s.name) = f.name
        WHERE f.sourcefile = $1 AND NOT f.applied AND f.error IS NOT NULL AND s.context = 'postmaster'`,
      [files.main],
    );
    for (const row of waiting.rows) names.add(row.name);
  });
  return [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}
