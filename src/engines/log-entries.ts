/**
 * Entries of an append-only log file (log-lines.ts) as an engine's format
 * splits them: a line starts an entry with its own time, starts one without a
 * time, or continues the entry before it. Entries are read forward from an
 * entry boundary or backward from one, and a time inside a large file is
 * found by bisection over the timed lines instead of a scan from its start.
 *
 * Positions are byte offsets of entry boundaries; what an untimed entry's
 * time is, and which entries make a page, is the engine's (postgres/server-log.ts,
 * mysql/log-files.ts).
 */
import {
  CHUNK_BYTES, linesBackward, linesForward, lineStartFrom, MAX_MESSAGE_BYTES, MessageBuilder, type LogLine, type OpenLogFile,
} from './log-lines.js';

export type LineKind =
  | { kind: 'timed'; time: number }
  | { kind: 'start' }
  | { kind: 'continuation' };

/** How an engine's log splits into entries. */
export interface LogLineFormat {
  /**
   * What `line` (its first CLASSIFY_BYTES bytes, latin1) is, given the line
   * before it in the file (undefined when that line is not known: the first
   * line of a read).
   */
  classify(line: string, previous: string | undefined): LineKind;
  /** Empty lines at the start of an entry add nothing to its message (MessageBuilder). */
  dropLeadingEmptyLines?: boolean;
  /**
   * Read backward, an entry of more than twice MAX_MESSAGE_BYTES keeps only
   * its first lines; whether the bytes of the lines dropped count in the
   * message's "more bytes not shown".
   */
  countDroppedLines?: boolean;
}

/** How much of a line classify() sees. */
export const CLASSIFY_BYTES = 256;
/** Files smaller than this are scanned from their start rather than bisected. */
export const BISECT_MIN_BYTES = 1024 * 1024;

export const lineText = (line: LogLine) => line.head.subarray(0, CLASSIFY_BYTES).toString('latin1');

export interface LogEntry {
  start: number;
  end: number;
  /** Own time, or undefined when the engine gives it one. */
  time: number | undefined;
  message: string;
  /** Bytes of the message kept (at most MAX_MESSAGE_BYTES). */
  bytes: number;
}

/** Entries of [from, log.end) in file order (an untimed first line starts an entry). */
export async function* entriesForward(log: OpenLogFile, format: LogLineFormat, from: number): AsyncGenerator<LogEntry> {
  let current: { start: number; end: number; time: number | undefined; builder: MessageBuilder } | undefined;
  let previous: string | undefined;
  for await (const line of linesForward(log.handle, from, log.end, log.completeLinesOnly)) {
    const text = lineText(line);
    const kind = format.classify(text, previous);
    previous = text;
    if (!current || kind.kind !== 'continuation') {
      if (current) yield { start: current.start, end: current.end, time: current.time, ...current.builder.build() };
      const time = kind.kind === 'timed' ? kind.time : undefined;
      current = { start: line.start, end: line.end, time, builder: new MessageBuilder(format.dropLeadingEmptyLines) };
    }
    current.builder.add(line);
    current.end = line.end;
  }
  if (current) yield { start: current.start, end: current.end, time: current.time, ...current.builder.build() };
}

/**
 * Entries before `to` (an entry boundary), newest first. `retain()`, asked as
 * each entry begins, says whether to build its message: entries a page could
 * not hold anyway come without one (`retained: false`), which keeps memory
 * bounded while the scan goes on to find their time. Continuation lines at
 * the very start of the file form an (untimed) entry of their own.
 */
export async function* entriesBackward(
  log: OpenLogFile, format: LogLineFormat, to: number, retain: () => boolean = () => true,
): AsyncGenerator<LogEntry & { retained: boolean }> {
  let lines: LogLine[] = []; // of the entry being assembled, latest first, while retained
  let retainedBytes = 0;
  let entryEnd: number | undefined;
  let keep = true;
  const finish = (start: number, time: number | undefined): LogEntry & { retained: boolean } => {
    let built = { message: '', bytes: 0 };
    if (keep) {
      const builder = new MessageBuilder(format.dropLeadingEmptyLines);
      for (let k = lines.length - 1; k >= 0; k--) builder.add(lines[k]!);
      const latest = lines[0];
      if (format.countDroppedLines && latest && latest.end < entryEnd!) builder.omit(entryEnd! - latest.end);
      built = builder.build();
    }
    const entry = { start, end: entryEnd!, time, ...built, retained: keep };
    lines = [];
    retainedBytes = 0;
    entryEnd = undefined;
    return entry;
  };
  const iterator = linesBackward(log.handle, 0, to);
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
  if (entryEnd !== undefined) yield finish(0, undefined);
}

/** The first timed line starting at or after `at` (a line start) and ending by `to`. */
export async function timedLineFrom(
  log: OpenLogFile, format: LogLineFormat, at: number, to = log.end,
): Promise<{ start: number; time: number } | undefined> {
  let previous: string | undefined;
  for await (const line of linesForward(log.handle, at, to, log.completeLinesOnly)) {
    const text = lineText(line);
    const kind = format.classify(text, previous);
    if (kind.kind === 'timed') return { start: line.start, time: kind.time };
    previous = text;
  }
  return undefined;
}

/** The first timed line starting in [lineStartFrom(at), to). */
const timedLineAfter = async (log: OpenLogFile, format: LogLineFormat, at: number, to: number) =>
  timedLineFrom(log, format, await lineStartFrom(log.handle, at, to), to);

/**
 * Where to start reading for entries at or after `target`: an entry boundary
 * with no timed line at or after `target` before it (0 or the start of a timed
 * line older than `target`), by bisection over the timed lines (the file is
 * taken as time ordered; callers allow for clock slack in `target`). Small
 * files give 0.
 */
export async function offsetBeforeTime(log: OpenLogFile, format: LogLineFormat, target: number): Promise<number> {
  if (log.end < BISECT_MIN_BYTES) return 0;
  let lo = 0; // entries from lo on may be at or after target
  let hi = log.end; // the first timed line at or after hi (if any) is at or after target
  while (hi - lo > CHUNK_BYTES) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const found = await timedLineAfter(log, format, mid, hi);
    if (!found || found.time >= target) hi = mid;
    else lo = found.start;
  }
  return lo;
}

/** Where to stop reading for entries at or before `target`: the first timed line after `target` (bisection), else the end. */
export async function offsetAfterTime(log: OpenLogFile, format: LogLineFormat, target: number): Promise<number> {
  if (log.end < BISECT_MIN_BYTES) return log.end;
  let lo = 0;
  let hi = log.end;
  let answer = log.end;
  while (hi - lo > CHUNK_BYTES) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const found = await timedLineAfter(log, format, mid, hi);
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
