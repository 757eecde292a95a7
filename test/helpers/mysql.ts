import mysql from 'mysql2/promise';
import type { Endpoint } from './clients.js';

/**
 * A mysql2 connection as a careful client opens it: TLS required, the
 * server certificate verified against `ca` and the host name checked
 * (the equivalent of --ssl-verify-server-cert / sslmode=verify-full).
 */
export async function connectMysqlVerified(endpoint: Endpoint, ca: string, host = 'localhost'): Promise<mysql.Connection> {
  const connection = await mysql.createConnection({
    host,
    port: endpoint.port,
    user: endpoint.user,
    password: endpoint.password,
    database: endpoint.database,
    connectTimeout: 10_000,
    ssl: { ca, rejectUnauthorized: true, verifyIdentity: true },
  });
  connection.on('error', () => undefined);
  return connection;
}

export async function withMysql<T>(endpoint: Endpoint, ca: string, work: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await connectMysqlVerified(endpoint, ca);
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}
