/**
 * The server log of an instance as Lightsail log events: the daily files the
 * logging collector writes into PGDATA/log (`postgresql-YYYY-MM-DD.log`,
 * UTC, appended to and never truncated: berth.conf), read in place.
 *
 * An event is one log entry: a line that starts with the `log_line_prefix`
 * timestamp (`%m`: `2024-05-01 12:00:00.123 UTC [pid] `) and the lines that
 * follow it without one (PostgreSQL starts each continuation line of a
 * multi-line message or statement with a tab). Its message is the raw text,
 * prefix included, like Lightsail's.
 *
 * Positions are (file name, byte offset of an entry boundary). Files only
 * grow, so a position stays valid while lines are appended; a cursor is a
 * position plus the direction to continue in and the time range of the
 * request that made it.
 *
 * Memory is bounded by the page: files are read in 64 KiB chunks (from the end
 * when paging backward), one event keeps at most MAX_MESSAGE_BYTES, and a
 * start or end time inside a large file is found by bisection rather than by
 * reading the file from its start. The lines, entries and bisection are
 * ../log-lines.ts and ../log-entries.ts; this module is the files, the entry
 * prefix, the cursors and the pages.
 */
import path from 'node:path';
import { readdirIfExists } from '../../util/files.js';
import { EngineInputError } from '../observability.js';
import type { LogEventRecord, LogPage, LogQuery } from '../observability.js';
import { decodeCursorToken, encodeCursorToken, isCursorTime, requestRange, type TimeRange } from '../log-cursor.js';
import { entriesBackward, entriesForward, offsetBeforeTime, type LogLineFormat } from '../log-entries.js';
import { afterLastNewline, MAX_MESSAGE_BYTES, openLogFile, type OpenLogFile } from '../log-lines.js';

export { MAX_MESSAGE_BYTES };

export const POSTGRES_LOG_STREAM = 'postgresql';

/** The files berth.conf's log_filename makes (a `_HHMMSS` suffix is tolerated). */
const FILE_NAME = /^postgresql-(\d{4})-(\d{2})-(\d{2})(?:_\d{6})?\.log$/;
/** `%m [%p] `: milliseconds and zone (log_timezone = UTC gives `UTC`; numeric offsets are understood too). */
const ENTRY_START =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (?:([A-Za-z]{1,6})|([+-])(\d{2})(?::?(\d{2}))?) \[\d+\] /;

const DAY_MS = 86_400_000;
/**
 * How far out of order entries may be. Each process stamps its own entries
 * before the collector writes them, so the file order and the time order can
 * differ a little; scans stop this far beyond the requested range, and a
 * daily file is considered to hold entries from this long before its day to
 * this long after it.
 */
export const CLOCK_SLACK_MS = 60_000;
export const MAX_PAGE_EVENTS = 10_000;

/** The start time of an entry line, or undefined for a continuation line. */
export function entryTime(line: Buffer | string): number | undefined {
  const head = typeof line === 'string' ? line.slice(0, 80) : line.subarray(0, 80).toString('latin1');
  const m = ENTRY_START.exec(head);
  if (!m) return undefined;
  const fraction = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  let time = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), fraction);
  if (m[9]) {
    // `+02` / `-0530`: local = UTC + offset.
    const offsetMs = (Number(m[10]) * 60 + Number(m[11] ?? 0)) * 60_000;
    time -= m[9] === '+' ? offsetMs : -offsetMs;
  }
  // A zone abbreviation other than UTC/GMT cannot be resolved here; log_timezone is berth's (UTC).
  return Number.isFinite(time) ? time : undefined;
}

/**
 * An entry starts at a line with the prefix's time; every other line
 * continues the entry before it. Empty lines at the start of an entry add
 * nothing to its message; read backward, the bytes of the lines a very long
 * entry drops count in its "more bytes not shown".
 */
const ENTRY_FORMAT: LogLineFormat = {
  classify(line) {
    const time = entryTime(line);
    return time === undefined ? { kind: 'continuation' } : { kind: 'timed', time };
  },
  dropLeadingEmptyLines: true,
  countDroppedLines: true,
};

// ---- positions and cursors ----

export interface LogPosition {
  file: string;
  offset: number;
}

interface Cursor extends LogPosition {
  direction: 'forward' | 'backward';
  startTime?: number;
  endTime?: number;
}

const CURSOR_PREFIX = 'pglog1.';

export function encodeLogCursor(cursor: Cursor): string {
  const data: Record<string, unknown> = { d: cursor.direction === 'forward' ? 'f' : 'b', f: cursor.file, o: cursor.offset };
  if (cursor.startTime !== undefined) data.s = cursor.startTime;
  if (cursor.endTime !== undefined) data.e = cursor.endTime;
  return encodeCursorToken(CURSOR_PREFIX, data);
}

export function decodeLogCursor(text: string): Cursor {
  const invalid = () => new EngineInputError('the page token is not valid for this log stream');
  const data = decodeCursorToken(CURSOR_PREFIX, text, invalid) as Record<string, unknown>;
  const { d, f, o, s, e } = data;
  if ((d !== 'f' && d !== 'b') || typeof f !== 'string' || !FILE_NAME.test(f) || typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0 || !isCursorTime(s) || !isCursorTime(e)) {
    throw invalid();
  }
  return {
    direction: d === 'f' ? 'forward' : 'backward',
    file: f,
    offset: o,
    ...(s === undefined ? {} : { startTime: s as number }),
    ...(e === undefined ? {} : { endTime: e as number }),
  };
}

// ---- files ----

interface LogFile {
  name: string;
  path: string;
  /** Midnight UTC of the day in its name. */
  dayStart: number;
  newest: boolean;
}

export async function listLogFiles(logDir: string): Promise<LogFile[]> {
  const files = (await readdirIfExists(logDir))
    .filter((name) => FILE_NAME.test(name))
    .sort()
    .map((name) => {
      const m = FILE_NAME.exec(name)!;
      return { name, path: path.join(logDir, name), dayStart: Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])), newest: false };
    });
  const last = files.at(-1);
  if (last) last.newest = true;
  return files;
}

interface OpenLog extends OpenLogFile {
  file: LogFile;
}

/**
 * Reading stops at the size when opened; for the newest file, just after its
 * last newline (a line being written is left for the next call). The last
 * line of an older file is read even without its newline.
 */
async function openLog(file: LogFile): Promise<OpenLog | undefined> {
  const opened = await openLogFile(file.path, async (handle, stat) => (file.newest ? afterLastNewline(handle, stat.size) : stat.size));
  return opened && { file, handle: opened.handle, end: opened.end, completeLinesOnly: false };
}

// ---- entries ----

interface Entry {
  start: number;
  end: number;
  time: number;
  message: string;
}

/**
 * Entries from `from` (an entry boundary) to the end of the file. Lines
 * without a prefix at the start of a read take the time of the entry after
 * them (the day's start at the end of the file).
 */
async function* timedEntriesForward(log: OpenLog, from: number): AsyncGenerator<Entry> {
  let untimed: Entry | undefined; // only the first entry of a read can lack a prefix
  for await (const { start, end, time, message } of entriesForward(log, ENTRY_FORMAT, from)) {
    if (time === undefined) {
      untimed = { start, end, time: log.file.dayStart, message };
      continue;
    }
    if (untimed) yield { ...untimed, time };
    untimed = undefined;
    yield { start, end, time, message };
  }
  if (untimed) yield untimed;
}

/**
 * Entries before `to` (an entry boundary), newest first. Lines without a
 * prefix at the start of the file take the time of the entry after them (the
 * day's start when there is none).
 */
async function* timedEntriesBackward(log: OpenLog, to: number): AsyncGenerator<Entry> {
  let following: number | undefined;
  for await (const { start, end, time, message } of entriesBackward(log, ENTRY_FORMAT, to)) {
    yield { start, end, time: time ?? following ?? log.file.dayStart, message };
    following = time;
  }
}

// ---- finding a time in a large file ----

/** The start of the first entry newer than `time` (or the end of the file). */
async function boundaryAfter(log: OpenLog, time: number): Promise<number> {
  const from = await offsetBeforeTime(log, ENTRY_FORMAT, time);
  for await (const entry of timedEntriesForward(log, from)) {
    if (entry.time > time) return entry.start;
  }
  return log.end;
}

// ---- pages ----

const inRange = (time: number, range: TimeRange) =>
  (range.start === undefined || time >= range.start) && (range.end === undefined || time <= range.end);

const toEvent = (entry: Entry): LogEventRecord => ({ createdAt: new Date(entry.time), message: entry.message });

/**
 * One page of the server log.
 *
 * - No cursor, startFromHead: the oldest `limit` events of the range, oldest first.
 * - No cursor, !startFromHead: the newest `limit` events of the range, in time order.
 * - A cursor continues in its own direction (startFromHead is then ignored),
 *   with the request's time range, or the range of the request that made the
 *   cursor when this one has none.
 *
 * nextForward is always given (at the end of the log it is where new lines
 * will appear). nextBackward is given when older events may remain.
 */
export async function readServerLog(logDir: string, query: LogQuery): Promise<LogPage> {
  const cursor = query.cursor === undefined ? undefined : decodeLogCursor(query.cursor);
  const range = requestRange(query, cursor);
  const limit = Math.max(1, Math.min(MAX_PAGE_EVENTS, Math.floor(query.limit) || 1));
  const files = await listLogFiles(logDir);
  const forward = cursor ? cursor.direction === 'forward' : query.startFromHead;
  const page = forward ? await pageForward(files, range, limit, cursor) : await pageBackward(files, range, limit, cursor);
  const token = (direction: Cursor['direction'], position: LogPosition | undefined) =>
    position && encodeLogCursor({ direction, ...position, startTime: range.start, endTime: range.end });
  const result: LogPage = { events: page.events };
  const nextForward = token('forward', page.nextForward);
  const nextBackward = token('backward', page.nextBackward);
  if (nextForward) result.nextForward = nextForward;
  if (nextBackward) result.nextBackward = nextBackward;
  return result;
}

interface RawPage {
  events: LogEventRecord[];
  nextForward?: LogPosition;
  nextBackward?: LogPosition;
}

async function pageForward(files: LogFile[], range: TimeRange, limit: number, cursor: LogPosition | undefined): Promise<RawPage> {
  let index: number;
  let offset: number | undefined; // undefined: from the start of the range
  if (cursor) {
    index = files.findIndex((f) => f.name >= cursor.file);
    if (index === -1) return { events: [], nextForward: cursor, nextBackward: cursor };
    offset = files[index]!.name === cursor.file ? cursor.offset : 0;
  } else {
    index = range.start === undefined ? 0 : files.findIndex((f) => f.dayStart + DAY_MS + CLOCK_SLACK_MS >= range.start!);
    if (index === -1) index = Math.max(0, files.length - 1);
    if (files.length === 0) return { events: [] };
  }
  const events: LogEventRecord[] = [];
  let next: LogPosition = { file: files[index]!.name, offset: offset ?? 0 };
  let first: LogPosition | undefined;
  scan: for (; index < files.length; index++) {
    const file = files[index]!;
    if (range.end !== undefined && file.dayStart - CLOCK_SLACK_MS > range.end) break;
    const log = await openLog(file);
    if (!log) continue;
    try {
      let from = Math.min(offset ?? 0, log.end);
      if (offset === undefined && range.start !== undefined) from = await offsetBeforeTime(log, ENTRY_FORMAT, range.start - CLOCK_SLACK_MS);
      next = { file: file.name, offset: from };
      for await (const entry of timedEntriesForward(log, from)) {
        if (range.end !== undefined && entry.time > range.end + CLOCK_SLACK_MS) break scan;
        next = { file: file.name, offset: entry.end };
        if (!inRange(entry.time, range)) continue;
        first ??= { file: file.name, offset: entry.start };
        events.push(toEvent(entry));
        if (events.length >= limit) break scan;
      }
      next = { file: file.name, offset: log.end };
    } finally {
      await log.handle.close();
    }
    offset = 0;
  }
  // From the start of the range nothing older is in it; from a cursor, the pages before are.
  return { events, nextForward: next, ...(cursor ? { nextBackward: first ?? cursor } : {}) };
}

async function pageBackward(files: LogFile[], range: TimeRange, limit: number, cursor: LogPosition | undefined): Promise<RawPage> {
  let index: number;
  let offset: number | undefined; // undefined: from the end of the range
  if (cursor) {
    index = findLastIndex(files, (f) => f.name <= cursor.file);
    if (index === -1) return { events: [], nextForward: cursor };
    offset = files[index]!.name === cursor.file ? cursor.offset : undefined;
  } else {
    if (files.length === 0) return { events: [] };
    index = range.end === undefined ? files.length - 1 : findLastIndex(files, (f) => f.dayStart - CLOCK_SLACK_MS <= range.end!);
    if (index === -1) return { events: [], nextForward: { file: files[0]!.name, offset: 0 } };
  }
  const newestFirst: Array<{ event: LogEventRecord; start: LogPosition; end: LogPosition }> = [];
  let startedAt: LogPosition | undefined;
  let exhausted = true;
  scan: for (; index >= 0; index--) {
    const file = files[index]!;
    if (range.start !== undefined && file.dayStart + DAY_MS + CLOCK_SLACK_MS < range.start) break;
    const log = await openLog(file);
    if (!log) continue;
    try {
      let to = offset === undefined ? log.end : Math.min(offset, log.end);
      if (!cursor && startedAt === undefined && range.end !== undefined) to = await boundaryAfter(log, range.end + CLOCK_SLACK_MS);
      startedAt ??= { file: file.name, offset: to };
      for await (const entry of timedEntriesBackward(log, to)) {
        if (range.start !== undefined && entry.time < range.start - CLOCK_SLACK_MS) break scan;
        if (!inRange(entry.time, range)) continue;
        newestFirst.push({ event: toEvent(entry), start: { file: file.name, offset: entry.start }, end: { file: file.name, offset: entry.end } });
        if (newestFirst.length >= limit) {
          exhausted = false;
          break scan;
        }
      }
    } finally {
      await log.handle.close();
    }
    offset = undefined;
  }
  const oldest = newestFirst.at(-1);
  const newest = newestFirst[0];
  return {
    events: newestFirst.reverse().map((e) => e.event),
    nextForward: newest?.end ?? cursor ?? startedAt,
    ...(!exhausted && oldest ? { nextBackward: oldest.start } : {}),
  };
}

function findLastIndex<T>(items: T[], match: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (match(items[i]!)) return i;
  return -1;
}
