import type { Operation } from '@aws-sdk/client-lightsail';
import { validateResourceName } from '../domain/index.js';
import { TRANSITIONS } from '../domain/states.js';
import type { TaskKind } from '../domain/tasks.js';
import type { RequestContext } from '../gateway/pipeline.js';
import { requireDatabase, requireState, scopeOf, type ServiceContext } from './context.js';
import { operationShape } from './shapes.js';
import { assertSnapshotNameFree, newSnapshot, recordSnapshot } from './snapshots.js';

/** The calls that only move a database through a transition of domain/states.ts. */
const LIFECYCLE = {
  start: { operationType: 'StartRelationalDatabase', desiredRunning: true },
  stop: { operationType: 'StopRelationalDatabase', desiredRunning: false },
  reboot: { operationType: 'RebootRelationalDatabase', desiredRunning: undefined },
  delete: { operationType: 'DeleteRelationalDatabase', desiredRunning: false },
} as const satisfies Partial<Record<TaskKind, { operationType: string; desiredRunning: boolean | undefined }>>;

type LifecycleAction = keyof typeof LIFECYCLE;

/** Records the transition, its operation and its task in one transaction, then hands the task to the controller. */
export function beginTransition(context: ServiceContext, request: RequestContext, name: string, action: LifecycleAction): { operations: Operation[] } {
  const scope = scopeOf(request);
  const database = requireDatabase(context, scope, name);
  requireState(database, action);
  const { operationType, desiredRunning } = LIFECYCLE[action];
  const { operation, task } = context.store.transaction(() => {
    context.store.databases.update(database.id, { state: TRANSITIONS[action].during, desiredRunning });
    const operation = context.store.operations.create(scope, {
      resourceName: database.name,
      resourceType: 'RelationalDatabase',
      operationType,
      operationDetails: action === 'reboot' ? '' : undefined,
      availabilityZone: database.availabilityZone,
    });
    return { operation, task: context.store.tasks.add(database.id, action, [operation.id], {}) };
  });
  context.controller.submit(task);
  return { operations: [operationShape(operation)] };
}

export function startRelationalDatabase(context: ServiceContext, request: RequestContext, input: { relationalDatabaseName?: string }) {
  return beginTransition(context, request, input.relationalDatabaseName!, 'start');
}

/** Stops a database, first taking a snapshot when relationalDatabaseSnapshotName is given. */
export function stopRelationalDatabase(
  context: ServiceContext,
  request: RequestContext,
  input: { relationalDatabaseName?: string; relationalDatabaseSnapshotName?: string },
) {
  if (input.relationalDatabaseSnapshotName === undefined) return beginTransition(context, request, input.relationalDatabaseName!, 'stop');
  const scope = scopeOf(request);
  const name = validateResourceName(input.relationalDatabaseSnapshotName, 'relationalDatabaseSnapshotName');
  const database = requireDatabase(context, scope, input.relationalDatabaseName!);
  requireState(database, 'stop');
  assertSnapshotNameFree(context, scope, name);
  const snapshot = newSnapshot(context, database, name);
  const { operations, task } = context.store.transaction(() => {
    context.store.databases.update(database.id, { state: TRANSITIONS.stop.during, desiredRunning: false });
    const stop = context.store.operations.create(scope, {
      resourceName: database.name,
      resourceType: 'RelationalDatabase',
      operationType: LIFECYCLE.stop.operationType,
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
  return beginTransition(context, request, input.relationalDatabaseName!, 'reboot');
}
