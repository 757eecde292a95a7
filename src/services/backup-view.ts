import { validateResourceName } from '../domain/index.js';
import type { RequestContext } from '../gateway/pipeline.js';
import { requireDatabase, scopeOf, type ServiceContext } from './context.js';

const at = (seconds: number) => new Date(seconds * 1000);

/**
 * berth's own view of a database's automatic backups and the window a
 * point-in-time restore may choose from (BerthAdmin_20261127.GetRelationalDatabaseBackups).
 * Lightsail answers only latestRestorableTime; the console draws the whole window.
 */
export function getRelationalDatabaseBackups(context: ServiceContext, request: RequestContext, input: Record<string, unknown>) {
  const name = validateResourceName(input.relationalDatabaseName, 'relationalDatabaseName');
  const database = requireDatabase(context, scopeOf(request), name);
  const range = context.backups.restorableRange(database);
  return {
    backups: {
      backupRetentionEnabled: database.backupRetentionEnabled,
      automaticBackups: context.store.automaticBackups.list(database.id).map((backup) => ({
        consistentAt: at(backup.consistentAt),
        createdAt: at(backup.createdAt),
        sizeInBytes: backup.sizeBytes,
      })),
      restorableWindow: range && { earliest: at(range.earliest), latest: at(range.latest) },
    },
  };
}
