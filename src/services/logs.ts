import type {
  GetRelationalDatabaseLogEventsRequest,
  GetRelationalDatabaseLogStreamsRequest,
  LogEvent,
} from '@aws-sdk/client-lightsail';
import { InvalidInputException } from '../api/errors.js';
import { EngineInputError } from '../engines/observability.js';
import type { RequestContext } from '../gateway/pipeline.js';
import { requireDatabase, scopeOf, type ServiceContext } from './context.js';
import { observe } from './engine-access.js';
import { decodePageToken, encodePageToken } from './pagination.js';

const EVENTS_PER_PAGE = 100;

export function getRelationalDatabaseLogStreams(
  context: ServiceContext,
  request: RequestContext,
  input: GetRelationalDatabaseLogStreamsRequest,
): { logStreams: string[] } {
  const database = requireDatabase(context, scopeOf(request), input.relationalDatabaseName!);
  return { logStreams: observe(context, database).engine.logStreams() };
}

/** Events of one of the engine's own logs, paged forward and backward with opaque tokens. */
export async function getRelationalDatabaseLogEvents(
  context: ServiceContext,
  request: RequestContext,
  input: GetRelationalDatabaseLogEventsRequest,
): Promise<{ resourceLogEvents: LogEvent[]; nextForwardToken?: string; nextBackwardToken?: string }> {
  const database = requireDatabase(context, scopeOf(request), input.relationalDatabaseName!);
  const { engine, spec } = observe(context, database);
  const streams = engine.logStreams();
  if (!streams.includes(input.logStreamName!)) {
    throw new InvalidInputException(`The log stream '${input.logStreamName!.slice(0, 64)}' does not exist; log streams of ${database.name}: ${streams.join(', ')}.`);
  }
  if (input.startTime && input.endTime && input.endTime.getTime() < input.startTime.getTime()) {
    throw new InvalidInputException('endTime must not be before startTime.');
  }
  const cursor = decodePageToken(request.operation, input.pageToken);
  const page = await engine
    .readLog(spec, input.logStreamName!, {
      startTime: input.startTime,
      endTime: input.endTime,
      startFromHead: input.startFromHead ?? false,
      cursor: cursor === undefined ? undefined : String(cursor),
      limit: EVENTS_PER_PAGE,
    })
    .catch((error: unknown) => {
      if (error instanceof EngineInputError) throw new InvalidInputException(error.message, { code: 'InvalidPageToken' });
      throw error;
    });
  // The engines log their own paths; the caller has no business knowing berth's file layout.
  const redact = (message: string) => context.instances.redactPaths(message);
  return {
    resourceLogEvents: page.events.map((event) => ({ createdAt: event.createdAt, message: redact(event.message) })),
    nextForwardToken: page.nextForward === undefined ? undefined : encodePageToken(request.operation, page.nextForward),
    nextBackwardToken: page.nextBackward === undefined ? undefined : encodePageToken(request.operation, page.nextBackward),
  };
}
