/**
 * Engine parameters of a MariaDB instance: described from the running server
 * (SHOW GLOBAL VARIABLES joined with information_schema.SYSTEM_VARIABLES),
 * changed through berth's own option file `parameters.cnf`, which my.cnf
 * includes after berth's defaults and before the settings berth controls
 * (config-files.ts renderMyCnf), so a parameter overrides a default (the
 * buffer pool berth derives from the bundle...) but never a controlled
 * setting (parameter-policy.ts).
 *
 * The variables are read in system-variables.ts, values checked in
 * parameter-values.ts, and what was set is kept in parameter-files.ts.
 */
import { EngineInputError } from '../observability.js';
import type mysql from 'mysql2/promise';
import type { ParameterApplyMethod, ParameterChange } from '../observability.js';
import type { PersistedParameter } from './parameter-files.js';
import { accepts, checkValue, sqlLiteral } from './parameter-values.js';
import type { VariableInfo } from './system-variables.js';

export {
  allowedValuesOf, dataTypeOf, describeVariable, displayedValue, isModifiable, readVariables, type VariableInfo,
} from './system-variables.js';
export { checkValue, sameParameterValue, sqlLiteral, type ValueCheck } from './parameter-values.js';
export {
  parseCatalog, parseParametersCnf, renderCatalog, renderParametersCnf, type PersistedParameter,
} from './parameter-files.js';

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
