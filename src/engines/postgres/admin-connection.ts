/**
 * berth's administrative path into an instance: role `berth_admin` over the
 * private unix socket (trust; the socket dir is 0700 and owned by the service
 * user). Also the SQL that manages the master user.
 */
import pg from 'pg';
import { ADMIN_ROLE } from './template.js';
import { scramSha256Verifier } from './scram.js';

export interface AdminTarget {
  socketDir: string;
  port: number;
}

/**
 * Session settings of berth's admin sessions, whatever the parameters users
 * set (UpdateRelationalDatabaseParameters): no timeouts that would cut
 * berth's work short, writable transactions, string literals as
 * quoteLiteral() writes them, timestamps node-postgres parses, and berth's
 * own statements (role passwords as SCRAM verifiers among them) kept out of
 * the server log even when users log every statement.
 */
export const ADMIN_SESSION_SETTINGS: Readonly<Record<string, string>> = {
  statement_timeout: '0',
  lock_timeout: '0',
  idle_in_transaction_session_timeout: '0',
  idle_session_timeout: '0',
  default_transaction_read_only: 'off',
  // Catalog names only: a schema a user put first cannot shadow pg_catalog's functions.
  search_path: 'pg_catalog',
  standard_conforming_strings: 'on',
  DateStyle: 'ISO',
  IntervalStyle: 'postgres',
  log_statement: 'none',
  log_min_duration_statement: '-1',
  log_duration: 'off',
  log_disconnections: 'off',
};

/** Settings of newer majors only (an unknown name in the startup packet fails the connection). */
export function adminSessionSettingsFor(major: number | undefined): Readonly<Record<string, string>> {
  return major !== undefined && major >= 17 ? { ...ADMIN_SESSION_SETTINGS, transaction_timeout: '0' } : ADMIN_SESSION_SETTINGS;
}

/** The libpq `options` string setting `settings` (values must not contain spaces or backslashes). */
export function adminSessionOptions(settings: Readonly<Record<string, string>> = ADMIN_SESSION_SETTINGS): string {
  return Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
}

export async function withAdminClient<T>(
  target: AdminTarget,
  use: (client: pg.Client) => Promise<T>,
  {
    database = 'postgres',
    connectTimeoutMs = 10_000,
    plain = false,
    major,
  }: {
    database?: string;
    connectTimeoutMs?: number;
    /** Without ADMIN_SESSION_SETTINGS: the session sees what the configuration files set. */
    plain?: boolean;
    /** Server major version, for the session settings only newer majors know. */
    major?: number;
  } = {},
): Promise<T> {
  const client = new pg.Client({
    host: target.socketDir,
    port: target.port,
    user: ADMIN_ROLE,
    database,
    application_name: 'berth',
    connectionTimeoutMillis: connectTimeoutMs,
    ...(plain ? {} : { options: adminSessionOptions(adminSessionSettingsFor(major)) }),
  });
  // An error event after connect (server shut down under us) must not crash berth.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A quoted SQL identifier ("a""b"). */
export function quoteIdentifier(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL byte');
  return `"${name.replace(/"/g, '""')}"`;
}

/** A standard SQL string literal ('it''s'), for utility statements that take no bind parameters. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('literal contains a NUL byte');
  return `'${value.replace(/'/g, "''")}'`;
}

/** Roles RDS's rds_superuser implies, short of real superuser. */
export const MASTER_ROLE_MEMBERSHIPS = ['pg_monitor', 'pg_signal_backend'];

export function assertUsableMasterUsername(name: string): void {
  if (name === ADMIN_ROLE) throw new Error(`master username ${name} is reserved for berth`);
  if (name.startsWith('pg_')) throw new Error(`master username ${name}: names starting with pg_ are reserved by PostgreSQL`);
  if (name.length === 0 || Buffer.byteLength(name) > 63) throw new Error(`master username must be 1 to 63 bytes`);
}

const DUPLICATE_OBJECT = '42710';
const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';

/** Create (or repair) the master role with a password given only as a SCRAM verifier. */
export async function ensureMasterRole(client: pg.Client, username: string, password: string): Promise<void> {
  assertUsableMasterUsername(username);
  const role = quoteIdentifier(username);
  const verifier = quoteLiteral(scramSha256Verifier(password));
  const attributes = 'LOGIN CREATEDB CREATEROLE NOSUPERUSER';
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
  let created = false;
  if (exists.rowCount === 0) {
    try {
      await client.query(`CREATE ROLE ${role} ${attributes} PASSWORD ${verifier}`);
      created = true;
    } catch (err) {
      if (!isPgError(err, DUPLICATE_OBJECT, UNIQUE_VIOLATION)) throw err;
    }
  }
  if (!created) await client.query(`ALTER ROLE ${role} ${attributes} PASSWORD ${verifier}`);
  await client.query(`GRANT ${MASTER_ROLE_MEMBERSHIPS.join(', ')} TO ${role}`);
}

export async function setRolePassword(client: pg.Client, username: string, password: string): Promise<void> {
  assertUsableMasterUsername(username);
  await client.query(`ALTER ROLE ${quoteIdentifier(username)} PASSWORD ${quoteLiteral(scramSha256Verifier(password))}`);
}

/** Create the database owned by `owner` when missing (an existing one keeps its owner). */
export async function ensureDatabase(client: pg.Client, name: string, owner: string): Promise<void> {
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount !== 0) return;
  try {
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)} OWNER ${quoteIdentifier(owner)}`);
  } catch (err) {
    if (!isPgError(err, DUPLICATE_DATABASE, UNIQUE_VIOLATION)) throw err;
  }
}

function isPgError(err: unknown, ...codes: string[]): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && codes.includes(code);
}
