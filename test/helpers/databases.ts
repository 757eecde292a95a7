import {
  CreateRelationalDatabaseCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseEventsCommand,
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

/** The messages of every event of a database in the last `minutes`, all pages. */
export async function eventMessages(client: LightsailClient, name: string, minutes = 60): Promise<string[]> {
  const messages: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.send(new GetRelationalDatabaseEventsCommand({ relationalDatabaseName: name, durationInMinutes: minutes, pageToken }));
    messages.push(...page.relationalDatabaseEvents!.map((event) => event.message!));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return messages;
}
