/**
 * MySQL-compatible databases behind berth's EngineDriver, run by MariaDB
 * (reported honestly: engine `mysql`, engineVersion `10.11.18-MariaDB`).
 * The system's mariadbd, instances copied from a per-version template
 * datadir, one detached mariadbd per instance run as the unprivileged
 * service user, administered as the admin account over a private socket.
 * mariadb-installation.ts finds the server and makes its template,
 * instance-settings.ts keeps my.cnf, instance-tls.ts checks and reloads TLS.
 * EngineObservability: stats.ts (figures), log-files.ts and log-formats.ts
 * (the error, general and slow query logs), instance-parameters.ts,
 * parameters.ts and parameter-policy.ts (parameters through berth's
 * parameters.cnf).
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import type { BackupManifest, EngineBackups, RestoreSource } from '../backup.js';
import type {
  EngineBlueprint, EngineDriver, InstanceSpec, RunningState, TlsMaterial, VerifyOptions,
} from '../driver.js';
import type { EngineReplication, ReplicationLink, StandbyState } from '../replication.js';
import type {
  EngineObservability, EngineParameter, EngineStats, LogPage, LogQuery, ParameterChange,
} from '../observability.js';
import { engineVersionOf, InstanceQueues, serviceUserOnce, step } from '../driver-support.js';
import { assertTraversableBy, mkdirOwnedBy, type OsUser } from '../os-user.js';
import { checkTlsMaterial, writeTlsFiles } from '../postgres/tls-files.js';
import type { ServerProcess } from '../../supervisor/server-process.js';
import { ensureDatabase, ensureMasterAccount, setAccountPassword, withAdminConnection } from './admin-connection.js';
import { flushArchive, pruneArchive, setArchiving } from './archive.js';
import type { MysqlBackupHost } from './backup-host.js';
import { readMysqlManifest, takeBackup } from './backup.js';
import { assertDataSeries, copyTemplateToDatadir, makeInstanceDirs, writeMyCnf } from './instance-files.js';
import { applyParameterChanges, listParameters, pendingParameterNames, type MysqlParameterHost } from './instance-parameters.js';
import { mysqlInstancePaths, type MysqlInstancePaths } from './instance-paths.js';
import { applyDynamicSettings, instanceSettings, settingsAwaitingRestart } from './instance-settings.js';
import { assertServesTls, reloadServedCertificate } from './instance-tls.js';
import { MariadbInstallation, type MariadbInstallationOptions, type PreparedMariadb } from './mariadb-installation.js';
import { createMariadbdProcess, mariadbLogTail, runningMariadbdPid } from './mariadbd-process.js';
import { verifyMasterConnection } from './master-connection.js';
import * as replication from './replication.js';
import { restoreInstance } from './restore.js';
import type { ServerDiscovery } from './server-binaries.js';
import { adminAccountName } from './template.js';
import { readLogPage } from './log-files.js';
import { MYSQL_LOG_FORMATS } from './log-formats.js';
import { controlledBecause } from './parameter-policy.js';
import { readStats } from './stats.js';

export interface MysqlDriverOptions extends MariadbInstallationOptions {
  /** berth's data root: the driver keeps `templates/` here. */
  rootDir: string;
  /** Who runs the servers; default: system user `berth` when root, else the current user. */
  osUser?: OsUser;
  /** Start → ready limit (crash recovery can be slow). Default 120 s. */
  readyTimeoutMs?: number;
  /** How long a clean shutdown (SIGTERM) may take before SIGKILL. Default 60 s. */
  shutdownTimeoutMs?: number;
  /** How long reloadTls waits for the new certificate to be served. Default 10 s. */
  tlsReloadTimeoutMs?: number;
  /** Start → ready limit of a restored server. Default 1 h. */
  restoreReadyTimeoutMs?: number;
  /** How long a standby may take to replicate, a promotion to apply what it received. Default 60 s. */
  standbyTimeoutMs?: number;
}

export class MysqlDriver implements EngineDriver, EngineBackups, EngineObservability, EngineReplication {
  readonly engine = 'mysql' as const;
  readonly archiveLayout = 'per-instance' as const;
  readonly rootDir: string;
  /** The MariaDB account berth administers through (named like berth's OS user). */
  readonly adminAccount = adminAccountName();
  private readonly user: () => Promise<OsUser>;
  private readonly installation: MariadbInstallation;
  private readonly servers = new Map<string, ServerProcess>();
  private readonly queues = new InstanceQueues();

  constructor(private readonly options: MysqlDriverOptions) {
    this.rootDir = path.resolve(options.rootDir);
    this.user = serviceUserOnce(options.osUser);
    this.installation = new MariadbInstallation(this.rootDir, this.user, options);
  }

  /** The server found on this machine, or why there is none. */
  discovery(): ServerDiscovery {
    return this.installation.discovery();
  }

  blueprints(): EngineBlueprint[] {
    return this.installation.blueprints();
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
    const settings = await instanceSettings(spec, p, server);
    await writeMyCnf(user, p, settings, { include: p.parametersCnf, controlled: (name) => controlledBecause(name) !== undefined });
    if ((await this.status(spec)).running) await applyDynamicSettings((use) => this.withAdmin(spec, use), settings);
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
    await assertServesTls((use) => this.withAdmin(spec, use), pid, p);
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
      await reloadServedCertificate((use) => this.withAdmin(spec, use), p, expected, this.options.tlsReloadTimeoutMs ?? 10_000);
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

  /** berth replays binary logs itself (mariadb-binlog as root): nothing to change. */
  async adoptArchive(): Promise<void> {}

  private backupHost(): MysqlBackupHost {
    return {
      prepare: (spec) => this.prepare(spec),
      user: () => this.user(),
      paths: (spec) => this.paths(spec),
      adminAccount: this.adminAccount,
      tool: (name) => this.installation.tool(name),
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
    return settingsAwaitingRestart(spec, this.paths(spec), found.server, (use) => this.withAdmin(spec, use));
  }

  /** Run `use` with an admin connection over the instance's private socket. */
  withAdmin<T>(spec: Pick<InstanceSpec, 'dataDir'>, use: (connection: mysql.Connection) => Promise<T>): Promise<T> {
    return withAdminConnection({ socket: this.paths(spec).socket, account: this.adminAccount }, use);
  }

  // ---- EngineReplication: replication.ts does the work ----

  private replicationOptions() {
    return { streamTimeoutMs: this.options.standbyTimeoutMs ?? 60_000 };
  }

  buildStandby(primary: InstanceSpec, standby: InstanceSpec, tls: TlsMaterial, link: ReplicationLink): Promise<void> {
    return this.queues.run(standby, () =>
      step(`building mysql standby ${standby.id} of ${primary.id}`, () => replication.buildStandby(this.backupHost(), primary, standby, tls, link, this.replicationOptions())),
    );
  }

  followPrimary(standby: InstanceSpec, primary: InstanceSpec, link: ReplicationLink): Promise<void> {
    return this.queues.run(standby, () =>
      step(`pointing mysql standby ${standby.id} at ${primary.id}`, () => replication.followPrimary(this.backupHost(), standby, link, this.replicationOptions())),
    );
  }

  setSynchronousStandby(primary: InstanceSpec, standby: InstanceSpec | undefined): Promise<void> {
    const what = standby === undefined ? `letting mysql instance ${primary.id} commit alone` : `making ${standby.id} the synchronous standby of mysql instance ${primary.id}`;
    return this.queues.run(primary, () =>
      step(what, () => replication.setSynchronousStandby(this.backupHost(), primary, standby, this.replicationOptions().streamTimeoutMs)),
    );
  }

  standbyState(primary: InstanceSpec, standby: InstanceSpec): Promise<StandbyState> {
    return step(`reading the replication of mysql instance ${primary.id}`, () => replication.standbyState(this.backupHost(), primary, standby));
  }

  /** Nothing to forget: a MariaDB primary holds nothing for a standby that is gone. */
  async forgetStandbys(_primary: InstanceSpec, _keep: string | undefined): Promise<void> {}

  async probe(spec: InstanceSpec, timeoutMs: number): Promise<void> {
    await withAdminConnection(
      { socket: this.paths(spec).socket, account: this.adminAccount },
      (c) => c.query({ sql: 'SELECT 1', timeout: timeoutMs }),
      { connectTimeoutMs: timeoutMs },
    );
  }

  isStandby(spec: InstanceSpec): Promise<boolean> {
    return replication.isStandby(this.backupHost(), spec);
  }

  promote(standby: InstanceSpec): Promise<void> {
    return this.queues.run(standby, () =>
      step(`promoting mysql standby ${standby.id}`, () => replication.promote(this.backupHost(), standby, this.replicationOptions().streamTimeoutMs)),
    );
  }

  fence(spec: InstanceSpec): Promise<void> {
    // Not queued: a fence must not wait behind work on a server that hangs.
    return step(`fencing mysql instance ${spec.id}`, () => replication.fence(this.backupHost(), spec));
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
    return step(`reading the parameters of mysql instance ${spec.id}`, () => listParameters(this.parameterHost(), spec));
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
    return this.queues.run(spec, () => applyParameterChanges(this.parameterHost(), spec, changes));
  }

  /** Parameters persisted with pending-reboot whose value the running server does not have (yet). */
  pendingRebootParameters(spec: InstanceSpec): Promise<string[]> {
    return step(`reading the pending parameters of mysql instance ${spec.id}`, () => pendingParameterNames(this.parameterHost(), spec));
  }

  private parameterHost(): MysqlParameterHost {
    return {
      prepare: (spec) => this.prepare(spec),
      user: () => this.user(),
      discovery: () => this.discovery(),
      serverOptions: () => this.installation.serverOptions(),
      paths: (spec) => this.paths(spec),
      running: async (spec) => (await this.status(spec)).running,
      withAdmin: (spec, use) => this.withAdmin(spec, use),
      writeConfig: (spec) => this.writeConfig(spec),
    };
  }

  private prepare(spec: Pick<InstanceSpec, 'blueprintId'>): Promise<PreparedMariadb> {
    return this.installation.prepare(spec);
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
