/**
 * The settings of a running PostgreSQL server (pg_settings), described as the
 * engine parameters GetRelationalDatabaseParameters lists.
 */
import type pg from 'pg';
import type { EngineParameter } from '../observability.js';
import { berthControlReason, HIDDEN_VALUES, RESTRICTIONS } from './parameter-policy.js';

/** Settings whose value is a comma-separated list. */
const LIST_PARAMETERS = new Set([
  'search_path', 'shared_preload_libraries', 'session_preload_libraries', 'local_preload_libraries', 'temp_tablespaces',
  'listen_addresses', 'unix_socket_directories', 'log_destination', 'datestyle', 'debug_io_direct',
]);

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

export const DYNAMIC_CONTEXTS = new Set(['user', 'superuser', 'sighup', 'backend', 'superuser-backend']);

export async function readSettings(client: pg.Client): Promise<SettingRow[]> {
  const result = await client.query<SettingRow>(
    `SELECT name, setting, unit, vartype, context, enumvals, min_val, max_val, short_desc, source
       FROM pg_settings ORDER BY lower(name)`,
  );
  return result.rows;
}

export interface Limits {
  /** superuser_reserved_connections + reserved_connections (PostgreSQL 16+). */
  reservedConnections: number;
  /** Where the server loads libraries from. */
  pkglibdir: string | undefined;
}

export async function readLimits(client: pg.Client, settings: SettingRow[]): Promise<Limits> {
  const value = (name: string) => Number(settings.find((s) => s.name === name)?.setting ?? 0);
  const libdir = await client.query<{ setting: string }>(`SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'`);
  return {
    reservedConnections: value('superuser_reserved_connections') + value('reserved_connections'),
    pkglibdir: libdir.rows[0]?.setting,
  };
}

export function allowedValues(row: SettingRow, limits: Limits): string | undefined {
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
