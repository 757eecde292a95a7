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
 * reading the file from its start.
 */
import { EngineInputError } from '../observability.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LogEventRecord, LogPage, LogQuery } from '../observability.js';

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
const CHUNK_BYTES = 64 * 1024;
/** Longer messages keep their start and say how much was left out. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
export const MAX_PAGE_EVENTS = 10_000;
/** Files smaller than this are scanned from their start rather than bisected. */
const BISECT_MIN_BYTES = 1024 * 1024;

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
  return CURSOR_PREFIX + Buffer.from(JSON.stringify(data)).toString('base64url');
}

export function decodeLogCursor(text: string): Cursor {
  const invalid = () => new EngineInputError('the page token is not valid for this log stream');
  if (!text.startsWith(CURSOR_PREFIX) || text.length > 512) throw invalid();
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(Buffer.from(text.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid();
  }
  const { d, f, o, s, e } = data;
  const time = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isSafeInteger(v));
  if ((d !== 'f' && d !== 'b') || typeof f !== 'string' || !FILE_NAME.test(f) || typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0 || !time(s) || !time(e)) {
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
  let names: string[];
  try {
    names = await fs.readdir(logDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files = names
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

interface OpenLog {
  file: LogFile;
  handle: fs.FileHandle;
  /**
   * Where reading stops: the size when opened; for the newest file, just after
   * its last newline (a line being written is left for the next call).
   */
  end: number;
}

async function openLog(file: LogFile): Promise<OpenLog | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file.path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed meanwhile
    throw err;
  }
  try {
    const size = (await handle.stat()).size;
    const end = file.newest ? await afterLastNewline(handle, size) : size;
    return { file, handle, end };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

async function afterLastNewline(handle: fs.FileHandle, size: number): Promise<number> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  for (let pos = size; pos > 0; ) {
    const n = Math.min(CHUNK_BYTES, pos);
    const { bytesRead } = await handle.read(buffer, 0, n, pos - n);
    const nl = buffer.subarray(0, bytesRead).lastIndexOf(10);
    if (nl !== -1) return pos - n + nl + 1;
    pos -= n;
  }
  return 0;
}

// ---- lines ----

interface Line {
  start: number;
  /** Just after the line's newline (or the region's end for an unterminated last line). */
  end: number;
  /** The line without its newline, at most MAX_MESSAGE_BYTES. */
  head: Buffer;
  /** Full length without the newline. */
  length: number;
}

/** The lines of [from, to), in file order; `from` must be a line start. */
async function* linesForward(handle: fs.FileHandle, from: number, to: number): AsyncGenerator<Line> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let parts: Buffer[] = [];
  let kept = 0;
  let length = 0;
  let lineStart = from;
  let pos = from;
  while (pos < to) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, to - pos), pos);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    let i = 0;
    while (i < bytesRead) {
      const nl = chunk.indexOf(10, i);
      const stop = nl === -1 ? bytesRead : nl;
      if (stop > i) {
        if (kept < MAX_MESSAGE_BYTES) {
          const take = Math.min(stop - i, MAX_MESSAGE_BYTES - kept);
          parts.push(Buffer.from(chunk.subarray(i, i + take)));
          kept += take;
        }
        length += stop - i;
      }
      if (nl === -1) break;
      yield { start: lineStart, end: pos + nl + 1, head: Buffer.concat(parts), length };
      parts = [];
      kept = 0;
      length = 0;
      lineStart = pos + nl + 1;
      i = nl + 1;
    }
    pos += bytesRead;
  }
  if (lineStart < pos) yield { start: lineStart, end: pos, head: Buffer.concat(parts), length };
}

/** The lines of [from, to), last first; `to` must be a line boundary. */
async function* linesBackward(handle: fs.FileHandle, from: number, to: number): AsyncGenerator<Line> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let pieces: Buffer[] = []; // the current line's bytes seen so far, in file order, at most MAX_MESSAGE_BYTES from its start
  let kept = 0;
  let length = 0;
  let lineEnd = to;
  let pos = to;
  const prepend = (piece: Buffer) => {
    if (piece.length === 0) return;
    length += piece.length;
    pieces.unshift(Buffer.from(piece));
    kept += piece.length;
    // Keep the line's start: drop bytes from its end.
    while (kept > MAX_MESSAGE_BYTES) {
      const last = pieces[pieces.length - 1]!;
      const excess = kept - MAX_MESSAGE_BYTES;
      if (last.length <= excess) {
        pieces.pop();
        kept -= last.length;
      } else {
        pieces[pieces.length - 1] = last.subarray(0, last.length - excess);
        kept -= excess;
      }
    }
  };
  while (pos > from) {
    const n = Math.min(CHUNK_BYTES, pos - from);
    const { bytesRead } = await handle.read(buffer, 0, n, pos - n);
    if (bytesRead !== n) throw new Error(`short read in ${n} bytes at ${pos - n}`);
    const chunk = buffer.subarray(0, n);
    let j = n; // chunk[j..] is already consumed
    for (;;) {
      const nl = j === 0 ? -1 : chunk.lastIndexOf(10, j - 1);
      if (nl === -1) {
        prepend(chunk.subarray(0, j));
        break;
      }
      prepend(chunk.subarray(nl + 1, j));
      const lineStart = pos - n + nl + 1;
      if (lineStart < lineEnd) {
        // The newline that ends a line is in [lineStart, lineEnd): it is not content.
        yield { start: lineStart, end: lineEnd, head: Buffer.concat(pieces), length };
      }
      pieces = [];
      kept = 0;
      length = 0;
      lineEnd = lineStart;
      j = nl; // the newline at nl ends the previous line
    }
    pos -= n;
  }
  if (lineEnd > from) yield { start: from, end: lineEnd, head: Buffer.concat(pieces), length };
}

// ---- entries ----

interface Entry {
  start: number;
  end: number;
  time: number;
  message: string;
}

class EntryBuilder {
  private parts: Buffer[] = [];
  private kept = 0;
  private omitted = 0;

  add(line: Line): void {
    if (this.parts.length > 0) this.take(Buffer.from('\n'), 1);
    this.take(line.head, line.length);
  }

  private take(bytes: Buffer, fullLength: number): void {
    const room = MAX_MESSAGE_BYTES - this.kept;
    const taken = bytes.length <= room ? bytes : bytes.subarray(0, Math.max(0, room));
    if (taken.length > 0) {
      this.parts.push(taken);
      this.kept += taken.length;
    }
    this.omitted += fullLength - taken.length;
  }

  /** Bytes left out before they reached the builder. */
  omit(bytes: number): void {
    this.omitted += bytes;
  }

  message(): string {
    const text = Buffer.concat(this.parts).toString('utf8');
    return this.omitted > 0 ? `${text} [… ${this.omitted} more bytes not shown]` : text;
  }
}

/** Entries from `from` (an entry boundary) to the end of the file. */
async function* entriesForward(log: OpenLog, from: number): AsyncGenerator<Entry> {
  let current: { start: number; end: number; time: number | undefined; builder: EntryBuilder } | undefined;
  for await (const line of linesForward(log.handle, from, log.end)) {
    const time = entryTime(line.head);
    if (time !== undefined) {
      if (current) {
        // Lines without a prefix at the start of a read take the time of the entry after them.
        yield { start: current.start, end: current.end, time: current.time ?? time, message: current.builder.message() };
      }
      current = { start: line.start, end: line.end, time, builder: new EntryBuilder() };
    } else if (!current) {
      current = { start: line.start, end: line.end, time: undefined, builder: new EntryBuilder() };
    }
    current.builder.add(line);
    current.end = line.end;
  }
  if (current) yield { start: current.start, end: current.end, time: current.time ?? log.file.dayStart, message: current.builder.message() };
}

/** Entries before `to` (an entry boundary), newest first. */
async function* entriesBackward(log: OpenLog, to: number): AsyncGenerator<Entry> {
  // Continuation lines seen since the last entry line, latest first; only the earliest are kept.
  let continuation: Line[] = [];
  let retained = 0;
  let continuationEnd: number | undefined;
  let following: number | undefined;
  for await (const line of linesBackward(log.handle, 0, to)) {
    const time = entryTime(line.head);
    if (time === undefined) {
      continuationEnd ??= line.end;
      continuation.push(line);
      retained += line.head.length;
      while (retained > MAX_MESSAGE_BYTES * 2 && continuation.length > 1) retained -= continuation.shift()!.head.length;
      continue;
    }
    yield { start: line.start, end: continuationEnd ?? line.end, time, message: buildMessage(line, continuation, continuationEnd) };
    following = time;
    continuation = [];
    retained = 0;
    continuationEnd = undefined;
  }
  if (continuation.length > 0) {
    const first = continuation.pop()!;
    yield { start: 0, end: continuationEnd!, time: following ?? log.file.dayStart, message: buildMessage(first, continuation, continuationEnd) };
  }
}

/** `first` and the continuation lines after it (given latest first, possibly with later ones dropped). */
function buildMessage(first: Line, continuationLatestFirst: Line[], continuationEnd: number | undefined): string {
  const builder = new EntryBuilder();
  builder.add(first);
  for (let i = continuationLatestFirst.length - 1; i >= 0; i--) builder.add(continuationLatestFirst[i]!);
  // Lines dropped from the end while reading backward (beyond twice the message limit).
  const latest = continuationLatestFirst[0] ?? first;
  if (continuationEnd !== undefined && latest.end < continuationEnd) builder.omit(continuationEnd - latest.end);
  return builder.message();
}

// ---- finding a time in a large file ----

/** The first entry line starting in [at, to), with its time. */
async function entryLineFrom(log: OpenLog, at: number, to: number): Promise<{ start: number; time: number } | undefined> {
  let lineStart = 0;
  if (at > 0) {
    // The line containing at-1's newline ends there; the next one starts after it.
    const probe = Buffer.allocUnsafe(CHUNK_BYTES);
    let pos = at - 1;
    lineStart = -1;
    while (pos < to && lineStart === -1) {
      const { bytesRead } = await log.handle.read(probe, 0, Math.min(CHUNK_BYTES, to - pos), pos);
      if (bytesRead === 0) break;
      const nl = probe.subarray(0, bytesRead).indexOf(10);
      if (nl !== -1) lineStart = pos + nl + 1;
      else pos += bytesRead;
    }
    if (lineStart === -1 || lineStart >= to) return undefined;
  }
  for await (const line of linesForward(log.handle, lineStart, to)) {
    const time = entryTime(line.head);
    if (time !== undefined) return { start: line.start, time };
  }
  return undefined;
}

/**
 * An entry boundary before which every entry is older than `time` (0 or the
 * start of an entry older than it), found by bisection in a large file.
 */
async function boundaryBefore(log: OpenLog, time: number): Promise<number> {
  if (log.end < BISECT_MIN_BYTES) return 0;
  let lo = 0;
  let hi = log.end;
  while (hi - lo > CHUNK_BYTES) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const probe = await entryLineFrom(log, mid, hi);
    if (probe && probe.time < time) lo = probe.start;
    else hi = mid;
  }
  return lo;
}

/** The start of the first entry newer than `time` (or the end of the file). */
async function boundaryAfter(log: OpenLog, time: number): Promise<number> {
  const from = await boundaryBefore(log, time);
  for await (const entry of entriesForward(log, from)) {
    if (entry.time > time) return entry.start;
  }
  return log.end;
}

// ---- pages ----

interface Range {
  start?: number;
  end?: number;
}

const inRange = (time: number, range: Range) =>
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
  const range: Range =
    query.startTime !== undefined || query.endTime !== undefined || !cursor
      ? { start: query.startTime?.getTime(), end: query.endTime?.getTime() }
      : { start: cursor.startTime, end: cursor.endTime };
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

async function pageForward(files: LogFile[], range: Range, limit: number, cursor: LogPosition | undefined): Promise<RawPage> {
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
      if (offset === undefined && range.start !== undefined) from = await boundaryBefore(log, range.start - CLOCK_SLACK_MS);
      next = { file: file.name, offset: from };
      for await (const entry of entriesForward(log, from)) {
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

async function pageBackward(files: LogFile[], range: Range, limit: number, cursor: LogPosition | undefined): Promise<RawPage> {
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
      for await (const entry of entriesBackward(log, to)) {
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
