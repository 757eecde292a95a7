import { currentOrNextBackupWindow, isInBackupWindow } from '../domain/index.js';
import type { DatabaseRecord, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Controller } from './controller.js';
import type { Instances } from './instances.js';
import { Periodic } from '../util/periodic.js';

/**
 * For databases with backup retention: takes the first automatic backup as
 * soon as retention is on, then one a day in the preferred backup window;
 * pushes the archive forward so latestRestorableTime advances. Runs on the
 * injected clock; the database stays available throughout.
 */
export class BackupScheduler {
  private readonly periodic = new Periodic(() => this.tick(), (error) => this.logger.error('backup scheduling failed', { error }));
  private readonly lastFlush = new Map<string, number>();
  private catchingUp: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly instances: Instances,
    private readonly controller: Controller,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly flushIntervalMs: number,
  ) {}

  start(intervalMs: number): void {
    this.periodic.start(intervalMs);
  }

  stop(): void {
    this.periodic.stop();
  }

  /** One pass over the databases; resolves when the work it queued is done. */
  async tick(): Promise<void> {
    const jobs: Array<Promise<void>> = [this.catchUp()];
    for (const database of this.store.databases.all()) {
      if (!database.backupRetentionEnabled || database.state !== 'available' || !database.desiredRunning) continue;
      if (this.controller.busy(database.id)) continue;
      if (this.backupDue(database)) jobs.push(this.queue(database, () => this.backup(database.id)));
      else if (this.flushDue(database)) jobs.push(this.queue(database, () => this.flush(database.id)));
    }
    await Promise.all(jobs);
  }

  /** Uploads to the backup store what it lacks (it was unreachable, or berth died mid-upload); one pass at a time. */
  private catchUp(): Promise<void> {
    this.catchingUp ??= this.instances.backups
      .catchUp()
      .catch((error) => this.logger.warn('could not bring the backup store up to date', { error }))
      .finally(() => (this.catchingUp = undefined));
    return this.catchingUp;
  }

  /** No backup yet, or none taken since the current occurrence of the backup window began. */
  private backupDue(database: DatabaseRecord): boolean {
    const newest = this.store.automaticBackups.list(database.id).at(-1);
    if (!newest) return true;
    const now = this.clock.now();
    if (!isInBackupWindow(database.preferredBackupWindow, now)) return false;
    const windowStart = currentOrNextBackupWindow(database.preferredBackupWindow, now).start.getTime() / 1000;
    return newest.createdAt < windowStart;
  }

  private flushDue(database: DatabaseRecord): boolean {
    const last = this.lastFlush.get(database.id) ?? 0;
    return Date.now() - last >= this.flushIntervalMs;
  }

  private queue(database: DatabaseRecord, work: () => Promise<void>): Promise<void> {
    return this.controller.run(database.id, async () => {
      try {
        await work();
      } catch (error) {
        this.logger.error('automatic backup work failed', { database: database.name, error });
      }
    });
  }

  /** Re-reads the database: the queue may have run other work since the tick looked. */
  private current(databaseId: string): DatabaseRecord | undefined {
    const database = this.store.databases.findById(databaseId);
    return database && database.backupRetentionEnabled && database.state === 'available' ? database : undefined;
  }

  private async backup(databaseId: string): Promise<void> {
    const database = this.current(databaseId);
    if (!database) return;
    this.store.events.record(database, 'Backing up Relational Database', ['backup']);
    const backup = await this.instances.backups.takeAutomaticBackup(database);
    this.store.events.record(database, 'Finished Relational Database backup', ['backup']);
    this.logger.info('automatic backup taken', { database: database.name, bytes: backup.sizeBytes });
    await this.flush(databaseId);
  }

  private async flush(databaseId: string): Promise<void> {
    const database = this.current(databaseId);
    if (!database) return;
    await this.instances.backups.flush(database);
    this.lastFlush.set(databaseId, Date.now());
  }
}
