import { randomBytes, randomUUID } from 'node:crypto';
import type {
  CreateRelationalDatabaseSnapshotRequest,
  DeleteRelationalDatabaseSnapshotRequest,
  GetRelationalDatabaseSnapshotRequest,
  GetRelationalDatabaseSnapshotsRequest,
  Operation,
  RelationalDatabaseSnapshot,
} from '@aws-sdk/client-lightsail';
import { InvalidInputException, ServiceException } from '../api/errors.js';
import { findBundle } from '../catalog/bundles.js';
import { validateResourceName, validateTags } from '../domain/index.js';
import { TRANSITIONS } from '../domain/states.js';
import type { RequestContext } from '../gateway/pipeline.js';
import type { DatabaseRecord, Scope, SnapshotRecord } from '../store/index.js';
import type { TagRecord } from '../store/tags.js';
import { notFound, nowSeconds, requireDatabase, requireState, scopeOf, type ServiceContext } from './context.js';
import { decodePageToken, encodePageToken } from './pagination.js';
import { operationShape, snapshotShape } from './shapes.js';

export const SNAPSHOT_ZONE = 'all';

export function requireSnapshot(context: ServiceContext, scope: Scope, name: string): SnapshotRecord {
  const snapshot = context.store.snapshots.findByName(scope, name);
  if (!snapshot) {
    throw notFound('Relational Database Snapshot', name, 'Check that the snapshot name is correct and that it exists in this Region.');
  }
  return snapshot;
}

export function assertSnapshotNameFree(context: ServiceContext, scope: Scope, name: string): void {
  if (context.store.snapshots.findByName(scope, name)) {
    throw new InvalidInputException(`A relational database snapshot named ${name} already exists in ${scope.region}.`, {
      code: 'AlreadyExists',
      tip: 'Choose another snapshot name, or delete the existing snapshot first.',
    });
  }
}

/** The snapshot record of `database`, not yet taken (state creating). */
export function newSnapshot(context: ServiceContext, database: DatabaseRecord, name: string): SnapshotRecord {
  const id = randomUUID();
  return {
    id,
    accountId: database.accountId,
    region: database.region,
    name,
    arn: `arn:aws:lightsail:${database.region}:${database.accountId}:RelationalDatabaseSnapshot/${id}`,
    supportCode: `${database.accountId}/ls-${randomBytes(20).toString('hex')}`,
    createdAt: nowSeconds(context),
    state: 'creating',
    engine: database.engine,
    engineVersion: database.engineVersion,
    sizeBytes: null,
    sizeInGb: findBundle(database.bundleId)?.diskSizeInGb ?? 1,
    fromDatabaseId: database.id,
    fromDatabaseName: database.name,
    fromDatabaseArn: database.arn,
    fromBundleId: database.bundleId,
    fromBlueprintId: database.blueprintId,
    fromAvailabilityZone: database.availabilityZone,
    masterUsername: database.masterUsername,
    masterDatabaseName: database.masterDatabaseName,
    masterPassword: context.store.passwords.get(database.id, 'CURRENT')?.password ?? '',
  };
}

/**
 * Records a snapshot being taken of `database` and the two operations
 * Lightsail returns for it (the snapshot's first, then the database's).
 * Must run inside a transaction.
 */
export function recordSnapshot(context: ServiceContext, database: DatabaseRecord, snapshot: SnapshotRecord, tags: TagRecord[]): Operation[] {
  const scope = { accountId: database.accountId, region: database.region };
  context.store.snapshots.insert(snapshot);
  context.store.tags.put(snapshot.id, tags);
  const forSnapshot = context.store.operations.create(scope, {
    resourceName: snapshot.name,
    resourceType: 'RelationalDatabaseSnapshot',
    operationType: 'CreateRelationalDatabaseSnapshot',
    operationDetails: database.name,
    availabilityZone: SNAPSHOT_ZONE,
  });
  const forDatabase = context.store.operations.create(scope, {
    resourceName: database.name,
    resourceType: 'RelationalDatabase',
    operationType: 'CreateRelationalDatabaseSnapshot',
    operationDetails: snapshot.name,
    availabilityZone: database.availabilityZone,
  });
  return [operationShape(forSnapshot), operationShape(forDatabase)];
}

export function createRelationalDatabaseSnapshot(
  context: ServiceContext,
  request: RequestContext,
  input: CreateRelationalDatabaseSnapshotRequest,
): { operations: Operation[] } {
  const scope = scopeOf(request);
  const name = validateResourceName(input.relationalDatabaseSnapshotName, 'relationalDatabaseSnapshotName');
  const tags = validateTags(input.tags ?? []);
  const database = requireDatabase(context, scope, input.relationalDatabaseName!);
  requireState(database, 'snapshot');
  assertSnapshotNameFree(context, scope, name);
  const snapshot = newSnapshot(context, database, name);
  const { operations, task } = context.store.transaction(() => {
    const operations = recordSnapshot(context, database, snapshot, tags);
    context.store.databases.update(database.id, { state: TRANSITIONS.snapshot.during });
    const task = context.store.tasks.add(database.id, 'snapshot', operations.map((operation) => operation.id!), { snapshotId: snapshot.id });
    return { operations, task };
  });
  context.controller.submit(task);
  return { operations };
}

export function describeSnapshot(context: ServiceContext, snapshot: SnapshotRecord): RelationalDatabaseSnapshot {
  return snapshotShape(snapshot, context.store.tags.list(snapshot.id));
}

export function getRelationalDatabaseSnapshot(
  context: ServiceContext,
  request: RequestContext,
  input: GetRelationalDatabaseSnapshotRequest,
): { relationalDatabaseSnapshot: RelationalDatabaseSnapshot } {
  return { relationalDatabaseSnapshot: describeSnapshot(context, requireSnapshot(context, scopeOf(request), input.relationalDatabaseSnapshotName!)) };
}

export function getRelationalDatabaseSnapshots(
  context: ServiceContext,
  request: RequestContext,
  input: GetRelationalDatabaseSnapshotsRequest,
): { relationalDatabaseSnapshots: RelationalDatabaseSnapshot[]; nextPageToken?: string } {
  const after = decodePageToken(request.operation, input.pageToken);
  const rows = context.store.snapshots.listPage(scopeOf(request), after === undefined ? undefined : String(after), context.pageSize + 1);
  const page = rows.slice(0, context.pageSize);
  return {
    relationalDatabaseSnapshots: page.map((snapshot) => describeSnapshot(context, snapshot)),
    nextPageToken: rows.length > context.pageSize ? encodePageToken(request.operation, page[page.length - 1]!.name) : undefined,
  };
}

/** Synchronous, as on Lightsail: the files are gone when the call returns. */
export async function deleteRelationalDatabaseSnapshot(
  context: ServiceContext,
  request: RequestContext,
  input: DeleteRelationalDatabaseSnapshotRequest,
): Promise<{ operations: Operation[] }> {
  const scope = scopeOf(request);
  const snapshot = requireSnapshot(context, scope, input.relationalDatabaseSnapshotName!);
  if (snapshot.state === 'creating') {
    throw new InvalidInputException(`The snapshot ${snapshot.name} is still being created; delete it once it is available.`, {
      code: 'InvalidResourceState',
    });
  }
  if (context.store.tasks.pendingOf('restore').some((task) => task.payload.kind === 'snapshot' && task.payload.snapshotId === snapshot.id)) {
    throw new InvalidInputException(`A database is being restored from ${snapshot.name}; delete the snapshot once the restore has finished.`, {
      code: 'InvalidResourceState',
    });
  }
  try {
    // The store first: a snapshot deleted here must not come back from there.
    await context.backups.deleteSnapshotFromStore(snapshot);
  } catch (error) {
    throw new ServiceException(
      `The backup store cannot be reached (${error instanceof Error ? error.message : String(error)}), so the snapshot ${snapshot.name} was not deleted; retry once it can.`,
    );
  }
  const operation = context.store.transaction(() => {
    context.store.snapshots.delete(snapshot.id);
    context.store.tags.removeAll(snapshot.id);
    return context.store.operations.create(scope, {
      resourceName: snapshot.name,
      resourceType: 'RelationalDatabaseSnapshot',
      operationType: 'DeleteRelationalDatabaseSnapshot',
      availabilityZone: SNAPSHOT_ZONE,
      status: 'Succeeded',
    });
  });
  await context.backups.deleteSnapshotFiles(snapshot);
  return { operations: [operationShape(operation)] };
}
