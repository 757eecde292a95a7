import { spawnSync } from 'node:child_process';
import type { Endpoint } from './clients.js';
import { withVerifiedClient } from './clients.js';
import { withMysql } from './mysql.js';

export type TestEngine = 'postgres' | 'mysql';

/**
 * Whether berth can run the engine on this machine (MariaDB must be installed
 * for the mysql engine). Outside CI a missing engine skips its suites; with
 * CI=true it is a failure.
 */
export function engineAvailable(engine: TestEngine): boolean {
  if (engine === 'postgres') return true;
  const found = spawnSync('mariadbd', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!found && process.env.CI === 'true') throw new Error('MariaDB (mariadbd) is required in CI for the mysql engine suites');
  return found;
}

export const ENGINE_BLUEPRINT: Record<TestEngine, string> = { postgres: 'postgres_17', mysql: 'mariadb_10_11' };

export const NOTES_TABLE: Record<TestEngine, string> = {
  postgres: 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)',
  mysql: 'CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(200) NOT NULL)',
};

/** One statement over a verified TLS connection with the engine's own client; returns the rows. */
export async function sql(engine: TestEngine, endpoint: Endpoint, ca: string, statement: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  if (engine === 'postgres') {
    const numbered = statement.replace(/\?/g, (() => { let n = 0; return () => `$${++n}`; })());
    return withVerifiedClient(endpoint, ca, async (client) => (await client.query(numbered, params)).rows);
  }
  return withMysql(endpoint, ca, async (connection) => {
    const [rows] = await connection.query(statement, params);
    return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
  });
}
