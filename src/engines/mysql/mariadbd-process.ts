/**
 * The ServerProcess for one MariaDB instance: `mariadbd --defaults-file=<my.cnf>`
 * as the service user, found again through its pid file (checked against
 * /proc: mariadbd chdirs into its datadir), ready when the pid file names
 * it and the admin account can run a query over the private socket.
 */
import fs from 'node:fs/promises';
import { isRoot, type OsUser } from '../os-user.js';
import { isProcessAlive, processCommandLine, processCwd, processesWithCwd } from '../../supervisor/process-info.js';
import { readLogTail, ServerProcess } from '../../supervisor/server-process.js';
import { pollUntil } from '../../supervisor/wait.js';
import { withAdminConnection } from './admin-connection.js';
import type { MysqlInstancePaths } from './instance-paths.js';

export async function readPidFile(pidFile: string): Promise<number | undefined> {
  const text = await fs.readFile(pidFile, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Is `pid` a live (not zombie) mariadbd of this instance? */
export async function isMariadbdOf(pid: number, p: Pick<MysqlInstancePaths, 'datadir' | 'myCnf'>): Promise<boolean> {
  if (!(await isProcessAlive(pid))) return false;
  const cwd = await processCwd(pid);
  if (cwd !== undefined) return cwd === (await fs.realpath(p.datadir).catch(() => p.datadir));
  return (await processCommandLine(pid)).includes(`--defaults-file=${p.myCnf}`);
}

/** The running server of the instance according to its pid file, verified against /proc. */
export async function runningMariadbdPid(p: Pick<MysqlInstancePaths, 'pidFile' | 'datadir' | 'myCnf'>): Promise<number | undefined> {
  const pid = await readPidFile(p.pidFile);
  return pid !== undefined && (await isMariadbdOf(pid, p)) ? pid : undefined;
}

/**
 * Before spawning: a server of this datadir that berth does not know about
 * (pid file removed, or a server still shutting down) would hold the InnoDB
 * locks and make the new one fail; give it `graceMs` to exit, then SIGKILL
 * it. Then remove a stale pid file (its pid is gone, a zombie, or now another
 * process). mariadbd would overwrite a stale file itself; removing it keeps
 * status() from trusting it while the new server starts.
 */
export async function clearStaleServer(p: MysqlInstancePaths, graceMs = 5_000): Promise<void> {
  if ((await runningMariadbdPid(p)) !== undefined) return;
  const datadir = await fs.realpath(p.datadir).catch(() => p.datadir);
  const gone = async () => (await processesWithCwd(datadir)).length === 0;
  if (!(await pollUntil(gone, { timeoutMs: graceMs, intervalMs: 25 }))) {
    for (const orphan of await processesWithCwd(datadir)) {
      try {
        process.kill(orphan, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await pollUntil(gone, { timeoutMs: graceMs, intervalMs: 25 });
  }
  await fs.rm(p.pidFile, { force: true });
}

export interface MariadbdProcessOptions {
  label: string;
  mariadbd: string;
  paths: MysqlInstancePaths;
  user: OsUser;
  adminAccount: string;
  readyTimeoutMs: number;
  /** How long SIGTERM (clean shutdown) may take before SIGKILL. */
  shutdownTimeoutMs: number;
}

export function createMariadbdProcess(o: MariadbdProcessOptions): ServerProcess {
  const p = o.paths;
  return new ServerProcess({
    label: o.label,
    command: o.mariadbd,
    // --defaults-file must come first; no --user: the process already runs as the service user.
    args: [`--defaults-file=${p.myCnf}`],
    cwd: p.datadir,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8', TZ: 'UTC' },
    ...(isRoot() ? { uid: o.user.uid, gid: o.user.gid } : {}),
    startupLogPath: p.startupLog,
    findPid: () => runningMariadbdPid(p),
    isReady: async (pid) => {
      if ((await readPidFile(p.pidFile)) !== pid) return false;
      await withAdminConnection({ socket: p.socket, account: o.adminAccount }, (c) => c.query('SELECT 1'), {
        connectTimeoutMs: 2_000,
      });
      return true;
    },
    prepareSpawn: () => clearStaleServer(p),
    describeFailure: () => mariadbLogTail(p),
    readyTimeoutMs: o.readyTimeoutMs,
    stopSteps: [
      { signal: 'SIGTERM', waitMs: o.shutdownTimeoutMs },
      { signal: 'SIGKILL', waitMs: 10_000 },
    ],
  });
}

/** The end of the startup output and of the error log, for error messages. */
export async function mariadbLogTail(p: Pick<MysqlInstancePaths, 'startupLog' | 'errorLog'>): Promise<string> {
  const startup = await readLogTail(p.startupLog, 2048);
  const errors = await readLogTail(p.errorLog, 3072);
  return [startup && `startup output ${p.startupLog}:\n${startup}`, errors && `error log ${p.errorLog}:\n${errors}`]
    .filter(Boolean)
    .join('\n');
}
