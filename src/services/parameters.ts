import type {
  GetRelationalDatabaseParametersRequest,
  Operation,
  RelationalDatabaseParameter,
  UpdateRelationalDatabaseParametersRequest,
} from '@aws-sdk/client-lightsail';
import { InvalidInputException } from '../api/errors.js';
import { validateResourceName } from '../domain/index.js';
import { EngineInputError, type EngineParameter, type ParameterChange } from '../engines/observability.js';
import type { RequestContext } from '../gateway/pipeline.js';
import { requireDatabase, requireServing, requireState, scopeOf, type ServiceContext } from './context.js';
import { observe } from './engine-access.js';
import { pageOf } from './pagination.js';
import { operationShape } from './shapes.js';

const PARAMETERS_PER_PAGE = 100;

function parameterShape(parameter: EngineParameter): RelationalDatabaseParameter {
  return {
    allowedValues: parameter.allowedValues,
    applyMethod: parameter.applyType === 'dynamic' ? 'immediate' : 'pending-reboot',
    applyType: parameter.applyType,
    dataType: parameter.dataType,
    description: parameter.description,
    isModifiable: parameter.isModifiable,
    parameterName: parameter.name,
    parameterValue: parameter.value,
  };
}

export async function getRelationalDatabaseParameters(
  context: ServiceContext,
  request: RequestContext,
  input: GetRelationalDatabaseParametersRequest,
): Promise<{ parameters: RelationalDatabaseParameter[]; nextPageToken?: string }> {
  const database = requireDatabase(context, scopeOf(request), input.relationalDatabaseName!);
  requireServing(database, 'read the parameters of');
  const { engine, spec } = observe(context, database);
  const parameters = (await engine.parameters(spec)).map(parameterShape);
  const page = pageOf(request.operation, parameters, input.pageToken, PARAMETERS_PER_PAGE);
  return { parameters: page.items, nextPageToken: page.nextPageToken };
}

function readChanges(input: UpdateRelationalDatabaseParametersRequest): ParameterChange[] {
  const changes = input.parameters ?? [];
  if (changes.length === 0) throw new InvalidInputException('parameters is empty: send at least one {parameterName, parameterValue, applyMethod}.');
  const seen = new Set<string>();
  return changes.map((change, index) => {
    const where = `parameters[${index}]`;
    if (!change.parameterName) throw new InvalidInputException(`${where}.parameterName is required.`);
    if (change.parameterValue === undefined) throw new InvalidInputException(`${where}.parameterValue is required (${change.parameterName}).`);
    const method = change.applyMethod ?? 'pending-reboot';
    if (method !== 'immediate' && method !== 'pending-reboot') {
      throw new InvalidInputException(`${where}.applyMethod '${method.slice(0, 32)}' is not valid; use immediate or pending-reboot.`);
    }
    if (seen.has(change.parameterName)) throw new InvalidInputException(`${change.parameterName} appears twice in parameters.`);
    seen.add(change.parameterName);
    return { name: change.parameterName, value: change.parameterValue, applyMethod: method };
  });
}

/**
 * Applies parameters through the engine, which checks names and values
 * first: `immediate` ones take effect now, `pending-reboot` ones at the next
 * reboot (parameterApplyStatus shows pending-reboot meanwhile). Invalid
 * changes answer InvalidInputException and change nothing.
 */
export async function updateRelationalDatabaseParameters(
  context: ServiceContext,
  request: RequestContext,
  input: UpdateRelationalDatabaseParametersRequest,
): Promise<{ operations: Operation[] }> {
  const scope = scopeOf(request);
  const database = requireDatabase(context, scope, input.relationalDatabaseName!);
  requireState(database, 'updateParameters');
  const changes = readChanges(input);
  const { engine, spec } = observe(context, database);
  const pending = await context.controller.exclusive(database.id, async () => {
    try {
      await engine.applyParameters(spec, changes);
    } catch (error) {
      if (error instanceof EngineInputError) {
        // Engine messages must not reveal berth's file layout.
        throw new InvalidInputException(context.instances.redactPaths(error.message), { code: 'InvalidParameter' });
      }
      throw error;
    }
    // The standby of an HA database takes the same parameters (its own files), so that it serves alike once promoted.
    const standby = context.instances.standby(database);
    if (standby?.state === 'running') await engine.applyParameters(context.instances.spec(database, standby), changes);
    return engine.pendingRebootParameters(spec);
  });
  const operation = context.store.transaction(() => {
    context.store.databases.update(database.id, { parameterApplyStatus: pending.length > 0 ? 'pending-reboot' : 'in-sync' });
    context.store.events.record(
      database,
      `Parameters updated: ${changes.map((change) => `${change.name}=${change.value} (${change.applyMethod})`).join(', ')}`,
      ['configuration change'],
    );
    return context.store.operations.create(scope, {
      resourceName: database.name,
      resourceType: 'RelationalDatabase',
      operationType: 'UpdateRelationalDatabaseParameters',
      availabilityZone: database.availabilityZone,
      status: 'Succeeded',
    });
  });
  return { operations: [operationShape(operation)] };
}

/**
 * The parameters changed with pending-reboot that the running server has not
 * taken yet (BerthAdmin_20261127.GetRelationalDatabasePendingParameters): the
 * console marks them until the reboot.
 */
export async function getRelationalDatabasePendingParameters(context: ServiceContext, request: RequestContext, input: Record<string, unknown>) {
  const name = validateResourceName(input.relationalDatabaseName, 'relationalDatabaseName');
  const database = requireDatabase(context, scopeOf(request), name);
  if (database.parameterApplyStatus !== 'pending-reboot') return { pendingParameterNames: [] };
  requireServing(database, 'read the pending parameters of');
  const { engine, spec } = observe(context, database);
  return { pendingParameterNames: await engine.pendingRebootParameters(spec) };
}
