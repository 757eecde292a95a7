import { randomInt } from 'node:crypto';
import { mkdir, chmod } from 'node:fs/promises';
import path from 'node:path';
import { regionError } from './catalog/regions.js';
import type { BerthConfig } from './config.js';
import { adoptStoredCas, storeCas } from './backup-store/certificate-authorities.js';
import { markStore, openBackupStore } from './backup-store/open-store.js';
import { ControlPlane } from './control/control-plane.js';
import { OffsiteBackups } from './control/offsite.js';
import { assertTraversableBy, ensureServiceUser, isRoot, type OsUser } from './engines/os-user.js';
import { MysqlDriver } from './engines/mysql/mysql-driver.js';
import { PostgresDriver } from './engines/postgres/postgres-driver.js';
import { EngineRegistry } from './engines/registry.js';
import { resolveCredentials, type ResolvedCredentials } from './gateway/credentials.js';
import { withConsole } from './gateway/console-routes.js';
import { AuditTrail } from './gateway/audit-trail.js';
import { DEFAULT_FAILURE_THROTTLE, FailureThrottle } from './gateway/failure-throttle.js';
import { Identities } from './gateway/identities.js';
import { ApiServer } from './gateway/api-server.js';
import { createPipeline } from './gateway/pipeline.js';
import { BerthMetrics } from './gateway/prometheus.js';
import { publicRoutes } from './gateway/public-routes.js';
import { requestLogFrom } from './gateway/request-log.js';
import { SigV4Verifier } from './gateway/sigv4.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { CaRegistry, DEFAULT_CA_IDENTIFIER } from './pki/index.js';
import { accessControl } from './services/access-control.js';
import { adminHandlers } from './services/admin.js';
import type { ServiceContext } from './services/context.js';
import { operationHandlers } from './services/index.js';
import { Store } from './store/index.js';
import { systemClock, type Clock } from './util/clock.js';
import type { Logger } from './util/logger.js';

export interface RunningBerth {
  url: string;
  port: number;
  api: ApiServer;
  accountId: string;
  credentials: ResolvedCredentials;
  store: Store;
  control: ControlPlane;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Where BERTH_ACCESS_KEY_ID / BERTH_SECRET_ACCESS_KEY are read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

async function prepareDataDir(dataDir: string, engineUser: OsUser | undefined): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o711 });
  // The unprivileged engine user must traverse (never list) the data dir.
  await chmod(dataDir, 0o711);
  if (engineUser) await assertTraversableBy(engineUser, dataDir);
}

/** Composes berth: store, CAs, engines, control loop and the API server. */
export async function startBerth(config: BerthConfig, logger: Logger, options: StartOptions = {}): Promise<RunningBerth> {
  const clock = options.clock ?? systemClock;
  const engineUser = isRoot() ? await ensureServiceUser() : undefined;
  await prepareDataDir(config.dataDir, engineUser);
  const lock: DataDirLock = await acquireDataDirLock(config.dataDir);
  const store = await Store.open(config.dataDir, () => clock.now().getTime() / 1000);
  try {
    const credentials = await resolveCredentials(config.dataDir, options.env);
    // The backup store first: a fresh berth recovering from it takes the account of the berth that wrote it.
    const backupStore = config.backupStore
      ? await openBackupStore({ url: config.backupStore, endpoint: config.backupStoreEndpoint, keyFile: config.backupKeyFile, dataDir: config.dataDir, logger })
      : undefined;
    const accountId = store.settings.getOrCreate('account-id', () => backupStore?.accountId ?? String(randomInt(100_000_000_000, 999_999_999_999)));
    if (backupStore) await markStore(backupStore.vault, accountId);
    const pkiDir = path.join(config.dataDir, 'pki');
    // A berth recovering a lost host issues certificates under the same CAs as before.
    if (backupStore && (await adoptStoredCas(backupStore.vault, pkiDir))) logger.info('took the CAs from the backup store', { store: backupStore.vault.description });
    const cas = await CaRegistry.open(pkiDir);
    if (backupStore) await storeCas(backupStore.vault, pkiDir);
    const engines = new EngineRegistry([
      new PostgresDriver({ rootDir: config.dataDir, osUser: engineUser }),
      new MysqlDriver({ rootDir: config.dataDir, osUser: engineUser }),
    ]);
    const control = new ControlPlane(store, engines, cas, config, clock, logger);
    const { instances } = control;
    if (backupStore) {
      const offsite = new OffsiteBackups(store, backupStore.vault, logger, { spoolLimitBytes: config.backupSpoolMaxMb * 1024 * 1024 });
      const imported = await offsite.open(accountId);
      instances.backups.useStore(offsite);
      logger.info('backups go to the backup store', { store: offsite.description, importedSnapshots: imported });
    }

    const identities = new Identities(credentials, store.users);
    const metrics = new BerthMetrics(store, { replication: control.highAvailability, backups: instances.backups, drills: control.drills });
    const context: ServiceContext = {
      store,
      engines,
      controller: control.controller,
      maintenance: control.maintenance,
      backups: instances.backups,
      instances,
      ports: control.ports,
      replication: control.highAvailability,
      drills: control.drills,
      identities,
      cas,
      clock,
      advertiseHost: config.advertiseHost,
      pageSize: config.pageSize,
      defaultCaIdentifier: DEFAULT_CA_IDENTIFIER,
    };
    const handle = createPipeline({
      // Signatures are checked against the wall clock: an injected clock only moves schedules.
      verifier: new SigV4Verifier(identities.find),
      keys: identities.find,
      throttle: new FailureThrottle({ ...DEFAULT_FAILURE_THROTTLE, burst: config.signatureFailureBurst }),
      authorize: accessControl(context),
      audit: new AuditTrail(store.audit, () => clock.now().getTime() / 1000),
      accountId,
      isValidRegion: regionError,
      handlers: operationHandlers(context),
      adminHandlers: adminHandlers(context),
      publicRoutes: withConsole(publicRoutes(cas, metrics)),
      log: requestLogFrom(logger, [(record) => metrics.observe(record)]),
    });

    // Requests wait until start-up has settled what each database reports (a server that died while berth was down).
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const api = await ApiServer.listen({ config, cas, clock, logger, handler: (req, res) => void ready.then(() => handle(req, res)) });

    await control.resume();
    markReady();
    control.start();
    // Install binaries and templates now, so the first create is as fast as the rest.
    for (const blueprint of engines.blueprints()) {
      engines
        .resolve(blueprint.blueprintId)!
        .driver.warm(blueprint.blueprintId)
        .catch((error) => logger.error('could not prepare a blueprint', { blueprint: blueprint.blueprintId, error }));
    }

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await api.close();
        await control.close({ stopDatabases: config.stopDatabasesOnExit });
        await cas.close();
        store.close();
        await lock.release();
      })());

    return { url: api.url, port: api.port, api, accountId, credentials, store, control, close };
  } catch (error) {
    store.close();
    await lock.release();
    throw error;
  }
}
