import { randomBytes, randomUUID } from 'node:crypto';
import type { Operation } from '@aws-sdk/client-lightsail';
import { TRANSITIONS } from '../domain/states.js';
import type { TaskPayloads } from '../domain/tasks.js';
import type { DatabaseRecord, Scope } from '../store/index.js';
import type { TagRecord } from '../store/tags.js';
import { nowSeconds, type ServiceContext } from './context.js';
import { assertNameFree } from './databases.js';
import { operationShape } from './shapes.js';

/** What differs between one new database and another. */
export interface NewDatabase
  extends Pick<
    DatabaseRecord,
    | 'name' | 'availabilityZone' | 'secondaryAvailabilityZone' | 'blueprintId' | 'bundleId' | 'engine' | 'engineVersion'
    | 'masterDatabaseName' | 'masterUsername' | 'preferredBackupWindow' | 'preferredMaintenanceWindow' | 'publiclyAccessible'
  > {
  password: string;
  tags: TagRecord[];
  operationType: 'CreateRelationalDatabase' | 'CreateRelationalDatabaseFromSnapshot';
  task: { kind: 'create'; payload: TaskPayloads['create'] } | { kind: 'restore'; payload: TaskPayloads['restore'] };
}

/**
 * Records a new database (state creating) with the endpoint port of its
 * first instance (its primary, whose id is the database's), its password,
 * tags, operation and task in one transaction, then hands the task to the
 * control loop. An HA database gets its standby from the task.
 */
export async function launchDatabase(context: ServiceContext, scope: Scope, fresh: NewDatabase): Promise<{ operations: Operation[] }> {
  const port = await context.ports.allocate();
  try {
    const id = randomUUID();
    const createdAt = nowSeconds(context);
    const record: DatabaseRecord = {
      id,
      accountId: scope.accountId,
      region: scope.region,
      name: fresh.name,
      arn: `arn:aws:lightsail:${scope.region}:${scope.accountId}:RelationalDatabase/${id}`,
      supportCode: `${scope.accountId}/ls-${randomBytes(20).toString('hex')}`,
      createdAt,
      availabilityZone: fresh.availabilityZone,
      secondaryAvailabilityZone: fresh.secondaryAvailabilityZone,
      blueprintId: fresh.blueprintId,
      bundleId: fresh.bundleId,
      engine: fresh.engine,
      engineVersion: fresh.engineVersion,
      masterDatabaseName: fresh.masterDatabaseName,
      masterUsername: fresh.masterUsername,
      state: TRANSITIONS[fresh.task.kind].during,
      backupRetentionEnabled: true,
      preferredBackupWindow: fresh.preferredBackupWindow,
      preferredMaintenanceWindow: fresh.preferredMaintenanceWindow,
      publiclyAccessible: fresh.publiclyAccessible,
      caCertificateIdentifier: context.defaultCaIdentifier,
      parameterApplyStatus: 'in-sync',
      port,
      desiredRunning: true,
      pendingChanges: {},
      latestRestorableTime: null,
    };
    const { operation, task } = context.store.transaction(() => {
      // Checked again inside the transaction: two creates of one name may race.
      assertNameFree(context, scope, fresh.name);
      context.store.databases.insert(record);
      context.store.instances.insert({ id, databaseId: id, availabilityZone: fresh.availabilityZone, port, state: 'provisioning', createdAt });
      context.store.primaries.create(id, id);
      context.store.passwords.set(id, 'CURRENT', { password: fresh.password, createdAt });
      context.store.tags.put(id, fresh.tags);
      const operation = context.store.operations.create(scope, {
        resourceName: fresh.name,
        resourceType: 'RelationalDatabase',
        operationType: fresh.operationType,
        availabilityZone: fresh.availabilityZone,
      });
      const task = fresh.task.kind === 'create'
        ? context.store.tasks.add(id, 'create', [operation.id], fresh.task.payload)
        : context.store.tasks.add(id, 'restore', [operation.id], fresh.task.payload);
      return { operation, task };
    });
    context.controller.submit(task);
    return { operations: [operationShape(operation)] };
  } finally {
    context.ports.release(port);
  }
}
