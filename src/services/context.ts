import { InvalidInputException, NotFoundException } from '../api/errors.js';
import type { Backups } from '../control/backups.js';
import type { Controller } from '../control/controller.js';
import type { BackupDrills } from '../control/backup-drills.js';
import type { HighAvailabilityMonitor } from '../control/ha/monitor.js';
import type { Instances } from '../control/instances.js';
import type { MaintenanceScheduler } from '../control/maintenance.js';
import type { PortAllocator } from '../control/ports.js';
import type { EngineRegistry } from '../engines/registry.js';
import { canBegin, SERVING_STATES, TRANSITIONS, type DatabaseAction } from '../domain/states.js';
import type { Identities } from '../gateway/identities.js';
import type { RequestContext } from '../gateway/pipeline.js';
import type { DatabaseRecord, Scope, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';

export interface CaCatalogue {
  identifiers(): string[];
  has(identifier: string): boolean;
  expiresAt(identifier: string): Date;
}

/** Everything the API services use. Services never spawn processes themselves. */
export interface ServiceContext {
  store: Store;
  engines: EngineRegistry;
  controller: Controller;
  maintenance: MaintenanceScheduler;
  backups: Backups;
  instances: Instances;
  ports: PortAllocator;
  cas: CaCatalogue;
  /** What the high-availability monitor last saw of each database's replication. */
  replication: Pick<HighAvailabilityMonitor, 'observation'>;
  /** Restore drills of automatic backups (`berth backup verify`). */
  drills: Pick<BackupDrills, 'verify'>;
  /** The accepted keys; told when users, keys or policies change. */
  identities: Pick<Identities, 'invalidate'>;
  clock: Clock;
  advertiseHost: string;
  pageSize: number;
  defaultCaIdentifier: string;
}

export function scopeOf(request: RequestContext): Scope {
  return { accountId: request.accountId, region: request.region };
}

export function nowSeconds(context: ServiceContext): number {
  return context.clock.now().getTime() / 1000;
}

/** Resource names have no length limit in the model: a NotFound message echoes at most this much of one. */
const ECHOED_NAME_CHARS = 255;

/** The NotFound answer for a resource `name` (as Lightsail words it: "The <what> does not exist: <name>"). */
export function notFound(what: string, name: string, tip: string): NotFoundException {
  return new NotFoundException(`The ${what} does not exist: ${name.slice(0, ECHOED_NAME_CHARS)}`, { tip });
}

export function requireDatabase(context: ServiceContext, scope: Scope, name: string): DatabaseRecord {
  const database = context.store.databases.findByName(scope, name);
  if (!database) throw notFound('Relational Database', name, 'Check that the database name is correct and that it exists in this Region.');
  return database;
}

/** Refuses an action the database's state does not allow (domain/states.ts), saying which states would. */
export function requireState(database: DatabaseRecord, action: DatabaseAction): void {
  if (canBegin(action, database.state)) return;
  const { from, verb } = TRANSITIONS[action];
  throw new InvalidInputException(
    `You can't ${verb} the database ${database.name} while it is ${database.state}; it must be ${from.join(' or ')}.`,
    { code: 'InvalidResourceState', tip: 'Wait for the current operation to finish (GetRelationalDatabase shows the state), then try again.' },
  );
}

/** Refuses a call that needs the database's server to answer (parameters, logs) in a state where it may not. */
export function requireServing(database: DatabaseRecord, verb: string): void {
  if (SERVING_STATES.includes(database.state)) return;
  throw new InvalidInputException(
    `You can't ${verb} the database ${database.name} while it is ${database.state}; it must be ${SERVING_STATES.join(' or ')}.`,
    { code: 'InvalidResourceState', tip: 'Wait for the current operation to finish (GetRelationalDatabase shows the state), then try again.' },
  );
}
