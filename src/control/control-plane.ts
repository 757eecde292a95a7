import type { BerthConfig } from '../config.js';
import type { EngineRegistry } from '../engines/registry.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { BackupDrills } from './backup-drills.js';
import { BackupScheduler } from './backup-scheduler.js';
import { CertificateRenewal } from './certificate-renewal.js';
import { Controller } from './controller.js';
import { EngineWatch } from './engine-watch.js';
import { StorePrimaryElection, type PrimaryElection } from './ha/election.js';
import { Failovers } from './ha/failover.js';
import { HighAvailabilityMonitor } from './ha/monitor.js';
import { Standbys } from './ha/standbys.js';
import { Instances, type CertificateIssuer } from './instances.js';
import { MaintenanceScheduler } from './maintenance.js';
import { MetricsSampler } from './metrics-sampler.js';
import { removeOrphans } from './orphans.js';
import { PortAllocator } from './ports.js';

/** How often server certificates are checked for renewal (they are renewed 30 days before they expire). */
const CERTIFICATE_CHECK_INTERVAL_MS = 3_600_000;

export type ControlSettings = Pick<
  BerthConfig,
  | 'dataDir' | 'advertiseHost' | 'publicListenAddresses' | 'databasePorts' | 'monitorIntervalMs' | 'maintenanceIntervalMs'
  | 'backupCheckIntervalMs' | 'archiveIntervalMs' | 'metricsIntervalMs' | 'haCheckIntervalMs' | 'failoverTimeoutMs' | 'standbyLagLimitBytes'
  | 'backupVerifyIntervalMs'
>;

/**
 * Everything that moves databases toward what the metadata says: the task
 * controller, the watches (engines, high availability), the schedulers
 * (maintenance, backups, metrics), wired together once.
 */
export class ControlPlane {
  readonly instances: Instances;
  readonly ports: PortAllocator;
  readonly election: PrimaryElection;
  readonly controller: Controller;
  readonly standbys: Standbys;
  readonly failovers: Failovers;
  readonly engineWatch: EngineWatch;
  readonly highAvailability: HighAvailabilityMonitor;
  readonly maintenance: MaintenanceScheduler;
  readonly backupScheduler: BackupScheduler;
  readonly metricsSampler: MetricsSampler;
  readonly drills: BackupDrills;
  readonly certificateRenewal: CertificateRenewal;

  constructor(
    private readonly store: Store,
    engines: EngineRegistry,
    cas: CertificateIssuer,
    private readonly settings: ControlSettings,
    clock: Clock,
    private readonly logger: Logger,
  ) {
    this.instances = new Instances(store, engines, cas, settings, clock);
    this.ports = new PortAllocator(settings.databasePorts, () => new Set([...store.databases.usedPorts(), ...store.instances.usedPorts()]));
    this.election = new StorePrimaryElection(store);
    this.standbys = new Standbys(store, this.instances, this.election, this.ports, logger);
    this.controller = new Controller(store, { instances: this.instances, standbys: this.standbys }, logger);
    this.failovers = new Failovers(store, this.instances, this.election, this.controller, logger);
    this.controller.useFailovers(this.failovers);
    this.engineWatch = new EngineWatch(store, this.instances, this.controller, this.election, this.failovers, logger);
    this.highAvailability = new HighAvailabilityMonitor(
      store,
      this.instances,
      this.election,
      this.standbys,
      this.failovers,
      this.controller,
      { intervalMs: settings.haCheckIntervalMs, failoverTimeoutMs: settings.failoverTimeoutMs, standbyLagLimitBytes: settings.standbyLagLimitBytes },
      logger,
    );
    this.maintenance = new MaintenanceScheduler(store, this.controller, clock, logger);
    this.metricsSampler = new MetricsSampler(store, this.instances, clock, logger);
    this.backupScheduler = new BackupScheduler(store, this.instances, this.controller, clock, logger, settings.archiveIntervalMs);
    this.drills = new BackupDrills(store, this.instances, this.ports, logger);
    this.certificateRenewal = new CertificateRenewal(store, this.instances, this.controller, clock, logger);
  }

  /** After a restart: files nobody owns removed, unfinished tasks resumed, servers brought to what their databases should be. */
  async resume(): Promise<void> {
    await removeOrphans(this.store, this.settings.dataDir, this.logger);
    this.controller.resume();
    await this.engineWatch.check('start-up');
    // An HA primary that died while berth was down is the monitor's: one look now starts its failover
    // before the API answers, so that no request reads `available` with no server behind it.
    await this.highAvailability.tick();
  }

  /** The periodic watches and schedulers. */
  start(): void {
    this.engineWatch.start(this.settings.monitorIntervalMs);
    this.highAvailability.start();
    this.maintenance.start(this.settings.maintenanceIntervalMs);
    this.backupScheduler.start(this.settings.backupCheckIntervalMs);
    this.metricsSampler.start(this.settings.metricsIntervalMs);
    this.drills.start(this.settings.backupVerifyIntervalMs);
    this.certificateRenewal.start(CERTIFICATE_CHECK_INTERVAL_MS);
  }

  async close(options: { stopDatabases: boolean }): Promise<void> {
    this.engineWatch.stop();
    this.highAvailability.stop();
    this.maintenance.stop();
    this.backupScheduler.stop();
    this.metricsSampler.stop();
    this.drills.stop();
    this.certificateRenewal.stop();
    await this.drills.settled();
    await this.controller.close();
    if (!options.stopDatabases) return;
    await Promise.allSettled(
      this.store.instances.all().map(async (instance) => {
        const database = this.store.databases.findById(instance.databaseId);
        if (!database) return;
        const driver = this.instances.driver(database);
        await driver.stop(this.instances.spec(database, instance));
      }),
    );
  }
}
