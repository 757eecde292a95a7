/**
 * The parameters of a MariaDB instance as MysqlDriver offers them: described
 * from the running server, changed through parameters.cnf once parameters.ts
 * and mariadbd itself accept them, and those still waiting for a reboot.
 */
import fs from 'node:fs/promises';
import type mysql from 'mysql2/promise';
import type { InstanceSpec } from '../driver.js';
import type { EngineParameter, ParameterChange } from '../observability.js';
import { writeFileAtomicAs, type OsUser } from '../os-user.js';
import { displayValue } from './config-files.js';
import type { MysqlInstancePaths } from './instance-paths.js';
import { instanceSettings, readPersistedParameters } from './instance-settings.js';
import type { PreparedMariadb } from './mariadb-installation.js';
import { controlledBecause } from './parameter-policy.js';
import {
  describeVariable, mergeParameters, optionArguments, parseCatalog, readVariables, renderCatalog, renderParametersCnf,
  sameParameterValue, setGlobals, trySessionValues, validateChanges, type AcceptedChange, type PersistedParameter,
  type VariableInfo,
} from './parameters.js';
import type { ServerDiscovery } from './server-binaries.js';
import { optionObjections } from './server-options.js';

/** What the parameter operations need from MysqlDriver. */
export interface MysqlParameterHost {
  prepare(spec: InstanceSpec): Promise<PreparedMariadb>;
  user(): Promise<OsUser>;
  discovery(): ServerDiscovery;
  /** The options mariadbd accepts (what an option file can set). */
  serverOptions(): Promise<Set<string>>;
  paths(spec: Pick<InstanceSpec, 'dataDir'>): MysqlInstancePaths;
  running(spec: InstanceSpec): Promise<boolean>;
  withAdmin<T>(spec: InstanceSpec, use: (connection: mysql.Connection) => Promise<T>): Promise<T>;
  /** Rewrite my.cnf from the spec, the archiving state and the parameters. */
  writeConfig(spec: InstanceSpec): Promise<void>;
}

/** Every global system variable of the running server, described, by name. */
export async function listParameters(host: MysqlParameterHost, spec: InstanceSpec): Promise<EngineParameter[]> {
  if (!(await host.running(spec))) throw new Error('the server is not running (parameters are read from it)');
  const options = await host.serverOptions();
  const variables = await host.withAdmin(spec, (c) => readVariables(c, options));
  await keepCatalog(host, spec, variables);
  return [...variables.values()].map(describeVariable).sort((a, b) => a.name.localeCompare(b.name));
}

/** Validate `changes` and persist them in parameters.cnf, or change nothing (MysqlDriver.applyParameters says how). */
export async function applyParameterChanges(host: MysqlParameterHost, spec: InstanceSpec, changes: readonly ParameterChange[]): Promise<void> {
  if (changes.length === 0) return;
  const { user, server } = await host.prepare(spec);
  const options = await host.serverOptions();
  const p = host.paths(spec);
  const persisted = await readPersistedParameters(p.parametersCnf);
  /** Check `changes` against `variables` and with mariadbd's option parser; the parameters to persist. */
  const check = async (variables: ReadonlyMap<string, VariableInfo>): Promise<{ accepted: AcceptedChange[]; next: PersistedParameter[] }> => {
    const accepted = validateChanges(variables, changes);
    const next = mergeParameters(persisted, accepted);
    // What mariadbd says of the options it would start with: berth's defaults, then the parameters.
    const defaults = (await instanceSettings(spec, p, server))
      .filter((s) => controlledBecause(s.name) === undefined)
      .map((s) => `--${s.name}=${displayValue(s.value)}`);
    const objections = await optionObjections(
      server.mariadbd, user, [...defaults, ...optionArguments(persisted)], [...defaults, ...optionArguments(next)],
    );
    if (objections.length > 0) throw new Error(`MariaDB refuses the parameters: ${objections.join('; ')}`);
    return { accepted, next };
  };
  if (!(await host.running(spec))) {
    const catalog = parseCatalog(await fs.readFile(p.parameterCatalog, 'utf8').catch(() => ''), server.version);
    if (!catalog) throw new Error('the server is not running and has not described its parameters yet: start it first');
    const { next } = await check(catalog);
    await writeFileAtomicAs(user, p.parametersCnf, renderParametersCnf(next), 0o600);
  } else {
    await host.withAdmin(spec, async (c) => {
      const variables = await readVariables(c, options);
      await keepCatalog(host, spec, variables);
      const { accepted, next } = await check(variables);
      const refused = await host.withAdmin(spec, (trial) => trySessionValues(trial, accepted));
      if (refused.length > 0) throw new Error(`MariaDB refuses ${refused.join('; ')}`);
      const undo = await setGlobals(c, accepted);
      try {
        await writeFileAtomicAs(user, p.parametersCnf, renderParametersCnf(next), 0o600);
      } catch (err) {
        await undo();
        throw err;
      }
    });
  }
  // my.cnf without the defaults the parameters now override (and with the include, for an instance provisioned before it).
  await host.writeConfig(spec);
}

/** Parameters persisted with pending-reboot whose value the running server does not have (yet). */
export async function pendingParameterNames(host: MysqlParameterHost, spec: InstanceSpec): Promise<string[]> {
  const pending = (await readPersistedParameters(host.paths(spec).parametersCnf)).filter((x) => x.applyMethod === 'pending-reboot');
  if (pending.length === 0 || !(await host.running(spec))) return [];
  const options = await host.serverOptions();
  const variables = await host.withAdmin(spec, (c) => readVariables(c, options, pending.map((x) => x.name)));
  return pending
    .filter((x) => {
      const v = variables.get(x.name);
      return v !== undefined && !sameParameterValue(v, x.value, v.value);
    })
    .map((x) => x.name)
    .sort();
}

/** Keep the variables of the running server for changes made while it is stopped. */
async function keepCatalog(host: MysqlParameterHost, spec: InstanceSpec, variables: ReadonlyMap<string, VariableInfo>): Promise<void> {
  const found = host.discovery();
  if (!found.found) return;
  await writeFileAtomicAs(await host.user(), host.paths(spec).parameterCatalog, renderCatalog(found.server.version, variables), 0o600);
}
