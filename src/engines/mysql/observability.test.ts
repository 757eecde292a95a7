/**
 * MysqlDriver as EngineObservability against real MariaDB servers (loopback
 * only): figures, the three logs, parameters.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { destroyForSure, driverFixture } from '../conformance/instances.js';
import type { ConformanceTls } from '../conformance/tls.js';
import { describeWhenAvailable } from '../conformance/prerequisites.js';
import type { InstanceSpec } from '../driver.js';
import type { LogEventRecord, LogPage, LogQuery } from '../observability.js';
import { globalVariables } from './admin-connection.js';
import { parseMyCnf } from './config-files.js';
import { masterConnectionOptions } from './master-connection.js';
import { MysqlDriver } from './mysql-driver.js';

const blueprint = new MysqlDriver({ rootDir: '/nonexistent' }).blueprints()[0];
const password = 'observe-Pass-1';

describeWhenAvailable('MysqlDriver observability (MariaDB)', blueprint ? undefined : 'no MariaDB server (mariadbd) on this machine', () => {
  const instances = driverFixture({
    label: 'mysql-obs',
    driver: (rootDir) => new MysqlDriver({ rootDir }),
    blueprintId: () => blueprint!.blueprintId,
    password,
    idPrefix: 'obs',
  }, () => ({}));
  let rootDir = '';
  let driver: MysqlDriver;
  let tls: ConformanceTls;
  let spec: InstanceSpec;
  const open: mysql.Connection[] = [];

  beforeAll(async () => {
    ({ rootDir, driver, tls } = instances);
    spec = await instances.running({ ramSizeInGb: 1, cpuCount: 2 });
  });

  // Before the fixture's own afterAll (hooks run as a stack), which then removes the CA and the root.
  afterAll(async () => {
    for (const c of open.splice(0)) c.destroy();
    if (spec) {
      await destroyForSure(driver, spec);
      expect((await driver.status(spec)).running).toBe(false);
    }
  });

  async function connect(): Promise<mysql.Connection> {
    const c = await mysql.createConnection(masterConnectionOptions(spec, { host: 'localhost', caPem: tls.ca, password }));
    c.on('error', () => undefined);
    open.push(c);
    return c;
  }

  async function close(c: mysql.Connection): Promise<void> {
    open.splice(open.indexOf(c), 1);
    await c.end().catch(() => c.destroy());
  }

  const read = (stream: string, query: Partial<LogQuery> = {}): Promise<LogPage> =>
    driver.readLog(spec, stream, { startFromHead: false, limit: 100, ...query });

  /** Every event of the stream, oldest first, by forward pages; and the cursor after the last. */
  async function forwardAll(stream: string, query: Partial<LogQuery> = {}): Promise<{ events: LogEventRecord[]; next: string }> {
    const events: LogEventRecord[] = [];
    let page = await read(stream, { ...query, startFromHead: true });
    while (page.events.length > 0) {
      events.push(...page.events);
      page = await read(stream, { cursor: page.nextForward!, limit: query.limit ?? 100 });
    }
    return { events, next: page.nextForward! };
  }

  /** Every event from `first` towards older ones by backward pages, oldest first. */
  async function backwardAll(stream: string, first: LogPage, limit: number): Promise<LogEventRecord[]> {
    const pages: LogEventRecord[][] = [first.events];
    let page = first;
    while (page.nextBackward) {
      page = await read(stream, { cursor: page.nextBackward, limit });
      pages.unshift(page.events);
    }
    return pages.flat();
  }

  const file = (name: 'generalLog' | 'errorLog') => fs.readFile(driver.paths(spec)[name], 'utf8');
  const completeLines = (text: string) => text.slice(0, text.lastIndexOf('\n') + 1);
  const joined = (events: LogEventRecord[]) => events.map((e) => `${e.message}\n`).join('');

  it('lists its log streams', () => {
    expect(driver.logStreams()).toEqual(['error', 'general', 'slowquery']);
  });

  it('counts client connections without berth\'s own sessions', async () => {
    const before = (await driver.stats(spec)).connections;
    expect(before).toBe(0); // berth's admin session that asks is not counted
    const sessions = await Promise.all([1, 2, 3, 4, 5].map(() => connect()));
    expect((await driver.stats(spec)).connections).toBe(before + 5);
    await Promise.all(sessions.map(close));
    await expect.poll(async () => (await driver.stats(spec)).connections, { timeout: 10_000 }).toBe(before);
  });

  it('reports the server\'s cumulative byte counters, which grow by a 1 MB result', async () => {
    const c = await connect();
    const before = await driver.stats(spec);
    const [rows] = await c.query<mysql.RowDataPacket[]>("SELECT REPEAT('x', 1048576) AS big");
    expect(String(rows[0]!.big).length).toBe(1048576);
    const after = await driver.stats(spec);
    await close(c);
    expect(after.bytesSent! - before.bytesSent!).toBeGreaterThan(1048576);
    expect(after.bytesSent! - before.bytesSent!).toBeLessThan(1048576 + 64 * 1024);
    expect(after.bytesReceived! - before.bytesReceived!).toBeGreaterThan(30);
    // berth's own admin traffic is in the server's counters: what one stats() call adds.
    const a = await driver.stats(spec);
    const b = await driver.stats(spec);
    const overhead = b.bytesSent! + b.bytesReceived! - a.bytesSent! - a.bytesReceived!;
    expect(overhead).toBeGreaterThan(0);
    expect(overhead).toBeLessThan(2048);
  });

  it('shows the server start in the error log, stamped in UTC', async () => {
    const vars = await driver.withAdmin(spec, (c) => globalVariables(c, ['system_time_zone', 'log_error']));
    expect(vars.get('system_time_zone')).toBe('UTC');
    const { events } = await forwardAll('error');
    const messages = events.map((e) => e.message);
    expect(messages.some((m) => /\[Note\] Starting MariaDB/.test(m))).toBe(true);
    const ready = events.find((e) => /ready for connections/.test(e.message));
    expect(ready?.message).toMatch(/\nVersion: '.*' {2}socket: /); // its untimed continuation line belongs to it
    expect(Math.abs(ready!.createdAt.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    // The newest page (default direction) ends with the same events.
    const newest = await read('error', { limit: 3 });
    expect(newest.events).toEqual(events.slice(-3));
    expect(joined(events)).toBe(completeLines(await file('errorLog')));
  });

  it('describes parameters from the running server', async () => {
    const params = new Map((await driver.parameters(spec)).map((p) => [p.name, p]));
    expect(params.size).toBeGreaterThan(400);
    expect(params.get('wait_timeout')).toMatchObject({
      value: '28800', allowedValues: '1-31536000', applyType: 'dynamic', dataType: 'integer', isModifiable: true,
    });
    // innodb_buffer_pool_size can be resized at run time in 10.11: dynamic; innodb_log_buffer_size is the static one.
    expect(params.get('innodb_buffer_pool_size')).toMatchObject({ applyType: 'dynamic', isModifiable: true, value: String(256 * 2 ** 20) });
    expect(params.get('innodb_log_buffer_size')).toMatchObject({ applyType: 'static', isModifiable: true, value: String(4 * 2 ** 20) });
    expect(params.get('port')).toMatchObject({ applyType: 'static', isModifiable: false, value: String(spec.port) });
    expect(params.get('general_log')).toMatchObject({ value: '0', allowedValues: '0,1', dataType: 'boolean', applyType: 'dynamic', isModifiable: true });
    expect(params.get('log_output')).toMatchObject({ value: 'FILE', dataType: 'list', isModifiable: false });
    expect(params.get('slow_query_log')).toMatchObject({ isModifiable: true });
    expect(params.get('long_query_time')).toMatchObject({ dataType: 'float', isModifiable: true });
    expect(params.get('require_secure_transport')).toMatchObject({ isModifiable: false });
    expect(params.get('version')).toMatchObject({ isModifiable: false, applyType: 'static' });
    expect(params.get('time_zone')).toMatchObject({ isModifiable: true, dataType: 'string' });
    expect(params.get('sql_mode')?.allowedValues).toContain('ANSI_QUOTES');
    expect(params.get('wait_timeout')?.description).toMatch(/seconds/);
  });

  it('logs a failing statement to the general log once general_log is switched on immediately', async () => {
    await driver.applyParameters(spec, [{ name: 'general_log', value: '1', applyMethod: 'immediate' }]);
    expect((await driver.parameters(spec)).find((p) => p.name === 'general_log')?.value).toBe('1');
    const from = new Date(Date.now() - 1000);
    const c = await connect();
    await expect(c.query('SELECT no_such_column FROM no_such_table_obs')).rejects.toThrow(/doesn't exist/);
    await close(c);
    const to = new Date(Date.now() + 1000);
    const { events } = await forwardAll('general', { startTime: from, endTime: to });
    const failing = events.filter((e) => e.message.includes('SELECT no_such_column FROM no_such_table_obs'));
    expect(failing).toHaveLength(1);
    expect(failing[0]!.message).toMatch(/^(\d{6} [ \d]\d:\d{2}:\d{2}|\t)\t +\d+ Query\tSELECT no_such_column/);
    expect(failing[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(Math.floor(from.getTime() / 1000) * 1000);
    expect(failing[0]!.createdAt.getTime()).toBeLessThanOrEqual(to.getTime());
    // Newest first by default: the same statement is among the newest events of the range.
    const newest = await read('general', { startTime: from, endTime: to });
    expect(newest.events.some((e) => e.message.includes('no_such_table_obs'))).toBe(true);
    // A range before it holds none of it.
    const before = await forwardAll('general', { endTime: new Date(from.getTime() - 120_000) });
    expect(before.events.filter((e) => e.message.includes('no_such_table_obs'))).toEqual([]);
  });

  it('pages the general log forward and backward over every line exactly once, and its cursors survive appends', async () => {
    const c = await connect();
    for (let i = 0; i < 60; i++) await c.query(i % 9 === 0 ? `SELECT\n  ${i} AS n,\n  'multi-line'` : `SELECT ${i} AS n`);
    const text = completeLines(await file('generalLog'));
    const all = await forwardAll('general', { limit: 7 });
    expect(joined(all.events)).toBe(text);
    const newest = await read('general', { limit: 7 });
    const backward = await backwardAll('general', newest, 7);
    expect(joined(backward)).toBe(text);
    // Times never go backwards by more than the log's one-second resolution, and lines without one take the last.
    for (let i = 1; i < all.events.length; i++) {
      expect(all.events[i]!.createdAt.getTime()).toBeGreaterThanOrEqual(all.events[i - 1]!.createdAt.getTime() - 1000);
    }
    // Appends: the forward cursor continues with exactly the new lines; the old backward cursor still works.
    for (let i = 0; i < 25; i++) await c.query(`SELECT 'appended ${i}'`);
    // (The session stays open: its Quit line would race with the reads below.)
    const grown = completeLines(await file('generalLog'));
    const rest: LogEventRecord[] = [];
    let page = await read('general', { cursor: all.next, limit: 5 });
    while (page.events.length > 0) {
      rest.push(...page.events);
      page = await read('general', { cursor: page.nextForward!, limit: 5 });
    }
    expect(joined(rest)).toBe(grown.slice(text.length));
    expect(joined(await backwardAll('general', await read('general', { cursor: newest.nextBackward!, limit: 7 }), 7)))
      .toBe(text.slice(0, text.length - joined(newest.events).length));
    // The newest page now ends with the appended statements.
    expect((await read('general', { limit: 1 })).events[0]!.message).toMatch(/Query\tSELECT 'appended 24'$/);
    await close(c);
  });

  it('applies an immediate dynamic parameter at once, visible in a new session', async () => {
    await driver.applyParameters(spec, [{ name: 'wait_timeout', value: '600', applyMethod: 'immediate' }]);
    const c = await connect();
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT @@SESSION.wait_timeout AS s, @@GLOBAL.wait_timeout AS g');
    await close(c);
    expect(rows[0]).toMatchObject({ s: 600, g: 600 });
    expect(await driver.pendingRebootParameters(spec)).toEqual([]);
  });

  it('refuses invalid names, values, immediate static changes and berth\'s settings, changing nothing', async () => {
    const p = driver.paths(spec);
    const snapshot = async () => ({
      parameters: await fs.readFile(p.parametersCnf, 'utf8'),
      myCnf: await fs.readFile(p.myCnf, 'utf8'),
      variables: Object.fromEntries(await driver.withAdmin(spec, (c) => globalVariables(c, [
        'wait_timeout', 'interactive_timeout', 'innodb_log_buffer_size', 'port', 'event_scheduler', 'log_output', 'general_log', 'sql_mode',
      ]))),
    });
    const before = await snapshot();
    expect(before.parameters).toMatch(/^wait_timeout = 600$/m);
    const refused: Array<[Parameters<MysqlDriver['applyParameters']>[1], RegExp]> = [
      [[{ name: 'no_such_parameter', value: '1', applyMethod: 'immediate' }], /unknown parameter "no_such_parameter"/],
      [[{ name: 'wait_timeout', value: '0', applyMethod: 'immediate' }], /wait_timeout takes a whole number in 1-31536000, not "0"/],
      [[{ name: 'wait_timeout', value: 'soon', applyMethod: 'pending-reboot' }], /wait_timeout takes a whole number/],
      [[{ name: 'sql_mode', value: 'ANSI_QUOTES,NO_SUCH_MODE', applyMethod: 'immediate' }], /sql_mode takes a comma-separated list of .*ANSI_QUOTES/],
      [[{ name: 'innodb_log_buffer_size', value: String(8 * 2 ** 20), applyMethod: 'immediate' }], /innodb_log_buffer_size is static: .*pending-reboot/],
      [[{ name: 'innodb_log_buffer_size', value: String(8 * 2 ** 20 + 1), applyMethod: 'pending-reboot' }], /multiple of 4096/],
      [[{ name: 'port', value: '3306', applyMethod: 'pending-reboot' }], /port is not modifiable: berth controls it/],
      [[{ name: 'log_output', value: 'TABLE', applyMethod: 'immediate' }], /log_output is not modifiable: berth controls it \(the log files berth reads\)/],
      [[{ name: 'require_secure_transport', value: '0', applyMethod: 'immediate' }], /berth controls it \(TLS\)/],
      [[{ name: 'time_zone', value: 'Nowhere/Special', applyMethod: 'pending-reboot' }], /MariaDB refuses time_zone = "Nowhere\/Special": Unknown or incorrect time zone/],
      [[{ name: 'collation_server', value: 'latin1_swedish_ci', applyMethod: 'pending-reboot' }], /COLLATION 'latin1_swedish_ci' is not valid for CHARACTER SET 'utf8mb4'/],
      // One good change and one refused: neither happens.
      [[{ name: 'interactive_timeout', value: '900', applyMethod: 'immediate' }, { name: 'bind_address', value: '*', applyMethod: 'pending-reboot' }], /bind_address is not modifiable/],
      // Refused by SET GLOBAL after interactive_timeout was set: that one is set back.
      [[{ name: 'interactive_timeout', value: '900', applyMethod: 'immediate' }, { name: 'event_scheduler', value: 'DISABLED', applyMethod: 'immediate' }], /MariaDB refuses event_scheduler = "DISABLED"/],
    ];
    for (const [changes, message] of refused) {
      await expect(driver.applyParameters(spec, changes), JSON.stringify(changes)).rejects.toThrow(message);
      expect(await snapshot(), JSON.stringify(changes)).toEqual(before);
    }
    expect(await driver.pendingRebootParameters(spec)).toEqual([]);
  });

  it('takes a static parameter at the next start only, listing it as pending until then', async () => {
    const p = driver.paths(spec);
    await driver.applyParameters(spec, [
      { name: 'innodb_log_buffer_size', value: String(8 * 2 ** 20), applyMethod: 'pending-reboot' },
      // A dynamic one sent as pending-reboot waits too.
      { name: 'max_connections', value: '120', applyMethod: 'pending-reboot' },
    ]);
    expect(await driver.pendingRebootParameters(spec)).toEqual(['innodb_log_buffer_size', 'max_connections']);
    const running = () => driver.withAdmin(spec, (c) => globalVariables(c, ['innodb_log_buffer_size', 'max_connections', 'wait_timeout', 'general_log']));
    expect(Object.fromEntries(await running())).toEqual({
      innodb_log_buffer_size: String(4 * 2 ** 20), max_connections: '85', wait_timeout: '600', general_log: 'ON',
    });
    // berth's own default for both leaves my.cnf (the parameters file has them), so provision does not undo them.
    const cnf = parseMyCnf(await fs.readFile(p.myCnf, 'utf8'));
    expect(cnf.has('innodb_log_buffer_size')).toBe(false);
    expect(cnf.has('max_connections')).toBe(false);
    expect(cnf.get('port')).toBe(String(spec.port));
    await driver.provision(spec, await tls.makeServerTls());
    expect((await running()).get('max_connections')).toBe('85');
    expect(await driver.pendingRestart(spec)).toEqual([]);

    await driver.stop(spec);
    await driver.start(spec);
    expect(Object.fromEntries(await running())).toEqual({
      innodb_log_buffer_size: String(8 * 2 ** 20), max_connections: '120', wait_timeout: '600', general_log: 'ON',
    });
    expect(await driver.pendingRebootParameters(spec)).toEqual([]);
    expect(await driver.pendingRestart(spec)).toEqual([]);
    const params = new Map((await driver.parameters(spec)).map((x) => [x.name, x.value]));
    expect(params.get('innodb_log_buffer_size')).toBe(String(8 * 2 ** 20));
    // The restarted server logs to the same files: a new start in the error log, general log still on.
    const { events } = await forwardAll('error');
    expect(events.filter((e) => /\[Note\] Starting MariaDB/.test(e.message))).toHaveLength(2);
  });

  it('takes parameters while stopped, so that one that keeps the server from starting can be undone', async () => {
    await driver.stop(spec);
    // Checked against the variables the server had when it last ran, and by mariadbd's option parser.
    await expect(driver.applyParameters(spec, [{ name: 'port', value: '3306', applyMethod: 'pending-reboot' }])).rejects.toThrow(/berth controls it/);
    await expect(driver.applyParameters(spec, [{ name: 'wait_timeout', value: '0', applyMethod: 'pending-reboot' }])).rejects.toThrow(/whole number/);
    await expect(driver.applyParameters(spec, [{ name: 'collation_server', value: 'latin1_bin', applyMethod: 'pending-reboot' }]))
      .rejects.toThrow(/not valid for CHARACTER SET 'utf8mb4'/);
    // Without the server, a time zone name is not checked: this one keeps it from starting...
    await driver.applyParameters(spec, [{ name: 'time_zone', value: 'Nowhere/Zone', applyMethod: 'pending-reboot' }]);
    await expect(driver.start(spec)).rejects.toThrow(/time zone/i);
    expect((await driver.status(spec)).running).toBe(false);
    // ...and another value brings it back.
    await driver.applyParameters(spec, [{ name: 'time_zone', value: '+00:00', applyMethod: 'pending-reboot' }]);
    await driver.start(spec);
    expect((await driver.withAdmin(spec, (c) => globalVariables(c, ['time_zone']))).get('time_zone')).toBe('+00:00');
    expect(await driver.pendingRebootParameters(spec)).toEqual([]);
  });

  it('reads the slow query log once switched on', async () => {
    await driver.applyParameters(spec, [
      { name: 'slow_query_log', value: 'ON', applyMethod: 'immediate' },
      { name: 'long_query_time', value: '0.2', applyMethod: 'immediate' },
    ]);
    const c = await connect();
    await c.query('SELECT SLEEP(0.3) AS slow_marker');
    await close(c);
    const { events } = await forwardAll('slowquery');
    const slow = events.filter((e) => e.message.includes('SELECT SLEEP(0.3) AS slow_marker'));
    expect(slow).toHaveLength(1);
    expect(slow[0]!.message).toMatch(/^(# Time: .*\n)?# User@Host: dbmaster\[dbmaster\] @ {2}\[127\.0\.0\.1\]\n/);
    expect(Math.abs(slow[0]!.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('refuses an unknown stream and gives no events for a log that does not exist yet', async () => {
    await expect(read('audit')).rejects.toThrow(/unknown log stream "audit"/);
    const other = { ...spec, dataDir: path.join(rootDir, 'instances', 'never-provisioned') };
    const page = await driver.readLog(other, 'general', { startFromHead: true, limit: 10 });
    expect(page.events).toEqual([]);
  });
});
