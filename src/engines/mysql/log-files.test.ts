import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogPage, LogQuery } from '../observability.js';
import { errorLogFormat, generalLogFormat, slowLogFormat } from './log-formats.js';
import { decodeLogCursor, MAX_MESSAGE_BYTES, readLogPage, type LogFormat } from './log-files.js';

interface Expected {
  time: number;
  message: string;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
/** MariaDB's general log stamp: `YYMMDD HH:MM:SS` with a space-padded hour. */
function generalStamp(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getUTCFullYear() % 100)}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())} ${String(d.getUTCHours()).padStart(2, ' ')}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** A general log as MariaDB writes it, and the events it holds. */
class GeneralLog {
  text = '';
  events: Expected[] = [];
  private lastSecond: number | undefined;
  private n = 0;

  constructor(private time: number) {
    const header = '/usr/sbin/mariadbd, Version: 10.11.18-MariaDB-0+deb12u1-log (Debian 12). started with:\n' +
      'Tcp port: 3306  Unix socket: /run/x.sock\nTime\t\t    Id Command\tArgument\n';
    this.text += header;
    this.events.push({ time: -1, message: header.slice(0, -1) }); // time: that of the first entry (fixed below)
  }

  add(count: number, stepMs: () => number): this {
    for (let k = 0; k < count; k++) {
      this.time += stepMs();
      const second = Math.floor(this.time / 1000) * 1000;
      const id = String(10 + (this.n % 7)).padStart(6, ' ');
      const statement = this.n % 7 === 3 ? `select\n  ${this.n},\n  'multi'` : `select ${this.n} /* ${'x'.repeat(this.n % 50)} */`;
      const line = `${second !== this.lastSecond ? generalStamp(second) : '\t'}\t${id} Query\t${statement}`;
      this.lastSecond = second;
      this.text += `${line}\n`;
      this.events.push({ time: second, message: line });
      this.n++;
    }
    const first = this.events[0]!;
    if (first.time === -1 && this.events[1]) first.time = this.events[1].time;
    return this;
  }
}

type Reader = (query: Partial<LogQuery>) => Promise<LogPage>;

function reader(file: string, format: LogFormat): Reader {
  return (query) => readLogPage(file, format, { startFromHead: false, limit: 50, ...query });
}

const plain = (page: LogPage) => page.events.map((e) => ({ time: e.createdAt.getTime(), message: e.message }));

async function allForward(read: Reader, query: Partial<LogQuery> = {}): Promise<{ events: Expected[]; cursor: string | undefined; pages: number }> {
  const events: Expected[] = [];
  let page = await read({ ...query, startFromHead: true });
  let pages = 1;
  while (page.events.length > 0) {
    events.push(...plain(page));
    page = await read({ cursor: page.nextForward!, limit: query.limit ?? 50 });
    pages++;
  }
  return { events, cursor: page.nextForward, pages };
}

async function allBackward(read: Reader, query: Partial<LogQuery> = {}): Promise<Expected[]> {
  const pages: Expected[][] = [];
  let page = await read({ ...query, startFromHead: false });
  for (;;) {
    pages.unshift(plain(page));
    if (!page.nextBackward) break;
    page = await read({ cursor: page.nextBackward, limit: query.limit ?? 50 });
  }
  return pages.flat();
}

/** Does an event stamped at second `time` fall in [start, end] (both ms)? */
const within = (time: number, start?: number, end?: number) => (start === undefined || time + 1000 > start) && (end === undefined || time <= end);

describe('log files: paging, time ranges, cursors', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-mysql-logs-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('returns no events and a forward cursor for a missing or empty file', async () => {
    const missing = reader(path.join(dir, 'missing.log'), generalLogFormat);
    for (const startFromHead of [true, false]) {
      const page = await missing({ startFromHead });
      expect(page.events).toEqual([]);
      expect(page.nextBackward).toBeUndefined();
      expect(page.nextForward).toBeDefined();
    }
    const emptyFile = path.join(dir, 'empty.log');
    await fs.writeFile(emptyFile, '');
    expect((await reader(emptyFile, generalLogFormat)({})).events).toEqual([]);
    // The file appears later: the cursor taken while it was missing reads it from its start.
    const page = await missing({ startFromHead: true });
    await fs.writeFile(path.join(dir, 'missing.log'), new GeneralLog(Date.UTC(2024, 4, 1)).add(3, () => 1500).text);
    expect((await missing({ cursor: page.nextForward! })).events).toHaveLength(4);
  });

  it('pages forward and backward over every entry exactly once, in order, with multi-line and untimed entries', async () => {
    const log = new GeneralLog(Date.UTC(2024, 4, 1, 9, 59, 58)).add(1000, () => [0, 100, 400, 1200][Math.floor(Math.random() * 4)]!);
    const file = path.join(dir, 'general.log');
    await fs.writeFile(file, log.text);
    const read = reader(file, generalLogFormat);
    for (const limit of [1, 7, 50, 10_000]) {
      const forward = await allForward(read, { limit });
      expect(forward.events).toEqual(log.events);
      expect(await allBackward(read, { limit })).toEqual(log.events);
    }
    // The default page is the newest `limit` events, in time order.
    const newest = await read({ limit: 10 });
    expect(plain(newest)).toEqual(log.events.slice(-10));
  });

  it('keeps cursors valid while lines are appended, and leaves a partly written line for later', async () => {
    const log = new GeneralLog(Date.UTC(2024, 4, 1, 23, 59, 50)).add(120, () => 300);
    const file = path.join(dir, 'appended.log');
    await fs.writeFile(file, log.text);
    const read = reader(file, generalLogFormat);
    const { events: before, cursor } = await allForward(read, { limit: 13 });
    expect(before).toEqual(log.events);
    const newest = await read({ limit: 20 }); // backward from the end, before the appends
    const count = log.events.length;
    log.add(77, () => 700);
    const added = log.text.slice((await fs.stat(file)).size);
    // Half a line first: not an event yet.
    const cut = added.indexOf('\n', added.length - 200) + 5;
    await fs.appendFile(file, added.slice(0, cut));
    const partial: Expected[] = [];
    let page = await read({ cursor: cursor!, limit: 11 });
    while (page.events.length > 0) {
      partial.push(...plain(page));
      page = await read({ cursor: page.nextForward!, limit: 11 });
    }
    await fs.appendFile(file, added.slice(cut));
    const rest: Expected[] = [];
    page = await read({ cursor: page.nextForward!, limit: 11 });
    while (page.events.length > 0) {
      rest.push(...plain(page));
      page = await read({ cursor: page.nextForward!, limit: 11 });
    }
    expect([...partial, ...rest]).toEqual(log.events.slice(count));
    expect(partial.length).toBeLessThan(log.events.length - count);
    // A backward cursor taken before the appends still continues towards older events.
    const older = await allBackward((q) => read({ ...q, cursor: q.cursor ?? newest.nextBackward! }), { limit: 17 });
    expect([...older, ...plain(newest)]).toEqual(log.events.slice(0, count));
    // The forward cursor of that first page sees the appended events next.
    expect(plain(await read({ cursor: newest.nextForward!, limit: 5 }))).toEqual(log.events.slice(count, count + 5));
  });

  it('filters by time range in both directions, bisecting large files', async () => {
    const start = Date.UTC(2024, 4, 2, 0, 0, 0);
    const log = new GeneralLog(start).add(40_000, () => [0, 0, 0, 1000, 2000][Math.floor(Math.random() * 5)]!);
    const file = path.join(dir, 'large.log');
    await fs.writeFile(file, log.text);
    expect(log.text.length).toBeGreaterThan(2 * 1024 * 1024);
    const read = reader(file, generalLogFormat);
    const last = log.events.at(-1)!.time;
    const ranges: Array<[number | undefined, number | undefined]> = [
      [start + 20_000, start + 45_500], [last - 3_000, undefined], [undefined, start + 10_000], [start + 5_000_000, undefined],
      [start + 30_000.5 * 1000, start + 30_000.5 * 1000],
    ];
    for (const [from, to] of ranges) {
      const expected = log.events.filter((e) => within(e.time, from, to));
      const query = { ...(from === undefined ? {} : { startTime: new Date(from) }), ...(to === undefined ? {} : { endTime: new Date(to) }), limit: 500 };
      expect((await allForward(read, query)).events).toEqual(expected);
      expect(await allBackward(read, query)).toEqual(expected);
    }
    // A page of a bounded range keeps that range in its cursors.
    const first = await read({ startFromHead: true, startTime: new Date(start + 100_000), endTime: new Date(start + 110_000), limit: 3 });
    const cursor = decodeLogCursor(first.nextForward!, 'general');
    expect(cursor).toMatchObject({ startTime: start + 100_000, endTime: start + 110_000, direction: 'forward' });
  });

  it('refuses cursors of another stream or that were tampered with', async () => {
    const file = path.join(dir, 'general.log');
    const page = await reader(file, generalLogFormat)({ limit: 3 });
    await expect(reader(file, errorLogFormat)({ cursor: page.nextForward! })).rejects.toThrow(/page token is not valid/);
    await expect(reader(file, generalLogFormat)({ cursor: 'nonsense' })).rejects.toThrow(/page token is not valid/);
  });

  it('reads a file that was replaced as a new one', async () => {
    const file = path.join(dir, 'replaced.log');
    await fs.writeFile(file, new GeneralLog(Date.UTC(2024, 4, 3)).add(30, () => 1000).text);
    const read = reader(file, generalLogFormat);
    const { cursor } = await allForward(read);
    const newer = new GeneralLog(Date.UTC(2024, 4, 4)).add(5, () => 1000);
    await fs.rm(file);
    await fs.writeFile(file, newer.text);
    expect(plain(await read({ cursor: cursor! }))).toEqual(newer.events);
  });

  it('cuts a huge entry and says how much it left out', async () => {
    const file = path.join(dir, 'huge.log');
    const big = `240501 10:00:00\t    12 Query\tINSERT ${'v'.repeat(MAX_MESSAGE_BYTES + 5000)}`;
    await fs.writeFile(file, `${big}\n\t\t    12 Query\tselect 1\n`);
    const read = reader(file, generalLogFormat);
    for (const startFromHead of [true, false]) {
      const { events } = await read({ startFromHead });
      expect(events).toHaveLength(2);
      const message = events[0]!.message;
      expect(message.slice(0, 40)).toBe(big.slice(0, 40));
      expect(message.slice(-60)).toMatch(new RegExp(`v \\[… ${big.length - MAX_MESSAGE_BYTES} more bytes not shown\\]$`));
      expect(message.length).toBeLessThan(MAX_MESSAGE_BYTES + 100);
      expect(events[1]!.message).toBe('\t\t    12 Query\tselect 1');
    }
  });

  it('splits the error log at its time stamps and the slow log at # Time: / # User@Host:', async () => {
    const errorFile = path.join(dir, 'error.log');
    await fs.writeFile(errorFile, [
      '2026-11-27  9:02:09 0 [Note] Starting MariaDB 10.11.18-MariaDB-0+deb12u1-log as process 8523',
      '2026-11-27  9:02:09 0 [Note] /usr/sbin/mariadbd: ready for connections.',
      "Version: '10.11.18-MariaDB-0+deb12u1-log'  socket: '/x/mariadbd.sock'  port: 33991  Debian 12",
      '2026-11-27 10:12:13 5 [Warning] Access denied for user \'x\'@\'127.0.0.1\'', '',
    ].join('\n'));
    const errors = plain(await reader(errorFile, errorLogFormat)({ startFromHead: true }));
    expect(errors.map((e) => [new Date(e.time).toISOString(), e.message.split('\n').length])).toEqual([
      ['2026-11-27T09:02:09.000Z', 1], ['2026-11-27T09:02:09.000Z', 2], ['2026-11-27T10:12:13.000Z', 1],
    ]);

    const slowFile = path.join(dir, 'slow.log');
    const entry = (n: number) => [
      '# User@Host: app[app] @  [127.0.0.1]', `# Thread_id: ${n}  Schema: appdb  QC_hit: No`,
      '# Query_time: 2.000141  Lock_time: 0.000000  Rows_sent: 1  Rows_examined: 0', '# Rows_affected: 0  Bytes_sent: 129',
      'SET timestamp=1795770238;', `select sleep(2), ${n};`,
    ];
    await fs.writeFile(slowFile, [
      '/usr/sbin/mariadbd, Version: 10.11.18-MariaDB-0+deb12u1-log (Debian 12). started with:',
      'Tcp port: 33991  Unix socket: /x/mariadbd.sock', 'Time                 Id Command    Argument',
      '# Time: 261127  9:03:58', ...entry(1), ...entry(2), '# Time: 261127 11:03:59', ...entry(3), '',
    ].join('\n'));
    for (const startFromHead of [true, false]) {
      const slow = plain(await reader(slowFile, slowLogFormat)({ startFromHead }));
      expect(slow.map((e) => [new Date(e.time).toISOString(), e.message.split('\n')[0]])).toEqual([
        ['2026-11-27T09:03:58.000Z', '/usr/sbin/mariadbd, Version: 10.11.18-MariaDB-0+deb12u1-log (Debian 12). started with:'],
        ['2026-11-27T09:03:58.000Z', '# Time: 261127  9:03:58'],
        ['2026-11-27T09:03:58.000Z', '# User@Host: app[app] @  [127.0.0.1]'],
        ['2026-11-27T11:03:59.000Z', '# Time: 261127 11:03:59'],
      ]);
      expect(slow[1]!.message.split('\n')).toEqual(['# Time: 261127  9:03:58', ...entry(1)]);
      expect(slow[3]!.message.split('\n')).toEqual(['# Time: 261127 11:03:59', ...entry(3)]);
    }
  });
});
