/**
 * The ServerProcess for one PostgreSQL instance: `postgres -D <pgdata>` as
 * the service user, found again through postmaster.pid, ready when the pid
 * file says so (`ready`, or `standby` for a hot standby) and berth_admin can run a query over the private socket.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { OsUser } from '../os-user.js';
import { isRoot } from '../os-user.js';
import { readLogTail, ServerProcess } from '../../supervisor/server-process.js';
import { withAdminClient } from './admin-connection.js';
import type { PostgresInstancePaths } from './instance-paths.js';
import { clearStalePostmasterPid, readPostmasterPid, runningPostmasterPid } from './postmaster-pid.js';

export interface PostmasterProcessOptions {
  label: string;
  /** Path of the `postgres` binary. */
  postgres: string;
  paths: PostgresInstancePaths;
  user: OsUser;
  readyTimeoutMs: number;
  /** Server major version (admin session settings that only newer majors know). */
  major?: number;
  /** More arguments after `-D <pgdata>` (settings that win over the configuration files). */
  extraArgs?: string[];
}

export function createPostmasterProcess(o: PostmasterProcessOptions): ServerProcess {
  const p = o.paths;
  return new ServerProcess({
    label: o.label,
    command: o.postgres,
    args: ['-D', p.pgdata, ...(o.extraArgs ?? [])],
    cwd: p.pgdata,
    env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8', TZ: 'UTC' },
    ...(isRoot() ? { uid: o.user.uid, gid: o.user.gid } : {}),
    startupLogPath: p.startupLog,
    findPid: () => runningPostmasterPid(p.pgdata),
    isReady: async (pid) => {
      const pidFile = await readPostmasterPid(p.pgdata);
      // `standby`: a hot standby that accepts (read-only) connections.
      if (pidFile?.pid !== pid || (pidFile.status !== 'ready' && pidFile.status !== 'standby')) return false;
      await withAdminClient({ socketDir: p.socketDir, port: pidFile.port }, (client) => client.query('SELECT 1'), {
        connectTimeoutMs: 2_000,
        ...(o.major === undefined ? {} : { major: o.major }),
      });
      return true;
    },
    prepareSpawn: () => clearStalePostmasterPid(p.pgdata),
    describeFailure: () => postgresLogTail(p),
    readyTimeoutMs: o.readyTimeoutMs,
  });
}

/** The end of the startup log and of the newest server log, for error messages. */
export async function postgresLogTail(p: PostgresInstancePaths): Promise<string> {
  const startup = await readLogTail(p.startupLog, 2048);
  const logs = await fs.readdir(p.logDir).catch(() => [] as string[]);
  const newest = logs.filter((n) => n.endsWith('.log')).sort().at(-1);
  const server = newest ? await readLogTail(path.join(p.logDir, newest), 2048) : '';
  return [startup && `startup log ${p.startupLog}:\n${startup}`, server && `server log ${newest}:\n${server}`]
    .filter(Boolean)
    .join('\n');
}
