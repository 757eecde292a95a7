/**
 * The global system variables of a running MariaDB server (SHOW GLOBAL
 * VARIABLES joined with information_schema.SYSTEM_VARIABLES), described as
 * the engine parameters GetRelationalDatabaseParameters lists.
 */
import type mysql from 'mysql2/promise';
import type { EngineParameter } from '../observability.js';
import { quoteString } from './admin-connection.js';
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

export const INTEGER_TYPES = new Set(['INT', 'INT UNSIGNED', 'BIGINT', 'BIGINT UNSIGNED']);

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
