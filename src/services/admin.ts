import type { Operation } from '@aws-sdk/client-lightsail';
import { InvalidInputException } from '../api/errors.js';
import { hasPendingMaintenance } from '../control/maintenance.js';
import { validateResourceName } from '../domain/index.js';
import type { OperationHandler, RequestContext } from '../gateway/pipeline.js';
import { requireDatabase, requireState, scopeOf, type ServiceContext } from './context.js';
import { getRelationalDatabaseBackups } from './backup-view.js';
import { getRelationalDatabaseHighAvailability } from './high-availability.js';
import { getRelationalDatabasePendingParameters } from './parameters.js';
import { recoverRelationalDatabases } from './recover.js';
import { operationShape } from './shapes.js';
import { userHandlers } from './users.js';

/** berth's own operations (target prefix BerthAdmin_20261127.), signed like the rest. */
export function runPendingMaintenance(context: ServiceContext, request: RequestContext, input: Record<string, unknown>): { operations: Operation[] } {
  const name = validateResourceName(input.relationalDatabaseName, 'relationalDatabaseName');
  const database = requireDatabase(context, scopeOf(request), name);
  if (!hasPendingMaintenance(database)) {
    throw new InvalidInputException(`The database ${name} has no pending maintenance.`, {
      code: 'NothingPending',
      tip: 'Changes wait for the maintenance window only when sent with applyImmediately=false.',
    });
  }
  requireState(database, 'maintenance');
  return { operations: [operationShape(context.maintenance.begin(database, 'requested with berth maintenance run'))] };
}

/** A restore drill of the database's newest automatic backup, now; answers with its result. */
export async function verifyRelationalDatabaseBackup(context: ServiceContext, request: RequestContext, input: Record<string, unknown>) {
  const name = validateResourceName(input.relationalDatabaseName, 'relationalDatabaseName');
  const database = requireDatabase(context, scopeOf(request), name);
  if (context.store.automaticBackups.list(database.id).length === 0) {
    throw new InvalidInputException(`The database ${name} has no automatic backup to verify yet.`, {
      code: 'NoBackup',
      tip: 'Automatic backups need backup retention; the first is taken when the database is created.',
    });
  }
  return { verification: await context.drills.verify(database) };
}

export function adminHandlers(context: ServiceContext): Map<string, OperationHandler> {
  return new Map<string, OperationHandler>([
    ['RunPendingMaintenance', (request, input) => runPendingMaintenance(context, request, input)],
    ['GetRelationalDatabaseHighAvailability', (request, input) => getRelationalDatabaseHighAvailability(context, request, input)],
    ['GetRelationalDatabaseBackups', (request, input) => getRelationalDatabaseBackups(context, request, input)],
    ['GetRelationalDatabasePendingParameters', (request, input) => getRelationalDatabasePendingParameters(context, request, input)],
    ['RecoverRelationalDatabases', (request) => recoverRelationalDatabases(context, request)],
    ['VerifyRelationalDatabaseBackup', (request, input) => verifyRelationalDatabaseBackup(context, request, input)],
    ...userHandlers(context),
  ]);
}
