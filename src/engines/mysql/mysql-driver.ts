/**
 * MySQL-compatible databases behind berth's EngineDriver, run by MariaDB
 * (reported honestly: engine `mysql`, engineVersion `10.11.18-MariaDB`).
 * The system's mariadbd, instances copied from a per-version template
 * datadir, one detached mariadbd per instance run as the unprivileged
 * service user, administered as the admin account over a private socket.
 * EngineObservability: stats.ts (figures), log-files.ts and log-formats.ts
 * (the error, general and slow query logs), parameters.ts and
 * parameter-policy.ts (parameters through berth's parameters.cnf).
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import type { BackupManifest, EngineBackups, RestoreSource } from '../backup.js';
import type {
  EngineBlueprint, EngineDriver, InstanceSpec, RunningState, TlsMaterial, VerifyOptions,
} from '../driver.js';
import type {
  EngineObservability, EngineParameter, EngineStats, LogPage, LogQuery, ParameterChange,
} from '../observability.js';
import { awaitPresentedCertificate, engineVersionOf, InstanceQueues, serviceUserOnce, step } from '../driver-support.js';
import { assertTraversableBy, mkdirOwnedBy, writeFileAtomicAs, type OsUser } from '../os-user.js';
import { checkTlsMaterial, writeTlsFiles } from '../postgres/tls-files.js';
import type { ServerProcess } from '../../supervisor/server-process.js';
import {
  ensureDatabase, ensureMasterAccount, globalVariables, quoteString, setAccountPassword, withAdminConnection,
} from './admin-connection.js';
import { displayValue, parseMyCnf, sameValue, serverSettings, type ServerSetting } from './config-files.js';
import { flushArchive, pruneArchive, readArchiveState, setArchiving } from './archive.js';
import type { MysqlBackupHost } from './backup-host.js';
import { readMysqlManifest, takeBackup } from './backup.js';
import { assertDataSeries, copyTemplateToDatadir, makeInstanceDirs, writeMyCnf } from './instance-files.js';
import { mysqlInstancePaths, type MysqlInstancePaths } from './instance-paths.js';
import { createMariadbdProcess, mariadbLogTail, runningMariadbdPid } from './mariadbd-process.js';
import { verifyMasterConnection } from './master-connection.js';
import { restoreInstance } from './restore.js';
import { blueprintIdFor, discoverMariadbServer, findMariadbTool, type MariadbServer, type ServerDiscovery } from './server-binaries.js';
import { adminAccountName, ensureTemplate } from './template.js';
import { presentedCertificateFingerprint } from './tls-probe.js';
import { readLogPage } from './log-files.js';
import { MYSQL_LOG_FORMATS } from './log-formats.js';
import { controlledBecause } from './parameter-policy.js';
import {
  describeVariable, mergeParameters, optionArguments, parseCatalog, parseParametersCnf, readVariables, renderCatalog,
  renderParametersCnf, sameParameterValue, setGlobals, trySessionValues, validateChanges, type AcceptedChange,
  type PersistedParameter, type VariableInfo,
} from './parameters.js';
import { listServerOptions, optionObjections } from './server-options.js';
import { readStats } from './stats.js';

export interface MysqlDriverOptions {
  /** berth's data root: the driver keeps `templates/` here. */
  rootDir: string;
  /** Who runs the servers; default: system user `berth` when root, else the current user. */
  osUser?: OsUser;
  /** The server to run; default: discovered (BERTH_MYSQLD, else mariadbd on PATH or in /usr/sbin). */
  server?: MariadbServer;
  /** Environment read by discovery (BERTH_MYSQLD, PATH); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Start → ready limit (crash recovery can be slow). Default 120 s. */
  readyTimeoutMs?: number;
  /** How long a clean shutdown (SIGTERM) may take before SIGKILL. Default 60 s. */
  shutdownTimeoutMs?: number;
  /** How long reloadTls waits for the new certificate to be served. Default 10 s. */
  tlsReloadTimeoutMs?: number;
  /** Start → ready limit of a restored server. Default 1 h. */
  restoreReadyTimeoutMs?: number;
}

interface Prepared {
  user: OsUser;
  server: MariadbServer;
  template: string;
}

export class MysqlDriver implements EngineDriver, EngineBackups, EngineObservability {
  readonly engine = 'mysql' as const;
  readonly rootDir: string;
  /** The MariaDB account berth administers through (named like berth's OS user). */
  readonly adminAccount = adminAccountName();
  private discovered: ServerDiscovery | undefined;
  private readonly user: () => Promise<OsUser>;
  private readonly servers = new Map<string, ServerProcess>();
  private readonly queues = new InstanceQueues();
  private serverOptionsPromise: Promise<Set<string>> | undefined;

  constructor(private readonly options: MysqlDriverOptions) {
    this.rootDir = path.resolve(options.rootDir);
    this.user = serviceUserOnce(options.osUser);
  }

  /** The server found on this machine, or why there is none. */
  discovery(): ServerDiscovery {
    this.discovered ??= this.options.server
      ? { found: true, server: this.options.server }
      : discoverMariadbServer(this.options.env ?? process.env);
    return this.discovered;
  }

  blueprints(): EngineBlueprint[] {
    const found = this.discovery();
    if (!found.found) return [];
    const { server } = found;
    return [{
      blueprintId: blueprintIdFor(server),
      engine: 'mysql',
      engineVersion: `${server.version}-MariaDB`,
      engineDescription: 'MariaDB, MySQL-compatible',
      engineVersionDescription: `MariaDB ${server.version}`,
      isEngineDefault: true,
    }];
  }

  async warm(blueprintId: string): Promise<void> {
    await step(`preparing ${blueprintId}`, () => this.prepare({ blueprintId }));
  }

  /** Where the files of `spec` live (datadir, my.cnf, socket, logs, TLS files). */
  paths(spec: Pick<InstanceSpec, 'dataDir'>): MysqlInstancePaths {
    return mysqlInstancePaths(spec);
  }

  provision(spec: InstanceSpec, tls: TlsMaterial): Promise<void> {
    return this.queues.run(spec, () => step(`provisioning mysql instance ${spec.id}`, () => this.provisionFiles(spec, tls)));
  }

  /** provision() outside the queue; a restore runs it on the datadir it copied (the template copy is then skipped). */
  private async provisionFiles(spec: InstanceSpec, tls: TlsMaterial): Promise<void> {
    checkTlsMaterial(tls);
    const { user, server, template } = await this.prepare(spec);
    const p = this.paths(spec);
    await assertTraversableBy(user, p.dataDir);
    await mkdirOwnedBy(user, p.dataDir, 0o700);
    await copyTemplateToDatadir(user, template, p);
    await assertDataSeries(p, server.version);
    await makeInstanceDirs(user, p);
    await writeTlsFiles(user, p, tls);
    await this.writeConfig(spec);
  }

  /**
   * my.cnf and the directories it names, from the spec and the archiving
   * state; a running server takes the dynamic settings now (see
   * pendingRestart() for the rest).
   */
  private async writeConfig(spec: InstanceSpec): Promise<void> {
    const { user, server } = await this.prepare(spec);
    const p = this.paths(spec);
    await makeInstanceDirs(user, p);
    const settings = await this.settings(spec, server);
    await writeMyCnf(user, p, settings, { include: p.parametersCnf, controlled: (name) => controlledBecause(name) !== undefined });
    if ((await this.status(spec)).running) await this.applyDynamicSettings(spec, settings);
  }

  async start(spec: InstanceSpec): Promise<RunningState> {
    return step(`starting mysql instance ${spec.id}`, () => this.startServer(spec));
  }

  private async startServer(spec: InstanceSpec, readyTimeoutMs?: number): Promise<RunningState> {
    const { user } = await this.prepare(spec);
    const p = this.paths(spec);
    if (!existsSync(path.join(p.datadir, 'mysql')) || !existsSync(p.myCnf)) throw new Error(`${p.dataDir} is not provisioned`);
    await mkdirOwnedBy(user, p.runDir, 0o700); // /tmp may have been emptied by a reboot
    const { pid } = await (await this.server(spec, readyTimeoutMs)).start();
    // With require_secure_transport, mariadbd 10.11 aborts when its TLS files fail to load; a server that came
    // up without TLS anyway would refuse every TCP client, so say so instead of reporting it started.
    const haveSsl = await this.withAdmin(spec, async (c) => (await globalVariables(c, ['have_ssl'])).get('have_ssl'));
    if (haveSsl !== 'YES') {
      throw new Error(`mariadbd (pid ${pid}) runs without TLS (have_ssl=${haveSsl}), so TCP clients are refused; ` +
        `provision or reloadTls with valid TLS material fixes it:\n${await mariadbLogTail(p)}`);
    }
    return { running: true, pid };
  }

  stop(spec: InstanceSpec): Promise<void> {
    return step(`stopping mysql instance ${spec.id}`, async () => (await this.server(spec)).stop());
  }

  async status(spec: InstanceSpec): Promise<RunningState> {
    const pid = await runningMariadbdPid(this.paths(spec));
    return pid === undefined ? { running: false } : { running: true, pid };
  }

  ensureMasterUser(spec: InstanceSpec, password: string): Promise<void> {
    return step(`ensuring master user of mysql instance ${spec.id}`, () =>
      this.withAdmin(spec, async (c) => {
        await ensureMasterAccount(c, spec.masterUsername, password, this.adminAccount);
        await ensureDatabase(c, spec.masterDatabaseName);
      }),
    );
  }

  setMasterPassword(spec: InstanceSpec, password: string): Promise<void> {
    return step(`setting the master password of mysql instance ${spec.id}`, () =>
      this.withAdmin(spec, (c) => setAccountPassword(c, spec.masterUsername, password, this.adminAccount)),
    );
  }

  reloadTls(spec: InstanceSpec, tls: TlsMaterial): Promise<void> {
    return step(`reloading TLS of mysql instance ${spec.id}`, async () => {
      // A certificate and key that do not match are refused here, before any file changes.
      const expected = checkTlsMaterial(tls).fingerprint256;
      const user = await this.user();
      const p = this.paths(spec);
      await writeTlsFiles(user, p, tls);
      if (!(await this.status(spec)).running) return; // read at the next start
      try {
        // FLUSH SSL builds a new TLS context from the files; on failure the old one keeps serving.
        await this.withAdmin(spec, (c) => c.query('FLUSH SSL'));
      } catch (err) {
        throw new Error(`FLUSH SSL failed, the previous certificate keeps serving: ${(err as Error).message}`);
      }
      await awaitPresentedCertificate(() => presentedCertificateFingerprint({ path: p.socket }), expected, this.options.tlsReloadTimeoutMs ?? 10_000);
    });
  }

  verifyConnection(spec: InstanceSpec, options: VerifyOptions): Promise<void> {
    return verifyMasterConnection(spec, options);
  }

  destroy(spec: InstanceSpec): Promise<void> {
    return this.queues.run(spec, () => step(`destroying mysql instance ${spec.id}`, () => this.destroyFiles(spec)));
  }

  private async destroyFiles(spec: InstanceSpec): Promise<void> {
    const p = this.paths(spec);
    await (await this.server(spec)).stop();
    await fs.rm(p.dataDir, { recursive: true, force: true });
    if (p.runDirInTmp) await fs.rm(p.runDir, { recursive: true, force: true });
    this.servers.delete(p.dataDir);
  }

  // ---- EngineBackups: backup.ts, restore.ts, archive.ts do the work ----

  backup(spec: InstanceSpec, targetDir: string): Promise<BackupManifest> {
    return step(`backing up mysql instance ${spec.id} into ${targetDir}`, () => takeBackup(this.backupHost(), spec, targetDir));
  }

  readManifest(backupDir: string): Promise<BackupManifest> {
    return readMysqlManifest(backupDir);
  }

  restore(spec: InstanceSpec, tls: TlsMaterial, source: RestoreSource): Promise<void> {
    const what = `restoring mysql instance ${spec.id} from ${source.backupDir}` +
      (source.targetTime ? ` to ${source.targetTime.toISOString()}` : '');
    return this.queues.run(spec, () =>
      step(what, () => restoreInstance(this.backupHost(), spec, tls, source, { readyTimeoutMs: this.options.restoreReadyTimeoutMs ?? 3_600_000 })),
    );
  }

  setArchiving(spec: InstanceSpec, archiveDir: string | undefined): Promise<void> {
    const what = archiveDir === undefined
      ? `stopping binary log archiving of mysql instance ${spec.id}`
      : `archiving the binary logs of mysql instance ${spec.id} into ${archiveDir}`;
    return this.queues.run(spec, () => step(what, () => setArchiving(this.backupHost(), spec, archiveDir)));
  }

  flushArchive(spec: InstanceSpec, archiveDir: string): Promise<Date> {
    return this.queues.run(spec, () =>
      step(`flushing the binary log archive of mysql instance ${spec.id}`, () => flushArchive(this.backupHost(), spec, archiveDir)),
    );
  }

  async pruneArchive(archiveDir: string, oldestKept: BackupManifest): Promise<void> {
    await step(`pruning the binary log archive ${archiveDir}`, () => pruneArchive(archiveDir, oldestKept));
  }

  private backupHost(): MysqlBackupHost {
    return {
      prepare: (spec) => this.prepare(spec),
      user: () => this.user(),
      paths: (spec) => this.paths(spec),
      adminAccount: this.adminAccount,
      tool: (name) => {
        const found = this.discovery();
        if (!found.found) throw new Error(found.reason);
        const tool = findMariadbTool(found.server, name, this.options.env ?? process.env);
        if (!tool.found) throw new Error(tool.reason);
        return tool.path;
      },
      running: async (spec) => (await this.status(spec)).running,
      withAdmin: (spec, use) => this.withAdmin(spec, use),
      engineVersion: (blueprintId) => engineVersionOf(this.blueprints(), blueprintId),
      writeInstanceFiles: (spec, tls) => this.provisionFiles(spec, tls),
      writeConfig: (spec) => this.writeConfig(spec),
      start: async (spec, readyTimeoutMs) => {
        // Its own process object for its own ready limit; later calls re-adopt the server by its pid file.
        await this.startServer(spec, readyTimeoutMs);
      },
      stop: (spec) => this.stop(spec),
      removeInstance: (spec) => this.destroyFiles(spec),
      logTail: async (spec) => mariadbLogTail(this.paths(spec)),
    };
  }

  /**
   * Settings in my.cnf that the running server can only apply by restarting
   * (bind_address after a publiclyAccessible change, port, buffer pool after
   * a bundle change...): those whose value differs from SHOW GLOBAL
   * VARIABLES. Empty when none or when the server is not running.
   */
  async pendingRestart(spec: InstanceSpec): Promise<string[]> {
    if (!(await this.status(spec)).running) return [];
    const found = this.discovery();
    if (!found.found) return [];
    const p = this.paths(spec);
    const inFile = parseMyCnf(await fs.readFile(p.myCnf, 'utf8'));
    const restartLevel = (await this.settings(spec, found.server)).filter((s) => s.apply === 'restart' && inFile.has(s.name));
    const variable = (s: ServerSetting) => s.variable ?? s.name;
    const running = await this.withAdmin(spec, (c) => globalVariables(c, restartLevel.map(variable)));
    // A server started before my.cnf had log_bin shows log_bin_basename and log_bin_index empty: both pending.
    return restartLevel
      .filter((s) => running.has(variable(s)) && !sameValue(inFile.get(s.name) ?? '', running.get(variable(s)) ?? ''))
      .map((s) => s.name)
      .sort();
  }

  /** Run `use` with an admin connection over the instance's private socket. */
  withAdmin<T>(spec: Pick<InstanceSpec, 'dataDir'>, use: (connection: mysql.Connection) => Promise<T>): Promise<T> {
    return withAdminConnection({ socket: this.paths(spec).socket, account: this.adminAccount }, use);
  }

  /**
   * my.cnf of `spec`; the binary log expiry depends on whether setArchiving
   * archives them. A default berth sets but a parameter overrides (the
   * buffer pool, general_log...) is left out: parameters.cnf has it, and
   * neither provision nor pendingRestart() should compete with it.
   */
  private async settings(spec: InstanceSpec, server: MariadbServer): Promise<ServerSetting[]> {
    const p = this.paths(spec);
    const archiving = (await readArchiveState(p)) !== undefined;
    const overridden = new Set((await readParameters(p.parametersCnf)).flatMap((x) => [x.name, x.option]));
    return serverSettings({ spec, paths: p, basedir: server.basedir, archiving })
      .filter((s) => controlledBecause(s.name) !== undefined || !overridden.has(s.name));
  }

  private async applyDynamicSettings(spec: InstanceSpec, settings: readonly ServerSetting[]): Promise<void> {
    const dynamic = settings.filter((s) => s.apply === 'dynamic');
    await this.withAdmin(spec, async (c) => {
      const running = await globalVariables(c, dynamic.map((s) => s.name));
      for (const { name, value } of dynamic) {
        if (sameValue(displayValue(value), running.get(name) ?? '')) continue;
        const literal = typeof value === 'string' ? quoteString(value) : displayValue(value);
        await c.query(`SET GLOBAL ${name} = ${literal}`);
      }
    });
  }

  // ---- EngineObservability ----

  /** Client connections (TCP sessions) and the server's byte counters (stats.ts says what they include). */
  stats(spec: InstanceSpec): Promise<EngineStats> {
    return step(`reading the figures of mysql instance ${spec.id}`, async () => {
      if (!(await this.status(spec)).running) throw new Error('the server is not running');
      return this.withAdmin(spec, (c) => readStats(c));
    });
  }

  logStreams(): string[] {
    return MYSQL_LOG_FORMATS.map((f) => f.stream);
  }

  /** One page of the error, general or slow query log (log-files.ts: events, cursors, their guarantees). */
  readLog(spec: InstanceSpec, stream: string, query: LogQuery): Promise<LogPage> {
    const format = MYSQL_LOG_FORMATS.find((f) => f.stream === stream);
    if (!format) {
      return Promise.reject(new Error(`unknown log stream ${JSON.stringify(stream)}: mysql instances have ${this.logStreams().join(', ')}`));
    }
    const p = this.paths(spec);
    const files: Record<string, string> = { error: p.errorLog, general: p.generalLog, slowquery: p.slowLog };
    const file = files[format.stream]!;
    return step(`reading the ${stream} log of mysql instance ${spec.id}`, () => readLogPage(file, format, query));
  }

  /** Every global system variable of the running server, described (parameters.ts, parameter-policy.ts). */
  parameters(spec: InstanceSpec): Promise<EngineParameter[]> {
    return step(`reading the parameters of mysql instance ${spec.id}`, async () => {
      if (!(await this.status(spec)).running) throw new Error('the server is not running (parameters are read from it)');
      const options = await this.serverOptions();
      const variables = await this.withAdmin(spec, (c) => readVariables(c, options));
      await this.keepCatalog(spec, variables);
      return [...variables.values()].map(describeVariable).sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  /**
   * Validate every change (names, modifiability, apply method, values: by
   * type and range, then by MariaDB itself: mariadbd's option parser for all
   * of them, SET SESSION on a throwaway session where the variable has one,
   * SET GLOBAL for the immediate ones, undone when a later step fails), then
   * persist them in parameters.cnf. Nothing changes when one is refused.
   *
   * A stopped server (perhaps one a parameter keeps from starting) takes
   * changes too, checked against the variables it had when it last ran and
   * by mariadbd's option parser (not by SET SESSION); all of them take effect
   * when it starts.
   */
  applyParameters(spec: InstanceSpec, changes: ParameterChange[]): Promise<void> {
    // Unprefixed: the messages are for the user who sent the changes (InvalidInputException).
    return this.queues.run(spec, () => this.changeParameters(spec, changes));
  }

  private async changeParameters(spec: InstanceSpec, changes: readonly ParameterChange[]): Promise<void> {
    if (changes.length === 0) return;
    const { user, server } = await this.prepare(spec);
    const options = await this.serverOptions();
    const p = this.paths(spec);
    const persisted = await readParameters(p.parametersCnf);
    /** Check `changes` against `variables` and with mariadbd's option parser; the parameters to persist. */
    const check = async (variables: ReadonlyMap<string, VariableInfo>): Promise<{ accepted: AcceptedChange[]; next: PersistedParameter[] }> => {
      const accepted = validateChanges(variables, changes);
      const next = mergeParameters(persisted, accepted);
      // What mariadbd says of the options it would start with: berth's defaults, then the parameters.
      const defaults = (await this.settings(spec, server))
        .filter((s) => controlledBecause(s.name) === undefined)
        .map((s) => `--${s.name}=${displayValue(s.value)}`);
      const objections = await optionObjections(
        server.mariadbd, user, [...defaults, ...optionArguments(persisted)], [...defaults, ...optionArguments(next)],
      );
      if (objections.length > 0) throw new Error(`MariaDB refuses the parameters: ${objections.join('; ')}`);
      return { accepted, next };
    };
    if (!(await this.status(spec)).running) {
      const catalog = parseCatalog(await fs.readFile(p.parameterCatalog, 'utf8').catch(() => ''), server.version);
      if (!catalog) throw new Error('the server is not running and has not described its parameters yet: start it first');
      const { next } = await check(catalog);
      await writeFileAtomicAs(user, p.parametersCnf, renderParametersCnf(next), 0o600);
    } else {
      await this.withAdmin(spec, async (c) => {
        const variables = await readVariables(c, options);
        await this.keepCatalog(spec, variables);
        const { accepted, next } = await check(variables);
        const refused = await this.withAdmin(spec, (trial) => trySessionValues(trial, accepted));
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
    await this.writeConfig(spec);
  }

  /** Parameters persisted with pending-reboot whose value the running server does not have (yet). */
  pendingRebootParameters(spec: InstanceSpec): Promise<string[]> {
    return step(`reading the pending parameters of mysql instance ${spec.id}`, async () => {
      const pending = (await readParameters(this.paths(spec).parametersCnf)).filter((x) => x.applyMethod === 'pending-reboot');
      if (pending.length === 0 || !(await this.status(spec)).running) return [];
      const options = await this.serverOptions();
      const variables = await this.withAdmin(spec, (c) => readVariables(c, options, pending.map((x) => x.name)));
      return pending
        .filter((x) => {
          const v = variables.get(x.name);
          return v !== undefined && !sameParameterValue(v, x.value, v.value);
        })
        .map((x) => x.name)
        .sort();
    });
  }

  /** Keep the variables of the running server for changes made while it is stopped. */
  private async keepCatalog(spec: InstanceSpec, variables: ReadonlyMap<string, VariableInfo>): Promise<void> {
    const found = this.discovery();
    if (!found.found) return;
    await writeFileAtomicAs(await this.user(), this.paths(spec).parameterCatalog, renderCatalog(found.server.version, variables), 0o600);
  }

  /** The options mariadbd accepts (what an option file can set), asked once. */
  private async serverOptions(): Promise<Set<string>> {
    const found = this.discovery();
    if (!found.found) throw new Error(found.reason);
    const user = await this.user();
    this.serverOptionsPromise ??= listServerOptions(found.server.mariadbd, user).catch((err: unknown) => {
      this.serverOptionsPromise = undefined;
      throw err;
    });
    return this.serverOptionsPromise;
  }

  private async prepare(spec: Pick<InstanceSpec, 'blueprintId'>): Promise<Prepared> {
    const found = this.discovery();
    if (!found.found) throw new Error(`blueprint ${spec.blueprintId} is not available on this machine: ${found.reason}`);
    if (blueprintIdFor(found.server) !== spec.blueprintId) {
      throw new Error(`blueprint ${spec.blueprintId} is not available on this machine (it runs ${blueprintIdFor(found.server)})`);
    }
    const user = await this.user();
    await assertTraversableBy(user, this.rootDir);
    const template = await ensureTemplate(this.rootDir, found.server, user);
    return { user, server: found.server, template };
  }

  /** The cached process object of the instance, or a one-off one with its own ready limit. */
  private async server(spec: InstanceSpec, readyTimeoutMs?: number): Promise<ServerProcess> {
    const p = this.paths(spec);
    const existing = this.servers.get(p.dataDir);
    if (existing && readyTimeoutMs === undefined) return existing;
    const found = this.discovery();
    const server = createMariadbdProcess({
      label: `mysql instance ${spec.id}`,
      // start() runs prepare() first, which rejects an unavailable server.
      mariadbd: found.found ? found.server.mariadbd : 'mariadbd-unavailable',
      paths: p,
      user: await this.user(),
      adminAccount: this.adminAccount,
      readyTimeoutMs: readyTimeoutMs ?? this.options.readyTimeoutMs ?? 120_000,
      shutdownTimeoutMs: this.options.shutdownTimeoutMs ?? 60_000,
    });
    if (readyTimeoutMs === undefined) this.servers.set(p.dataDir, server);
    return server;
  }
}

/** The parameters persisted in parameters.cnf (none when it does not exist). */
async function readParameters(file: string): Promise<PersistedParameter[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseParametersCnf(text);
}
