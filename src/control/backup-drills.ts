/**
 * Restore drills: a backup no one has restored is a hope, not a backup.
 * Regularly (and on demand, `berth backup verify`), the newest automatic
 * backup of each database is restored into a scratch server that no client
 * can reach (loopback only, a port of its own, a certificate that is never
 * stored), which must verify every checksum, start and answer a query as
 * the master user over verified TLS; then it is removed. One drill at a
 * time, so that drills never starve the machine. The result is an event and
 * a Prometheus metric.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathExists } from '../engines/hashed-copy.js';
import type { DatabaseRecord, Store } from '../store/index.js';
import type { Logger } from '../util/logger.js';
import type { Instances } from './instances.js';
import type { PortAllocator } from './ports.js';
import { Periodic } from '../util/periodic.js';

export interface DrillResult {
  database: string;
  ok: boolean;
  /** When the drill ended (epoch ms). */
  at: number;
  durationMs: number;
  /** The backup restored: its id and the moment it is consistent to. */
  backupId?: string;
  consistentAt?: string;
  /** Why it failed. */
  error?: string;
}

/** The prefix of a drill's scratch instance id (its data dir is removed with orphans after a crash). */
export const DRILL_ID_PREFIX = 'drill-';

export class BackupDrills {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly results = new Map<string, DrillResult>();
  private readonly periodic = new Periodic(() => this.drillAll(), (error) => this.logger.error('backup drills failed', { error }));

  constructor(
    private readonly store: Store,
    private readonly instances: Instances,
    private readonly ports: PortAllocator,
    private readonly logger: Logger,
  ) {}

  /** Drills every database with backups once per `intervalMs`. */
  start(intervalMs: number): void {
    this.periodic.start(intervalMs);
  }

  stop(): void {
    this.periodic.stop();
  }

  /** Resolves once the drills queued so far are over (their scratch servers removed). */
  settled(): Promise<unknown> {
    return this.queue;
  }

  /** The last result of each database (by id), for /metrics. */
  lastResults(): ReadonlyMap<string, DrillResult> {
    return this.results;
  }

  async drillAll(): Promise<void> {
    for (const database of this.store.databases.all()) {
      if (this.store.automaticBackups.list(database.id).length === 0) continue;
      await this.verify(database).catch((error) => this.logger.error('the restore drill could not run', { database: database.name, error }));
    }
  }

  /** One drill of `database`'s newest backup, after the drills before it. */
  verify(database: DatabaseRecord): Promise<DrillResult> {
    const run = this.queue.then(() => this.drill(database));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async drill(database: DatabaseRecord): Promise<DrillResult> {
    const started = Date.now();
    const backup = this.store.automaticBackups.list(database.id).at(-1);
    const result = (ok: boolean, extra: Partial<DrillResult>): DrillResult => ({ database: database.name, ok, at: Date.now(), durationMs: Date.now() - started, ...extra });
    if (!backup) {
      return result(false, { error: 'the database has no automatic backup yet' });
    }
    const driver = this.instances.driver(database);
    const { backups } = this.instances;
    const id = `${DRILL_ID_PREFIX}${randomBytes(6).toString('hex')}`;
    const port = await this.ports.allocate();
    const spec = { ...this.instances.spec(database), id, dataDir: this.instances.dataDirOf(id), port, publiclyAccessible: false };
    let staged: string | undefined;
    let outcome: DrillResult;
    try {
      let backupDir = backups.automaticBackupDir(database.id, backup.id);
      if (!(await pathExists(backupDir)) && backups.backupStore) {
        staged = path.join(backups.stagingRoot(), id);
        backupDir = path.join(staged, 'backup');
        await backups.backupStore.pullBackup(database.region, database.id, backup.id, backupDir);
      }
      const tls = await this.instances.scratchTls(database);
      await driver.restore(spec, tls, { backupDir });
      const password = this.instances.masterPassword(database);
      await driver.ensureMasterUser(spec, password);
      await driver.verifyConnection(spec, { host: 'localhost', caPem: tls.caPem, password });
      outcome = result(true, { backupId: backup.id, consistentAt: new Date(backup.consistentAt * 1000).toISOString() });
    } catch (error) {
      outcome = result(false, { backupId: backup.id, error: this.instances.redactPaths(error instanceof Error ? error.message : String(error)) });
    } finally {
      await driver.fence(spec).catch(() => undefined);
      await driver.destroy(spec).catch((error) => this.logger.warn('could not remove a restore drill', { database: database.name, error }));
      if (staged) await rm(staged, { recursive: true, force: true });
      this.ports.release(port);
    }
    this.results.set(database.id, outcome);
    const when = outcome.consistentAt ?? 'its newest backup';
    this.store.events.record(
      database,
      outcome.ok
        ? `Backup verified: the automatic backup of ${when} was restored into a scratch server, which started and answered a query (${outcome.durationMs} ms)`
        : `Backup verification failed: ${outcome.error}`,
      outcome.ok ? ['backup'] : ['backup', 'failure'],
    );
    this.logger[outcome.ok ? 'info' : 'error']('restore drill', { ...outcome });
    return outcome;
  }
}
