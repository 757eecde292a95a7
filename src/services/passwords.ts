import type { GetRelationalDatabaseMasterUserPasswordRequest } from '@aws-sdk/client-lightsail';
import { NotFoundException } from '../api/errors.js';
import type { RequestContext } from '../gateway/pipeline.js';
import type { PasswordVersion } from '../store/passwords.js';
import { requireDatabase, scopeOf, type ServiceContext } from './context.js';

export function getRelationalDatabaseMasterUserPassword(
  context: ServiceContext,
  request: RequestContext,
  input: GetRelationalDatabaseMasterUserPasswordRequest,
): { masterUserPassword: string; createdAt: Date } {
  const database = requireDatabase(context, scopeOf(request), input.relationalDatabaseName!);
  const version = (input.passwordVersion ?? 'CURRENT') as PasswordVersion;
  const entry = context.store.passwords.get(database.id, version);
  if (!entry) {
    throw new NotFoundException(`The database ${database.name} has no ${version} master user password.`, {
      code: 'DoesNotExist',
      tip: 'A PREVIOUS version exists after a password change; a PENDING one only while a change is being applied.',
    });
  }
  return { masterUserPassword: entry.password, createdAt: new Date(entry.createdAt * 1000) };
}
