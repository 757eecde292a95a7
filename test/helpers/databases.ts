import {
  CreateRelationalDatabaseCommand,
  GetRelationalDatabaseCommand,
  type CreateRelationalDatabaseCommandInput,
  type LightsailClient,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import { operationDone } from './waiters.js';

/** Creates a PostgreSQL database (defaults overridable), waits for it, returns it as GetRelationalDatabase shows it. */
export async function createDatabase(
  client: LightsailClient,
  name: string,
  overrides: Partial<CreateRelationalDatabaseCommandInput> = {},
): Promise<RelationalDatabase> {
  const { operations } = await client.send(
    new CreateRelationalDatabaseCommand({
      relationalDatabaseName: name,
      relationalDatabaseBlueprintId: 'postgres_17',
      relationalDatabaseBundleId: 'micro_2_0',
      masterDatabaseName: 'app',
      masterUsername: 'owner',
      ...overrides,
    }),
  );
  const done = await operationDone(client, operations![0]!, 120_000);
  if (done.status !== 'Succeeded') throw new Error(`creating ${name} failed: ${done.errorDetails}`);
  return (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;
}
