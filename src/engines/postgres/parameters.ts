/**
 * Engine parameters of a PostgreSQL instance: what GetRelationalDatabaseParameters
 * lists (pg_settings of the running server, server-settings.ts) and how
 * UpdateRelationalDatabaseParameters changes them: checked by PostgreSQL
 * (config-value.ts) and by berth (parameter-policy.ts), then written to
 * berth's parameter files (parameter-files.ts) and reloaded.
 */
import { EngineInputError } from '../observability.js';
import type pg from 'pg';
import type { InstanceSpec } from '../driver.js';
import type { EngineParameter, ParameterChange } from '../observability.js';
import { writeFileAtomicAs, type OsUser } from '../os-user.js';
import { pollUntil } from '../../supervisor/wait.js';
import { confString, PARAMETERS_CONF } from './config-files.js';
import { configValue } from './config-value.js';
import type { PostgresInstancePaths } from './instance-paths.js';
import {
  MAIN_HEADER, parameterFiles, parseParameterFile, PENDING_HEADER, readOptional, renderParameterFile, restoreFile,
} from './parameter-files.js';
import { berthControlReason, checkLibraries, PRELOAD_LIBRARY_LISTS, RESTRICTIONS } from './parameter-policy.js';
import { allowedValues, DYNAMIC_CONTEXTS, readLimits, readSettings, toEngineParameter, type SettingRow } from './server-settings.js';

export { PARAMETERS_CONF };
export {
  parameterFiles, parseParameterFile, PENDING_PARAMETERS_CONF, promotePendingParameters, renderParameterFile,
  type ParameterValues,
} from './parameter-files.js';
export { berthControlReason } from './parameter-policy.js';
export { readSettings, toEngineParameter, type SettingRow } from './server-settings.js';

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
