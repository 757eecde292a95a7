import type {
  Operation,
  PendingMaintenanceAction,
  RegionName,
  RelationalDatabase,
  RelationalDatabaseSnapshot,
  Tag,
} from '@aws-sdk/client-lightsail';
import { currentOrNextMaintenanceWindow } from '../domain/index.js';
import { findBundle } from '../catalog/bundles.js';
import type { DatabaseRecord, OperationRecord, SnapshotRecord } from '../store/index.js';
import type { TagRecord } from '../store/tags.js';

const date = (epochSeconds: number): Date => new Date(epochSeconds * 1000);

export function tagsShape(tags: readonly TagRecord[]): Tag[] {
  return tags.map((tag) => (tag.value === undefined ? { key: tag.key } : { key: tag.key, value: tag.value }));
}

export interface DatabaseShapeExtras {
  tags: readonly TagRecord[];
  address: string;
  /** A password change is being applied (a PENDING version exists). */
  passwordPending: boolean;
  now: Date;
  /** When the CA of the database's server certificate expires. */
  caExpiresAt: Date;
  /** Present only while backups are retained and restorable. */
  latestRestorableTime: number | undefined;
}

/** Shown instead of a pending master password. */
export const MASKED_PASSWORD = '****';

/** A CA this close to its expiry asks for a rotation to another one. */
export const CA_EXPIRY_NOTICE_DAYS = 365;

function pendingMaintenanceActions(record: DatabaseRecord, now: Date, caExpiresAt: Date): PendingMaintenanceAction[] {
  const identifier = record.pendingChanges.caCertificateIdentifier;
  if (identifier === undefined) {
    if (caExpiresAt.getTime() - now.getTime() > CA_EXPIRY_NOTICE_DAYS * 86_400_000) return [];
    return [
      {
        action: 'ca-certificate-rotation',
        description: `The CA ${record.caCertificateIdentifier} expires on ${caExpiresAt.toISOString()}: rotate the server certificate to another CA (UpdateRelationalDatabase caCertificateIdentifier) before then.`,
        currentApplyDate: caExpiresAt,
      },
    ];
  }
  return [
    {
      action: 'ca-certificate-rotation',
      description: `Rotate the server certificate to one issued by ${identifier} (currently ${record.caCertificateIdentifier}); the engine reloads it without a restart.`,
      currentApplyDate: currentOrNextMaintenanceWindow(record.preferredMaintenanceWindow, now).start,
    },
  ];
}

/** The RelationalDatabase shape, with every member that has a value. */
export function databaseShape(record: DatabaseRecord, extras: DatabaseShapeExtras): RelationalDatabase {
  const bundle = findBundle(record.bundleId);
  return {
    name: record.name,
    arn: record.arn,
    supportCode: record.supportCode,
    createdAt: date(record.createdAt),
    location: { availabilityZone: record.availabilityZone, regionName: record.region as RegionName },
    resourceType: 'RelationalDatabase',
    tags: tagsShape(extras.tags),
    relationalDatabaseBlueprintId: record.blueprintId,
    relationalDatabaseBundleId: record.bundleId,
    masterDatabaseName: record.masterDatabaseName,
    hardware: {
      cpuCount: bundle?.cpuCount,
      diskSizeInGb: bundle?.diskSizeInGb,
      ramSizeInGb: bundle?.ramSizeInGb,
    },
    state: record.state,
    secondaryAvailabilityZone: record.secondaryAvailabilityZone ?? undefined,
    backupRetentionEnabled: record.backupRetentionEnabled,
    pendingModifiedValues: {
      masterUserPassword: extras.passwordPending ? MASKED_PASSWORD : undefined,
      backupRetentionEnabled: record.pendingChanges.backupRetentionEnabled,
    },
    engine: record.engine,
    engineVersion: record.engineVersion,
    masterUsername: record.masterUsername,
    parameterApplyStatus: record.parameterApplyStatus,
    preferredBackupWindow: record.preferredBackupWindow,
    preferredMaintenanceWindow: record.preferredMaintenanceWindow,
    publiclyAccessible: record.publiclyAccessible,
    masterEndpoint: { address: extras.address, port: record.port },
    latestRestorableTime: extras.latestRestorableTime === undefined ? undefined : date(extras.latestRestorableTime),
    pendingMaintenanceActions: pendingMaintenanceActions(record, extras.now, extras.caExpiresAt),
    caCertificateIdentifier: record.caCertificateIdentifier,
  };
}

export function operationShape(record: OperationRecord): Operation {
  return {
    id: record.id,
    resourceName: record.resourceName,
    resourceType: record.resourceType as Operation['resourceType'],
    createdAt: date(record.createdAt),
    location: { availabilityZone: record.availabilityZone, regionName: record.region as RegionName },
    isTerminal: record.isTerminal,
    operationDetails: record.operationDetails ?? undefined,
    operationType: record.operationType as Operation['operationType'],
    status: record.status,
    statusChangedAt: date(record.statusChangedAt),
    errorCode: record.errorCode ?? undefined,
    errorDetails: record.errorDetails ?? undefined,
  };
}

export function snapshotShape(record: SnapshotRecord, tags: readonly TagRecord[]): RelationalDatabaseSnapshot {
  return {
    name: record.name,
    arn: record.arn,
    supportCode: record.supportCode,
    createdAt: date(record.createdAt),
    location: { availabilityZone: 'all', regionName: record.region as RegionName },
    resourceType: 'RelationalDatabaseSnapshot',
    tags: tagsShape(tags),
    engine: record.engine,
    engineVersion: record.engineVersion,
    sizeInGb: record.sizeInGb,
    state: record.state,
    fromRelationalDatabaseName: record.fromDatabaseName,
    fromRelationalDatabaseArn: record.fromDatabaseArn,
    fromRelationalDatabaseBundleId: record.fromBundleId,
    fromRelationalDatabaseBlueprintId: record.fromBlueprintId,
  };
}
