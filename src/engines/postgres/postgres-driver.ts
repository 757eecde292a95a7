/**
 * PostgreSQL behind berth's EngineDriver: binaries copied out of npm packages,
 * instances copied from a per-version template cluster, one detached
 * postmaster per instance run as the unprivileged service user.
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
import { awaitPresentedCertificate, engineVersionOf, InstanceQueues, serviceUserOnce, step } from '../driver-support.js';
import { assertTraversableBy, mkdirOwnedBy, type OsUser } from '../os-user.js';
import type { ServerProcess } from '../../supervisor/server-process.js';
import { SerialQueue } from '../../supervisor/wait.js';
import { ensureDatabase, ensureMasterRole, setRolePassword, withAdminClient } from './admin-connection.js';
import { flushArchive, pruneArchive, setArchiving } from './archive.js';
import type { PostgresBackupHost } from './backup-host.js';
import { takeBackup } from './backup.js';
import { findPostgresPackages, installedPaths, installPostgres, type InstalledPostgres, type PostgresPackage } from './binaries.js';
import { assertDataMajor, copyTemplateToPgdata, writeInstanceConfig } from './instance-files.js';
import { postgresInstancePaths, type PostgresInstancePaths } from './instance-paths.js';
import { verifyMasterConnection } from './master-connection.js';
import { readPostmasterPid, runningPostmasterPid } from './postmaster-pid.js';
import { createPostmasterProcess, postgresLogTail } from './postmaster-process.js';
import { readPostgresManifest, restoreInstance } from './restore.js';
import {
  applyParameterChanges, listParameters, parameterFiles, pendingParameterNames, promotePendingParameters, type ParameterHost,
} from './parameters.js';
import { POSTGRES_LOG_STREAM, readServerLog } from './server-log.js';
import { sampleServerSockets, TrafficCounter } from './socket-traffic.js';
import { ADMIN_ROLE, ensureTemplate } from './template.js';
import { checkTlsMaterial, presentedCertificateFingerprint, writeTlsFiles } from './tls-files.js';

export interface PostgresDriverOptions {
  /** berth's data root: the driver keeps `engines/` (binaries) and `templates/` here. */
  rootDir: string;
  /** Who runs the servers; default: system user `berth` when root, else the current user. */
  osUser?: OsUser;
  /** Packages to offer; default: the `pg16`/`pg17` npm aliases that are installed. */
  packages?: PostgresPackage[];
  /** Start → ready limit (crash recovery can be slow). Default 120 s. */
  readyTimeoutMs?: number;
  /** How long reloadTls waits for the new certificate to be served. Default 10 s. */
  tlsReloadTimeoutMs?: number;
  /** Start → promoted limit of a restore (the archive replay can be long). Default 1 h. */
  restoreReadyTimeoutMs?: number;
  /** How long flushArchive waits for the archiver. Default 60 s. */
  archiveFlushTimeoutMs?: number;
}

interface Prepared {
  user: OsUser;
  install: InstalledPostgres;
  template: string;
}

export class PostgresDriver implements EngineDriver, EngineBackups, EngineObservability {
  readonly engine = 'postgres' as const;
  readonly rootDir: string;
  private packageList: PostgresPackage[] | undefined;
  private readonly user: () => Promise<OsUser>;
  private readonly servers = new Map<string, ServerProcess>();
  private readonly queues = new InstanceQueues();
  /** Per data dir: the postmaster whose sockets are counted, the counts, and the queue that keeps samples in order. */
  private readonly traffic = new Map<string, { pid: number; counter: TrafficCounter; samples: SerialQueue }>();

  constructor(private readonly options: PostgresDriverOptions) {
    this.rootDir = path.resolve(options.rootDir);
    this.user = serviceUserOnce(options.osUser);
  }

  blueprints(): EngineBlueprint[] {
    const packages = this.packages();
    const newest = Math.max(...packages.map((p) => p.major));
    return packages.map((p) => ({
      blueprintId: `postgres_${p.major}`,
      engine: 'postgres',
      engineVersion: p.version,
      engineDescription: 'PostgreSQL',
      engineVersionDescription: `PostgreSQL ${p.version}`,
      isEngineDefault: p.major === newest,
    }));
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
      await this.withAdmin(spec, (client) => client.query('SELECT pg_reload_conf()'));
      // pg_reload_conf only signals the postmaster: wait until new connections get the new cert.
      await awaitPresentedCertificate(
        () => presentedCertificateFingerprint('127.0.0.1', port),
        expected,
        this.options.tlsReloadTimeoutMs ?? 10_000,
        async () => `; PostgreSQL keeps its previous TLS setup when the new files fail to load:\n${await postgresLogTail(p)}`,
      );
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
    if (await this.crashed(spec)) {
      // A killed postmaster leaves shared memory (System V + /dev/shm) that only
      // PostgreSQL's next start frees: start and stop it once before removal.
      await server.start().catch(() => undefined);
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
      const connections = await this.withAdmin(spec, async (client) => {
        const result = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename IS DISTINCT FROM $1`,
          [ADMIN_ROLE],
        );
        return result.rows[0]?.n ?? 0;
      });
      const stats: EngineStats = { connections };
      const key = this.paths(spec).dataDir;
      let state = this.traffic.get(key);
      if (!state || state.pid !== pid) this.traffic.set(key, (state = { pid, counter: new TrafficCounter(), samples: new SerialQueue() }));
      const { counter, samples } = state;
      const port = await this.listeningPort(spec);
      const uid = (await this.user()).uid;
      // One sample at a time, applied in the order taken (an older sample applied late would count twice).
      const totals = await samples.run(async () => {
        const sockets = await sampleServerSockets(port, uid);
        return sockets && counter.update(sockets);
      });
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

  private packages(): PostgresPackage[] {
    this.packageList ??= this.options.packages ?? findPostgresPackages();
    return this.packageList;
  }

  private async prepare(spec: Pick<InstanceSpec, 'blueprintId'>): Promise<Prepared> {
    const pkg = this.packages().find((p) => `postgres_${p.major}` === spec.blueprintId);
    if (!pkg) throw new Error(`blueprint ${spec.blueprintId} is not available on this machine`);
    const user = await this.user();
    await assertTraversableBy(user, this.rootDir);
    const install = await installPostgres(this.rootDir, pkg, user);
    const template = await ensureTemplate(this.rootDir, install, user);
    return { user, install, template };
  }

  /** The cached process object of the instance, or a one-off one with its own ready limit. */
  private async server(spec: InstanceSpec, readyTimeoutMs?: number): Promise<ServerProcess> {
    const p = this.paths(spec);
    const existing = this.servers.get(p.dataDir);
    if (existing && readyTimeoutMs === undefined) return existing;
    const pkg = this.packages().find((candidate) => `postgres_${candidate.major}` === spec.blueprintId);
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

  private async listeningPort(spec: InstanceSpec): Promise<number> {
    const pgdata = this.paths(spec).pgdata;
    const pidFile = await readPostmasterPid(pgdata);
    if (pidFile && Number.isInteger(pidFile.port) && pidFile.port > 0 && (await runningPostmasterPid(pgdata)) === pidFile.pid) {
      return pidFile.port;
    }
    return spec.port;
  }

  /** postmaster.pid left behind by a postmaster that is gone (killed, or the machine crashed). */
  private async crashed(spec: InstanceSpec): Promise<boolean> {
    const pgdata = this.paths(spec).pgdata;
    return (await readPostmasterPid(pgdata)) !== undefined && (await runningPostmasterPid(pgdata)) === undefined;
  }
}
