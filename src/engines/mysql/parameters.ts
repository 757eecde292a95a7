/**
 * Engine parameters of a MariaDB instance: described from the running server
 * (SHOW GLOBAL VARIABLES joined with information_schema.SYSTEM_VARIABLES),
 * changed through berth's own option file `parameters.cnf`, which my.cnf
 * includes after berth's defaults and before the settings berth controls
 * (config-files.ts renderMyCnf), so a parameter overrides a default (the
 * buffer pool berth derives from the bundle...) but never a controlled
 * setting (parameter-policy.ts).
 *
 * parameters.cnf is the record of what was set: every value with the apply
 * method it was given, as a `# berth-parameter {json}` comment over the
 * option line. `pending-reboot` values are only written there (the server
 * reads them at its next start); `immediate` ones are also SET GLOBAL now.
 * parameter-catalog.json keeps the variables as the server last described
 * them, to check changes made while it is stopped.
 */
import { EngineInputError } from '../observability.js';
import type mysql from 'mysql2/promise';
import type { EngineParameter, ParameterApplyMethod, ParameterChange } from '../observability.js';
import { quoteString } from './admin-connection.js';
import { optionValue } from './config-files.js';
import { controlledBecause, optionNameFor } from './parameter-policy.js';

export interface VariableInfo {
  /** Lower-case variable name. */
  name: string;
  /** As SHOW GLOBAL VARIABLES prints it. */
  value: string;
  /** information_schema VARIABLE_TYPE: BOOLEAN, INT, INT UNSIGNED, BIGINT, BIGINT UNSIGNED, DOUBLE, ENUM, SET, FLAGSET, VARCHAR. */
  type: string;
  comment: string;
  min?: string;
  max?: string;
  blockSize?: string;
  /** ENUM / SET / FLAGSET members (for FLAGSET without `default`). */
  members?: string[];
  /** Settable only at startup (applyType static). */
  readOnly: boolean;
  /** Also a session variable: SET SESSION can try a value without changing the server. */
  hasSession: boolean;
  /** The option-file name that sets it; undefined when no option does. */
  option?: string;
  /** Why berth keeps it to itself, when it does. */
  controlled?: string;
}

const INTEGER_TYPES = new Set(['INT', 'INT UNSIGNED', 'BIGINT', 'BIGINT UNSIGNED']);

/** The global system variables of the server (only `names`, lower case, when given), described. */
export async function readVariables(
  c: mysql.Connection, serverOptions: ReadonlySet<string>, names?: readonly string[],
): Promise<Map<string, VariableInfo>> {
  if (names && names.length === 0) return new Map();
  const list = names && names.map((n) => quoteString(n.toLowerCase())).join(', ');
  const [shown] = await c.query<mysql.RowDataPacket[]>(`SHOW GLOBAL VARIABLES${list ? ` WHERE Variable_name IN (${list})` : ''}`);
  const [described] = await c.query<mysql.RowDataPacket[]>(
    'SELECT LOWER(VARIABLE_NAME) AS name, VARIABLE_SCOPE AS scope, VARIABLE_TYPE AS type, VARIABLE_COMMENT AS comment, ' +
    'NUMERIC_MIN_VALUE AS min, NUMERIC_MAX_VALUE AS max, NUMERIC_BLOCK_SIZE AS block, ENUM_VALUE_LIST AS members, READ_ONLY AS readOnly ' +
    "FROM information_schema.SYSTEM_VARIABLES WHERE VARIABLE_SCOPE <> 'SESSION ONLY'" +
    (list ? ` AND LOWER(VARIABLE_NAME) IN (${list})` : ''),
  );
  const meta = new Map(described.map((row) => [String(row.name), row]));
  const variables = new Map<string, VariableInfo>();
  for (const row of shown) {
    const name = String(row.Variable_name).toLowerCase();
    const m = meta.get(name);
    if (!m) continue; // not a system variable berth can describe
    const type = String(m.type);
    const text = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
    let members = text(m.members)?.split(',').filter((s) => s !== '');
    if (type === 'FLAGSET') members = members?.filter((s) => s !== 'default');
    const controlled = controlledBecause(name);
    const option = optionNameFor(name, serverOptions);
    variables.set(name, {
      name,
      value: String(row.Value ?? ''),
      type,
      comment: String(m.comment ?? ''),
      ...(text(m.min) === undefined ? {} : { min: text(m.min) }),
      ...(text(m.max) === undefined ? {} : { max: text(m.max) }),
      ...(text(m.block) === undefined ? {} : { blockSize: text(m.block) }),
      ...(members && ['ENUM', 'SET', 'FLAGSET'].includes(type) ? { members } : {}),
      readOnly: String(m.readOnly) === 'YES',
      hasSession: String(m.scope) === 'SESSION',
      ...(option === undefined ? {} : { option }),
      ...(controlled === undefined ? {} : { controlled }),
    });
  }
  return variables;
}

export function dataTypeOf(v: Pick<VariableInfo, 'type'>): string {
  if (v.type === 'BOOLEAN') return 'boolean';
  if (INTEGER_TYPES.has(v.type)) return 'integer';
  if (v.type === 'DOUBLE') return 'float';
  if (v.type === 'SET' || v.type === 'FLAGSET') return 'list';
  return 'string';
}

export function allowedValuesOf(v: VariableInfo): string | undefined {
  if (v.type === 'BOOLEAN') return '0,1';
  if ((INTEGER_TYPES.has(v.type) || v.type === 'DOUBLE') && v.min !== undefined && v.max !== undefined) return `${v.min}-${v.max}`;
  if (v.members) return v.members.join(',');
  return undefined;
}

/** Booleans as Lightsail's MySQL shows them (0/1); everything else as the server prints it. */
export function displayedValue(v: Pick<VariableInfo, 'type' | 'value'>): string {
  if (v.type === 'BOOLEAN') return ['ON', '1', 'TRUE', 'YES'].includes(v.value.toUpperCase()) ? '1' : '0';
  return v.value;
}

export function isModifiable(v: VariableInfo): boolean {
  return v.controlled === undefined && v.option !== undefined;
}

export function describeVariable(v: VariableInfo): EngineParameter {
  const value = displayedValue(v);
  const allowed = allowedValuesOf(v);
  return {
    name: v.name,
    ...(value === '' ? {} : { value }),
    ...(allowed === undefined ? {} : { allowedValues: allowed }),
    applyType: v.readOnly ? 'static' : 'dynamic',
    dataType: dataTypeOf(v),
    description: v.comment,
    isModifiable: isModifiable(v),
  };
}

// ---- values ----

export type ValueCheck = { ok: true; value: string } | { ok: false; reason: string };

/** What `name` accepts, for error messages. */
function accepts(v: VariableInfo): string {
  const allowed = allowedValuesOf(v);
  if (v.type === 'BOOLEAN') return '0 or 1 (ON/OFF and TRUE/FALSE too)';
  if (INTEGER_TYPES.has(v.type)) {
    const block = BigInt(v.blockSize ?? '1');
    return `a whole number in ${allowed ?? 'its range'}${block > 1n ? ` that is a multiple of ${block}` : ''}`;
  }
  if (v.type === 'DOUBLE') return `a number in ${allowed ?? 'its range'}`;
  if (v.type === 'ENUM' && v.members) return `one of ${allowed}`;
  if (v.type === 'SET' && v.members) return `a comma-separated list of ${allowed} (or empty)`;
  if (v.type === 'FLAGSET' && v.members) return `flag=on|off|default pairs, comma-separated, for the flags ${allowed}`;
  return 'a single line of text without backslashes';
}

/** Check `raw` against the variable's type and range; the canonical value to persist when it passes. */
export function checkValue(v: VariableInfo, raw: string): ValueCheck {
  const bad = (): ValueCheck => ({ ok: false, reason: `${v.name} takes ${accepts(v)}, not ${JSON.stringify(raw)}` });
  const value = raw.trim();
  if (v.type === 'BOOLEAN') {
    const upper = value.toUpperCase();
    if (['1', 'ON', 'TRUE'].includes(upper)) return { ok: true, value: '1' };
    if (['0', 'OFF', 'FALSE'].includes(upper)) return { ok: true, value: '0' };
    return bad();
  }
  if (INTEGER_TYPES.has(v.type)) {
    if (!(v.type.endsWith('UNSIGNED') ? /^\d{1,20}$/ : /^-?\d{1,20}$/).test(value)) return bad();
    const n = BigInt(value);
    if ((v.min !== undefined && n < BigInt(v.min)) || (v.max !== undefined && n > BigInt(v.max))) return bad();
    const block = BigInt(v.blockSize ?? '1');
    if (block > 1n && n % block !== 0n) return bad();
    return { ok: true, value: n.toString() };
  }
  if (v.type === 'DOUBLE') {
    if (!/^-?\d{1,15}(\.\d{1,6})?$/.test(value)) return bad();
    const n = Number(value);
    if ((v.min !== undefined && n < Number(v.min)) || (v.max !== undefined && n > Number(v.max))) return bad();
    return { ok: true, value };
  }
  // ENUM and SET without a list (character sets, collations, locales): MariaDB judges the name.
  if (v.type === 'ENUM' && v.members) {
    const member = v.members?.find((m) => m.toLowerCase() === value.toLowerCase());
    return member === undefined ? bad() : { ok: true, value: member };
  }
  if (v.type === 'SET' && v.members) {
    if (value === '') return { ok: true, value: '' };
    const chosen: string[] = [];
    for (const item of value.split(',')) {
      const member = v.members?.find((m) => m.toLowerCase() === item.trim().toLowerCase());
      if (member === undefined) return bad();
      if (!chosen.includes(member)) chosen.push(member);
    }
    return { ok: true, value: chosen.join(',') };
  }
  if (v.type === 'FLAGSET' && v.members) {
    if (value.toLowerCase() === 'default') return { ok: true, value: 'default' };
    const flags: string[] = [];
    for (const item of value.split(',')) {
      const m = /^\s*([a-z_]+)\s*=\s*(on|off|default)\s*$/i.exec(item);
      const flag = m && v.members?.find((f) => f.toLowerCase() === m[1]!.toLowerCase());
      if (!m || !flag) return bad();
      flags.push(`${flag}=${m[2]!.toLowerCase()}`);
    }
    return { ok: true, value: flags.join(',') };
  }
  // VARCHAR: one line, quotable both in SQL (quoteString) and in an option file.
  if (/[\0\n\r\\]/.test(raw) || raw.length > 2048) return bad();
  return { ok: true, value: raw };
}

/** `value` as an SQL literal for SET GLOBAL / SET SESSION. */
export function sqlLiteral(v: Pick<VariableInfo, 'type'>, value: string): string {
  if (v.type === 'BOOLEAN' || INTEGER_TYPES.has(v.type) || v.type === 'DOUBLE') {
    if (!/^-?\d+(\.\d+)?$/.test(value)) throw new Error(`${JSON.stringify(value)} is not a number`);
    return value;
  }
  return quoteString(value);
}

/** Does the running value (SHOW GLOBAL VARIABLES) equal the persisted one? */
export function sameParameterValue(v: Pick<VariableInfo, 'type'>, persisted: string, running: string): boolean {
  if (v.type === 'BOOLEAN') return displayedValue({ type: v.type, value: persisted }) === displayedValue({ type: v.type, value: running });
  if (INTEGER_TYPES.has(v.type)) {
    try {
      return BigInt(persisted) === BigInt(running);
    } catch {
      return false;
    }
  }
  if (v.type === 'DOUBLE') {
    const a = Number(persisted);
    const b = Number(running);
    return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a));
  }
  if (v.type === 'SET') {
    const members = (s: string) => s.split(',').map((m) => m.trim().toUpperCase()).filter(Boolean).sort().join(',');
    return members(persisted) === members(running);
  }
  if (v.type === 'FLAGSET') {
    if (persisted.toLowerCase() === 'default') return true;
    const state = new Map(running.split(',').map((pair) => pair.split('=') as [string, string]));
    return persisted.split(',').every((pair) => {
      const [flag, value] = pair.split('=');
      return value === 'default' || state.get(flag ?? '') === value;
    });
  }
  return persisted.toLowerCase() === running.toLowerCase();
}

// ---- the catalog kept for a stopped server ----

/** The variables as JSON, with the server version they belong to. */
export function renderCatalog(serverVersion: string, variables: ReadonlyMap<string, VariableInfo>): string {
  return `${JSON.stringify({ serverVersion, variables: [...variables.values()] })}\n`;
}

/** The variables of a catalog written for `serverVersion`; undefined when it is of another version or unreadable. */
export function parseCatalog(text: string, serverVersion: string): Map<string, VariableInfo> | undefined {
  try {
    const data = JSON.parse(text) as { serverVersion?: unknown; variables?: unknown };
    if (data.serverVersion !== serverVersion || !Array.isArray(data.variables)) return undefined;
    const variables = new Map<string, VariableInfo>();
    for (const v of data.variables as VariableInfo[]) {
      if (typeof v?.name !== 'string' || typeof v.type !== 'string' || typeof v.readOnly !== 'boolean') return undefined;
      variables.set(v.name, v);
    }
    return variables;
  } catch {
    return undefined;
  }
}

// ---- parameters.cnf ----

export interface PersistedParameter {
  name: string;
  /** The option-file name (usually the variable name). */
  option: string;
  value: string;
  applyMethod: ParameterApplyMethod;
}

const MARKER = '# berth-parameter ';

export function renderParametersCnf(parameters: readonly PersistedParameter[]): string {
  const lines = [
    '# Managed by berth: the parameters set through UpdateRelationalDatabaseParameters. Do not edit.',
    '# my.cnf includes this file after berth\'s defaults and before the settings berth controls.',
    '[mariadbd]',
  ];
  for (const p of [...parameters].sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(`${MARKER}${JSON.stringify({ name: p.name, option: p.option, value: p.value, applyMethod: p.applyMethod })}`);
    lines.push(`${p.option} = ${optionValue(p.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function parseParametersCnf(text: string): PersistedParameter[] {
  const parameters: PersistedParameter[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(MARKER)) continue;
    let data: unknown;
    try {
      data = JSON.parse(line.slice(MARKER.length));
    } catch {
      throw new Error(`parameters.cnf has an unreadable line: ${line.slice(0, 200)}`);
    }
    const { name, option, value, applyMethod } = (data ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || typeof option !== 'string' || typeof value !== 'string' ||
      (applyMethod !== 'immediate' && applyMethod !== 'pending-reboot')) {
      throw new Error(`parameters.cnf has an unreadable line: ${line.slice(0, 200)}`);
    }
    parameters.push({ name, option, value, applyMethod });
  }
  return parameters;
}

// ---- changes ----

export interface AcceptedChange {
  variable: VariableInfo;
  /** Canonical value. */
  value: string;
  applyMethod: ParameterApplyMethod;
}

const normalName = (name: unknown) => String(name ?? '').trim().toLowerCase().replace(/-/g, '_');

/** Check every change against the running server's variables; all problems in one error. */
export function validateChanges(variables: ReadonlyMap<string, VariableInfo>, changes: readonly ParameterChange[]): AcceptedChange[] {
  const problems: string[] = [];
  const accepted: AcceptedChange[] = [];
  const seen = new Set<string>();
  for (const change of changes) {
    const name = normalName(change.name);
    const v = variables.get(name);
    if (!v) {
      problems.push(`unknown parameter ${JSON.stringify(change.name)}`);
      continue;
    }
    if (seen.has(name)) {
      problems.push(`parameter ${name} is given more than once`);
      continue;
    }
    seen.add(name);
    if (v.controlled !== undefined) {
      problems.push(`parameter ${name} is not modifiable: berth controls it (${v.controlled})`);
    } else if (v.option === undefined) {
      problems.push(`parameter ${name} is not modifiable: ${v.readOnly ? 'the server fixes it' : 'no configuration file option sets it (it exists per session only)'}`);
    } else if (change.applyMethod !== 'immediate' && change.applyMethod !== 'pending-reboot') {
      problems.push(`parameter ${name}: applyMethod must be immediate or pending-reboot, not ${JSON.stringify(change.applyMethod)}`);
    } else if (change.applyMethod === 'immediate' && v.readOnly) {
      problems.push(`parameter ${name} is static: it can only be applied with applyMethod pending-reboot (it takes effect at the next reboot)`);
    } else {
      const checked = checkValue(v, String(change.value ?? ''));
      if (checked.ok) accepted.push({ variable: v, value: checked.value, applyMethod: change.applyMethod });
      else problems.push(`invalid value for parameter ${checked.reason}`);
    }
  }
  if (problems.length > 0) throw new EngineInputError(problems.join('; '));
  return accepted;
}

/** The persisted parameters after `accepted`: a name set again replaces its earlier value and apply method. */
export function mergeParameters(persisted: readonly PersistedParameter[], accepted: readonly AcceptedChange[]): PersistedParameter[] {
  const byName = new Map(persisted.map((p) => [p.name, p]));
  for (const a of accepted) {
    byName.set(a.variable.name, { name: a.variable.name, option: a.variable.option!, value: a.value, applyMethod: a.applyMethod });
  }
  return [...byName.values()];
}

/** Command-line options for mariadbd --help (later ones override earlier ones). */
export function optionArguments(parameters: ReadonlyArray<Pick<PersistedParameter, 'option' | 'value'>>): string[] {
  return parameters.map((p) => `--${p.option}=${p.value}`);
}

/**
 * MariaDB's own verdict on values it can try without changing the server:
 * SET SESSION on a connection of their own (thrown away after), for the
 * variables that have a session scope. Warnings count as refusals (a value
 * the server would silently adjust).
 */
export async function trySessionValues(c: mysql.Connection, accepted: readonly AcceptedChange[]): Promise<string[]> {
  const problems: string[] = [];
  for (const a of accepted) {
    if (!a.variable.hasSession) continue;
    try {
      await c.query(`SET SESSION ${a.variable.name} = ${sqlLiteral(a.variable, a.value)}`);
      const warnings = await refusingWarnings(c);
      if (warnings.length > 0) problems.push(`${a.variable.name} = ${JSON.stringify(a.value)}: ${warnings.join('; ')}`);
    } catch (err) {
      problems.push(`${a.variable.name} = ${JSON.stringify(a.value)}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** SHOW WARNINGS of the last statement, without notes and deprecation notices. */
export async function refusingWarnings(c: mysql.Connection): Promise<string[]> {
  const [rows] = await c.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
  return rows
    .filter((w) => String(w.Level) !== 'Note' && Number(w.Code) !== 1287)
    .map((w) => `${w.Level} ${w.Code}: ${w.Message}`);
}

/**
 * SET GLOBAL the immediate changes on `c`, each checked for warnings; on the
 * first refusal the ones already set get their previous values back (kept in
 * session variables, so no value is re-quoted) and the error says why.
 * Returns an undo for the caller to run when a later step fails.
 */
export async function setGlobals(c: mysql.Connection, accepted: readonly AcceptedChange[]): Promise<() => Promise<void>> {
  const done: Array<{ name: string; saved: string }> = [];
  const undo = async () => {
    for (const { name, saved } of done.reverse()) await c.query(`SET GLOBAL ${name} = ${saved}`).catch(() => undefined);
  };
  let k = 0;
  for (const a of accepted) {
    if (a.applyMethod !== 'immediate') continue;
    const name = a.variable.name;
    if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`parameter name ${name} cannot be set`);
    const saved = `@berth_previous_${k++}`;
    await c.query(`SET ${saved} = @@GLOBAL.${name}`);
    try {
      await c.query(`SET GLOBAL ${name} = ${sqlLiteral(a.variable, a.value)}`);
      done.push({ name, saved });
      const warnings = await refusingWarnings(c);
      if (warnings.length > 0) throw new Error(warnings.join('; '));
    } catch (err) {
      await undo();
      throw new EngineInputError(`MariaDB refuses ${name} = ${JSON.stringify(a.value)} (allowed: ${accepts(a.variable)}): ${(err as Error).message}`);
    }
  }
  return undo;
}
