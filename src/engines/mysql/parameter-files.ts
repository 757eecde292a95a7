/**
 * parameters.cnf is the record of what was set: every value with the apply
 * method it was given, as a `# berth-parameter {json}` comment over the
 * option line. `pending-reboot` values are only written there (the server
 * reads them at its next start); `immediate` ones are also SET GLOBAL now.
 * parameter-catalog.json keeps the variables as the server last described
 * them, to check changes made while it is stopped.
 */
import type { ParameterApplyMethod } from '../observability.js';
import { optionValue } from './config-files.js';
import type { VariableInfo } from './system-variables.js';

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
