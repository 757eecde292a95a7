import { isInMaintenanceWindow } from '../domain/index.js';
import { canBegin, TRANSITIONS } from '../domain/states.js';
import type { UpdatePlan } from '../domain/tasks.js';
import type { DatabaseRecord, OperationRecord, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Controller } from './controller.js';
import { Periodic } from '../util/periodic.js';

export function hasPendingMaintenance(database: DatabaseRecord): boolean {
  return Object.keys(database.pendingChanges).length > 0;
}

/**
 * Applies deferred changes (CA rotation, backup retention) when a database's
 * maintenance window arrives, on the injected clock; or at once on request
 * (`berth maintenance run`).
 */
export class MaintenanceScheduler {
  private readonly periodic = new Periodic(() => this.tick(), (error) => this.logger.error('maintenance check failed', { error }));

  constructor(
    private readonly store: Store,
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

  /** Starts maintenance on every available database whose window is open now; returns their names. */
  tick(): string[] {
    const now = this.clock.now();
    const started: string[] = [];
    for (const database of this.store.databases.all()) {
      if (!hasPendingMaintenance(database) || !canBegin('maintenance', database.state)) continue;
      if (this.store.tasks.hasPending(database.id)) continue;
      if (!isInMaintenanceWindow(database.preferredMaintenanceWindow, now)) continue;
      this.begin(database, 'maintenance window');
      started.push(database.name);
    }
    return started;
  }

  /** Applies a database's pending changes now, whatever the window. */
  begin(database: DatabaseRecord, reason: string): OperationRecord {
    const plan: UpdatePlan = { maintenance: true, ...database.pendingChanges };
    const { operation, task } = this.store.transaction(() => {
      this.store.databases.update(database.id, { state: TRANSITIONS.maintenance.during });
      const operation = this.store.operations.create(
        { accountId: database.accountId, region: database.region },
        {
          resourceName: database.name,
          resourceType: 'RelationalDatabase',
          operationType: 'UpdateRelationalDatabase',
          operationDetails: reason,
          availabilityZone: database.availabilityZone,
        },
      );
      return { operation, task: this.store.tasks.add(database.id, 'update', [operation.id], plan) };
    });
    this.logger.info('applying pending maintenance', { database: database.name, reason, plan });
    this.controller.submit(task);
    return operation;
  }
}
