/**
 * Live figures of a running MariaDB server, in one statement.
 *
 * connections: the sessions in the process list that came over TCP. Every
 * session over the private unix socket is berth's (its directory is 0700 and
 * owned by the service user, and the admin account authenticates by the
 * peer's uid): those show host `localhost` (TCP sessions show `ip:port`, the
 * server resolves no names), and so do the server's own daemon threads
 * (event scheduler); replication threads show `system user`.
 *
 * bytesReceived / bytesSent: the server's global Bytes_received / Bytes_sent,
 * exact and cumulative since it started (the live sessions' counts included).
 * They count every session's protocol traffic, berth's admin sessions over the
 * socket included: MariaDB keeps no per-account byte counter that could be
 * subtracted exactly (userstat's USER_STATISTICS leaves out the handshake and
 * can be flushed), so berth reports the server's own figures. One stats() call
 * adds about 760 bytes (≈ 500 received, ≈ 260 sent), ≈ 13 bytes per second
 * at one call a minute; reading all parameters adds ≈ 100 KB sent.
 */
import type mysql from 'mysql2/promise';
import type { EngineStats } from '../observability.js';

export async function readStats(c: mysql.Connection): Promise<EngineStats> {
  const [rows] = await c.query<mysql.RowDataPacket[]>(
    'SELECT ' +
    "(SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE HOST <> 'localhost' AND USER <> 'system user' AND COMMAND <> 'Daemon') AS connections, " +
    "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'BYTES_RECEIVED') AS received, " +
    "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'BYTES_SENT') AS sent",
  );
  const row = rows[0];
  const count = (v: unknown) => {
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  const connections = count(row?.connections);
  if (connections === undefined) throw new Error('the server reported no process list');
  const bytesReceived = count(row?.received);
  const bytesSent = count(row?.sent);
  return {
    connections,
    ...(bytesReceived === undefined ? {} : { bytesReceived }),
    ...(bytesSent === undefined ? {} : { bytesSent }),
  };
}
