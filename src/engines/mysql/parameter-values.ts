/**
 * Parameter values checked against a variable's type and range before MariaDB
 * sees them, and compared with what the server reports once set.
 */
import { quoteString } from './admin-connection.js';
import { allowedValuesOf, displayedValue, INTEGER_TYPES, type VariableInfo } from './system-variables.js';

export type ValueCheck = { ok: true; value: string } | { ok: false; reason: string };

/** What `name` accepts, for error messages. */
export function accepts(v: VariableInfo): string {
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
