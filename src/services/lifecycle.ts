import type { Operation } from '@aws-sdk/client-lightsail';
import { validateResourceName } from '../domain/index.js';
import type { RequestContext } from '../gateway/pipeline.js';
import type { DatabaseChanges } from '../store/databases.js';
import { requireDatabase, requireState, scopeOf, type ServiceContext } from './context.js';
import { operationShape } from './shapes.js';
import { assertSnapshotNameFree, newSnapshot, recordSnapshot } from './snapshots.js';

interface Transition {
  action: string;
  from: readonly string[];
  changes: DatabaseChanges;
  operationType: string;
  task: string;
}

export const TRANSITIONS = {
  start: { action: 'start', from: ['stopped'], changes: { state: 'starting', desiredRunning: true }, operationType: 'StartRelationalDatabase', task: 'start' },
  stop: { action: 'stop', from: ['available'], changes: { state: 'stopping', desiredRunning: false }, operationType: 'StopRelationalDatabase', task: 'stop' },
  reboot: { action: 'reboot', from: ['available'], changes: { state: 'rebooting' }, operationType: 'RebootRelationalDatabase', task: 'reboot' },
  delete: {
    action: 'delete',
    from: ['available', 'stopped', 'failed'],
    changes: { state: 'deleting', desiredRunning: false },
    operationType: 'DeleteRelationalDatabase',
    task: 'delete',
  },
} as const satisfies Record<string, Transition>;

/** Records the transition, its operation and its task in one transaction, then hands the task to the controller. */
export function beginTransition(context: ServiceContext, request: RequestContext, name: string, transition: Transition): { operations: Operation[] } {
  const scope = scopeOf(request);
  const database = requireDatabase(context, scope, name);
  requireState(database, transition.from, transition.action);
  const { operation, task } = context.store.transaction(() => {
    context.store.databases.update(database.id, transition.changes);
    const operation = context.store.operations.create(scope, {
      resourceName: database.name,
      resourceType: 'RelationalDatabase',
      operationType: transition.operationType,
      operationDetails: transition.action === 'reboot' ? '' : undefined,
      availabilityZone: database.availabilityZone,
    });
    return { operation, task: context.store.tasks.add(database.id, transition.task, [operation.id]) };
  });
  context.controller.submit(task);
  return { operations: [operationShape(operation)] };
}

export function startRelationalDatabase(context: ServiceContext, request: RequestContext, input: { relationalDatabaseName?: string }) {
  return beginTransition(context, request, input.relationalDatabaseName!, TRANSITIONS.start);
}

/** Stops a database, first taking a snapshot when relationalDatabaseSnapshotName is given. */
export function stopRelationalDatabase(
  context: ServiceContext,
  request: RequestContext,
  input: { relationalDatabaseName?: string; relationalDatabaseSnapshotName?: string },
) {
  if (input.relationalDatabaseSnapshotName === undefined) return beginTransition(context, request, input.relationalDatabaseName!, TRANSITIONS.stop);
  const scope = scopeOf(request);
  const name = validateResourceName(input.relationalDatabaseSnapshotName, 'relationalDatabaseSnapshotName');
  const database = requireDatabase(context, scope, input.relationalDatabaseName!);
  requireState(database, TRANSITIONS.stop.from, 'stop');
  assertSnapshotNameFree(context, scope, name);
  const snapshot = newSnapshot(context, database, name);
  const { operations, task } = context.store.transaction(() => {
    context.store.databases.update(database.id, TRANSITIONS.stop.changes);
    const stop = context.store.operations.create(scope, {
      resourceName: database.name,
      resourceType: 'RelationalDatabase',
      operationType: TRANSITIONS.stop.operationType,
      availabilityZone: database.availabilityZone,
    });
    const operations = [operationShape(stop), ...recordSnapshot(context, database, snapshot, [])];
    const task = context.store.tasks.add(database.id, 'stop', operations.map((operation) => operation.id!), { snapshotId: snapshot.id });
    return { operations, task };
  });
  context.controller.submit(task);
  return { operations };
}

export function rebootRelationalDatabase(context: ServiceContext, request: RequestContext, input: { relationalDatabaseName?: string }) {
  return beginTransition(context, request, input.relationalDatabaseName!, TRANSITIONS.reboot);
}
