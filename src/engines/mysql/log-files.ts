/**
 * Reading one of the server's own log files as Lightsail log events, by time
 * range and page, with bounded memory: the file is read in 64 KiB chunks
 * (from its end when paging backward), a message keeps at most
 * MAX_MESSAGE_BYTES, a page at most MAX_PAGE_BYTES of messages, and a time
 * inside a large file is found by bisection instead of a scan from its start.
 *
 * A format (log-formats.ts) says what each line is: the start of an entry
 * with its own time, the start of an entry without one (it takes the time of
 * the nearest earlier timed line, or, at the head of the file, of the nearest
 * later one), or a continuation line of the entry before it.
 *
 * Positions are byte offsets of entry boundaries. MariaDB only appends to
 * these files, so a position stays valid while lines are appended. A cursor
 * is a position, the direction to continue in, the file's inode (a file that
 * was replaced or truncated is read again from its start) and the time range
 * of the request that made it. Only complete lines are read: a line still
 * being written waits for the next call.
 *
 * The lines, entries and bisection are ../log-lines.ts and ../log-entries.ts;
 * this module gives untimed entries their time, and makes pages and cursors.
 */
import { EngineInputError } from '../observability.js';
import type { LogEventRecord, LogPage, LogQuery } from '../observability.js';
import { decodeCursorToken, encodeCursorToken, isCursorTime, requestRange, type TimeRange } from '../log-cursor.js';
import {
  entriesBackward, entriesForward, lineText, offsetAfterTime, offsetBeforeTime, timedLineFrom, type LineKind, type LogEntry,
  type LogLineFormat,
} from '../log-entries.js';
import { afterLastNewline, linesBackward, MAX_MESSAGE_BYTES, openLogFile, type OpenLogFile } from '../log-lines.js';

export { MAX_MESSAGE_BYTES, type LineKind };

export interface LogFormat extends LogLineFormat {
  /** The stream name (`error`, `general`, `slowquery`). */
  stream: string;
}

/** A page holds at most this many message bytes (and at least one event), like CloudWatch's GetLogEvents. */
export const MAX_PAGE_BYTES = 1024 * 1024;
export const MAX_PAGE_EVENTS = 10_000;
/**
 * How far out of order entries may be: MariaDB stamps an entry with a time
 * taken before it holds the log's lock. Scans continue this far beyond the
 * requested range; the events returned are filtered exactly.
 */
export const CLOCK_SLACK_MS = 60_000;
/** Log timestamps have whole seconds: an entry stamped S happened in [S, S + 1 s). */
const TIME_RESOLUTION_MS = 1000;

// ---- cursors ----

interface Cursor {
  stream: string;
  direction: 'forward' | 'backward';
  offset: number;
  inode: number;
  /** Forward only: the time an untimed entry at `offset` inherits. */
  inherited?: number;
  startTime?: number;
  endTime?: number;
}

const CURSOR_PREFIX = 'mylog1.';

export function encodeLogCursor(cursor: Cursor): string {
  const data: Record<string, unknown> = {
    s: cursor.stream, d: cursor.direction === 'forward' ? 'f' : 'b', o: cursor.offset, i: cursor.inode,
  };
  if (cursor.inherited !== undefined) data.t = cursor.inherited;
  if (cursor.startTime !== undefined) data.a = cursor.startTime;
  if (cursor.endTime !== undefined) data.z = cursor.endTime;
  return encodeCursorToken(CURSOR_PREFIX, data);
}

export function decodeLogCursor(text: string, stream: string): Cursor {
  const invalid = () => new EngineInputError(`the page token is not valid for log stream ${stream}`);
  const data = decodeCursorToken(CURSOR_PREFIX, text, invalid) as Record<string, unknown>;
  if (typeof data !== 'object' || data === null) throw invalid();
  const { s, d, o, i, t, a, z } = data;
  const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (s !== stream || (d !== 'f' && d !== 'b') || !count(o) || !count(i) || !isCursorTime(t) || !isCursorTime(a) || !isCursorTime(z)) throw invalid();
  return {
    stream,
    direction: d === 'f' ? 'forward' : 'backward',
    offset: o as number,
    inode: i as number,
    ...(t === undefined ? {} : { inherited: t as number }),
    ...(a === undefined ? {} : { startTime: a as number }),
    ...(z === undefined ? {} : { endTime: z as number }),
  };
}

// ---- the open file ----

interface OpenLog extends OpenLogFile {
  inode: number;
  mtimeMs: number;
}

/** Only complete lines are read: `end` is just after the last newline when opened. */
async function openLog(file: string): Promise<OpenLog | undefined> {
  const opened = await openLogFile(file, async (handle, stat) => {
    if (!stat.isFile()) throw new Error(`${file} is not a regular file`);
    return afterLastNewline(handle, stat.size);
  });
  if (!opened) return undefined;
  const { handle, stat, end } = opened;
  return { handle, end, completeLinesOnly: true, inode: stat.ino, mtimeMs: Math.floor(stat.mtimeMs) };
}

/** The time of the nearest timed line starting before `before` (scanning backward), if any. */
async function timeBefore(log: OpenLog, format: LogFormat, before: number): Promise<number | undefined> {
  const iterator = linesBackward(log.handle, 0, before);
  let next = await iterator.next();
  while (!next.done) {
    const after = await iterator.next();
    const kind = format.classify(lineText(next.value), after.done ? undefined : lineText(after.value));
    if (kind.kind === 'timed') return kind.time;
    next = after;
  }
  return undefined;
}

// ---- pages ----

const inRange = (time: number, range: TimeRange) =>
  (range.start === undefined || time + TIME_RESOLUTION_MS > range.start) && (range.end === undefined || time <= range.end);

export async function readLogPage(file: string, format: LogFormat, query: LogQuery): Promise<LogPage> {
  const cursor = query.cursor === undefined ? undefined : decodeLogCursor(query.cursor, format.stream);
  const range = requestRange(query, cursor);
  if (range.start !== undefined && !Number.isFinite(range.start)) throw new Error('startTime is not a valid time');
  if (range.end !== undefined && !Number.isFinite(range.end)) throw new Error('endTime is not a valid time');
  const limit = Math.max(1, Math.min(MAX_PAGE_EVENTS, Math.floor(query.limit)));
  const forward = cursor ? cursor.direction === 'forward' : query.startFromHead;

  const log = await openLog(file);
  const makeCursor = (direction: Cursor['direction'], offset: number, inode: number, inherited?: number) => encodeLogCursor({
    stream: format.stream, direction, offset, inode,
    ...(inherited === undefined ? {} : { inherited }),
    ...(range.start === undefined ? {} : { startTime: range.start }),
    ...(range.end === undefined ? {} : { endTime: range.end }),
  });
  if (!log) return { events: [], nextForward: makeCursor('forward', 0, 0) };
  try {
    // A cursor of a file that was since replaced or truncated: its position means nothing in this one.
    const stale = cursor !== undefined && (cursor.inode !== log.inode || cursor.offset > log.end);
    if (forward) {
      const from = cursor && !stale ? cursor.offset
        : range.start !== undefined ? await offsetBeforeTime(log, format, range.start - CLOCK_SLACK_MS) : 0;
      const inherited = cursor && !stale && cursor.inherited !== undefined ? cursor.inherited : undefined;
      return await pageForward(log, format, from, inherited, range, limit, makeCursor);
    }
    // Nothing of a replaced file is older than a position in the file it replaced; all of it is newer.
    if (stale) return { events: [], nextForward: makeCursor('forward', 0, log.inode) };
    const to = cursor ? cursor.offset
      : range.end !== undefined ? await offsetAfterTime(log, format, range.end + CLOCK_SLACK_MS) : log.end;
    return await pageBackward(log, format, to, range, limit, makeCursor);
  } finally {
    await log.handle.close();
  }
}

type MakeCursor = (direction: Cursor['direction'], offset: number, inode: number, inherited?: number) => string;

async function pageForward(
  log: OpenLog, format: LogFormat, from: number, inherited: number | undefined, range: TimeRange, limit: number, makeCursor: MakeCursor,
): Promise<LogPage> {
  // The time untimed entries at `from` inherit: carried by the cursor, else from the lines before (or after) it.
  let current: number = inherited ?? (from > 0 ? await timeBefore(log, format, from) : undefined)
    ?? (await timedLineFrom(log, format, from))?.time ?? log.mtimeMs;
  const events: LogEventRecord[] = [];
  let bytes = 0;
  let position = from;
  let firstStart: number | undefined;
  for await (const entry of entriesForward(log, format, from)) {
    const time: number = entry.time ?? current;
    if (range.end !== undefined && time > range.end + CLOCK_SLACK_MS) break; // beyond the range, for good
    if (inRange(time, range)) {
      if (events.length >= limit || (events.length > 0 && bytes + entry.bytes > MAX_PAGE_BYTES)) break;
      events.push({ createdAt: new Date(time), message: entry.message });
      bytes += entry.bytes;
      firstStart ??= entry.start;
    }
    current = time;
    position = entry.end;
  }
  const backFrom = firstStart ?? from;
  return {
    events,
    nextForward: makeCursor('forward', position, log.inode, current),
    ...(backFrom > 0 ? { nextBackward: makeCursor('backward', backFrom, log.inode) } : {}),
  };
}

async function pageBackward(log: OpenLog, format: LogFormat, to: number, range: TimeRange, limit: number, makeCursor: MakeCursor): Promise<LogPage> {
  const page: Array<{ start: number; end: number; time: number; message: string }> = []; // newest first
  let bytes = 0;
  // Entries without a time of their own, newest first, waiting for the timed line before them.
  let pending: Array<LogEntry & { retained: boolean }> = [];
  let pendingBytes = 0;
  let full = false;
  const retain = () => !full && page.length + pending.length < limit && (page.length + pending.length === 0 || bytes + pendingBytes < MAX_PAGE_BYTES);
  /** Give `entries` (newest first) their time and take those in range into the page. */
  const settle = (entries: Array<LogEntry & { retained: boolean }>, time: number) => {
    for (const entry of entries) {
      if (full || !inRange(time, range)) continue;
      if (!entry.retained || page.length >= limit || (page.length > 0 && bytes + entry.bytes > MAX_PAGE_BYTES)) {
        full = true; // the page ends here; the next one starts before its oldest event
        continue;
      }
      page.push({ start: entry.start, end: entry.end, time, message: entry.message });
      bytes += entry.bytes;
    }
  };
  let laterTime: number | undefined; // of the oldest timed entry seen so far
  let beforeRange = false;
  for await (const entry of entriesBackward(log, format, to, retain)) {
    if (entry.time === undefined) {
      pending.push(entry);
      pendingBytes += entry.bytes;
      continue;
    }
    settle([...pending, entry], entry.time);
    pending = [];
    pendingBytes = 0;
    laterTime = entry.time;
    if (range.start !== undefined && entry.time + CLOCK_SLACK_MS < range.start) beforeRange = true;
    if (full || beforeRange) break;
  }
  if (!full && !beforeRange && pending.length > 0) {
    // Untimed entries at the head of the file take the time of the first timed line after them.
    settle(pending, laterTime ?? (await timedLineFrom(log, format, to))?.time ?? log.mtimeMs);
  }
  const events = page.reverse();
  const oldest = events[0];
  const newest = events.at(-1);
  return {
    events: events.map((e) => ({ createdAt: new Date(e.time), message: e.message })),
    nextForward: makeCursor('forward', newest ? newest.end : to, log.inode, newest?.time),
    ...(full && oldest && oldest.start > 0 ? { nextBackward: makeCursor('backward', oldest.start, log.inode) } : {}),
  };
}
