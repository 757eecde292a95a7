/**
 * The server log reader on files written here, in the collector's layout:
 * paging both ways, cursors across appends, time ranges, bisection in large
 * files, multi-line and oversized entries.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEventRecord, LogPage, LogQuery } from '../observability.js';
import { decodeLogCursor, encodeLogCursor, entryTime, MAX_MESSAGE_BYTES, readServerLog } from './server-log.js';

let root = '';
let counter = 0;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), `berth-test-${process.env.BERTH_TEST_RUN ?? 'adhoc'}-pglog-`));
});

afterAll(async () => {
  if (root) await fs.rm(root, { recursive: true, force: true });
});

async function logDir(): Promise<string> {
  const dir = path.join(root, `log-${++counter}`);
  await fs.mkdir(dir);
  return dir;
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

/** One entry line (plus continuation lines, tab-indented as PostgreSQL writes them). */
function entry(ms: number, text: string, continuation: string[] = []): string {
  return `${stamp(ms)} [${1000 + (ms % 7)}] LOG:  ${text}\n${continuation.map((c) => `\t${c}\n`).join('')}`;
}

const DAY1 = Date.UTC(2024, 4, 1);
const DAY2 = Date.UTC(2024, 4, 2);
const file = (day: number) => `postgresql-${new Date(day).toISOString().slice(0, 10)}.log`;

async function readAll(dir: string, query: Omit<LogQuery, 'limit' | 'cursor'>, limit: number, direction: 'forward' | 'backward'): Promise<string[][]> {
  const pages: string[][] = [];
  let page: LogPage = await readServerLog(dir, { ...query, limit });
  for (let guard = 0; guard < 10_000; guard++) {
    if (page.events.length === 0) break;
    pages.push(page.events.map((e) => e.message));
    const next = direction === 'forward' ? page.nextForward : page.nextBackward;
    if (!next) break;
    page = await readServerLog(dir, { ...query, cursor: next, limit });
  }
  return pages;
}

describe('entryTime', () => {
  it('reads %m with milliseconds and zone, and rejects continuation lines', () => {
    expect(entryTime('2024-05-01 12:34:56.789 UTC [42] LOG:  x')).toBe(Date.UTC(2024, 4, 1, 12, 34, 56, 789));
    expect(entryTime('2024-05-01 12:34:56.789 +02 [42] LOG:  x')).toBe(Date.UTC(2024, 4, 1, 10, 34, 56, 789));
    expect(entryTime('2024-05-01 12:34:56 GMT [42] LOG:  x')).toBe(Date.UTC(2024, 4, 1, 12, 34, 56));
    expect(entryTime('\tSELECT 1')).toBeUndefined();
    expect(entryTime('2024-05-01 12:34:56.789 UTC LOG:  no pid')).toBeUndefined();
  });
});

describe('cursors', () => {
  it('round-trip and refuse anything else, including paths outside the log directory', () => {
    const cursor = { direction: 'backward' as const, file: 'postgresql-2024-05-01.log', offset: 12, startTime: 5 };
    expect(decodeLogCursor(encodeLogCursor(cursor))).toEqual(cursor);
    expect(() => decodeLogCursor('nonsense')).toThrow(/page token/);
    const evil = `pglog1.${Buffer.from(JSON.stringify({ d: 'f', f: '../../etc/passwd', o: 0 })).toString('base64url')}`;
    expect(() => decodeLogCursor(evil)).toThrow(/page token/);
  });
});

describe('readServerLog', () => {
  let dir = '';
  const all: string[] = [];

  beforeAll(async () => {
    dir = await logDir();
    let day1 = '';
    for (let i = 0; i < 23; i++) {
      const text = i % 5 === 0 ? entry(DAY1 + 3600_000 + i * 1000, `multi ${i}`, ['SELECT 1,', `  ${i}`]) : entry(DAY1 + 3600_000 + i * 1000, `line ${i}`);
      day1 += text;
      all.push(text.replace(/\n$/, ''));
    }
    let day2 = '';
    for (let i = 0; i < 17; i++) {
      const text = entry(DAY2 + 60_000 + i * 1000, `day2 ${i}`);
      day2 += text;
      all.push(text.replace(/\n$/, ''));
    }
    await fs.writeFile(path.join(dir, file(DAY1)), day1);
    await fs.writeFile(path.join(dir, file(DAY2)), day2);
    await fs.writeFile(path.join(dir, 'not-a-log.txt'), 'ignored\n');
  });

  it('pages forward from the head: every entry once, in order, continuation lines included', async () => {
    const pages = await readAll(dir, { startFromHead: true }, 4, 'forward');
    expect(pages.flat()).toEqual(all);
    expect(pages.every((p) => p.length <= 4)).toBe(true);
    expect(pages.flat().filter((m) => m.includes('\n\tSELECT 1,\n\t  '))).toHaveLength(5);
  });

  it('pages backward from the tail: the newest first, each page in time order', async () => {
    const pages = await readAll(dir, { startFromHead: false }, 6, 'backward');
    expect(pages[0]).toEqual(all.slice(-6));
    expect(pages.reverse().flat()).toEqual(all);
  });

  it('gives createdAt from the prefix', async () => {
    const page = await readServerLog(dir, { startFromHead: true, limit: 1 });
    expect(page.events[0]?.createdAt.toISOString()).toBe(new Date(DAY1 + 3600_000).toISOString());
    expect(page.nextBackward).toBeUndefined(); // nothing before the head of the range
  });

  it('filters by time range, across files, both ways', async () => {
    const startTime = new Date(DAY1 + 3600_000 + 20_000);
    const endTime = new Date(DAY2 + 60_000 + 3000);
    const expected = all.filter((m) => {
      const t = entryTime(m)!;
      return t >= startTime.getTime() && t <= endTime.getTime();
    });
    expect(expected).toHaveLength(3 + 4);
    expect((await readAll(dir, { startFromHead: true, startTime, endTime }, 2, 'forward')).flat()).toEqual(expected);
    expect((await readAll(dir, { startFromHead: false, startTime, endTime }, 2, 'backward')).reverse().flat()).toEqual(expected);
    // A cursor keeps its range when the next request has none.
    const first = await readServerLog(dir, { startFromHead: true, startTime, endTime, limit: 5 });
    const rest = await readServerLog(dir, { startFromHead: false, cursor: first.nextForward, limit: 100 });
    expect([...first.events, ...rest.events].map((e) => e.message)).toEqual(expected);
  });

  it('returns nothing (and no backward token) for an empty directory or a missing one', async () => {
    expect(await readServerLog(await logDir(), { startFromHead: false, limit: 10 })).toEqual({ events: [] });
    expect(await readServerLog(path.join(root, 'missing'), { startFromHead: true, limit: 10 })).toEqual({ events: [] });
  });
});

describe('readServerLog while the log grows', () => {
  it('keeps forward and backward cursors valid when lines are appended, and leaves a half-written line for later', async () => {
    const dir = await logDir();
    const name = path.join(dir, file(DAY1));
    const lines = Array.from({ length: 10 }, (_, i) => entry(DAY1 + i * 1000, `first ${i}`));
    await fs.writeFile(name, lines.join(''));

    const forward1 = await readServerLog(dir, { startFromHead: true, limit: 4 });
    const backward1 = await readServerLog(dir, { startFromHead: false, limit: 4 });
    expect(backward1.events.map((e) => e.message)).toEqual(lines.slice(6).map((l) => l.trim()));

    const more = Array.from({ length: 5 }, (_, i) => entry(DAY1 + 20_000 + i * 1000, `later ${i}`));
    await fs.appendFile(name, more.join('') + more[0]!.slice(0, 20)); // a line still being written

    const forward2 = await readServerLog(dir, { startFromHead: false, cursor: forward1.nextForward, limit: 100 });
    expect([...forward1.events, ...forward2.events].map((e) => e.message)).toEqual([...lines, ...more].map((l) => l.trim()));
    const backward2 = await readServerLog(dir, { startFromHead: false, cursor: backward1.nextBackward, limit: 100 });
    expect([...backward2.events, ...backward1.events].map((e) => e.message)).toEqual(lines.map((l) => l.trim()));
    expect(backward2.nextBackward).toBeUndefined();

    // The half-written line appears once it is complete, right after the tail.
    await fs.appendFile(name, more[0]!.slice(20));
    const forward3 = await readServerLog(dir, { startFromHead: true, cursor: forward2.nextForward, limit: 100 });
    expect(forward3.events.map((e) => e.message)).toEqual([more[0]!.trim()]);
    // At the end, the forward token stays where new lines will appear.
    const forward4 = await readServerLog(dir, { startFromHead: true, cursor: forward3.nextForward, limit: 100 });
    expect(forward4.events).toEqual([]);
    expect(forward4.nextForward).toBe(forward3.nextForward);
  });
});

describe('readServerLog on large and unusual files', () => {
  it('finds a time range inside a large file by bisection and agrees with a full scan', async () => {
    const dir = await logDir();
    const entries: string[] = [];
    const padding = 'x'.repeat(150);
    for (let i = 0; i < 20_000; i++) {
      entries.push(i % 1000 === 0 ? entry(DAY1 + i * 100, `big ${i} ${padding}`, ['continued']) : entry(DAY1 + i * 100, `big ${i} ${padding}`));
    }
    await fs.writeFile(path.join(dir, file(DAY1)), entries.join(''));
    expect((await fs.stat(path.join(dir, file(DAY1)))).size).toBeGreaterThan(3 * 1024 * 1024);
    const startTime = new Date(DAY1 + 12_345 * 100);
    const endTime = new Date(DAY1 + 12_400 * 100);
    const expected = entries.slice(12_345, 12_401).map((e) => e.replace(/\n$/, ''));
    expect((await readAll(dir, { startFromHead: true, startTime, endTime }, 7, 'forward')).flat()).toEqual(expected);
    expect((await readAll(dir, { startFromHead: false, startTime, endTime }, 7, 'backward')).reverse().flat()).toEqual(expected);
    const tail = await readServerLog(dir, { startFromHead: false, limit: 3 });
    expect(tail.events.map((e) => e.message)).toEqual(entries.slice(-3).map((e) => e.trim()));
  });

  it('cuts an oversized entry to its start and says how much is left out, both ways', async () => {
    const dir = await logDir();
    const huge = 'y'.repeat(MAX_MESSAGE_BYTES * 3);
    const before = entry(DAY1, 'before');
    const big = entry(DAY1 + 1000, 'statement follows', [huge, 'end']);
    const after = entry(DAY1 + 2000, 'after');
    await fs.writeFile(path.join(dir, file(DAY1)), before + big + after);
    const check = (events: LogEventRecord[]) => {
      expect(events.map((e) => e.message.split('\n')[0])).toEqual([before, big, after].map((e) => e.split('\n')[0]));
      expect(events[1]!.message.startsWith(`${big.split('\n')[0]}\n\tyyyy`)).toBe(true);
      const message = events[1]!.message;
      expect(Buffer.byteLength(message)).toBeLessThan(MAX_MESSAGE_BYTES + 100);
      expect(message).toMatch(/\[… \d+ more bytes not shown\]$/);
    };
    check((await readServerLog(dir, { startFromHead: true, limit: 10 })).events);
    check((await readServerLog(dir, { startFromHead: false, limit: 10 })).events);
  });

  it('keeps lines without a prefix at the start of a file as an event of their own', async () => {
    const dir = await logDir();
    await fs.writeFile(path.join(dir, file(DAY1)), `stray output\nmore\n${entry(DAY1 + 5000, 'first')}`);
    for (const startFromHead of [true, false]) {
      const page = await readServerLog(dir, { startFromHead, limit: 10 });
      expect(page.events.map((e) => [e.message, e.createdAt.getTime()])).toEqual([
        ['stray output\nmore', DAY1 + 5000],
        [entry(DAY1 + 5000, 'first').trim(), DAY1 + 5000],
      ]);
    }
  });

  it('refuses a page token it did not make', async () => {
    await expect(readServerLog(await logDir(), { startFromHead: false, cursor: 'abc', limit: 10 })).rejects.toThrow(/page token/);
  });
});
