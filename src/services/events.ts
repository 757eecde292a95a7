import type { GetRelationalDatabaseEventsRequest, RelationalDatabaseEvent } from '@aws-sdk/client-lightsail';
import { InvalidInputException } from '../api/errors.js';
import type { RequestContext } from '../gateway/pipeline.js';
import { nowSeconds, requireDatabase, scopeOf, type ServiceContext } from './context.js';
import { pageOf } from './pagination.js';

const MAX_MINUTES = 20160;

/** What happened to a database in the last `durationInMinutes` (default 60, at most 14 days), oldest first. */
export function getRelationalDatabaseEvents(
  context: ServiceContext,
  request: RequestContext,
  input: GetRelationalDatabaseEventsRequest,
): { relationalDatabaseEvents: RelationalDatabaseEvent[]; nextPageToken?: string } {
  const database = requireDatabase(context, scopeOf(request), input.relationalDatabaseName!);
  const minutes = input.durationInMinutes ?? 60;
  if (minutes < 1 || minutes > MAX_MINUTES) {
    throw new InvalidInputException(`durationInMinutes is ${minutes}; it must be between 1 and ${MAX_MINUTES} (14 days).`);
  }
  const events = context.store.events.since(database.id, nowSeconds(context) - minutes * 60).map((event) => ({
    resource: event.resource,
    createdAt: new Date(event.createdAt * 1000),
    message: event.message,
    eventCategories: event.eventCategories,
  }));
  const page = pageOf(request.operation, events, input.pageToken, context.pageSize);
  return { relationalDatabaseEvents: page.items, nextPageToken: page.nextPageToken };
}
