/**
 * berth's administrative path into an instance: the admin account (named
 * after the OS user berth runs as, `root` when root) over the private unix
 * socket with `unix_socket` authentication: the server checks the peer's uid
 * (SO_PEERCRED); no password exists. Also the SQL that manages the master user.
 */
import mysql from 'mysql2/promise';
import { nativePasswordHash } from './native-password.js';

export interface AdminTarget {
  socket: string;
  /** The MariaDB account, named like the OS user berth runs as. */
  account: string;
}

/**
 * `unix_socket` needs no data from the client: when the server switches to it
 * (an account whose first method is unix_socket), answer with an empty packet.
 */
const UNIX_SOCKET_AUTH = { unix_socket: () => () => Buffer.alloc(0) };

export async function withAdminConnection<T>(
  target: AdminTarget,
  use: (connection: mysql.Connection) => Promise<T>,
  { connectTimeoutMs = 10_000 }: { connectTimeoutMs?: number } = {},
): Promise<T> {
  const connection = await mysql.createConnection({
    socketPath: target.socket,
    user: target.account,
    authPlugins: UNIX_SOCKET_AUTH,
    connectTimeout: connectTimeoutMs,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  // An error event after connect (server shut down under us) must not crash berth.
  connection.on('error', () => undefined);
  try {
    return await use(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

/** A quoted identifier (`a``b`). */
export function quoteIdentifier(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL byte');
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * A string literal quoted the way every sql_mode reads alike (quotes doubled,
 * no backslash escapes, so NO_BACKSLASH_ESCAPES cannot change its meaning).
 */
export function quoteString(value: string): string {
  if (/[\0\\]/.test(value)) throw new Error(`string ${JSON.stringify(value)} contains a backslash or NUL byte`);
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * What the master user may do, after RDS MySQL's master user (MariaDB names;
 * REPLICATION CLIENT is BINLOG MONITOR there), plus DELETE HISTORY for
 * system-versioned tables. Not granted: SUPER and the privileges split out of
 * it (CONNECTION ADMIN, SET USER, READ_ONLY ADMIN, BINLOG ADMIN/REPLAY,
 * REPLICATION MASTER/SLAVE ADMIN, SLAVE MONITOR, FEDERATED ADMIN), FILE,
 * SHUTDOWN, CREATE TABLESPACE.
 */
export const MASTER_PRIVILEGES = [
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'RELOAD', 'PROCESS', 'REFERENCES', 'INDEX', 'ALTER',
  'SHOW DATABASES', 'CREATE TEMPORARY TABLES', 'LOCK TABLES', 'EXECUTE', 'REPLICATION SLAVE', 'BINLOG MONITOR',
  'CREATE VIEW', 'SHOW VIEW', 'CREATE ROUTINE', 'ALTER ROUTINE', 'CREATE USER', 'EVENT', 'TRIGGER', 'DELETE HISTORY',
] as const;

/** Accounts the server or berth own. */
const RESERVED_ACCOUNTS = ['root', 'mysql', 'mariadb.sys', 'public', 'none'];

export function assertUsableMasterUsername(name: string, adminAccount: string): void {
  const lower = name.toLowerCase();
  if (name.length === 0 || [...name].length > 80) throw new Error('master username must be 1 to 80 characters');
  if (lower === adminAccount.toLowerCase() || lower.startsWith('berth_')) {
    throw new Error(`master username ${name} is reserved for berth`);
  }
  if (RESERVED_ACCOUNTS.includes(lower)) throw new Error(`master username ${name} is reserved for MariaDB's own accounts`);
}

const masterAccount = (username: string) => `${quoteString(username)}@'%'`;

/**
 * Create (or repair) the master account: any host, TLS required, the
 * password given only as its mysql_native_password hash, MASTER_PRIVILEGES
 * on everything with GRANT OPTION.
 */
export async function ensureMasterAccount(connection: mysql.Connection, username: string, password: string, adminAccount: string): Promise<void> {
  assertUsableMasterUsername(username, adminAccount);
  const account = masterAccount(username);
  const hash = quoteString(nativePasswordHash(password));
  await connection.query(`CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY PASSWORD ${hash} REQUIRE SSL`);
  // An existing account converges too: password, TLS requirement, privileges.
  await connection.query(`ALTER USER ${account} IDENTIFIED BY PASSWORD ${hash} REQUIRE SSL`);
  await connection.query(`GRANT ${MASTER_PRIVILEGES.join(', ')} ON *.* TO ${account} WITH GRANT OPTION`);
}

export async function setAccountPassword(connection: mysql.Connection, username: string, password: string, adminAccount: string): Promise<void> {
  assertUsableMasterUsername(username, adminAccount);
  await connection.query(`ALTER USER ${masterAccount(username)} IDENTIFIED BY PASSWORD ${quoteString(nativePasswordHash(password))}`);
}

/** Create the database when missing (utf8mb4, the server's character set). */
export async function ensureDatabase(connection: mysql.Connection, name: string): Promise<void> {
  await connection.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(name)} CHARACTER SET utf8mb4`);
}

/** SHOW GLOBAL VARIABLES as a map (optionally only `names`). */
export async function globalVariables(connection: mysql.Connection, names?: readonly string[]): Promise<Map<string, string>> {
  const where = names && names.length > 0 ? ` WHERE Variable_name IN (${names.map(quoteString).join(', ')})` : '';
  const [rows] = await connection.query<mysql.RowDataPacket[]>(`SHOW GLOBAL VARIABLES${where}`);
  return new Map(rows.map((row) => [String(row.Variable_name), String(row.Value)]));
}
