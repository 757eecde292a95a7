/**
 * Where a MariaDB instance's files live. Everything is derived from the spec,
 * so a restarted berth finds (and re-adopts) what an earlier berth created.
 *
 *   <dataDir>/my.cnf          the only configuration the server reads
 *   <dataDir>/parameters.cnf  the parameters set through the API, included by my.cnf
 *   <dataDir>/parameter-catalog.json  the server's variables when it last ran (parameters set while it is stopped)
 *   <dataDir>/data/           datadir (copied from the template, or from a backup)
 *   <dataDir>/binlog/         binary logs (mariadb-bin.NNNNNN) and their index: the source of
 *                             the continuous archive, outside the datadir so a backup never carries them
 *   <dataDir>/archiving.json  where setArchiving archives into (absent: archiving off)
 *   <dataDir>/replication.json  the instance's part in replication (absent: a primary alone)
 *   <dataDir>/replication-ca.pem  the CAs a standby verifies its primary against
 *   <dataDir>/relay/          a standby's relay logs
 *   <dataDir>/tls/            server certificate and key
 *   <dataDir>/log/            error log, general and slow query logs
 *   <dataDir>/files/          secure_file_priv: the only place FILE may touch
 *   <dataDir>/tmp/            tmpdir
 *   <dataDir>/run/            socket and pid file (0700), or /tmp/berth-mysql-<hash>
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { InstanceSpec } from '../driver.js';

export interface MysqlInstancePaths {
  dataDir: string;
  myCnf: string;
  /** Parameters set through the API (parameters.ts), included by my.cnf. */
  parametersCnf: string;
  /** The variables of the server when it last ran, to check parameters set while it is stopped. */
  parameterCatalog: string;
  datadir: string;
  /** Where a copy of the template lands before it is renamed to datadir. */
  datadirCopy: string;
  /** Binary logs: `<binlogDir>/mariadb-bin.NNNNNN` and `mariadb-bin.index`. */
  binlogDir: string;
  /** log_bin: the binary log base name (what SHOW VARIABLES calls log_bin_basename). */
  binlogBase: string;
  binlogIndex: string;
  /** setArchiving's record of the archive directory (absent when archiving is off). */
  archiveStateFile: string;
  /** replication.ts's record of the instance's role (absent: a primary that commits alone). */
  replicationStateFile: string;
  /** The CAs a standby verifies its primary's certificate against. */
  replicationCaFile: string;
  /** Where an online copy of the primary is built before it becomes a standby's datadir. */
  standbyClone: string;
  /** relay_log: the base name of a standby's relay logs (outside the datadir: no backup carries them). */
  relayLogBase: string;
  tlsDir: string;
  certFile: string;
  keyFile: string;
  logDir: string;
  errorLog: string;
  generalLog: string;
  slowLog: string;
  secureFileDir: string;
  tmpDir: string;
  /** Directory of the private socket and the pid file (0700, owned by the service user). */
  runDir: string;
  /** True when runDir lives under /tmp because dataDir is too long for a socket path. */
  runDirInTmp: boolean;
  socket: string;
  pidFile: string;
  /** stdout/stderr of mariadbd (before log_error takes over). */
  startupLog: string;
}

/** sun_path is 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

export const SOCKET_NAME = 'mariadbd.sock';

/** Base name of the binary log files (`mariadb-bin.000001`...). */
export const BINLOG_BASENAME = 'mariadb-bin';

export function runDirFor(dataDir: string): { dir: string; inTmp: boolean } {
  const preferred = path.join(dataDir, 'run');
  if (Buffer.byteLength(path.join(preferred, SOCKET_NAME)) <= MAX_SOCKET_PATH_BYTES) return { dir: preferred, inTmp: false };
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 20);
  return { dir: path.join('/tmp', `berth-mysql-${hash}`), inTmp: true };
}

export function mysqlInstancePaths(spec: Pick<InstanceSpec, 'dataDir'>): MysqlInstancePaths {
  const dataDir = path.resolve(spec.dataDir);
  const run = runDirFor(dataDir);
  const logDir = path.join(dataDir, 'log');
  const tlsDir = path.join(dataDir, 'tls');
  const binlogDir = path.join(dataDir, 'binlog');
  return {
    dataDir,
    myCnf: path.join(dataDir, 'my.cnf'),
    parametersCnf: path.join(dataDir, 'parameters.cnf'),
    parameterCatalog: path.join(dataDir, 'parameter-catalog.json'),
    datadir: path.join(dataDir, 'data'),
    datadirCopy: path.join(dataDir, '.data.copying'),
    binlogDir,
    binlogBase: path.join(binlogDir, BINLOG_BASENAME),
    binlogIndex: path.join(binlogDir, `${BINLOG_BASENAME}.index`),
    archiveStateFile: path.join(dataDir, 'archiving.json'),
    replicationStateFile: path.join(dataDir, 'replication.json'),
    replicationCaFile: path.join(dataDir, 'replication-ca.pem'),
    standbyClone: path.join(dataDir, '.standby-clone'),
    relayLogBase: path.join(dataDir, 'relay', 'relay-bin'),
    tlsDir,
    certFile: path.join(tlsDir, 'server-cert.pem'),
    keyFile: path.join(tlsDir, 'server-key.pem'),
    logDir,
    errorLog: path.join(logDir, 'error.log'),
    generalLog: path.join(logDir, 'general.log'),
    slowLog: path.join(logDir, 'slow.log'),
    secureFileDir: path.join(dataDir, 'files'),
    tmpDir: path.join(dataDir, 'tmp'),
    runDir: run.dir,
    runDirInTmp: run.inTmp,
    socket: path.join(run.dir, SOCKET_NAME),
    pidFile: path.join(run.dir, 'mariadbd.pid'),
    startupLog: path.join(dataDir, 'startup.log'),
  };
}
