/**
 * Where an instance's files live. Everything is derived from the spec, so a
 * restarted berth finds (and re-adopts) what an earlier berth created.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { InstanceSpec } from '../driver.js';

export interface PostgresInstancePaths {
  dataDir: string;
  /** PGDATA */
  pgdata: string;
  /** Where a copy from the template lands before it is renamed to pgdata. */
  pgdataCopy: string;
  /** Directory of the private unix socket (0700, owned by the service user). */
  socketDir: string;
  /** True when socketDir lives under /tmp because dataDir is too long for a socket path. */
  socketDirInTmp: boolean;
  startupLog: string;
  /** Server log directory (logging_collector). */
  logDir: string;
  berthConf: string;
  postgresqlConf: string;
  hbaConf: string;
  certFile: string;
  keyFile: string;
  pidFile: string;
}

/** sun_path is 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** The socket file PostgreSQL creates; sized with the longest port so the dir never moves with the port. */
function socketFile(dir: string): string {
  return path.join(dir, '.s.PGSQL.65535');
}

export function socketDirFor(dataDir: string): { dir: string; inTmp: boolean } {
  const preferred = path.join(dataDir, 'run');
  if (Buffer.byteLength(socketFile(preferred)) <= MAX_SOCKET_PATH_BYTES) return { dir: preferred, inTmp: false };
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 20);
  return { dir: path.join('/tmp', `berth-pg-${hash}`), inTmp: true };
}

export function postgresInstancePaths(spec: Pick<InstanceSpec, 'dataDir'>): PostgresInstancePaths {
  const dataDir = path.resolve(spec.dataDir);
  const pgdata = path.join(dataDir, 'pgdata');
  const socket = socketDirFor(dataDir);
  return {
    dataDir,
    pgdata,
    pgdataCopy: path.join(dataDir, '.pgdata.copying'),
    socketDir: socket.dir,
    socketDirInTmp: socket.inTmp,
    startupLog: path.join(dataDir, 'startup.log'),
    logDir: path.join(pgdata, 'log'),
    berthConf: path.join(pgdata, 'berth.conf'),
    postgresqlConf: path.join(pgdata, 'postgresql.conf'),
    hbaConf: path.join(pgdata, 'pg_hba.conf'),
    certFile: path.join(pgdata, 'server.crt'),
    keyFile: path.join(pgdata, 'server.key'),
    pidFile: path.join(pgdata, 'postmaster.pid'),
  };
}
