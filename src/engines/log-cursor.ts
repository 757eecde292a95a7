/**
 * Page tokens of the engines' log readers: `<prefix><base64url JSON>`, at most
 * MAX_CURSOR_CHARS long. What the JSON holds (a position, the direction to
 * continue in, the time range of the request that made it) and how it is
 * checked is each reader's.
 */
import type { LogQuery } from './observability.js';

const MAX_CURSOR_CHARS = 512;

export function encodeCursorToken(prefix: string, data: Record<string, unknown>): string {
  return prefix + Buffer.from(JSON.stringify(data)).toString('base64url');
}

/** The JSON value of a token made with `prefix`; `invalid()` is thrown for anything else. */
export function decodeCursorToken(prefix: string, text: string, invalid: () => Error): unknown {
  if (!text.startsWith(prefix) || text.length > MAX_CURSOR_CHARS) throw invalid();
  try {
    return JSON.parse(Buffer.from(text.slice(prefix.length), 'base64url').toString('utf8')) as unknown;
  } catch {
    throw invalid();
  }
}

/** A time a cursor may carry: absent, or whole milliseconds. */
export const isCursorTime = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isSafeInteger(v));

/** A time range in milliseconds; either end may be open. */
export interface TimeRange {
  start?: number;
  end?: number;
}

/** The request's time range, or, when it has none, the range of the request that made its cursor. */
export function requestRange(query: LogQuery, cursor: { startTime?: number; endTime?: number } | undefined): TimeRange {
  return query.startTime !== undefined || query.endTime !== undefined || !cursor
    ? { start: query.startTime?.getTime(), end: query.endTime?.getTime() }
    : { start: cursor.startTime, end: cursor.endTime };
}
