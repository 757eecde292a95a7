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
 */
import { EngineInputError } from '../observability.js';
import fs from 'node:fs/promises';
import type { LogEventRecord, LogPage, LogQuery } from '../observability.js';

export type LineKind =
  | { kind: 'timed'; time: number }
  | { kind: 'start' }
  | { kind: 'continuation' };

export interface LogFormat {
  /** The stream name (`error`, `general`, `slowquery`). */
  stream: string;
  /**
   * What `line` (its first bytes, latin1) is, given the line before it in the
   * file (undefined when that line is not known: the first line of a read).
   */
  classify(line: string, previous: string | undefined): LineKind;
}

const CHUNK_BYTES = 64 * 1024;
/** Longer messages keep their start and say how many bytes were left out (CloudWatch's event limit is 256 KiB). */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/** A page holds at most this many message bytes (and at least one event), like CloudWatch's GetLogEvents. */
export const MAX_PAGE_BYTES = 1024 * 1024;
export const MAX_PAGE_EVENTS = 10_000;
/**
 * How far out of order entries may be: MariaDB stamps an entry with a time
 * taken before it holds the log's lock. Scans continue this far beyond the
 * requested range; the events returned are filtered exactly.
 */
export const CLOCK_SLACK_MS = 60_000;
/** Files at least this large are bisected to find a time rather than scanned. */
const BISECT_MIN_BYTES = 1024 * 1024;
/** How much of a line classify() sees. */
const CLASSIFY_BYTES = 256;
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
  return CURSOR_PREFIX + Buffer.from(JSON.stringify(data)).toString('base64url');
}

export function decodeLogCursor(text: string, stream: string): Cursor {
  const invalid = () => new EngineInputError(`the page token is not valid for log stream ${stream}`);
  if (!text.startsWith(CURSOR_PREFIX) || text.length > 512) throw invalid();
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(Buffer.from(text.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid();
  }
  if (typeof data !== 'object' || data === null) throw invalid();
  const { s, d, o, i, t, a, z } = data;
  const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const time = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isSafeInteger(v));
  if (s !== stream || (d !== 'f' && d !== 'b') || !count(o) || !count(i) || !time(t) || !time(a) || !time(z)) throw invalid();
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

interface OpenLog {
  handle: fs.FileHandle;
  inode: number;
  /** Just after the last newline when opened: the end of what is read. */
  end: number;
  mtimeMs: number;
}

async function openLog(file: string): Promise<OpenLog | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`${file} is not a regular file`);
    return { handle, inode: stat.ino, end: await afterLastNewline(handle, stat.size), mtimeMs: Math.floor(stat.mtimeMs) };
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
  /** Just after the line's newline. */
  end: number;
  /** The line without its newline, at most MAX_MESSAGE_BYTES of its start. */
  head: Buffer;
  /** Full length without the newline. */
  length: number;
}

const lineText = (line: Line) => line.head.subarray(0, CLASSIFY_BYTES).toString('latin1');

/** The complete lines of [from, to), in file order; `from` must be a line start and `to` a line end. */
async function* linesForward(handle: fs.FileHandle, from: number, to: number): AsyncGenerator<Line> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let parts: Buffer[] = [];
  let kept = 0;
  let length = 0;
  let lineStart = from;
  for (let pos = from; pos < to; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, to - pos), pos);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    for (let i = 0; i < bytesRead; ) {
      const nl = chunk.indexOf(10, i);
      const stop = nl === -1 ? bytesRead : nl;
      if (stop > i) {
        const take = Math.min(stop - i, MAX_MESSAGE_BYTES - kept);
        if (take > 0) {
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
}

/** The lines of [0, to), last first; `to` must be a line end (just after a newline) or 0. */
async function* linesBackward(handle: fs.FileHandle, to: number): AsyncGenerator<Line> {
  if (to <= 0) return;
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  // The current line's bytes seen so far, in file order; only its first MAX_MESSAGE_BYTES are kept.
  let pieces: Buffer[] = [];
  let kept = 0;
  let length = 0;
  const prepend = (piece: Buffer) => {
    if (piece.length === 0) return;
    length += piece.length;
    pieces.unshift(Buffer.from(piece));
    kept += piece.length;
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
  let lineEnd = to;
  let contentEnd = to - 1; // the newline at to - 1 ends the last line: not content
  for (let base = to; base > 0; ) {
    const n = Math.min(CHUNK_BYTES, base);
    base -= n;
    const { bytesRead } = await handle.read(buffer, 0, n, base);
    if (bytesRead !== n) throw new Error(`short read of ${n} bytes at ${base}`);
    const chunk = buffer.subarray(0, n);
    let e = contentEnd - base;
    for (;;) {
      const nl = e > 0 ? chunk.lastIndexOf(10, e - 1) : -1;
      if (nl === -1) {
        prepend(chunk.subarray(0, Math.max(0, e)));
        contentEnd = base;
        break;
      }
      prepend(chunk.subarray(nl + 1, e));
      const start = base + nl + 1;
      yield { start, end: lineEnd, head: Buffer.concat(pieces), length };
      pieces = [];
      kept = 0;
      length = 0;
      lineEnd = start;
      contentEnd = base + nl;
      e = nl;
    }
  }
  yield { start: 0, end: lineEnd, head: Buffer.concat(pieces), length };
}

// ---- entries ----

interface Entry {
  start: number;
  end: number;
  /** Own time, or undefined when inherited. */
  time: number | undefined;
  message: string;
  bytes: number;
}

class MessageBuilder {
  private parts: Buffer[] = [];
  private kept = 0;
  private omitted = 0;
  private lines = 0;

  add(line: Line): void {
    if (this.lines++ > 0) this.take(Buffer.from('\n'), 1);
    this.take(line.head, line.length);
  }

  private take(bytes: Buffer, fullLength: number): void {
    const room = Math.max(0, MAX_MESSAGE_BYTES - this.kept);
    const taken = bytes.length <= room ? bytes : bytes.subarray(0, room);
    if (taken.length > 0) {
      this.parts.push(taken);
      this.kept += taken.length;
    }
    this.omitted += fullLength - taken.length;
  }

  build(): { message: string; bytes: number } {
    const text = Buffer.concat(this.parts).toString('utf8');
    return { message: this.omitted > 0 ? `${text} [… ${this.omitted} more bytes not shown]` : text, bytes: this.kept };
  }
}

/** Entries of [from, log.end) in file order (an untimed first line starts an entry). */
async function* entriesForward(log: OpenLog, format: LogFormat, from: number): AsyncGenerator<Entry> {
  let current: { start: number; end: number; time: number | undefined; builder: MessageBuilder } | undefined;
  let previous: string | undefined;
  for await (const line of linesForward(log.handle, from, log.end)) {
    const text = lineText(line);
    const kind = format.classify(text, previous);
    previous = text;
    if (!current || kind.kind !== 'continuation') {
      if (current) yield { start: current.start, end: current.end, time: current.time, ...current.builder.build() };
      current = { start: line.start, end: line.end, time: kind.kind === 'timed' ? kind.time : undefined, builder: new MessageBuilder() };
    }
    current.builder.add(line);
    current.end = line.end;
  }
  if (current) yield { start: current.start, end: current.end, time: current.time, ...current.builder.build() };
}

/**
 * Entries before `to`, newest first. `retain()`, asked as each entry begins,
 * says whether to build its message: entries a page could not hold anyway
 * come without one (`retained: false`), which keeps memory bounded while the
 * scan goes on to find their time.
 */
async function* entriesBackward(
  log: OpenLog, format: LogFormat, to: number, retain: () => boolean,
): AsyncGenerator<Entry & { retained: boolean }> {
  let lines: Line[] = []; // of the entry being assembled, latest first, while retained
  let retainedBytes = 0;
  let entryEnd: number | undefined;
  let keep = true;
  const finish = (start: number, time: number | undefined): Entry & { retained: boolean } => {
    let built = { message: '', bytes: 0 };
    if (keep) {
      const builder = new MessageBuilder();
      for (let k = lines.length - 1; k >= 0; k--) builder.add(lines[k]!);
      built = builder.build();
    }
    const entry = { start, end: entryEnd!, time, ...built, retained: keep };
    lines = [];
    retainedBytes = 0;
    entryEnd = undefined;
    return entry;
  };
  const iterator = linesBackward(log.handle, to);
  let next = await iterator.next();
  while (!next.done) {
    const line = next.value;
    const before = await iterator.next();
    const kind = format.classify(lineText(line), before.done ? undefined : lineText(before.value));
    if (entryEnd === undefined) {
      entryEnd = line.end;
      keep = retain();
    }
    if (keep) {
      lines.push(line);
      retainedBytes += line.head.length;
      // A long run of continuation lines: the message shows its start, so drop the latest lines.
      while (retainedBytes > MAX_MESSAGE_BYTES * 2 && lines.length > 1) retainedBytes -= lines.shift()!.head.length;
    }
    if (kind.kind !== 'continuation') yield finish(line.start, kind.kind === 'timed' ? kind.time : undefined);
    next = before;
  }
  // Continuation lines at the very start of the file form an entry of their own.
  if (entryEnd !== undefined) yield finish(0, undefined);
}

/** The time of the nearest timed line starting before `before` (scanning backward), if any. */
async function timeBefore(log: OpenLog, format: LogFormat, before: number): Promise<number | undefined> {
  const iterator = linesBackward(log.handle, before);
  let next = await iterator.next();
  while (!next.done) {
    const after = await iterator.next();
    const kind = format.classify(lineText(next.value), after.done ? undefined : lineText(after.value));
    if (kind.kind === 'timed') return kind.time;
    next = after;
  }
  return undefined;
}

/** The first timed line starting at or after `at` (a line start) and ending by `to`. */
async function timedLineFrom(log: OpenLog, format: LogFormat, at: number, to = log.end): Promise<{ start: number; time: number } | undefined> {
  let previous: string | undefined;
  for await (const line of linesForward(log.handle, at, to)) {
    const text = lineText(line);
    const kind = format.classify(text, previous);
    if (kind.kind === 'timed') return { start: line.start, time: kind.time };
    previous = text;
  }
  return undefined;
}

/** The start of the first line beginning at or after `at`. */
async function lineStartFrom(log: OpenLog, at: number): Promise<number> {
  if (at <= 0) return 0;
  const probe = Buffer.allocUnsafe(CHUNK_BYTES);
  for (let pos = at - 1; pos < log.end; ) {
    const { bytesRead } = await log.handle.read(probe, 0, Math.min(CHUNK_BYTES, log.end - pos), pos);
    if (bytesRead === 0) break;
    const nl = probe.subarray(0, bytesRead).indexOf(10);
    if (nl !== -1) return pos + nl + 1;
    pos += bytesRead;
  }
  return log.end;
}

/**
 * Where to start reading for entries at or after `target`: a line start with
 * no timed line at or after `target` before it, by bisection over the timed
 * lines (the file is taken as time ordered; callers allow for CLOCK_SLACK_MS
 * in `target`). Small files give 0.
 */
async function offsetBeforeTime(log: OpenLog, format: LogFormat, target: number): Promise<number> {
  if (log.end < BISECT_MIN_BYTES) return 0;
  let lo = 0; // entries from lo on may be at or after target
  let hi = log.end; // the first timed line at or after hi (if any) is at or after target
  while (hi - lo > CHUNK_BYTES) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const found = await timedLineFrom(log, format, await lineStartFrom(log, mid), hi);
    if (!found || found.time >= target) hi = mid;
    else lo = found.start;
  }
  return lo;
}

/** Where to stop reading for entries at or before `target`: the first timed line after `target` (bisection), else the end. */
async function offsetAfterTime(log: OpenLog, format: LogFormat, target: number): Promise<number> {
  if (log.end < BISECT_MIN_BYTES) return log.end;
  let lo = 0;
  let hi = log.end;
  let answer = log.end;
  while (hi - lo > CHUNK_BYTES) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const found = await timedLineFrom(log, format, await lineStartFrom(log, mid), hi);
    if (!found) {
      hi = mid;
    } else if (found.time > target) {
      answer = found.start;
      hi = mid;
    } else {
      lo = found.start + 1;
    }
  }
  return answer;
}

// ---- pages ----

interface Range {
  start?: number;
  end?: number;
}

const inRange = (time: number, range: Range) =>
  (range.start === undefined || time + TIME_RESOLUTION_MS > range.start) && (range.end === undefined || time <= range.end);

export async function readLogPage(file: string, format: LogFormat, query: LogQuery): Promise<LogPage> {
  const cursor = query.cursor === undefined ? undefined : decodeLogCursor(query.cursor, format.stream);
  const range: Range = query.startTime !== undefined || query.endTime !== undefined || !cursor
    ? { start: query.startTime?.getTime(), end: query.endTime?.getTime() }
    : { start: cursor.startTime, end: cursor.endTime };
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
  log: OpenLog, format: LogFormat, from: number, inherited: number | undefined, range: Range, limit: number, makeCursor: MakeCursor,
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

async function pageBackward(log: OpenLog, format: LogFormat, to: number, range: Range, limit: number, makeCursor: MakeCursor): Promise<LogPage> {
  const page: Array<{ start: number; end: number; time: number; message: string }> = []; // newest first
  let bytes = 0;
  // Entries without a time of their own, newest first, waiting for the timed line before them.
  let pending: Array<Entry & { retained: boolean }> = [];
  let pendingBytes = 0;
  let full = false;
  const retain = () => !full && page.length + pending.length < limit && (page.length + pending.length === 0 || bytes + pendingBytes < MAX_PAGE_BYTES);
  /** Give `entries` (newest first) their time and take those in range into the page. */
  const settle = (entries: Array<Entry & { retained: boolean }>, time: number) => {
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
