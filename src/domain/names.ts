/**
 * Names: database and snapshot resource names, the master user name and the
 * master database name. Pure validators that throw InvalidInputException with
 * a message saying what is wrong and what is allowed.
 */

import { InvalidInputException } from '../api/errors.js';
import {
  BERTH_RESERVED_PREFIX,
  ENGINE_DISPLAY_NAMES,
  MASTER_DATABASE_NAME_MAX_LENGTH,
  MASTER_USERNAME_MAX_LENGTH,
  RESOURCE_NAME_MAX_LENGTH,
  RESOURCE_NAME_MIN_LENGTH,
  type Engine,
} from './constants.js';
import { quote, typeName } from './describe.js';
import { isReservedWord } from './reserved-words.js';

/**
 * Database and snapshot names: 2-255 characters, letters, digits, hyphens and
 * underscores, first and last a letter or digit. (The model's `\w[\w\-]*\w`
 * lets `_` through although the prose says "alphanumeric characters, or
 * hyphens"; we follow the model, contract §4.5 / §7.18.)
 */
export const RESOURCE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,253}[A-Za-z0-9]$/;

/** Master user and master database names: a letter, then letters, digits, underscores. */
export const SQL_IDENTIFIER_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Master user names PostgreSQL or berth keep for themselves (lower case; compared case-insensitively). */
export const POSTGRES_RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  'public', // "role name "public" is reserved"
  'none', // "role name "none" is reserved"
]);

/** Master user names MySQL/MariaDB keep for their own accounts (lower case; compared case-insensitively). */
export const MYSQL_RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  'root',
  'mysql',
  'mariadb.sys',
  'mysql.sys',
  'mysql.session',
  'mysql.infoschema',
  'public',
]);

/** Database names the engine keeps for itself (lower case; compared case-insensitively). */
export const RESERVED_DATABASE_NAMES: Readonly<Record<Engine, ReadonlySet<string>>> = {
  postgres: new Set(['template0', 'template1']),
  mysql: new Set(['mysql', 'information_schema', 'performance_schema', 'sys']),
};

const RESOURCE_NAME_RULE =
  `must be ${RESOURCE_NAME_MIN_LENGTH} to ${RESOURCE_NAME_MAX_LENGTH} characters: letters, digits, hyphens or underscores, ` +
  'starting and ending with a letter or digit.';

function invalid(member: string, value: string, problem: string | undefined, rule: string): InvalidInputException {
  return new InvalidInputException(`Invalid ${member} ${quote(value)}: ${problem ? `${problem}; ` : ''}${rule}`);
}

function requireString(value: unknown, member: string, rule: string): string {
  if (value === undefined || value === null) {
    throw new InvalidInputException(`Missing ${member}: it is required and ${rule}`);
  }
  if (typeof value !== 'string') {
    throw new InvalidInputException(`Invalid ${member}: expected a string, got ${typeName(value)}; it ${rule}`);
  }
  return value;
}

/** The first character of `value` not matched by `allowed`, described for a message. */
function firstBadChar(value: string, allowed: RegExp): string | undefined {
  for (const ch of value) {
    if (!allowed.test(ch)) {
      const cp = ch.codePointAt(0) ?? 0;
      if (ch === ' ') return 'contains a space';
      if (cp < 0x20 || cp === 0x7f) return `contains the control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
      return `contains ${quote(ch)}`;
    }
  }
  return undefined;
}

const ALNUM = /^[A-Za-z0-9]$/;
const RESOURCE_CHAR = /^[A-Za-z0-9_-]$/;
const IDENT_CHAR = /^[A-Za-z0-9_]$/;
const LETTER = /^[A-Za-z]$/;

/**
 * Validates a database or snapshot name (`relationalDatabaseName`,
 * `relationalDatabaseSnapshotName`, `finalRelationalDatabaseSnapshotName`, ...).
 * `memberName` is the request member, used in the message. Returns the name.
 */
export function validateResourceName(value: unknown, memberName: string): string {
  const name = requireString(value, memberName, RESOURCE_NAME_RULE);
  if (RESOURCE_NAME_PATTERN.test(name)) return name;
  let problem: string | undefined;
  if (name.length === 0) problem = 'it is empty';
  else problem = firstBadChar(name, RESOURCE_CHAR);
  if (!problem) {
    if (name.length < RESOURCE_NAME_MIN_LENGTH) problem = `it is ${name.length} character long`;
    else if (name.length > RESOURCE_NAME_MAX_LENGTH) problem = `it is ${name.length} characters long`;
    else if (!ALNUM.test(name[0] ?? '')) problem = `it starts with ${quote(name[0] ?? '')}`;
    else problem = `it ends with ${quote(name[name.length - 1] ?? '')}`;
  }
  throw invalid(memberName, name, problem, RESOURCE_NAME_RULE);
}

function identifierRule(maxLength: number, engine: Engine): string {
  return `must be 1 to ${maxLength} letters, digits or underscores, starting with a letter (${ENGINE_DISPLAY_NAMES[engine]}).`;
}

/** Format and length of a master user / database name; returns the problem or undefined. */
function identifierProblem(name: string, maxLength: number): string | undefined {
  if (name.length === 0) return 'it is empty';
  const bad = firstBadChar(name, IDENT_CHAR);
  if (bad) return bad;
  if (!LETTER.test(name[0] ?? '')) return `it starts with ${quote(name[0] ?? '')}, not a letter`;
  if (name.length > maxLength) return `it is ${name.length} characters long`;
  return undefined;
}

/** The checks master user and database names share: format, length, reserved words. */
function checkIdentifier(value: unknown, member: string, maxLength: number, engine: Engine, alternative: string) {
  const rule = identifierRule(maxLength, engine);
  const name = requireString(value, member, rule);
  const problem = identifierProblem(name, maxLength);
  if (problem) throw invalid(member, name, problem, rule);
  const lower = name.toLowerCase();
  const engineName = ENGINE_DISPLAY_NAMES[engine];
  if (isReservedWord(lower, engine)) {
    throw invalid(member, name, `${quote(lower)} is a reserved word in ${engineName}`, alternative);
  }
  return { name, lower, engineName };
}

/**
 * Validates `masterUsername` for an engine: 1-63 (PostgreSQL) or 1-16 (MySQL)
 * letters, digits or underscores starting with a letter; not a reserved word
 * of the engine; not a name the engine or berth keeps for itself
 * (PostgreSQL: `pg_*`, `public`, `none`; MySQL: `root`, `mysql`, `mariadb.sys`,
 * `mysql.sys`, `mysql.session`, `mysql.infoschema`, `PUBLIC`; both: `berth_*`).
 * All reserved-name checks are case-insensitive. `postgres` is allowed (as RDS
 * allows it). Returns the name unchanged.
 */
export function validateMasterUsername(value: unknown, engine: Engine): string {
  const member = 'masterUsername';
  const alternative = 'choose another name (for example dbmasteruser).';
  const { name, lower, engineName } = checkIdentifier(value, member, MASTER_USERNAME_MAX_LENGTH[engine], engine, alternative);
  if (lower.startsWith(BERTH_RESERVED_PREFIX)) {
    throw invalid(member, name, `names starting with '${BERTH_RESERVED_PREFIX}' are reserved for berth's own accounts`, alternative);
  }
  if (engine === 'postgres') {
    if (lower.startsWith('pg_')) {
      throw invalid(member, name, "names starting with 'pg_' are reserved for PostgreSQL's system roles", alternative);
    }
    if (POSTGRES_RESERVED_USERNAMES.has(lower)) {
      throw invalid(member, name, `${quote(lower)} is a role name reserved by PostgreSQL`, alternative);
    }
  } else if (MYSQL_RESERVED_USERNAMES.has(lower)) {
    throw invalid(member, name, `${quote(lower)} is reserved for ${engineName}'s own accounts`, alternative);
  }
  return name;
}

/**
 * Validates `masterDatabaseName` for an engine: 1-63 (PostgreSQL) or 1-64
 * (MySQL) letters, digits or underscores starting with a letter; not a
 * reserved word of the engine; not a system database (PostgreSQL `template0`,
 * `template1`; MySQL `mysql`, `information_schema`, `performance_schema`,
 * `sys`) and not `berth_*`. Case-insensitive. PostgreSQL's `postgres` is
 * allowed: it is Lightsail's default and already exists in every cluster.
 * Returns the name unchanged.
 */
export function validateMasterDatabaseName(value: unknown, engine: Engine): string {
  const member = 'masterDatabaseName';
  const alternative = 'choose another name (for example dbmaster).';
  const { name, lower, engineName } = checkIdentifier(value, member, MASTER_DATABASE_NAME_MAX_LENGTH[engine], engine, alternative);
  if (RESERVED_DATABASE_NAMES[engine].has(lower)) {
    throw invalid(member, name, `${quote(lower)} is a system database of ${engineName}`, alternative);
  }
  if (lower.startsWith(BERTH_RESERVED_PREFIX)) {
    throw invalid(member, name, `names starting with '${BERTH_RESERVED_PREFIX}' are reserved for berth`, alternative);
  }
  return name;
}
