/**
 * `berth recover`: every database the backup store knows and this berth
 * lacks comes back under its own name and region, from its newest backup in
 * the store replayed to the end of the store's archive.
 */
import { InvalidInputException } from '../api/errors.js';
import type { RequestContext } from '../gateway/pipeline.js';
import { launchDatabase } from './launch.js';
import type { ServiceContext } from './context.js';

export interface RecoveryReport {
  recovered: Array<{
    relationalDatabaseName: string;
    region: string;
    /** The moment the database comes back as: what was committed after it is lost. */
    restoreTime: string;
    operationId: string;
  }>;
  skipped: Array<{ relationalDatabaseName: string; region: string; reason: string }>;
}

export async function recoverRelationalDatabases(context: ServiceContext, request: RequestContext): Promise<RecoveryReport> {
  const offsite = context.backups.backupStore;
  if (!offsite) {
    throw new InvalidInputException('berth runs without a backup store, so there is nothing to recover from.', {
      code: 'NoBackupStore',
      tip: 'Start berth with --backup-store (and the --backup-store-endpoint and --backup-key-file the store was written with).',
    });
  }
  const report: RecoveryReport = { recovered: [], skipped: [] };
  for (const found of await offsite.recoverable()) {
    const { entry } = found;
    const source = entry.database;
    const scope = { accountId: request.accountId, region: source.region };
    const skip = (reason: string) => report.skipped.push({ relationalDatabaseName: source.name, region: source.region, reason });
    if ('reason' in found) {
      skip(found.reason);
      continue;
    }
    const { backup, targetTime } = found;
    if (source.accountId !== request.accountId) {
      skip(`it belongs to the account ${source.accountId}`);
      continue;
    }
    if (context.store.databases.findByName(scope, source.name)) {
      skip('a database of that name exists here');
      continue;
    }
    const { operations } = await launchDatabase(context, scope, {
      name: source.name,
      availabilityZone: source.availabilityZone,
      secondaryAvailabilityZone: source.secondaryAvailabilityZone,
      blueprintId: source.blueprintId,
      bundleId: source.bundleId,
      engine: source.engine,
      engineVersion: source.engineVersion,
      masterDatabaseName: source.masterDatabaseName,
      masterUsername: source.masterUsername,
      preferredBackupWindow: source.preferredBackupWindow,
      preferredMaintenanceWindow: source.preferredMaintenanceWindow,
      publiclyAccessible: source.publiclyAccessible,
      password: entry.masterPassword,
      tags: entry.tags,
      operationType: 'CreateRelationalDatabaseFromSnapshot',
      task: {
        kind: 'restore',
        payload: {
          kind: 'backup-store',
          region: source.region,
          sourceDatabaseId: source.id,
          sourceName: source.name,
          backupId: backup.id,
          instanceId: backup.instanceId,
          targetTime,
        },
      },
    });
    report.recovered.push({
      relationalDatabaseName: source.name,
      region: source.region,
      restoreTime: new Date(targetTime * 1000).toISOString(),
      operationId: operations[0]!.id!,
    });
  }
  return report;
}
