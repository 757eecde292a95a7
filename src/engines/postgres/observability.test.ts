/**
 * PostgresDriver as EngineObservability, against real servers: live figures,
 * the server log as events, and parameters (listing, applying, pending until
 * a restart, refusing what must not change). Every client, instance and temp
 * dir is released in afterAll, also when a case fails.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { driverFixture } from '../conformance/instances.js';
import type { ConformanceTls } from '../conformance/tls.js';
import type { InstanceSpec } from '../driver.js';
import type { LogEventRecord, LogPage, LogQuery } from '../observability.js';
import { masterClientConfig } from './master-connection.js';
import { PENDING_PARAMETERS_CONF, PARAMETERS_CONF } from './parameters.js';
import { describeWhenAvailable } from '../conformance/prerequisites.js';
import { PostgresDriver } from './postgres-driver.js';
import { missingPostgres } from './test-blueprints.js';

const execFileAsync = promisify(execFile);
const PASSWORD = 'observe-Pass-1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ssAvailable = await execFileAsync('ss', ['-V']).then(() => true, () => false);

describeWhenAvailable('PostgresDriver observability (postgres_17)', missingPostgres('postgres_17'), () => {
  const instances = driverFixture({
    label: 'pgobs',
    driver: (rootDir) => new PostgresDriver({ rootDir }),
    blueprintId: () => 'postgres_17',
    password: PASSWORD,
    idPrefix: 'obs',
  }, () => ({}));
  const running = () => instances.running();
  let driver: PostgresDriver;
  let tls: ConformanceTls;
  const clients: pg.Client[] = [];
  let spec: InstanceSpec;

  beforeAll(async () => {
    ({ driver, tls } = instances);
    spec = await running();
  });

  // Before the fixture's own afterAll (hooks run as a stack), which then destroys the instances.
  afterAll(async () => {
    for (const client of clients.splice(0)) await client.end().catch(() => undefined);
  });

  async function connect(target: InstanceSpec = spec): Promise<pg.Client> {
    const client = new pg.Client(masterClientConfig(target, { host: 'localhost', caPem: tls.ca, password: PASSWORD }));
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  }

  async function end(client: pg.Client): Promise<void> {
    clients.splice(clients.indexOf(client), 1);
    await client.end();
  }

  async function show(target: InstanceSpec, name: string): Promise<string> {
    const client = await connect(target);
    try {
      const row = (await client.query(`SELECT current_setting($1) AS v`, [name])).rows[0] as { v: string };
      return row.v;
    } finally {
      await end(client);
    }
  }

  /** Run statements that fail, as the master user; each logs ERROR + STATEMENT. */
  async function failingStatements(markers: string[]): Promise<void> {
    const client = await connect();
    try {
      for (const marker of markers) await expect(client.query(`SELECT * FROM ${marker}`)).rejects.toThrow(/does not exist/);
    } finally {
      await end(client);
    }
  }

  async function waitForLog(text: string, query: Partial<LogQuery> = {}): Promise<LogEventRecord[]> {
    let events: LogEventRecord[] = [];
    for (let i = 0; i < 200; i++) {
      events = (await driver.readLog(spec, 'postgresql', { startFromHead: false, limit: 10_000, ...query })).events;
      if (events.some((e) => e.message.includes(text))) return events;
      await sleep(50);
    }
    throw new Error(`${text} did not appear in the server log`);
  }

  async function pages(query: Omit<LogQuery, 'limit' | 'cursor'>, limit: number, direction: 'forward' | 'backward', first?: LogPage): Promise<LogEventRecord[][]> {
    const result: LogEventRecord[][] = [];
    let page = first ?? (await driver.readLog(spec, 'postgresql', { ...query, limit }));
    for (let guard = 0; guard < 1000; guard++) {
      if (page.events.length === 0) break;
      result.push(page.events);
      const next = direction === 'forward' ? page.nextForward : page.nextBackward;
      if (!next) break;
      page = await driver.readLog(spec, 'postgresql', { ...query, cursor: next, limit });
    }
    return result;
  }

  // ---- stats ----

  it('counts client connections, not berth_admin sessions', async () => {
    const before = await driver.stats(spec);
    expect(before.connections).toBe(0);
    const five = await Promise.all(Array.from({ length: 5 }, () => connect()));
    expect((await driver.stats(spec)).connections).toBe(5);
    await Promise.all(five.map(end));
    // A backend leaves pg_stat_activity a moment after its client hung up.
    for (let i = 0; i < 100 && (await driver.stats(spec)).connections !== 0; i++) await sleep(20);
    expect((await driver.stats(spec)).connections).toBe(0);
  });

  // Required in CI (.ci/run installs iproute2): berth reads PostgreSQL's network figures with ss.
  it.runIf(ssAvailable || process.env.CI === 'true')('counts the bytes of client connections, keeping those of closed ones', async () => {
    const client = await connect();
    const before = await driver.stats(spec);
    expect(before.bytesReceived).toBeGreaterThan(0); // the TLS handshake and startup at least
    const result = await client.query(`SELECT repeat('x', 1048576) AS big`);
    expect((result.rows[0] as { big: string }).big).toHaveLength(1048576);
    const after = await driver.stats(spec);
    expect(after.bytesSent! - before.bytesSent!).toBeGreaterThanOrEqual(1048576);
    expect(after.bytesSent! - before.bytesSent!).toBeLessThan(1048576 * 1.2);
    expect(after.bytesReceived!).toBeGreaterThan(before.bytesReceived!);
    await end(client);
    const closed = await driver.stats(spec);
    expect(closed.bytesSent!).toBeGreaterThanOrEqual(after.bytesSent!);
    expect(closed.bytesReceived!).toBeGreaterThanOrEqual(after.bytesReceived!);
  });

  it('throws for a server that is not running', async () => {
    const stopped = await running();
    await driver.stop(stopped);
    await expect(driver.stats(stopped)).rejects.toThrow(/not running/);
    await expect(driver.parameters(stopped)).rejects.toThrow(/not running/);
  });

  // ---- logs ----

  it('has one log stream and refuses others', async () => {
    expect(driver.logStreams()).toEqual(['postgresql']);
    await expect(driver.readLog(spec, 'error', { startFromHead: false, limit: 10 })).rejects.toThrow(/postgresql/);
  });

  it('shows a failing statement with its time, inside the requested range', async () => {
    const startTime = new Date(Date.now() - 1000);
    await failingStatements(['no_such_table']);
    const endTime = new Date(Date.now() + 1000);
    const events = await waitForLog('no_such_table', { startTime, endTime });
    const error = events.find((e) => e.message.includes('ERROR:  relation "no_such_table" does not exist'));
    const statement = events.find((e) => e.message.includes('STATEMENT:  SELECT * FROM no_such_table'));
    expect(error).toBeDefined();
    expect(statement).toBeDefined();
    for (const event of [error!, statement!]) {
      expect(event.createdAt.getTime()).toBeGreaterThanOrEqual(startTime.getTime());
      expect(event.createdAt.getTime()).toBeLessThanOrEqual(endTime.getTime());
      expect(event.message).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC \[\d+\] dbmaster@appdb /);
    }
    // A range that ends before the statement does not have it.
    const earlier = await driver.readLog(spec, 'postgresql', { startFromHead: true, endTime: new Date(startTime.getTime() - 1), limit: 10_000 });
    expect(earlier.events.some((e) => e.message.includes('no_such_table"'))).toBe(false);
    expect(earlier.events.length).toBeGreaterThan(0); // the start-up lines
  });

  it('pages forward and backward over the same events, each exactly once, in order', async () => {
    const startTime = new Date(Date.now() - 1);
    const markers = Array.from({ length: 25 }, (_, i) => `paging_marker_${String(i).padStart(2, '0')}`);
    await failingStatements(markers);
    await waitForLog('paging_marker_24');
    const endTime = new Date(Date.now() + 1);
    const range = { startTime, endTime };

    const forward = (await pages({ ...range, startFromHead: true }, 7, 'forward')).flat();
    const backwardPages = await pages({ ...range, startFromHead: false }, 7, 'backward');
    expect(backwardPages.every((p) => p.length <= 7)).toBe(true);
    const backward = backwardPages.reverse().flat();
    expect(backward.map((e) => e.message)).toEqual(forward.map((e) => e.message));
    for (const marker of markers) {
      expect(forward.filter((e) => e.message.includes(`ERROR:  relation "${marker}" does not exist`))).toHaveLength(1);
      expect(forward.filter((e) => e.message.endsWith(`STATEMENT:  SELECT * FROM ${marker}`))).toHaveLength(1);
    }
    const order = markers.map((m) => forward.findIndex((e) => e.message.includes(`"${m}"`)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const times = forward.map((e) => e.createdAt.getTime());
    expect(times.every((t) => t >= startTime.getTime() && t <= endTime.getTime())).toBe(true);
  });

  it('keeps cursors valid while the server appends lines', async () => {
    const first = ['cursor_old_0', 'cursor_old_1', 'cursor_old_2', 'cursor_old_3'];
    const startTime = new Date(Date.now() - 1);
    await failingStatements(first);
    await waitForLog('cursor_old_3');
    // Forward: a token after the first 3 events; backward: a token from the newest 3.
    const head = await driver.readLog(spec, 'postgresql', { startTime, startFromHead: true, limit: 3 });
    const tail = await driver.readLog(spec, 'postgresql', { startTime, startFromHead: false, limit: 3 });
    const allBefore = (await driver.readLog(spec, 'postgresql', { startTime, startFromHead: true, limit: 10_000 })).events.map((e) => e.message);

    const later = ['cursor_new_0', 'cursor_new_1'];
    await failingStatements(later);
    await waitForLog('cursor_new_1');

    const forwardRest = (await pages({ startTime, startFromHead: true }, 4, 'forward', await driver.readLog(spec, 'postgresql', { startTime, startFromHead: true, cursor: head.nextForward!, limit: 4 }))).flat();
    const forwardAll = [...head.events, ...forwardRest].map((e) => e.message);
    expect(forwardAll.slice(0, allBefore.length)).toEqual(allBefore);
    for (const marker of [...first, ...later]) expect(forwardAll.filter((m) => m.includes(`ERROR:  relation "${marker}"`))).toHaveLength(1);

    const backwardRest = (await pages({ startTime, startFromHead: false }, 2, 'backward', await driver.readLog(spec, 'postgresql', { startTime, startFromHead: false, cursor: tail.nextBackward!, limit: 2 }))).reverse().flat();
    expect([...backwardRest, ...tail.events].map((e) => e.message)).toEqual(allBefore);
  });

  // ---- parameters ----

  it('lists the parameters of the running server with their rules', async () => {
    const parameters = await driver.parameters(spec);
    const byName = new Map(parameters.map((p) => [p.name, p]));
    expect(parameters.length).toBeGreaterThan(300);
    expect(byName.get('work_mem')).toMatchObject({
      value: '4096', applyType: 'dynamic', dataType: 'integer', allowedValues: '64-2147483647', isModifiable: true,
    });
    expect(byName.get('work_mem')?.description).toMatch(/unit: kB/);
    expect(byName.get('shared_buffers')).toMatchObject({ applyType: 'static', isModifiable: true, dataType: 'integer' });
    expect(byName.get('max_connections')).toMatchObject({ applyType: 'static', isModifiable: true, allowedValues: '4-262143' });
    expect(byName.get('port')).toMatchObject({ value: String(spec.port), applyType: 'static', isModifiable: false });
    expect(byName.get('ssl')).toMatchObject({ value: 'on', dataType: 'boolean', allowedValues: 'on,off', isModifiable: false });
    expect(byName.get('enable_seqscan')).toMatchObject({ applyType: 'dynamic', dataType: 'boolean', allowedValues: 'on,off', isModifiable: true });
    expect(byName.get('wal_level')).toMatchObject({ applyType: 'static', allowedValues: 'replica,logical', isModifiable: true });
    expect(byName.get('log_min_messages')).toMatchObject({ applyType: 'dynamic', dataType: 'string', isModifiable: true });
    expect(byName.get('log_min_messages')?.allowedValues).toContain('warning');
    expect(byName.get('random_page_cost')).toMatchObject({ dataType: 'float', value: '4' });
    expect(byName.get('search_path')).toMatchObject({ dataType: 'list', isModifiable: true, value: '"$user", public' });
    // What sessions get, not what berth's admin session sets for itself.
    expect(byName.get('DateStyle')?.value).toBe('ISO, MDY');
    expect(byName.get('log_statement')?.value).toBe('none');
    expect(byName.get('log_disconnections')?.value).toBe('off');
    expect(byName.get('server_version')).toMatchObject({ applyType: 'static', isModifiable: false });
    expect(byName.get('log_line_prefix')?.isModifiable).toBe(false);
    expect(byName.get('archive_command')).toMatchObject({ isModifiable: false });
    expect(byName.get('archive_command')?.value).toBeUndefined(); // host paths stay hidden
    expect(byName.get('data_directory')?.value).toBeUndefined();
  });

  it('applies an immediate change at once: the next new session sees it', async () => {
    const s = await running();
    await driver.applyParameters(s, [{ name: 'work_mem', value: '64MB', applyMethod: 'immediate' }]);
    expect(await show(s, 'work_mem')).toBe('64MB');
    expect(await driver.pendingRebootParameters(s)).toEqual([]);
    expect((await driver.parameters(s)).find((p) => p.name === 'work_mem')?.value).toBe('65536');
    // It survives a restart, and a provision (berth.conf rewritten) does not undo it.
    await driver.provision(s, await tls.makeServerTls());
    await driver.stop(s);
    await driver.start(s);
    expect(await show(s, 'work_mem')).toBe('64MB');
    // Case-insensitive names, as PostgreSQL's.
    await driver.applyParameters(s, [
      { name: 'Work_Mem', value: '8MB', applyMethod: 'immediate' },
      { name: 'log_connections', value: 'on', applyMethod: 'immediate' }, // superuser-backend: new sessions
      { name: 'checkpoint_timeout', value: '10min', applyMethod: 'immediate' }, // sighup
    ]);
    expect(await show(s, 'work_mem')).toBe('8MB');
    expect(await show(s, 'log_connections')).toBe('on');
    expect(await show(s, 'checkpoint_timeout')).toBe('10min');
  });

  it('keeps pending-reboot changes (static and dynamic) out of effect until a stop and start', async () => {
    const s = await running();
    await driver.applyParameters(s, [
      { name: 'max_connections', value: '40', applyMethod: 'pending-reboot' },
      { name: 'random_page_cost', value: '1.5', applyMethod: 'pending-reboot' },
      { name: 'shared_preload_libraries', value: 'pg_stat_statements', applyMethod: 'pending-reboot' },
    ]);
    expect(await driver.pendingRebootParameters(s)).toEqual(['max_connections', 'random_page_cost', 'shared_preload_libraries']);
    expect(await show(s, 'max_connections')).toBe('56');
    expect(await show(s, 'random_page_cost')).toBe('4');
    // berth's own pendingRestart (which makes updates restart the server) is not about these.
    expect(await driver.pendingRestart(s)).toEqual([]);
    // Reloads (provision, TLS rotation) do not apply the dynamic one early.
    await driver.reloadTls(s, await tls.makeServerTls());
    await driver.provision(s, await tls.makeServerTls());
    expect(await show(s, 'random_page_cost')).toBe('4');
    // An immediate change of another parameter leaves them pending.
    await driver.applyParameters(s, [{ name: 'enable_seqscan', value: 'off', applyMethod: 'immediate' }]);
    expect(await show(s, 'enable_seqscan')).toBe('off');
    expect(await driver.pendingRebootParameters(s)).toHaveLength(3);

    await driver.stop(s);
    expect(await driver.pendingRebootParameters(s)).toEqual(['random_page_cost']); // waits for the start
    await driver.start(s);
    expect(await show(s, 'max_connections')).toBe('40');
    expect(await show(s, 'random_page_cost')).toBe('1.5');
    expect(await show(s, 'shared_preload_libraries')).toBe('pg_stat_statements');
    expect(await show(s, 'enable_seqscan')).toBe('off');
    expect(await driver.pendingRebootParameters(s)).toEqual([]);
    await expect(fs.access(path.join(driver.paths(s).pgdata, PENDING_PARAMETERS_CONF))).rejects.toThrow();
  });

  it('refuses invalid changes and then changes nothing (files and server settings)', async () => {
    const s = await running();
    await driver.applyParameters(s, [{ name: 'work_mem', value: '16MB', applyMethod: 'immediate' }]);
    const pgdata = driver.paths(s).pgdata;
    const files = ['berth.conf', 'postgresql.conf', 'postgresql.auto.conf', PARAMETERS_CONF, PENDING_PARAMETERS_CONF];
    const snapshotFiles = () => Promise.all(files.map((f) => fs.readFile(path.join(pgdata, f), 'utf8').catch(() => '<missing>')));
    const snapshotSettings = () => driver.withAdmin(s, async (c) => (await c.query('SELECT name, setting FROM pg_settings ORDER BY name')).rows, undefined, { plain: true });
    const filesBefore = await snapshotFiles();
    const settingsBefore = await snapshotSettings();
    const pendingBefore = await driver.pendingRebootParameters(s);

    const cases: Array<[Array<{ name: string; value: string; applyMethod: 'immediate' | 'pending-reboot' }>, RegExp]> = [
      [[{ name: 'no_such_parameter', value: '1', applyMethod: 'immediate' }], /"no_such_parameter" is not a parameter/],
      [[{ name: 'work_mem', value: 'lots', applyMethod: 'immediate' }], /"lots" is not a valid value for work_mem: invalid value for parameter "work_mem".*allowed values: 64-2147483647, unit kB/],
      [[{ name: 'work_mem', value: '1', applyMethod: 'immediate' }], /outside the valid range/],
      [[{ name: 'wal_level', value: 'sometimes', applyMethod: 'pending-reboot' }], /Available values: minimal, replica, logical/],
      [[{ name: 'wal_level', value: 'minimal', applyMethod: 'pending-reboot' }], /wal_level minimal cannot be used/],
      [[{ name: 'max_connections', value: '3', applyMethod: 'pending-reboot' }], /max_connections must be at least 4/],
      [[{ name: 'shared_preload_libraries', value: 'pg_stat_statements, no_such_lib', applyMethod: 'pending-reboot' }], /no such library 'no_such_lib'/],
      [[{ name: 'shared_buffers', value: '256MB', applyMethod: 'immediate' }], /shared_buffers is a static parameter.*pending-reboot/],
      [[{ name: 'ssl', value: 'off', applyMethod: 'pending-reboot' }], /ssl cannot be modified: berth manages TLS/],
      [[{ name: 'port', value: '5999', applyMethod: 'pending-reboot' }], /port cannot be modified: berth sets the network endpoints/],
      [[{ name: 'log_line_prefix', value: '%t ', applyMethod: 'immediate' }], /log_line_prefix cannot be modified: berth reads the server log/],
      [[{ name: 'archive_command', value: 'cp %p /tmp/%f', applyMethod: 'immediate' }], /archive_command cannot be modified/],
      [[{ name: 'server_version', value: '99', applyMethod: 'pending-reboot' }], /server_version cannot be modified: it is fixed/],
      [[{ name: 'search_path', value: "a\nb", applyMethod: 'immediate' }], /line breaks/],
      // One bad change in a batch: the good ones are not applied either, and every bad one is named.
      [
        [
          { name: 'work_mem', value: '32MB', applyMethod: 'immediate' },
          { name: 'max_connections', value: '50', applyMethod: 'pending-reboot' },
          { name: 'enable_seqscan', value: 'perhaps', applyMethod: 'immediate' },
          { name: 'listen_addresses', value: '*', applyMethod: 'pending-reboot' },
        ],
        /4 parameter changes are not valid|listen_addresses cannot be modified.*enable_seqscan.*requires a Boolean value/,
      ],
      [[{ name: 'work_mem', value: '8MB', applyMethod: 'immediate' }, { name: 'WORK_MEM', value: '9MB', applyMethod: 'immediate' }], /more than once/],
    ];
    for (const [changes, message] of cases) {
      await expect(driver.applyParameters(s, changes), JSON.stringify(changes)).rejects.toThrow(message);
    }
    await expect(
      driver.applyParameters(s, [
        { name: 'enable_seqscan', value: 'perhaps', applyMethod: 'immediate' },
        { name: 'listen_addresses', value: '*', applyMethod: 'pending-reboot' },
      ]),
    ).rejects.toThrow(/2 parameter changes are not valid: listen_addresses cannot be modified.*; "perhaps" is not a valid value for enable_seqscan: parameter "enable_seqscan" requires a Boolean value/);
    expect(await snapshotFiles()).toEqual(filesBefore);
    expect(await snapshotSettings()).toEqual(settingsBefore);
    expect(await driver.pendingRebootParameters(s)).toEqual(pendingBefore);
    expect(await show(s, 'work_mem')).toBe('16MB');
  });

  it("keeps berth's admin sessions working whatever users set for sessions", async () => {
    const s = await running();
    // berth's verify-full check as the master user survives session timeouts too.
    await driver.applyParameters(s, [
      { name: 'statement_timeout', value: '1', applyMethod: 'immediate' },
      { name: 'idle_session_timeout', value: '1', applyMethod: 'immediate' },
    ]);
    await driver.verifyConnection(s, { host: 'localhost', caPem: tls.ca, password: PASSWORD });
    await driver.applyParameters(s, [
      { name: 'default_transaction_read_only', value: 'on', applyMethod: 'immediate' },
      { name: 'statement_timeout', value: '1', applyMethod: 'immediate' },
      { name: 'log_statement', value: 'all', applyMethod: 'immediate' },
      { name: 'transaction_timeout', value: '1000', applyMethod: 'immediate' },
      { name: 'search_path', value: 'public, pg_catalog', applyMethod: 'immediate' },
    ]);
    // In effect for everyone else (a master session would be cut off after 1 ms of statement).
    const values = new Map((await driver.parameters(s)).map((p) => [p.name, p.value]));
    expect([values.get('default_transaction_read_only'), values.get('statement_timeout'), values.get('transaction_timeout')]).toEqual(['on', '1', '1000']);
    // Shorter transaction timeouts fire while a new session starts, before it reads its own settings: refused.
    await expect(driver.applyParameters(s, [{ name: 'transaction_timeout', value: '1', applyMethod: 'immediate' }])).rejects.toThrow(
      /transaction_timeout must be 0 \(off\) or at least 1000 ms/,
    );
    await driver.setMasterPassword(s, `${PASSWORD}-2`);
    await driver.setMasterPassword(s, PASSWORD);
    await driver.ensureMasterUser(s, PASSWORD);
    expect((await driver.stats(s)).connections).toBe(0);
    // berth's statements (password verifiers among them) stay out of the log even with log_statement = all.
    const logged = (await driver.readLog(s, 'postgresql', { startFromHead: true, limit: 10_000 })).events;
    expect(logged.some((e) => /ALTER ROLE|SCRAM-SHA-256/.test(e.message))).toBe(false);
  });
});
