/**
 * PostgreSQL behind berth's EngineDriver: binaries copied out of npm packages,
 * instances copied from a per-version template cluster, one detached
 * postmaster per instance run as the unprivileged service user.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type {
  EngineBlueprint, EngineDriver, InstanceSpec, RunningState, TlsMaterial, VerifyOptions,
} from '../driver.js';
import { assertTraversableBy, ensureServiceUser, mkdirOwnedBy, type OsUser } from '../os-user.js';
import type { ServerProcess } from '../../supervisor/server-process.js';
import { pollUntil, SerialQueue } from '../../supervisor/wait.js';
import { ensureDatabase, ensureMasterRole, setRolePassword, withAdminClient } from './admin-connection.js';
import { findPostgresPackages, installedPaths, installPostgres, type InstalledPostgres, type PostgresPackage } from './binaries.js';
import { assertDataMajor, copyTemplateToPgdata, writeInstanceConfig } from './instance-files.js';
import { postgresInstancePaths, type PostgresInstancePaths } from './instance-paths.js';
import { verifyMasterConnection } from './master-connection.js';
import { readPostmasterPid, runningPostmasterPid } from './postmaster-pid.js';
import { createPostmasterProcess, postgresLogTail } from './postmaster-process.js';
import { ensureTemplate } from './template.js';
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
}

interface Prepared {
  user: OsUser;
  install: InstalledPostgres;
  template: string;
}

export class PostgresDriver implements EngineDriver {
  readonly engine = 'postgres' as const;
  readonly rootDir: string;
  private packageList: PostgresPackage[] | undefined;
  private userPromise: Promise<OsUser> | undefined;
  private readonly servers = new Map<string, ServerProcess>();
  private readonly queues = new Map<string, SerialQueue>();

  constructor(private readonly options: PostgresDriverOptions) {
    this.rootDir = path.resolve(options.rootDir);
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
    return this.queue(spec).run(() =>
      step(`provisioning postgres instance ${spec.id}`, async () => {
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
      }),
    );
  }

  async start(spec: InstanceSpec): Promise<RunningState> {
    return step(`starting postgres instance ${spec.id}`, async () => {
      const { user } = await this.prepare(spec);
      const p = this.paths(spec);
      if (!existsSync(path.join(p.pgdata, 'PG_VERSION'))) throw new Error(`${p.pgdata} is not provisioned`);
      await mkdirOwnedBy(user, p.socketDir, 0o700); // /tmp may have been emptied by a reboot
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
      let presented = '';
      const loaded = await pollUntil(
        async () => (presented = await presentedCertificateFingerprint('127.0.0.1', port).catch(() => '')) === expected,
        { timeoutMs: this.options.tlsReloadTimeoutMs ?? 10_000, intervalMs: 5 },
      );
      if (!loaded) {
        throw new Error(
          `the server still presents ${presented ? `certificate ${presented}` : 'no readable certificate'} ` +
            `instead of ${expected}; PostgreSQL keeps its previous TLS setup when the new files fail to load:\n` +
            (await postgresLogTail(p)),
        );
      }
    });
  }

  verifyConnection(spec: InstanceSpec, options: VerifyOptions): Promise<void> {
    return verifyMasterConnection(spec, options);
  }

  destroy(spec: InstanceSpec): Promise<void> {
    return this.queue(spec).run(() =>
      step(`destroying postgres instance ${spec.id}`, async () => {
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
      }),
    );
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
      const result = await client.query<{ name: string }>(
        `SELECT DISTINCT f.name FROM pg_file_settings f JOIN pg_settings s USING (name)
          WHERE NOT f.applied AND f.error IS NOT NULL AND s.context = 'postmaster' ORDER BY 1`,
      );
      return result.rows.map((row) => row.name);
    });
  }

  /**
   * Run `use` with a berth_admin connection over the instance's private
   * socket, on the port the running server listens on (which differs from
   * spec.port after a port change that awaits its restart).
   */
  async withAdmin<T>(spec: InstanceSpec, use: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
    const port = await this.listeningPort(spec);
    return withAdminClient({ socketDir: this.paths(spec).socketDir, port }, use, database ? { database } : {});
  }

  private packages(): PostgresPackage[] {
    this.packageList ??= this.options.packages ?? findPostgresPackages();
    return this.packageList;
  }

  private user(): Promise<OsUser> {
    this.userPromise ??= this.options.osUser ? Promise.resolve(this.options.osUser) : ensureServiceUser();
    return this.userPromise;
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

  private async server(spec: InstanceSpec): Promise<ServerProcess> {
    const p = this.paths(spec);
    const existing = this.servers.get(p.dataDir);
    if (existing) return existing;
    const pkg = this.packages().find((candidate) => `postgres_${candidate.major}` === spec.blueprintId);
    const server = createPostmasterProcess({
      label: `postgres instance ${spec.id}`,
      // start() runs prepare() first, which rejects an unavailable blueprint.
      postgres: pkg ? installedPaths(this.rootDir, pkg.version).postgres : 'postgres-unavailable',
      paths: p,
      user: await this.user(),
      readyTimeoutMs: this.options.readyTimeoutMs ?? 120_000,
    });
    this.servers.set(p.dataDir, server);
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

  private queue(spec: InstanceSpec): SerialQueue {
    const key = path.resolve(spec.dataDir);
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = new SerialQueue()));
    return queue;
  }
}

/** Run `work`, prefixing any error with what was being done. */
async function step<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const error = err as Error;
    if (error.message.startsWith(what)) throw error;
    throw new Error(`${what}: ${error.message}`, { cause: err });
  }
}
