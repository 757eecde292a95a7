import type { Operation, UpdateRelationalDatabaseRequest } from '@aws-sdk/client-lightsail';
import { InvalidInputException } from '../api/errors.js';
import { TRANSITIONS } from '../domain/states.js';
import type { UpdatePlan } from '../domain/tasks.js';
import { generateMasterPassword, validateMasterPassword, validateWindows, type Engine } from '../domain/index.js';
import type { RequestContext } from '../gateway/pipeline.js';
import type { DatabaseChanges, DatabaseRecord, PendingChanges } from '../store/databases.js';
import { nowSeconds, requireDatabase, requireState, scopeOf, type ServiceContext } from './context.js';
import { operationShape } from './shapes.js';

function combinationError(message: string): InvalidInputException {
  return new InvalidInputException(message, { code: 'InvalidParameterCombination' });
}

function requestedBackupRetention(input: UpdateRelationalDatabaseRequest): boolean | undefined {
  if (input.enableBackupRetention !== undefined && input.disableBackupRetention !== undefined) {
    throw combinationError('Send either enableBackupRetention or disableBackupRetention, not both.');
  }
  if (input.enableBackupRetention === true) return true;
  if (input.disableBackupRetention === true) return false;
  return undefined;
}

function requestedPassword(input: UpdateRelationalDatabaseRequest, engine: Engine): string | undefined {
  if (input.rotateMasterUserPassword === true && input.masterUserPassword !== undefined) {
    throw combinationError('Send either masterUserPassword or rotateMasterUserPassword=true, not both: rotation generates the password.');
  }
  if (input.masterUserPassword !== undefined) return validateMasterPassword(input.masterUserPassword, engine);
  if (input.rotateMasterUserPassword === true) return generateMasterPassword(engine);
  return undefined;
}

function requestedCa(context: ServiceContext, identifier: string | undefined): string | undefined {
  if (identifier === undefined) return undefined;
  if (!context.cas.has(identifier)) {
    throw new InvalidInputException(
      `The caCertificateIdentifier '${identifier.slice(0, 64)}' is not a certificate authority of berth; valid identifiers: ${context.cas.identifiers().join(', ')}.`,
      { code: 'InvalidCertificateIdentifier', tip: 'GET /certificates/global-bundle.pem holds every CA berth runs.' },
    );
  }
  return identifier;
}

function rejectBlueprintChange(database: DatabaseRecord, blueprintId: string | undefined): void {
  if (blueprintId === undefined || blueprintId === database.blueprintId) return;
  throw new InvalidInputException(
    `berth cannot upgrade ${database.name} from ${database.blueprintId} to ${blueprintId.slice(0, 64)} yet: major version upgrades are not supported. ` +
      'Create a new database with the new blueprint and move the data.',
    { code: 'NotImplemented' },
  );
}

interface Decision {
  /** Metadata that changes at once, in the same transaction as the operation. */
  changes: DatabaseChanges;
  /** Engine work to run now (the database goes to `modifying`). */
  plan: UpdatePlan;
  /** What waits for the maintenance window. */
  pending: PendingChanges;
  password?: string;
}

/**
 * Sorts an update into what happens now and what waits: windows are
 * metadata; passwords and public access apply at once whatever
 * applyImmediately says (as on Lightsail); the CA and backup retention
 * wait for the maintenance window unless applyImmediately is true.
 */
function decide(context: ServiceContext, database: DatabaseRecord, input: UpdateRelationalDatabaseRequest): Decision {
  const engine = database.engine as Engine;
  const password = requestedPassword(input, engine);
  const backupRetention = requestedBackupRetention(input);
  const ca = requestedCa(context, input.caCertificateIdentifier);
  rejectBlueprintChange(database, input.relationalDatabaseBlueprintId);
  validateWindows({
    backup: input.preferredBackupWindow ?? database.preferredBackupWindow,
    maintenance: input.preferredMaintenanceWindow ?? database.preferredMaintenanceWindow,
  });

  const decision: Decision = { changes: {}, plan: {}, pending: { ...database.pendingChanges }, password };
  if (input.preferredBackupWindow !== undefined) decision.changes.preferredBackupWindow = input.preferredBackupWindow;
  if (input.preferredMaintenanceWindow !== undefined) decision.changes.preferredMaintenanceWindow = input.preferredMaintenanceWindow;
  if (password !== undefined) decision.plan.password = true;
  if (input.publiclyAccessible !== undefined && input.publiclyAccessible !== database.publiclyAccessible) {
    decision.plan.publiclyAccessible = input.publiclyAccessible;
  }

  const now = input.applyImmediately === true;
  if (ca !== undefined) {
    delete decision.pending.caCertificateIdentifier;
    if (ca !== database.caCertificateIdentifier) {
      if (now) decision.plan.caCertificateIdentifier = ca;
      else decision.pending.caCertificateIdentifier = ca;
    }
  }
  if (backupRetention !== undefined) {
    delete decision.pending.backupRetentionEnabled;
    if (backupRetention !== database.backupRetentionEnabled) {
      if (now) decision.plan.backupRetentionEnabled = backupRetention;
      else decision.pending.backupRetentionEnabled = backupRetention;
    }
  }
  return decision;
}

export function updateRelationalDatabase(
  context: ServiceContext,
  request: RequestContext,
  input: UpdateRelationalDatabaseRequest,
): { operations: Operation[] } {
  const scope = scopeOf(request);
  const database = requireDatabase(context, scope, input.relationalDatabaseName!);
  requireState(database, 'update');
  const decision = decide(context, database, input);
  const engineWork = Object.keys(decision.plan).length > 0;

  const { operation, task } = context.store.transaction(() => {
    context.store.databases.update(database.id, {
      ...decision.changes,
      pendingChanges: decision.pending,
      ...(engineWork ? { state: TRANSITIONS.update.during } : {}),
    });
    if (decision.password !== undefined) {
      context.store.passwords.set(database.id, 'PENDING', { password: decision.password, createdAt: nowSeconds(context) });
    }
    const operation = context.store.operations.create(scope, {
      resourceName: database.name,
      resourceType: 'RelationalDatabase',
      operationType: 'UpdateRelationalDatabase',
      availabilityZone: database.availabilityZone,
      status: engineWork ? 'Started' : 'Succeeded',
    });
    const task = engineWork ? context.store.tasks.add(database.id, 'update', [operation.id], decision.plan) : undefined;
    return { operation, task };
  });
  if (task) context.controller.submit(task);
  return { operations: [operationShape(operation)] };
}
