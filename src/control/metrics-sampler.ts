import { findBundle } from '../catalog/bundles.js';
import { SERVING_STATES } from '../domain/states.js';
import type { DatabaseRecord, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { diskIoWeightedMs, diskUsage, treeFigures } from './host-figures.js';
import type { Instances } from './instances.js';
import { Periodic } from '../util/periodic.js';

/** Samples are kept this long (Lightsail keeps 14 days of database metrics). */
export const METRIC_RETENTION_SECONDS = 14 * 24 * 3600;
const GIB = 1024 ** 3;

/** The counters of the previous sample of a database, for rates. */
interface Previous {
  at: number;
  cpuSeconds: number;
  bytesReceived?: number;
  bytesSent?: number;
  ioWeightedMs?: number;
}

/**
 * Every interval, reads each running database from its process tree, its
 * engine and its disk, and stores one sample per metric: CPUUtilization,
 * DatabaseConnections, DiskQueueDepth, FreeStorageSpace,
 * NetworkReceiveThroughput, NetworkTransmitThroughput, FreeableMemory and
 * SwapUsage. Rates need two samples, so they start with the second.
 */
export class MetricsSampler {
  private readonly periodic = new Periodic(() => this.sampleAll(), (error) => this.logger.error('metric sampling failed', { error }));
  private readonly previous = new Map<string, Previous>();
  private lastPrune = 0;

  constructor(
    private readonly store: Store,
    private readonly instances: Instances,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    this.periodic.start(intervalMs);
  }

  stop(): void {
    this.periodic.stop();
  }

  async sampleAll(): Promise<void> {
    const now = this.clock.now().getTime() / 1000;
    for (const database of this.store.databases.all()) {
      if (!database.desiredRunning || !SERVING_STATES.includes(database.state)) continue;
      try {
        await this.sample(database, now);
      } catch (error) {
        this.logger.debug('could not sample a database', { database: database.name, error });
      }
    }
    if (now - this.lastPrune > 3600) {
      this.store.metrics.pruneBefore(now - METRIC_RETENTION_SECONDS);
      this.lastPrune = now;
    }
  }

  private async sample(database: DatabaseRecord, now: number): Promise<void> {
    const driver = this.instances.driver(database);
    const spec = this.instances.spec(database);
    // The figures of the database are its primary's: the server its endpoint leads to.
    const status = await driver.status(spec);
    if (!status.running || status.pid === undefined) return;
    const bundle = findBundle(database.bundleId);
    const stats = await driver.stats(spec);
    const tree = await treeFigures(status.pid);
    const dataDir = spec.dataDir;
    const ioWeightedMs = await diskIoWeightedMs(dataDir);
    const values: Record<string, number> = {
      FreeableMemory: Math.max(0, (bundle?.ramSizeInGb ?? 1) * GIB - tree.pssBytes),
      SwapUsage: tree.swapBytes,
      FreeStorageSpace: Math.max(0, (bundle?.diskSizeInGb ?? 40) * GIB - (await diskUsage(dataDir))),
    };
    values.DatabaseConnections = stats.connections;

    const before = this.previous.get(database.id);
    if (before && now > before.at) {
      const seconds = now - before.at;
      const cpus = Math.max(1, bundle?.cpuCount ?? 1);
      values.CPUUtilization = Math.min(100, Math.max(0, ((tree.cpuSeconds - before.cpuSeconds) / (seconds * cpus)) * 100));
      if (stats.bytesReceived !== undefined && before.bytesReceived !== undefined) {
        values.NetworkReceiveThroughput = Math.max(0, (stats.bytesReceived - before.bytesReceived) / seconds);
      }
      if (stats.bytesSent !== undefined && before.bytesSent !== undefined) {
        values.NetworkTransmitThroughput = Math.max(0, (stats.bytesSent - before.bytesSent) / seconds);
      }
      if (ioWeightedMs !== undefined && before.ioWeightedMs !== undefined) {
        values.DiskQueueDepth = Math.max(0, (ioWeightedMs - before.ioWeightedMs) / (seconds * 1000));
      }
    }
    this.previous.set(database.id, {
      at: now,
      cpuSeconds: tree.cpuSeconds,
      bytesReceived: stats.bytesReceived,
      bytesSent: stats.bytesSent,
      ioWeightedMs,
    });
    this.store.metrics.add(database.id, now, values);
  }
}
