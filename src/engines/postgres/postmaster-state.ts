/**
 * What postmaster.pid says of an instance's server beyond its pid: the port
 * it listens on, and whether a crash left it behind.
 */
import { readPostmasterPid, runningPostmasterPid } from './postmaster-pid.js';

/**
 * The port the running postmaster of `pgdata` listens on; `configuredPort`
 * when none runs (it differs after a port change that awaits its restart).
 */
export async function listeningPort(pgdata: string, configuredPort: number): Promise<number> {
  const pidFile = await readPostmasterPid(pgdata);
  if (pidFile && Number.isInteger(pidFile.port) && pidFile.port > 0 && (await runningPostmasterPid(pgdata)) === pidFile.pid) {
    return pidFile.port;
  }
  return configuredPort;
}

/** postmaster.pid left behind by a postmaster that is gone (killed, or the machine crashed). */
export async function postmasterCrashed(pgdata: string): Promise<boolean> {
  return (await readPostmasterPid(pgdata)) !== undefined && (await runningPostmasterPid(pgdata)) === undefined;
}
