import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

export const execFileAsync = promisify(execFile);

export interface Endpoint {
  port: number;
  user: string;
  database: string;
  password: string;
}

/** A node-postgres client with sslmode=verify-full semantics against `ca`. */
export async function connectVerified(endpoint: Endpoint, ca: string, host = 'localhost'): Promise<pg.Client> {
  const client = new pg.Client({
    host,
    port: endpoint.port,
    user: endpoint.user,
    database: endpoint.database,
    password: endpoint.password,
    ssl: { ca, servername: host, rejectUnauthorized: true },
    connectionTimeoutMillis: 10_000,
  });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

export async function withVerifiedClient<T>(endpoint: Endpoint, ca: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectVerified(endpoint, ca);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Whether a command-line tool the tests drive is installed. Outside CI a
 * missing tool skips its test; with CI=true it is a failure, never a skip.
 */
export async function hasTool(command: string, args: string[] = ['--version']): Promise<boolean> {
  try {
    await execFileAsync(command, args, { timeout: 60_000 });
    return true;
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`${command} is required in CI but is not usable: ${String(error)}`);
    return false;
  }
}
