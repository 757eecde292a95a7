/** Whether MariaDB can run here, and the subject of the shared conformance suites for it. */
import fs from 'node:fs/promises';
import mysql from 'mysql2/promise';
import { makeTestRoot } from '../conformance/instances.js';
import type { ConformanceSubject } from '../conformance/suite.js';
import type { InstanceSpec } from '../driver.js';
import { masterConnectionOptions } from './master-connection.js';
import { MysqlDriver } from './mysql-driver.js';

const probe = new MysqlDriver({ rootDir: '/nonexistent' });
const discovery = probe.discovery();

/** The installed MariaDB's blueprint, when there is one. */
export const MARIADB_BLUEPRINT = probe.blueprints()[0];

/** undefined when MariaDB can run here, else why not. */
export const missingMariadb: string | undefined = !discovery.found ? discovery.reason : MARIADB_BLUEPRINT ? undefined : 'no MariaDB blueprint';

/** Temp dirs carry the test run's id, so the global teardown can sweep what a crashed run left. */
export const makeRootDir = () => makeTestRoot('mysql');

/** A verify-full TLS session as the master user. */
export async function openMaster(spec: InstanceSpec, options: { host: string; caPem: string; password: string }): Promise<mysql.Connection> {
  const connection = await mysql.createConnection(masterConnectionOptions(spec, options));
  connection.on('error', () => undefined); // the server may be killed under an open session
  return connection;
}

/** The conformance suites' subject: a MysqlDriver on a temp root, master sessions with mysql2. */
export async function conformanceSubject(): Promise<ConformanceSubject> {
  const rootDir = await makeRootDir();
  const driver = new MysqlDriver({ rootDir });
  return {
    driver,
    blueprintId: MARIADB_BLUEPRINT!.blueprintId,
    connect: async (spec, options) => {
      const connection = await openMaster(spec, options);
      return {
        query: async (sql) => (await connection.query<mysql.RowDataPacket[]>(sql))[0] as Array<Record<string, unknown>>,
        end: () => connection.end().catch(() => connection.destroy()),
      };
    },
    reopen: () => new MysqlDriver({ rootDir }),
    writeStalePidFile: (spec, pid) => fs.writeFile(driver.paths(spec).pidFile, `${pid}\n`),
    socketDir: (spec) => {
      const p = driver.paths(spec);
      return { dir: p.runDir, inTmp: p.runDirInTmp };
    },
    cleanup: () => fs.rm(rootDir, { recursive: true, force: true }),
  };
}
