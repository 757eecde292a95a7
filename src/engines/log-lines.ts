/**
 * Lines of an append-only log file, read in place with bounded memory: in
 * 64 KiB chunks, forward from a line start or backward from a line boundary,
 * each line keeping at most MAX_MESSAGE_BYTES of its start. The engines' log
 * readers (postgres/server-log.ts, mysql/log-files.ts) split these lines into
 * entries (log-entries.ts).
 */
import fs from 'node:fs/promises';
import type { Stats } from 'node:fs';

export const CHUNK_BYTES = 64 * 1024;
/** Longer messages keep their start and say how many bytes were left out (CloudWatch's event limit is 256 KiB). */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** An open log file and the part of it a read covers. */
export interface OpenLogFile {
  handle: fs.FileHandle;
  /** Where reading stops. */
  end: number;
  /**
   * Whether a last line without a newline before `end` (or before the end of
   * a bisection probe) is left out rather than read as a line.
   */
  completeLinesOnly: boolean;
}

/**
 * Open `file` for reading; undefined when it does not exist. `end` says where
 * reading stops, from the open handle and its stat; what it throws closes the
 * handle.
 */
export async function openLogFile(
  file: string,
  end: (handle: fs.FileHandle, stat: Stats) => Promise<number>,
): Promise<{ handle: fs.FileHandle; stat: Stats; end: number } | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed meanwhile
    throw err;
  }
  try {
    const stat = await handle.stat();
    return { handle, stat, end: await end(handle, stat) };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Just after the last newline of the first `size` bytes (0 when there is none). */
export async function afterLastNewline(handle: fs.FileHandle, size: number): Promise<number> {
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

export interface LogLine {
  start: number;
  /** Just after the line's newline (or the region's end for an unterminated last line). */
  end: number;
  /** The line without its newline, at most MAX_MESSAGE_BYTES of its start. */
  head: Buffer;
  /** Full length without the newline. */
  length: number;
}

/**
 * The lines of [from, to), in file order; `from` must be a line start. A last
 * line without its newline before `to` is read too unless `completeLinesOnly`.
 */
export async function* linesForward(handle: fs.FileHandle, from: number, to: number, completeLinesOnly: boolean): AsyncGenerator<LogLine> {
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
  if (!completeLinesOnly && lineStart < pos) yield { start: lineStart, end: pos, head: Buffer.concat(parts), length };
}

/**
 * The lines of [from, to), last first; `to` must be a line boundary (just
 * after a newline, or the end of an unterminated last line).
 */
export async function* linesBackward(handle: fs.FileHandle, from: number, to: number): AsyncGenerator<LogLine> {
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
    if (bytesRead !== n) throw new Error(`short read of ${n} bytes at ${pos - n}`);
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

/** The start of the first line beginning at or after `at`, looking no further than `to` (`to` when none does before it). */
export async function lineStartFrom(handle: fs.FileHandle, at: number, to: number): Promise<number> {
  if (at <= 0) return 0;
  const probe = Buffer.allocUnsafe(CHUNK_BYTES);
  // The line holding the byte before `at` ends at its newline; the next one starts after it.
  for (let pos = at - 1; pos < to; ) {
    const { bytesRead } = await handle.read(probe, 0, Math.min(CHUNK_BYTES, to - pos), pos);
    if (bytesRead === 0) break;
    const nl = probe.subarray(0, bytesRead).indexOf(10);
    if (nl !== -1) return pos + nl + 1;
    pos += bytesRead;
  }
  return to;
}

/**
 * The message of an entry from its lines: joined by newlines, at most
 * MAX_MESSAGE_BYTES of its start, then how many bytes were left out.
 */
export class MessageBuilder {
  private parts: Buffer[] = [];
  private kept = 0;
  private omitted = 0;
  private lines = 0;

  /**
   * `dropLeadingEmptyLines`: empty lines before the first byte of text add
   * nothing (not even the newline after them).
   */
  constructor(private readonly dropLeadingEmptyLines = false) {}

  add(line: LogLine): void {
    const separated = this.dropLeadingEmptyLines ? this.parts.length > 0 : this.lines > 0;
    this.lines++;
    if (separated) this.take(Buffer.from('\n'), 1);
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

  /** Bytes left out before they reached the builder. */
  omit(bytes: number): void {
    this.omitted += bytes;
  }

  /** The message and how many of its bytes were kept. */
  build(): { message: string; bytes: number } {
    const text = Buffer.concat(this.parts).toString('utf8');
    return { message: this.omitted > 0 ? `${text} [… ${this.omitted} more bytes not shown]` : text, bytes: this.kept };
  }
}
