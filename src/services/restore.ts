import type { CreateRelationalDatabaseFromSnapshotRequest, Operation } from '@aws-sdk/client-lightsail';
import { InvalidInputException } from '../api/errors.js';
import { bundleRank, findBundle } from '../catalog/bundles.js';
import type { RestorePayload } from '../domain/tasks.js';
import { resolveWindows, validateResourceName, validateTags } from '../domain/index.js';
import type { RequestContext } from '../gateway/pipeline.js';
import type { DatabaseRecord, Scope } from '../store/index.js';
import { requireDatabase, scopeOf, type ServiceContext } from './context.js';
import { assertNameFree, resolveBlueprint, resolveBundle, resolveZones } from './databases.js';
import { launchDatabase } from './launch.js';
import { requireSnapshot } from './snapshots.js';

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** What the new database inherits from its origin (a snapshot, or a database at a point in time). */
interface Origin {
  blueprintId: string;
  bundleId: string;
  availabilityZone: string;
  region: string;
  masterUsername: string;
  masterDatabaseName: string;
  password: string;
  payload: RestorePayload;
}

function combination(message: string): InvalidInputException {
  return new InvalidInputException(message, { code: 'InvalidParameterCombination' });
}

function fromSnapshot(context: ServiceContext, scope: Scope, input: CreateRelationalDatabaseFromSnapshotRequest): Origin {
  if (input.restoreTime !== undefined || input.useLatestRestorableTime !== undefined) {
    throw combination('restoreTime and useLatestRestorableTime go with sourceRelationalDatabaseName, not with a snapshot.');
  }
  const snapshot = requireSnapshot(context, scope, input.relationalDatabaseSnapshotName!);
  if (snapshot.state !== 'available') {
    throw new InvalidInputException(`The snapshot ${snapshot.name} is ${snapshot.state}; restore from it once it is available.`, {
      code: 'InvalidResourceState',
    });
  }
  return {
    blueprintId: snapshot.fromBlueprintId,
    bundleId: snapshot.fromBundleId,
    availabilityZone: snapshot.fromAvailabilityZone,
    region: snapshot.region,
    masterUsername: snapshot.masterUsername,
    masterDatabaseName: snapshot.masterDatabaseName,
    password: snapshot.masterPassword,
    payload: { kind: 'snapshot', snapshotId: snapshot.id },
  };
}

/** The restore time asked for, checked against what the source's backups and archive can reach. */
async function targetTime(context: ServiceContext, source: DatabaseRecord, input: CreateRelationalDatabaseFromSnapshotRequest): Promise<number> {
  const useLatest = input.useLatestRestorableTime === true;
  if (useLatest && input.restoreTime !== undefined) throw combination('Send restoreTime or useLatestRestorableTime=true, not both.');
  if (!useLatest && input.restoreTime === undefined) {
    throw new InvalidInputException('A restore from sourceRelationalDatabaseName needs restoreTime or useLatestRestorableTime=true.', {
      code: 'MissingParameter',
    });
  }
  if (useLatest && source.state === 'available') {
    // Archive what the source has written up to now, so "latest" means latest.
    await context.backups.flush(source).catch(() => undefined);
  }
  const current = context.store.databases.findById(source.id) ?? source;
  const range = context.backups.restorableRange(current);
  if (!range) {
    throw new InvalidInputException(
      `The database ${source.name} has no point in time to restore: backup retention is disabled or its first automatic backup is not complete yet.`,
      { code: 'NoRestorableTime' },
    );
  }
  const target = useLatest ? range.latest : input.restoreTime!.getTime() / 1000;
  if (target < range.earliest || target > range.latest) {
    throw new InvalidInputException(
      `The restoreTime ${iso(target)} is outside the restorable range of ${source.name}: from ${iso(range.earliest)} (${range.earliest}) to ${iso(range.latest)} (${range.latest}).`,
      { code: 'InvalidRestoreTime', tip: 'Choose a time in the range, or useLatestRestorableTime=true.' },
    );
  }
  return target;
}

async function fromPointInTime(context: ServiceContext, scope: Scope, input: CreateRelationalDatabaseFromSnapshotRequest): Promise<Origin> {
  const source = requireDatabase(context, scope, input.sourceRelationalDatabaseName!);
  const target = await targetTime(context, source, input);
  const password = context.store.passwords.get(source.id, 'CURRENT')?.password;
  if (password === undefined) throw new Error(`the master password of ${source.name} is missing from the store`);
  return {
    blueprintId: source.blueprintId,
    bundleId: source.bundleId,
    availabilityZone: source.availabilityZone,
    region: source.region,
    masterUsername: source.masterUsername,
    masterDatabaseName: source.masterDatabaseName,
    password,
    payload: { kind: 'point-in-time', sourceDatabaseId: source.id, targetTime: target },
  };
}

/** A bundle at least as large as the origin's (Lightsail refuses smaller plans). */
function chooseBundle(origin: Origin, requested: string | undefined) {
  if (requested === undefined) return resolveBundle(origin.bundleId);
  const bundle = resolveBundle(requested);
  const originBundle = findBundle(origin.bundleId);
  if (originBundle && bundleRank(bundle) < bundleRank(originBundle)) {
    throw new InvalidInputException(
      `The bundle ${bundle.bundleId} is smaller than ${originBundle.bundleId}, the bundle of the source; choose ${originBundle.bundleId} or a larger one.`,
      { code: 'InvalidBundle' },
    );
  }
  return bundle;
}

export async function createRelationalDatabaseFromSnapshot(
  context: ServiceContext,
  request: RequestContext,
  input: CreateRelationalDatabaseFromSnapshotRequest,
): Promise<{ operations: Operation[] }> {
  const scope = scopeOf(request);
  const name = validateResourceName(input.relationalDatabaseName, 'relationalDatabaseName');
  const tags = validateTags(input.tags ?? []);
  const hasSnapshot = input.relationalDatabaseSnapshotName !== undefined;
  const hasSource = input.sourceRelationalDatabaseName !== undefined;
  if (hasSnapshot === hasSource) {
    throw combination(
      hasSnapshot
        ? 'Send relationalDatabaseSnapshotName or sourceRelationalDatabaseName, not both.'
        : 'Send relationalDatabaseSnapshotName, or sourceRelationalDatabaseName with restoreTime or useLatestRestorableTime=true.',
    );
  }
  assertNameFree(context, scope, name);
  const origin = hasSnapshot ? fromSnapshot(context, scope, input) : await fromPointInTime(context, scope, input);
  const { engine, engineVersion } = resolveBlueprint(context, origin.blueprintId);
  const bundle = chooseBundle(origin, input.relationalDatabaseBundleId);
  const requestedZone = input.availabilityZone ?? (origin.region === scope.region ? origin.availabilityZone : undefined);
  const { zone, secondary } = resolveZones(scope.region, requestedZone, bundle.highAvailability);
  const windows = resolveWindows({});
  return launchDatabase(context, scope, {
    name,
    availabilityZone: zone,
    secondaryAvailabilityZone: secondary,
    blueprintId: origin.blueprintId,
    bundleId: bundle.bundleId,
    engine,
    engineVersion,
    masterDatabaseName: origin.masterDatabaseName,
    masterUsername: origin.masterUsername,
    password: origin.password,
    preferredBackupWindow: windows.backup,
    preferredMaintenanceWindow: windows.maintenance,
    publiclyAccessible: input.publiclyAccessible ?? false,
    tags,
    operationType: 'CreateRelationalDatabaseFromSnapshot',
    task: { kind: 'restore', payload: origin.payload },
  });
}
