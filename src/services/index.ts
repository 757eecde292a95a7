import type { OperationHandler } from '../gateway/pipeline.js';
import { getRegions, getRelationalDatabaseBlueprints, getRelationalDatabaseBundles } from './catalog.js';
import type { ServiceContext } from './context.js';
import { createRelationalDatabase, deleteRelationalDatabase, getRelationalDatabase, getRelationalDatabases } from './databases.js';
import { rebootRelationalDatabase, startRelationalDatabase, stopRelationalDatabase } from './lifecycle.js';
import { getRelationalDatabaseEvents } from './events.js';
import { getRelationalDatabaseLogEvents, getRelationalDatabaseLogStreams } from './logs.js';
import { getRelationalDatabaseMetricData } from './metrics.js';
import { getOperation, getOperations, getOperationsForResource } from './operations.js';
import { getRelationalDatabaseParameters, updateRelationalDatabaseParameters } from './parameters.js';
import { getRelationalDatabaseMasterUserPassword } from './passwords.js';
import { createRelationalDatabaseFromSnapshot } from './restore.js';
import {
  createRelationalDatabaseSnapshot,
  deleteRelationalDatabaseSnapshot,
  getRelationalDatabaseSnapshot,
  getRelationalDatabaseSnapshots,
} from './snapshots.js';
import { tagResource, untagResource } from './tags.js';
import { updateRelationalDatabase } from './update.js';

type Service<I> = (context: ServiceContext, request: Parameters<OperationHandler>[0], input: I) => Promise<object> | object;

/** Operation name → service function. Inputs have been checked against the model by the gateway. */
const SERVICES: Record<string, Service<never>> = {
  CreateRelationalDatabase: createRelationalDatabase,
  GetRelationalDatabase: getRelationalDatabase,
  GetRelationalDatabases: getRelationalDatabases,
  DeleteRelationalDatabase: deleteRelationalDatabase,
  StartRelationalDatabase: startRelationalDatabase,
  StopRelationalDatabase: stopRelationalDatabase,
  RebootRelationalDatabase: rebootRelationalDatabase,
  UpdateRelationalDatabase: updateRelationalDatabase,
  CreateRelationalDatabaseSnapshot: createRelationalDatabaseSnapshot,
  GetRelationalDatabaseSnapshot: getRelationalDatabaseSnapshot,
  GetRelationalDatabaseSnapshots: getRelationalDatabaseSnapshots,
  DeleteRelationalDatabaseSnapshot: deleteRelationalDatabaseSnapshot,
  CreateRelationalDatabaseFromSnapshot: createRelationalDatabaseFromSnapshot,
  GetRelationalDatabaseEvents: getRelationalDatabaseEvents,
  GetRelationalDatabaseMetricData: getRelationalDatabaseMetricData,
  GetRelationalDatabaseLogStreams: getRelationalDatabaseLogStreams,
  GetRelationalDatabaseLogEvents: getRelationalDatabaseLogEvents,
  GetRelationalDatabaseParameters: getRelationalDatabaseParameters,
  UpdateRelationalDatabaseParameters: updateRelationalDatabaseParameters,
  GetRelationalDatabaseMasterUserPassword: getRelationalDatabaseMasterUserPassword,
  GetRelationalDatabaseBlueprints: getRelationalDatabaseBlueprints,
  GetRelationalDatabaseBundles: getRelationalDatabaseBundles,
  GetRegions: getRegions,
  GetOperation: getOperation,
  GetOperations: getOperations,
  GetOperationsForResource: getOperationsForResource,
  TagResource: tagResource,
  UntagResource: untagResource,
};

export function operationHandlers(context: ServiceContext): Map<string, OperationHandler> {
  const handlers = new Map<string, OperationHandler>();
  for (const [name, service] of Object.entries(SERVICES)) {
    handlers.set(name, (request, input) => service(context, request, input as never));
  }
  return handlers;
}

export const IMPLEMENTED_OPERATIONS = Object.keys(SERVICES);
