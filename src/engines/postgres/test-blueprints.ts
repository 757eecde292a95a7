/** Which PostgreSQL blueprints this machine has, and the subject of the shared conformance suites. */
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { makeTestRoot } from '../conformance/instances.js';
import type { ConformanceSubject } from '../conformance/suite.js';
import { masterClientConfig } from './master-connection.js';
import { PostgresDriver } from './postgres-driver.js';

export const AVAILABLE_POSTGRES_BLUEPRINTS = new PostgresDriver({ rootDir: '/nonexistent' }).blueprints().map((b) => b.blueprintId);

/** undefined when `blueprintId` can run here, else why not. */
export function missingPostgres(blueprintId: string): string | undefined {
  return AVAILABLE_POSTGRES_BLUEPRINTS.includes(blueprintId) ? undefined : `${blueprintId}: the PostgreSQL binaries from npm are not installed`;
}

/** Temp dirs carry the test run's id, so the global teardown can sweep what a crashed run left. */
export const makeRootDir = () => makeTestRoot('postgres');

/** The conformance suites' subject: a PostgresDriver on a temp root, master sessions with node-postgres. */
export function conformanceSubject(blueprintId: string) {
  return async (): Promise<ConformanceSubject> => {
    const rootDir = await makeRootDir();
    const driver = new PostgresDriver({ rootDir });
    return {
      driver,
      blueprintId,
      connect: async (spec, options) => {
        const client = new pg.Client(masterClientConfig(spec, options));
        client.on('error', () => undefined); // the server may be killed under an open session
        await client.connect();
        return {
          query: async (sql) => (await client.query(sql)).rows as Array<Record<string, unknown>>,
          end: () => client.end().catch(() => undefined),
        };
      },
      reopen: () => new PostgresDriver({ rootDir }),
      writeStalePidFile: async (spec, pid) => {
        const pgdata = driver.paths(spec).pgdata;
        // PostgreSQL alone refuses this ("lock file already exists"): the pid is alive and owned by the same user.
        await fs.writeFile(path.join(pgdata, 'postmaster.pid'), `${pid}\n${pgdata}\n0\n${spec.port}\n\n\n\nready   \n`);
      },
      socketDir: (spec) => {
        const p = driver.paths(spec);
        return { dir: p.socketDir, inTmp: p.socketDirInTmp };
      },
      cleanup: () => fs.rm(rootDir, { recursive: true, force: true }),
    };
  };
}
