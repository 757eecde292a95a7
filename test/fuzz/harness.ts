/**
 * The shared state of the hostile-input suite: one real berth, its fixtures
 * (two databases, one snapshot), a read-only view of its store, and `exchange`,
 * which sends one request and checks the answer, the store and the process.
 */
import path from 'node:path';
import fc from 'fast-check';
import {
  CreateRelationalDatabaseSnapshotCommand,
  GetOperationsCommand,
  GetRelationalDatabaseBlueprintsCommand,
  GetRelationalDatabaseBundlesCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseEventsCommand,
  GetRelationalDatabaseLogEventsCommand,
  GetRelationalDatabaseParametersCommand,
  GetRelationalDatabasesCommand,
  GetRelationalDatabaseSnapshotCommand,
  StopRelationalDatabaseCommand,
  type LightsailClient,
} from '@aws-sdk/client-lightsail';
import { BerthProcess, REPO_ROOT } from '../helpers/berth-process.js';
import { createDatabase } from '../helpers/databases.js';
import { databaseState, operationDone, until } from '../helpers/waiters.js';
import { checkResponse, checkStore, PropertyViolation, type ResponseRules } from './checks.js';
import type { Fixtures } from './fixtures.js';
import { preview } from './json-text.js';
import type { Expectation } from './model-cases.js';
import { StoreView } from './store-view.js';
import { NoResponseError, send, signLines, type WireRequest, type WireResponse } from './wire.js';

export const MAX_BODY_BYTES = 1024 * 1024;
export const CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface Harness {
  berth: BerthProcess;
  client: LightsailClient;
  view: StoreView;
  fx: Fixtures;
  secrets: string[];
  requests: number;
  /** Outcomes by operation (status, __type, code, first words of the message): how deep the requests got. */
  outcomes: Map<string, Map<string, number>>;
}

export async function startHarness(): Promise<Harness> {
  const berth = await BerthProcess.start({
    // Page size 1 makes every list operation issue real page tokens to replay.
    pageSize: 1,
    // This suite sends hundreds of bad signatures with the root key id and checks each answer; throttling has its own test.
    extraArgs: ['--backup-check-interval-ms', '1000', '--signature-failure-burst', '1000000'],
  });
  try {
    const client = berth.client();
    const started = Date.now();
    const fx = await createFixtures(berth, client);
    console.info(`hostile-input: fixtures ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const view = new StoreView(berth.dataDir);
    return { berth, client, view, fx, secrets: [path.dirname(berth.dataDir), REPO_ROOT], requests: 0, outcomes: new Map() };
  } catch (error) {
    await berth.dispose();
    throw error;
  }
}

async function createFixtures(berth: BerthProcess, client: LightsailClient): Promise<Fixtures> {
  const db1 = 'fuzz-db1';
  const db2 = 'fuzz-db2';
  const snap1 = 'fuzz-snap1';
  const [first] = await Promise.all([
    createDatabase(client, db1, { tags: [{ key: 'team', value: 'fuzz' }], masterUserPassword: 'Fixture-pass1' }),
    createDatabase(client, db2, { relationalDatabaseBlueprintId: 'postgres_16' }),
  ]);
  const stop = await client.send(new StopRelationalDatabaseCommand({ relationalDatabaseName: db2 }));
  const snapshot = await client.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: db1, relationalDatabaseSnapshotName: snap1 }));
  for (const operation of [...stop.operations!, ...snapshot.operations!]) {
    const done = await operationDone(client, operation, 120_000);
    if (done.status !== 'Succeeded') throw new Error(`fixture ${operation.operationType} failed: ${done.errorDetails}`);
  }
  await databaseState(client, db1, 'available');
  await databaseState(client, db2, 'stopped');
  const { relationalDatabaseSnapshot } = await client.send(new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: snap1 }));
  if (relationalDatabaseSnapshot?.state !== 'available') throw new Error(`fixture snapshot is ${relationalDatabaseSnapshot?.state}`);
  // Point-in-time restores get deeper once db1 has a restorable range (its first automatic backup); not required.
  await until('db1 to have a restorable time', async () => {
    const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: db1 }));
    return relationalDatabase?.latestRestorableTime ? true : undefined;
  }, 30_000).catch(() => console.warn('fuzz fixtures: db1 has no latestRestorableTime yet; restore requests stop earlier'));

  const pageTokens: Record<string, string> = {};
  const keep = (operation: string, token: string | undefined) => {
    if (token) pageTokens[operation] = token;
  };
  keep('GetRelationalDatabases', (await client.send(new GetRelationalDatabasesCommand({}))).nextPageToken);
  keep('GetOperations', (await client.send(new GetOperationsCommand({}))).nextPageToken);
  keep('GetRelationalDatabaseBundles', (await client.send(new GetRelationalDatabaseBundlesCommand({}))).nextPageToken);
  const blueprints = await client.send(new GetRelationalDatabaseBlueprintsCommand({}));
  keep('GetRelationalDatabaseBlueprints', blueprints.nextPageToken);
  keep('GetRelationalDatabaseEvents', (await client.send(new GetRelationalDatabaseEventsCommand({ relationalDatabaseName: db1, durationInMinutes: 60 }))).nextPageToken);
  keep('GetRelationalDatabaseParameters', (await client.send(new GetRelationalDatabaseParametersCommand({ relationalDatabaseName: db1 }))).nextPageToken);
  const log = await client.send(new GetRelationalDatabaseLogEventsCommand({ relationalDatabaseName: db1, logStreamName: 'postgresql', startFromHead: true }));
  keep('GetRelationalDatabaseLogEvents', log.nextForwardToken);
  let logFile = `postgresql-${new Date().toISOString().slice(0, 10)}.log`;
  if (log.nextForwardToken) {
    try {
      const outer = JSON.parse(Buffer.from(log.nextForwardToken, 'base64url').toString('utf8')) as { p?: string };
      const inner = JSON.parse(Buffer.from(String(outer.p).slice('pglog1.'.length), 'base64url').toString('utf8')) as { f?: string };
      if (inner.f) logFile = inner.f;
    } catch {
      // keep the guess
    }
  }
  // All blueprints berth offers (paged one by one).
  const blueprintIds: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new GetRelationalDatabaseBlueprintsCommand({ pageToken: token }));
    blueprintIds.push(...(page.blueprints ?? []).map((b) => b.blueprintId!));
    token = page.nextPageToken;
  } while (token && blueprintIds.length < 20);

  return {
    region: berth.region,
    db1,
    db2,
    snap1,
    ghost: 'fuzz-ghost',
    freeName: 'fuzz-free-name',
    db1Arn: first.arn!,
    snap1Arn: relationalDatabaseSnapshot.arn!,
    operationId: stop.operations![0]!.id!,
    blueprints: blueprintIds,
    caIdentifiers: ['rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1', 'rds-ca-ecc384-g1'],
    logFile,
    pageTokens,
  };
}

export interface Exchange {
  /** Header lines besides host, content-length, authorization and x-amz-date. */
  lines: Array<[string, string]>;
  body: Buffer;
  /** How to authenticate: sign what is sent (default), or leave it to the caller (lines already hold what they want). */
  sign?: 'as-sent' | 'none';
  signWith?: { accessKeyId?: string; secretAccessKey?: string; region?: string; signingDate?: Date; service?: string };
  /** Sign these lines/body, then send `lines`/`body` (tampering). */
  signedLines?: Array<[string, string]>;
  signedBody?: Buffer;
  /** Drop these header names after signing. */
  dropAfterSigning?: string[];
  wire?: Omit<WireRequest, 'headers' | 'body'>;
  rules: Omit<ResponseRules, 'secrets' | 'sent'>;
  /**
   * Demand an answer even when the body is over the size limit. Off by default: berth refuses such a body before
   * reading it and closes at once, and the reset can overtake its answer (a finding the size-limit tests pin down);
   * the broad properties only check the store and the process then.
   */
  strictOversize?: boolean;
  expectation: Expectation;
  /** The operation the server will run if the request gets that far (for the store check). */
  operation: string;
  label: string;
}

export async function exchange(h: Harness, x: Exchange): Promise<WireResponse> {
  const url = new URL(h.berth.url);
  let lines = x.lines;
  if (x.sign !== 'none') {
    const key = {
      accessKeyId: x.signWith?.accessKeyId ?? h.berth.accessKeyId,
      secretAccessKey: x.signWith?.secretAccessKey ?? h.berth.secretAccessKey,
      region: x.signWith?.region ?? h.fx.region,
    };
    const auth = await signLines(key, url.host, x.signedLines ?? x.lines, x.signedBody ?? x.body, {
      signingDate: x.signWith?.signingDate,
      service: x.signWith?.service,
    });
    lines = [...x.lines, ...auth].filter(([name]) => !(x.dropAfterSigning ?? []).includes(name.toLowerCase()));
  }
  const headerText = JSON.stringify(lines.map(([n, v]) => [n, v.length > 200 ? `${v.slice(0, 200)}…(${v.length})` : v]));
  const sent = `${x.label} ${headerText.length > 3000 ? `${headerText.slice(0, 3000)}…(${lines.length} header lines)` : headerText} body ${preview(x.body)}`;
  const before = h.view.read();
  let response: WireResponse;
  try {
    response = await send(h.berth.url, { headers: lines, body: x.body, ...x.wire });
  } catch (error) {
    // Node's HTTP parser answers a malformed or oversized header block and closes at once; with request bytes still
    // unread the close is a reset that can overtake the answer. Accepted for such requests only.
    const reset = error instanceof NoResponseError && /\(0 bytes, socket error (ECONNRESET|EPIPE)\)/.test(error.message);
    const oversize = Math.max(x.body.length, x.wire?.declaredLength ?? 0) > MAX_BODY_BYTES && !x.strictOversize;
    if (!((x.rules.transport || oversize) && reset)) throw new PropertyViolation(`${(error as Error).message}\n  sent: ${sent}`);
    response = { status: 0, headers: new Map(), text: '', durationMs: 0 };
  }
  h.requests++;
  // A client that hung up (or was reset by Node's parser) has no answer: only the store and the process are checked.
  if (response.status !== 0) {
    const { type, json } = checkResponse(response, { ...x.rules, secrets: h.secrets, sent });
    const words = typeof json?.message === 'string' ? json.message.replace(/'[^']*'|"[^"]*"|\S{40,}/g, '…').split(/\s+/).slice(0, 4).join(' ') : '';
    const key = response.status === 200 ? '200' : `${response.status} ${type} ${String(json?.code)}: ${words}`;
    const byOperation = h.outcomes.get(x.operation) ?? new Map<string, number>();
    byOperation.set(key, (byOperation.get(key) ?? 0) + 1);
    h.outcomes.set(x.operation, byOperation);
  } else {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const after = h.view.read();
  checkStore(h.view, before, after, {
    status: response.status,
    expectation: x.expectation,
    operation: x.operation,
    bodyText: x.body.toString('utf8'),
    region: x.signWith?.region ?? h.fx.region,
    sent,
  });
  assertAlive(h);
  return response;
}

export function assertAlive(h: Harness): void {
  const pid = h.berth.pid;
  if (pid === undefined) throw new PropertyViolation('berth has no process');
  try {
    process.kill(pid, 0);
  } catch {
    throw new PropertyViolation(`berth (pid ${pid}) died:\n${h.berth.output.slice(-4000)}`);
  }
}

/** berth is alive, answers a valid call, and the fixtures are as they were. */
export async function assertHealthy(h: Harness): Promise<void> {
  assertAlive(h);
  const response = await exchange(h, {
    label: 'health: GetRegions',
    lines: [['content-type', CONTENT_TYPE], ['x-amz-target', 'Lightsail_20161128.GetRegions']],
    body: Buffer.from('{}'),
    rules: { errors: [], success: true },
    expectation: 'read',
    operation: 'GetRegions',
  });
  if (response.status !== 200) throw new PropertyViolation(`GetRegions answered ${response.status}`);
  const { relationalDatabase: db1 } = await h.client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: h.fx.db1 }));
  const { relationalDatabase: db2 } = await h.client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: h.fx.db2 }));
  const { relationalDatabaseSnapshot: snap1 } = await h.client.send(new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: h.fx.snap1 }));
  if (db1?.state !== 'available' || db2?.state !== 'stopped' || snap1?.state !== 'available') {
    throw new PropertyViolation(`fixtures moved: db1 ${db1?.state}, db2 ${db2?.state}, snap1 ${snap1?.state}`);
  }
}

/** berth's log lines of requests answered 5xx and of unhandled errors, optionally only those logged within [from, to]. */
export function serverErrorLines(h: Harness, window?: { from: number; to: number }): string[] {
  return h.berth.output.split('\n').filter((line) => {
    if (!((/"msg":"request"/.test(line) && /"status":5\d\d/.test(line)) || /"msg":"unhandled error"/.test(line))) return false;
    if (!window) return true;
    const time = Date.parse(/"time":"([^"]+)"/.exec(line)?.[1] ?? '');
    return time >= window.from && time <= window.to;
  });
}

/** Header values with bytes Node's HTTP parser refuses (or that would split the header block). */
export function hasControlCharacters(value: string): boolean {
  return /[\x00-\x08\x0a-\x1f\x7f]/.test(value);
}

/** Counterexamples hold megabyte bodies: summarise them instead of letting them reach the test report whole. */
function compact(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'string') return item.length > 300 ? `${item.slice(0, 300)}…(${item.length} chars)` : item;
    if (typeof item === 'function') return '[function]';
    if (item && typeof item === 'object' && (item as { type?: unknown }).type === 'Buffer' && Array.isArray((item as { data?: unknown }).data)) {
      const bytes = Buffer.from((item as { data: number[] }).data);
      return `Buffer(${bytes.length}) ${preview(bytes, 300)}`;
    }
    return item;
  });
}

/**
 * fc.assert with a compact report: seed and path to replay (FUZZ_SEED, FUZZ_PATH), the shrunk counterexample
 * with long strings and buffers cut short, and the violation.
 */
export async function assertProperty<Ts extends [unknown, ...unknown[]]>(property: fc.IAsyncPropertyWithHooks<Ts>, parameters: fc.Parameters<Ts>): Promise<void> {
  const details = await fc.check(property, parameters);
  if (!details.failed) return;
  const error = details.errorInstance;
  const message = error instanceof Error ? error.message : String(error);
  throw new Error(
    `Property failed after ${details.numRuns} runs, shrunk ${details.numShrinks} times ` +
      `(replay: FUZZ_SEED=${details.seed} FUZZ_PATH=${JSON.stringify(details.counterexamplePath)})\n` +
      `Counterexample: ${compact(details.counterexample)}\n${message}`,
  );
}

/** A readable table of the outcomes per operation (FUZZ_STATS=1 prints it). */
export function outcomeTable(h: Harness): string {
  const out: string[] = [];
  for (const [operation, outcomes] of [...h.outcomes].sort(([a], [b]) => a.localeCompare(b))) {
    const total = [...outcomes.values()].reduce((sum, n) => sum + n, 0);
    out.push(`${operation} (${total})`);
    for (const [key, n] of [...outcomes].sort(([, a], [, b]) => b - a).slice(0, 30)) out.push(`  ${String(n).padStart(5)}  ${key}`);
  }
  return out.join('\n');
}
