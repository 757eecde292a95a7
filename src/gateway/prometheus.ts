import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DrillResult } from '../control/backup-drills.js';
import type { ReplicationObservation } from '../control/ha/monitor.js';
import type { Store } from '../store/index.js';
import type { RequestRecord } from './request-log.js';

/** What /metrics shows of the backup store. */
export interface BackupStoreFigures {
  spooledBytes(): ReadonlyMap<string, number>;
  readonly spoolLimitBytes: number;
  readonly storeReachable: boolean | undefined;
}

/**
 * berth's own metrics for Prometheus (GET /metrics): API requests by
 * operation and status, their latency, databases by state, operations in
 * flight, the replication of HA databases, plus Node's process metrics.
 */
export class BerthMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'operation' | 'status'>;
  private readonly latency: Histogram<'operation'>;

  constructor(
    store: Store,
    { replication, backups, drills }: {
      replication: { observations(): ReadonlyMap<string, ReplicationObservation> };
      backups: { readonly backupStore: BackupStoreFigures | undefined };
      drills: { lastResults(): ReadonlyMap<string, DrillResult> };
    },
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'berth_' });
    this.requests = new Counter({
      name: 'berth_api_requests_total',
      help: 'API requests by operation and HTTP status',
      labelNames: ['operation', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'berth_api_request_duration_seconds',
      help: 'API request latency by operation',
      labelNames: ['operation'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    new Gauge({
      name: 'berth_databases',
      help: 'Databases by state',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        this.reset();
        const counts = store.sqlite.prepare('SELECT state, COUNT(*) AS n FROM databases GROUP BY state').all() as Array<{ state: string; n: number }>;
        for (const { state, n } of counts) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'berth_operations_in_flight',
      help: 'Operations started and not yet terminal',
      registers: [this.registry],
      collect() {
        const row = store.sqlite.prepare('SELECT COUNT(*) AS n FROM operations WHERE is_terminal = 0').get() as { n: number };
        this.set(row.n);
      },
    });
    /** A gauge per database (labelled by name and region) over `entries`: database id and figure, undefined for none. */
    const perDatabase = <T>(name: string, help: string, entries: () => Iterable<[string, T]>, value: (entry: T) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['database', 'region'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [id, entry] of entries()) {
            const database = store.databases.findById(id);
            const figure = value(entry);
            if (database && figure !== undefined) this.set({ database: database.name, region: database.region }, figure);
          }
        },
      });
    // The replication of HA databases, as the high-availability monitor last saw it.
    const replicationGauge = (name: string, help: string, value: (observation: ReplicationObservation) => number | undefined) =>
      perDatabase(name, help, () => replication.observations(), value);
    perDatabase(
      'berth_backup_spool_bytes',
      'Archive bytes waiting on this host for the backup store (it could not take them yet)',
      () => backups.backupStore?.spooledBytes() ?? [],
      (bytes) => bytes,
    );
    /** A gauge without labels, absent while `value` is undefined. */
    const optionalGauge = (name: string, help: string, value: () => number | undefined) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.reset();
          const figure = value();
          if (figure !== undefined) this.set(figure);
        },
      });
    optionalGauge(
      'berth_backup_spool_limit_bytes',
      "Archive bytes of one database that may wait for the backup store; past them the database's archive takes no new files until the store takes them",
      () => backups.backupStore?.spoolLimitBytes,
    );
    optionalGauge(
      'berth_backup_store_reachable',
      '1 while the backup store takes what berth sends, 0 while it cannot (absent without a store, or before the first upload)',
      () => {
        const reachable = backups.backupStore?.storeReachable;
        return reachable === undefined ? undefined : reachable ? 1 : 0;
      },
    );
    const drillGauge = (name: string, help: string, value: (result: DrillResult) => number) => perDatabase(name, help, () => drills.lastResults(), value);
    drillGauge('berth_backup_verification_ok', "1 when the last restore drill of the database's newest backup succeeded, 0 when it failed", (r) => (r.ok ? 1 : 0));
    drillGauge('berth_backup_verification_timestamp_seconds', 'When the last restore drill ended', (r) => r.at / 1000);
    drillGauge('berth_backup_verification_duration_seconds', 'How long the last restore drill took', (r) => r.durationMs / 1000);
    replicationGauge('berth_replication_lag_bytes', 'Bytes of changes the standby of an HA database has not made durable yet', (o) => o.lagBytes);
    replicationGauge('berth_replication_lag_seconds', "How far the standby's applied state is behind, in seconds", (o) => o.lagSeconds);
    replicationGauge(
      'berth_replication_synchronous',
      '1 while every commit of an HA database waits for its standby, 0 while the primary commits alone (degraded)',
      (o) => (o.synchronous ? 1 : 0),
    );
  }

  observe(record: RequestRecord): void {
    this.requests.inc({ operation: record.operation, status: String(record.status) });
    this.latency.observe({ operation: record.operation }, record.durationMs / 1000);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
