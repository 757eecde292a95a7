/**
 * The server settings berth writes into an instance's my.cnf, compared with
 * the running server: applied live where MariaDB can, else waiting for a
 * restart.
 */
import fs from 'node:fs/promises';
import type mysql from 'mysql2/promise';
import type { InstanceSpec } from '../driver.js';
import { globalVariables, quoteString } from './admin-connection.js';
import { readArchiveState } from './archive.js';
import { readReplicationRole } from './replication.js';
import { displayValue, parseMyCnf, sameValue, serverSettings, type ServerSetting } from './config-files.js';
import type { MysqlInstancePaths } from './instance-paths.js';
import { controlledBecause } from './parameter-policy.js';
import { parseParametersCnf, type PersistedParameter } from './parameters.js';
import type { MariadbServer } from './server-binaries.js';

/** Runs `use` with an admin connection to the instance's running server. */
export type AdminSession = <T>(use: (connection: mysql.Connection) => Promise<T>) => Promise<T>;

/**
 * my.cnf of `spec`; the binary log expiry depends on whether setArchiving
 * archives them. A default berth sets but a parameter overrides (the
 * buffer pool, general_log...) is left out: parameters.cnf has it, and
 * neither provision nor pendingRestart() should compete with it.
 */
export async function instanceSettings(spec: InstanceSpec, p: MysqlInstancePaths, server: MariadbServer): Promise<ServerSetting[]> {
  const archiving = (await readArchiveState(p)) !== undefined;
  const replication = await readReplicationRole(p);
  const overridden = new Set((await readPersistedParameters(p.parametersCnf)).flatMap((x) => [x.name, x.option]));
  return serverSettings({ spec, paths: p, basedir: server.basedir, archiving, replication })
    .filter((s) => controlledBecause(s.name) !== undefined || !overridden.has(s.name));
}

export async function applyDynamicSettings(withAdmin: AdminSession, settings: readonly ServerSetting[]): Promise<void> {
  const dynamic = settings.filter((s) => s.apply === 'dynamic');
  await withAdmin(async (c) => {
    const running = await globalVariables(c, dynamic.map((s) => s.name));
    for (const { name, value } of dynamic) {
      if (sameValue(displayValue(value), running.get(name) ?? '')) continue;
      const literal = typeof value === 'string' ? quoteString(value) : displayValue(value);
      await c.query(`SET GLOBAL ${name} = ${literal}`);
    }
  });
}

/** The restart-level settings in my.cnf whose value differs from SHOW GLOBAL VARIABLES of the running server, sorted. */
export async function settingsAwaitingRestart(
  spec: InstanceSpec, p: MysqlInstancePaths, server: MariadbServer, withAdmin: AdminSession,
): Promise<string[]> {
  const inFile = parseMyCnf(await fs.readFile(p.myCnf, 'utf8'));
  const restartLevel = (await instanceSettings(spec, p, server)).filter((s) => s.apply === 'restart' && inFile.has(s.name));
  const variable = (s: ServerSetting) => s.variable ?? s.name;
  const running = await withAdmin((c) => globalVariables(c, restartLevel.map(variable)));
  // A server started before my.cnf had log_bin shows log_bin_basename and log_bin_index empty: both pending.
  return restartLevel
    .filter((s) => running.has(variable(s)) && !sameValue(inFile.get(s.name) ?? '', running.get(variable(s)) ?? ''))
    .map((s) => s.name)
    .sort();
}

/** The parameters persisted in parameters.cnf (none when it does not exist). */
export async function readPersistedParameters(file: string): Promise<PersistedParameter[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseParametersCnf(text);
}
