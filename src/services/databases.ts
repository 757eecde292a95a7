import type {
  CreateRelationalDatabaseRequest,
  DeleteRelationalDatabaseRequest,
  GetRelationalDatabaseRequest,
  GetRelationalDatabasesRequest,
  Operation,
  RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import { InvalidInputException } from '../api/errors.js';
import { findBundle } from '../catalog/bundles.js';
import { availabilityZones } from '../catalog/regions.js';
import { MYSQL_INSTALL_HINT } from '../engines/mysql/server-binaries.js';
import {
  generateMasterPassword,
  isEngine,
  validateMasterDatabaseName,
  validateMasterPassword,
  validateMasterUsername,
  validateResourceName,
  resolveWindows,
  validateTags,
  type Engine,
} from '../domain/index.js';
import { TRANSITIONS } from '../domain/states.js';
import type { RequestContext } from '../gateway/pipeline.js';
import type { DatabaseRecord, Scope } from '../store/index.js';
import { requireDatabase, requireState, scopeOf, type ServiceContext } from './context.js';
import { decodePageToken, encodePageToken } from './pagination.js';
import { launchDatabase } from './launch.js';
import { beginTransition } from './lifecycle.js';
import { databaseShape, operationShape } from './shapes.js';
import { assertSnapshotNameFree, newSnapshot, recordSnapshot } from './snapshots.js';

export function describeDatabase(context: ServiceContext, database: DatabaseRecord): RelationalDatabase {
  return databaseShape(database, {
    tags: context.store.tags.list(database.id),
    address: context.advertiseHost,
    passwordPending: context.store.passwords.has(database.id, 'PENDING'),
    now: context.clock.now(),
    caExpiresAt: context.cas.expiresAt(database.caCertificateIdentifier),
    latestRestorableTime: context.backups.restorableRange(database)?.latest,
  });
}

export function resolveBlueprint(context: ServiceContext, blueprintId: string): { engine: Engine; engineVersion: string } {
  const resolved = context.engines.resolve(blueprintId);
  if (resolved && isEngine(resolved.blueprint.engine)) {
    return { engine: resolved.blueprint.engine, engineVersion: resolved.blueprint.engineVersion };
  }
  const available = context.engines.blueprints().map((blueprint) => blueprint.blueprintId);
  const hint = /^(mysql|mariadb)/.test(blueprintId) ? ` ${MYSQL_INSTALL_HINT}` : '';
  throw new InvalidInputException(
    `The blueprint '${blueprintId.slice(0, 64)}' is not available; valid blueprints: ${available.join(', ') || 'none'}.${hint}`,
    { code: 'InvalidBlueprint', tip: 'Use GetRelationalDatabaseBlueprints to list the blueprints.' },
  );
}

export function resolveBundle(bundleId: string) {
  const bundle = findBundle(bundleId);
  if (!bundle || !bundle.isActive) {
    const reason = bundle ? 'is inactive and cannot be used for new databases' : 'does not exist';
    throw new InvalidInputException(`The bundle '${bundleId.slice(0, 64)}' ${reason}; use GetRelationalDatabaseBundles to list the active bundles.`, {
      code: 'InvalidBundle',
    });
  }
  return bundle;
}

export function resolveZones(region: string, requested: string | undefined, highAvailability: boolean) {
  const zones = availabilityZones(region);
  const zone = requested ?? zones[0]!;
  if (!zones.includes(zone)) {
    throw new InvalidInputException(`The Availability Zone '${zone.slice(0, 64)}' is not in ${region}; valid zones: ${zones.join(', ')}.`, {
      code: 'InvalidAvailabilityZone',
    });
  }
  const secondary = highAvailability ? zones.find((candidate) => candidate !== zone)! : null;
  return { zone, secondary };
}

export async function createRelationalDatabase(
  context: ServiceContext,
  request: RequestContext,
  input: CreateRelationalDatabaseRequest,
): Promise<{ operations: Operation[] }> {
  const scope = scopeOf(request);
  const name = validateResourceName(input.relationalDatabaseName, 'relationalDatabaseName');
  const { engine, engineVersion } = resolveBlueprint(context, input.relationalDatabaseBlueprintId!);
  const bundle = resolveBundle(input.relationalDatabaseBundleId!);
  const { zone, secondary } = resolveZones(scope.region, input.availabilityZone, bundle.highAvailability);
  const masterUsername = validateMasterUsername(input.masterUsername, engine);
  const masterDatabaseName = validateMasterDatabaseName(input.masterDatabaseName, engine);
  const password =
    input.masterUserPassword === undefined ? generateMasterPassword(engine) : validateMasterPassword(input.masterUserPassword, engine);
  const windows = resolveWindows({ backup: input.preferredBackupWindow, maintenance: input.preferredMaintenanceWindow });
  const tags = validateTags(input.tags ?? []);
  assertNameFree(context, scope, name);

  return launchDatabase(context, scope, {
    name,
    availabilityZone: zone,
    secondaryAvailabilityZone: secondary,
    blueprintId: input.relationalDatabaseBlueprintId!,
    bundleId: bundle.bundleId,
    engine,
    engineVersion,
    masterDatabaseName,
    masterUsername,
    password,
    preferredBackupWindow: windows.backup,
    preferredMaintenanceWindow: windows.maintenance,
    publiclyAccessible: input.publiclyAccessible ?? false,
    tags,
    operationType: 'CreateRelationalDatabase',
    task: { kind: 'create', payload: {} },
  });
}

export function assertNameFree(context: ServiceContext, scope: Scope, name: string): void {
  if (context.store.databases.findByName(scope, name)) {
    throw new InvalidInputException(`A relational database named ${name} already exists in ${scope.region}; names are unique per Region.`, {
      code: 'AlreadyExists',
      tip: 'Choose another name, or delete the existing database first.',
    });
  }
}

export function getRelationalDatabase(
  context: ServiceContext,
  request: RequestContext,
  input: GetRelationalDatabaseRequest,
): { relationalDatabase: RelationalDatabase } {
  const database = requireDatabase(context, scopeOf(request), input.relationalDatabaseName!);
  return { relationalDatabase: describeDatabase(context, database) };
}

export function getRelationalDatabases(
  context: ServiceContext,
  request: RequestContext,
  input: GetRelationalDatabasesRequest,
): { relationalDatabases: RelationalDatabase[]; nextPageToken?: string } {
  const after = decodePageToken(request.operation, input.pageToken);
  const rows = context.store.databases.listPage(scopeOf(request), after === undefined ? undefined : String(after), context.pageSize + 1);
  const page = rows.slice(0, context.pageSize);
  const result: { relationalDatabases: RelationalDatabase[]; nextPageToken?: string } = {
    relationalDatabases: page.map((database) => describeDatabase(context, database)),
  };
  if (rows.length > context.pageSize) result.nextPageToken = encodePageToken(request.operation, page[page.length - 1]!.name);
  return result;
}

/** Refuses to remove what a restore in progress still reads. */
function assertNotRestoring(context: ServiceContext, database: DatabaseRecord): void {
  const restoring = context.store.tasks
    .pendingOf('restore')
    .some((task) => task.payload.kind === 'point-in-time' && task.payload.sourceDatabaseId === database.id);
  if (restoring) {
    throw new InvalidInputException(`A point-in-time restore from ${database.name} is in progress; delete it once the restore has finished.`, {
      code: 'InvalidResourceState',
    });
  }
}

/**
 * Deletes a database. Unless skipFinalSnapshot is true a final snapshot is
 * taken first (named by the caller, or <name>-FinalSnapshot-<epoch ms>), and
 * the call returns Lightsail's three operations.
 */
export function deleteRelationalDatabase(
  context: ServiceContext,
  request: RequestContext,
  input: DeleteRelationalDatabaseRequest,
): { operations: Operation[] } {
  const scope = scopeOf(request);
  const database = requireDatabase(context, scope, input.relationalDatabaseName!);
  if (input.skipFinalSnapshot === true && input.finalRelationalDatabaseSnapshotName !== undefined) {
    throw new InvalidInputException('finalRelationalDatabaseSnapshotName cannot be combined with skipFinalSnapshot=true.', {
      code: 'InvalidParameterCombination',
    });
  }
  assertNotRestoring(context, database);
  if (input.skipFinalSnapshot === true) return beginTransition(context, request, database.name, 'delete');

  requireState(database, 'deleteWithFinalSnapshot');
  const snapshotName = validateResourceName(
    input.finalRelationalDatabaseSnapshotName ?? `${database.name}-FinalSnapshot-${context.clock.now().getTime()}`,
    'finalRelationalDatabaseSnapshotName',
  );
  assertSnapshotNameFree(context, scope, snapshotName);
  const snapshot = newSnapshot(context, database, snapshotName);
  const { operations, task } = context.store.transaction(() => {
    context.store.databases.update(database.id, { state: TRANSITIONS.deleteWithFinalSnapshot.during, desiredRunning: false });
    const deletion = context.store.operations.create(scope, {
      resourceName: database.name,
      resourceType: 'RelationalDatabase',
      operationType: 'DeleteRelationalDatabase',
      availabilityZone: database.availabilityZone,
    });
    const [forSnapshot, forDatabase] = recordSnapshot(context, database, snapshot, []);
    const operations = [operationShape(deletion), forDatabase!, forSnapshot!];
    const task = context.store.tasks.add(database.id, 'delete', operations.map((operation) => operation.id!), { finalSnapshotId: snapshot.id });
    return { operations, task };
  });
  context.controller.submit(task);
  return { operations };
}
