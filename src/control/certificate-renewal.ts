import { SERVING_STATES } from '../domain/states.js';
import type { DatabaseRecord, InstanceRecord, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Controller } from './controller.js';
import type { Instances } from './instances.js';
import { Periodic } from '../util/periodic.js';

/** Server certificates are replaced this long before they expire (they are valid for 397 days). */
export const SERVER_CERTIFICATE_RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;

/** True when a certificate valid until `notAfter` (epoch seconds) is due for renewal at `now`. */
export function certificateDue(notAfter: number, now: Date): boolean {
  return notAfter * 1000 - now.getTime() <= SERVER_CERTIFICATE_RENEW_BEFORE_DAYS * DAY_MS;
}

/**
 * Renews the server certificate of every instance (primaries and standbys)
 * before it expires, under the same CA: the engine reloads it, open
 * connections carry on, new ones get the new certificate, and the database
 * records an event. Checked on the injected clock.
 */
export class CertificateRenewal {
  private readonly periodic = new Periodic(() => this.tick(), (error) => this.logger.error('certificate renewal failed', { error }));
  private running: Promise<string[]> | undefined;

  constructor(
    private readonly store: Store,
    private readonly instances: Instances,
    private readonly controller: Controller,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    this.periodic.start(intervalMs);
  }

  stop(): void {
    this.periodic.stop();
  }

  /** Renews what is due now; resolves the names of the databases whose certificates were renewed. */
  tick(): Promise<string[]> {
    this.running ??= this.renewDue().finally(() => (this.running = undefined));
    return this.running;
  }

  private async renewDue(): Promise<string[]> {
    const renewed: string[] = [];
    for (const database of this.store.databases.all()) {
      if (!SERVING_STATES.includes(database.state) || this.store.tasks.hasPending(database.id)) continue;
      const due = this.dueInstances(database);
      if (due.length === 0) continue;
      try {
        // In the database's queue: never beside a task that reloads or restarts its servers.
        await this.controller.exclusive(database.id, () => this.renew(database.id, due.map((instance) => instance.id)));
        renewed.push(database.name);
      } catch (error) {
        this.logger.error('could not renew a server certificate', { database: database.name, error });
      }
    }
    return renewed;
  }

  private dueInstances(database: DatabaseRecord): InstanceRecord[] {
    const now = this.clock.now();
    return this.instances.serving(database).filter((instance) => {
      const stored = this.store.certificates.get(instance.id);
      return stored !== undefined && certificateDue(stored.notAfter, now);
    });
  }

  private async renew(databaseId: string, instanceIds: string[]): Promise<void> {
    // Read again inside the queue: a task before this one may have changed the database.
    const database = this.store.databases.findById(databaseId);
    if (!database || !SERVING_STATES.includes(database.state)) return;
    const driver = this.instances.driver(database);
    for (const instance of this.instances.serving(database).reverse()) {
      if (!instanceIds.includes(instance.id) || instance.state !== 'running') continue;
      const previous = this.store.certificates.get(instance.id)!;
      const tls = await this.instances.issue(database, instance);
      await driver.reloadTls(this.instances.spec(database, instance), tls);
      const current = this.store.certificates.get(instance.id)!;
      const role = instance.role === 'primary' ? 'primary' : 'standby';
      this.instances.event(
        database,
        `The server certificate of the ${role} was renewed before it expired (${new Date(previous.notAfter * 1000).toISOString()}); the new one, issued by ${database.caCertificateIdentifier}, is valid until ${new Date(current.notAfter * 1000).toISOString()}`,
        ['security'],
      );
      this.logger.info('renewed a server certificate', { database: database.name, instance: instance.id, role, notAfter: new Date(current.notAfter * 1000).toISOString() });
    }
    await this.instances.verify(database);
  }
}
