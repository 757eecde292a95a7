/**
 * AWS CLI v1 (`aws lightsail …`) against a real berth: a full database life
 * cycle as a shell user drives it, asserting what the CLI prints and its
 * exit statuses. berth pages by 2, so every list below spans several pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTool, withVerifiedClient, type Endpoint } from '../test/helpers/clients.js';
import { until } from '../test/helpers/waiters.js';
import {
  awsEnv,
  caBundle,
  requestCount,
  run,
  startConformanceBerth,
  tcpAccepts,
  type BerthProcess,
  type CommandResult,
} from './helpers.js';

const PASSWORD = 'Cli-conformance-1';

interface CliOperation {
  id: string;
  resourceName: string;
  resourceType: string;
  operationType: string;
  status: string;
  isTerminal: boolean;
  createdAt: unknown;
  statusChangedAt: unknown;
  operationDetails?: string;
  errorDetails?: string;
  location: { availabilityZone: string; regionName: string };
}
interface CliDatabase {
  name: string;
  state: string;
  createdAt: unknown;
  latestRestorableTime?: unknown;
  relationalDatabaseBlueprintId: string;
  relationalDatabaseBundleId: string;
  engine: string;
  masterUsername: string;
  masterDatabaseName: string;
  preferredBackupWindow: string;
  preferredMaintenanceWindow: string;
  publiclyAccessible: boolean;
  backupRetentionEnabled: boolean;
  masterEndpoint: { address: string; port: number };
  tags: Array<{ key: string; value?: string }>;
}
interface CliSnapshot {
  name: string;
  state: string;
  createdAt: unknown;
  engine: string;
  fromRelationalDatabaseName: string;
  fromRelationalDatabaseBlueprintId: string;
  tags: Array<{ key: string; value?: string }>;
  location: { availabilityZone: string };
}

describe('AWS CLI v1: aws lightsail … against berth', () => {
  let berth: BerthProcess;
  let available = false;
  let env: NodeJS.ProcessEnv;
  let bundle: string;
  let blueprintId = '';

  /** `aws lightsail <args>` against berth; resolves with the exit status, never rejects. */
  const aws = (...args: string[]): Promise<CommandResult> =>
    run('aws', ['lightsail', ...args, '--endpoint-url', berth.url, '--region', berth.region, '--output', 'json'], { env });
  /** The same, expecting exit status 0, parsing the JSON the CLI printed. */
  async function awsJson<T>(...args: string[]): Promise<T> {
    const result = await aws(...args);
    if (result.code !== 0) throw new Error(`aws lightsail ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }
  /** Polls get-operation (the CLI has no Lightsail waiters) until the operation is terminal. */
  const operationDone = (operation: CliOperation) =>
    until(
      `operation ${operation.operationType} ${operation.id}`,
      async () => {
        const { operation: current } = await awsJson<{ operation: CliOperation }>('get-operation', '--operation-id', operation.id);
        return current.isTerminal ? current : undefined;
      },
      180_000,
      200,
    );
  const getDb = async (name: string) =>
    (await awsJson<{ relationalDatabase: CliDatabase }>('get-relational-database', '--relational-database-name', name)).relationalDatabase;
  const endpointOf = (db: CliDatabase): Endpoint => ({ port: db.masterEndpoint.port, user: 'cliadmin', database: 'app', password: PASSWORD });
  const notes = (db: CliDatabase) =>
    withVerifiedClient(endpointOf(db), bundle, async (client) => (await client.query('SELECT body FROM notes ORDER BY id')).rows.map((row) => row.body));
  const insertNote = (db: CliDatabase, body: string) =>
    withVerifiedClient(endpointOf(db), bundle, (client) => client.query('INSERT INTO notes (body) VALUES ($1)', [body]));

  beforeAll(async () => {
    available = await hasTool('aws', ['--version']);
    if (!available) return;
    berth = await startConformanceBerth(2);
    env = awsEnv(berth);
    bundle = await caBundle(berth);
  });

  afterAll(async () => {
    await berth?.dispose();
  });

  it('picks the default PostgreSQL blueprint and an active bundle from the catalogue', async (context) => {
    if (!available) return context.skip();
    const { blueprints } = await awsJson<{ blueprints: Array<{ blueprintId: string; engine: string; isEngineDefault: boolean }> }>(
      'get-relational-database-blueprints',
    );
    const defaults = blueprints.filter((blueprint) => blueprint.engine === 'postgres' && blueprint.isEngineDefault);
    expect(defaults).toHaveLength(1);
    blueprintId = defaults[0]!.blueprintId;
    expect(blueprintId).toMatch(/^postgres_\d+$/);
    const { bundles } = await awsJson<{ bundles: Array<{ bundleId: string; isActive: boolean }> }>('get-relational-database-bundles');
    expect(bundles.find((b) => b.bundleId === 'micro_2_0')).toMatchObject({ isActive: true });
  });

  it('creates three databases, polls get-operation until they succeed, and gets them with epoch timestamps', async (context) => {
    if (!available) return context.skip();
    const names = ['cli-one', 'cli-two', 'cli-three'];
    for (const name of names) {
      const { operations } = await awsJson<{ operations: CliOperation[] }>(
        'create-relational-database',
        '--relational-database-name', name,
        '--relational-database-blueprint-id', blueprintId,
        '--relational-database-bundle-id', 'micro_2_0',
        '--master-database-name', 'app',
        '--master-username', 'cliadmin',
        '--master-user-password', PASSWORD,
        '--tags', 'key=suite,value=cli',
      );
      expect(operations).toHaveLength(1);
      expect(operations[0]).toMatchObject({
        resourceName: name,
        resourceType: 'RelationalDatabase',
        operationType: 'CreateRelationalDatabase',
        status: 'Started',
        isTerminal: false,
        location: { availabilityZone: 'us-east-1a', regionName: 'us-east-1' },
      });
      // CLI v1 prints timestamps exactly as received: epoch seconds as JSON numbers.
      expect(typeof operations[0]!.createdAt).toBe('number');
      const done = await operationDone(operations[0]!);
      expect(done.status, done.errorDetails).toBe('Succeeded');
      expect(typeof done.statusChangedAt).toBe('number');
    }
    const db = await getDb('cli-one');
    expect(db).toMatchObject({
      name: 'cli-one',
      state: 'available',
      engine: 'postgres',
      relationalDatabaseBlueprintId: blueprintId,
      relationalDatabaseBundleId: 'micro_2_0',
      masterUsername: 'cliadmin',
      masterDatabaseName: 'app',
      publiclyAccessible: false,
      backupRetentionEnabled: true,
      masterEndpoint: { address: 'localhost' },
      tags: [{ key: 'suite', value: 'cli' }],
    });
    expect(typeof db.createdAt).toBe('number');
    expect(Math.abs((db.createdAt as number) * 1000 - Date.now())).toBeLessThan(10 * 60_000);
    expect(Number.isInteger(db.masterEndpoint.port)).toBe(true);
    const password = await awsJson<{ masterUserPassword: string }>(
      'get-relational-database-master-user-password',
      '--relational-database-name', 'cli-one',
    );
    expect(password.masterUserPassword).toBe(PASSWORD);
    await withVerifiedClient(endpointOf(db), bundle, (client) => client.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)'));
    await insertNote(db, 'before-snapshot');
  });

  it('auto-paginates get-relational-databases over berth pages of 2, and honours --no-paginate, --max-items and --starting-token', async (context) => {
    if (!available) return context.skip();
    const all = await awsJson<{ relationalDatabases: CliDatabase[]; nextPageToken?: string }>('get-relational-databases');
    expect(all.relationalDatabases.map((db) => db.name)).toEqual(['cli-one', 'cli-three', 'cli-two']);
    expect(all.nextPageToken).toBeUndefined();

    const firstPage = await awsJson<{ relationalDatabases: CliDatabase[]; nextPageToken?: string }>('get-relational-databases', '--no-paginate');
    expect(firstPage.relationalDatabases.map((db) => db.name)).toEqual(['cli-one', 'cli-three']);
    expect(firstPage.nextPageToken).toEqual(expect.any(String));
    const secondPage = await awsJson<{ relationalDatabases: CliDatabase[]; nextPageToken?: string }>(
      'get-relational-databases', '--no-paginate', '--page-token', firstPage.nextPageToken!,
    );
    expect(secondPage.relationalDatabases.map((db) => db.name)).toEqual(['cli-two']);
    expect(secondPage.nextPageToken).toBeUndefined();

    // --max-items truncates client-side and prints the CLI's own NextToken; --starting-token resumes from it.
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page: { relationalDatabases: CliDatabase[]; NextToken?: string } = await awsJson(
        'get-relational-databases', '--max-items', '1', ...(token ? ['--starting-token', token] : []),
      );
      pages.push(page.relationalDatabases.map((db) => db.name));
      token = page.NextToken;
    } while (token && pages.length < 10);
    expect(pages).toEqual([['cli-one'], ['cli-three'], ['cli-two']]);
  });

  it('updates the windows (kept exactly as sent) and public access on and off (listening on 127.0.0.2 only while public)', async (context) => {
    if (!available) return context.skip();
    const { operations } = await awsJson<{ operations: CliOperation[] }>(
      'update-relational-database',
      '--relational-database-name', 'cli-one',
      '--preferred-backup-window', '03:15-03:45',
      '--preferred-maintenance-window', 'Tue:17:00-Tue:17:30',
    );
    expect(operations[0]).toMatchObject({ operationType: 'UpdateRelationalDatabase', resourceName: 'cli-one' });
    expect((await operationDone(operations[0]!)).status).toBe('Succeeded');
    const db = await getDb('cli-one');
    expect(db).toMatchObject({ preferredBackupWindow: '03:15-03:45', preferredMaintenanceWindow: 'Tue:17:00-Tue:17:30' });

    const port = db.masterEndpoint.port;
    expect(await tcpAccepts('127.0.0.2', port)).toBe(false);
    for (const [flag, expected] of [['--publicly-accessible', true], ['--no-publicly-accessible', false]] as const) {
      const update = await awsJson<{ operations: CliOperation[] }>(
        'update-relational-database', '--relational-database-name', 'cli-one', flag, '--apply-immediately',
      );
      expect((await operationDone(update.operations[0]!)).status).toBe('Succeeded');
      const after = await until(`cli-one publiclyAccessible=${expected} and available`, async () => {
        const current = await getDb('cli-one');
        return current.state === 'available' && current.publiclyAccessible === expected ? current : undefined;
      }, 60_000, 200);
      expect(after.masterEndpoint.port).toBe(port);
      expect(await tcpAccepts('127.0.0.2', port)).toBe(expected);
    }
  });

  it('tags and untags', async (context) => {
    if (!available) return context.skip();
    const tagged = await awsJson<{ operations: CliOperation[] }>(
      'tag-resource', '--resource-name', 'cli-one', '--tags', 'key=env,value=prod', 'key=team,value=data', 'key=suite,value=changed',
    );
    expect(tagged.operations[0]).toMatchObject({ operationType: 'TagResource', status: 'Succeeded', resourceName: 'cli-one' });
    const untagged = await awsJson<{ operations: CliOperation[] }>('untag-resource', '--resource-name', 'cli-one', '--tag-keys', 'team');
    expect(untagged.operations[0]).toMatchObject({ operationType: 'UntagResource', status: 'Succeeded' });
    const { tags } = await getDb('cli-one');
    expect([...tags].sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'env', value: 'prod' },
      { key: 'suite', value: 'changed' },
    ]);
  });

  it('takes a snapshot (two operations) and restores it into a new database holding exactly its data', async (context) => {
    if (!available) return context.skip();
    const { operations } = await awsJson<{ operations: CliOperation[] }>(
      'create-relational-database-snapshot',
      '--relational-database-name', 'cli-one',
      '--relational-database-snapshot-name', 'cli-one-snap',
      '--tags', 'key=kind,value=manual',
    );
    expect(operations.map((op) => [op.resourceType, op.resourceName, op.location.availabilityZone])).toEqual([
      ['RelationalDatabaseSnapshot', 'cli-one-snap', 'all'],
      ['RelationalDatabase', 'cli-one', 'us-east-1a'],
    ]);
    for (const operation of operations) expect((await operationDone(operation)).status).toBe('Succeeded');
    const { relationalDatabaseSnapshot: snapshot } = await awsJson<{ relationalDatabaseSnapshot: CliSnapshot }>(
      'get-relational-database-snapshot', '--relational-database-snapshot-name', 'cli-one-snap',
    );
    expect(snapshot).toMatchObject({
      name: 'cli-one-snap',
      state: 'available',
      engine: 'postgres',
      fromRelationalDatabaseName: 'cli-one',
      fromRelationalDatabaseBlueprintId: blueprintId,
      tags: [{ key: 'kind', value: 'manual' }],
    });
    expect(typeof snapshot.createdAt).toBe('number');

    const source = await getDb('cli-one');
    await insertNote(source, 'after-snapshot');
    const restore = await awsJson<{ operations: CliOperation[] }>(
      'create-relational-database-from-snapshot',
      '--relational-database-name', 'cli-restored',
      '--relational-database-snapshot-name', 'cli-one-snap',
    );
    expect(restore.operations[0]).toMatchObject({ operationType: 'CreateRelationalDatabaseFromSnapshot', resourceName: 'cli-restored' });
    const done = await operationDone(restore.operations[0]!);
    expect(done.status, done.errorDetails).toBe('Succeeded');
    const restored = await getDb('cli-restored');
    expect(restored).toMatchObject({ state: 'available', masterUsername: 'cliadmin', relationalDatabaseBlueprintId: blueprintId });
    expect(restored.masterEndpoint.port).not.toBe(source.masterEndpoint.port);
    expect(await notes(restored)).toEqual(['before-snapshot']);
  });

  it('restores a point in time with --use-latest-restorable-time: every committed row', async (context) => {
    if (!available) return context.skip();
    const source = await until('cli-one to report a latestRestorableTime', async () => {
      const db = await getDb('cli-one');
      return db.latestRestorableTime !== undefined ? db : undefined;
    }, 60_000, 300);
    expect(typeof source.latestRestorableTime).toBe('number');
    await insertNote(source, 'latest');
    const { operations } = await awsJson<{ operations: CliOperation[] }>(
      'create-relational-database-from-snapshot',
      '--relational-database-name', 'cli-pitr',
      '--source-relational-database-name', 'cli-one',
      '--use-latest-restorable-time',
    );
    const done = await operationDone(operations[0]!);
    expect(done.status, done.errorDetails).toBe('Succeeded');
    const pitr = await getDb('cli-pitr');
    expect(pitr.state).toBe('available');
    expect(await notes(pitr)).toEqual(['before-snapshot', 'after-snapshot', 'latest']);
  });

  it('reads events (auto-paginated), metric data and log streams', async (context) => {
    if (!available) return context.skip();
    type Events = { relationalDatabaseEvents: Array<{ resource: string; message: string; createdAt: unknown; eventCategories: string[] }>; nextPageToken?: string };
    const events = await awsJson<Events>('get-relational-database-events', '--relational-database-name', 'cli-one', '--duration-in-minutes', '60');
    expect(events.relationalDatabaseEvents.length).toBeGreaterThan(2);
    expect(events.nextPageToken).toBeUndefined();
    expect(events.relationalDatabaseEvents.every((event) => event.resource === 'cli-one' && typeof event.createdAt === 'number')).toBe(true);
    expect(events.relationalDatabaseEvents.map((event) => event.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/created/i), expect.stringContaining('cli-one-snap')]),
    );
    const firstPage = await awsJson<Events>('get-relational-database-events', '--relational-database-name', 'cli-one', '--no-paginate');
    expect(firstPage.relationalDatabaseEvents).toHaveLength(2);
    expect(firstPage.nextPageToken).toEqual(expect.any(String));

    type Metrics = { metricName: string; metricData: Array<{ timestamp: unknown; unit: string; average?: number; maximum?: number }> };
    const metrics = await until('CPUUtilization datapoints', async () => {
      const now = Math.floor(Date.now() / 1000);
      const result = await awsJson<Metrics>(
        'get-relational-database-metric-data',
        '--relational-database-name', 'cli-one',
        '--metric-name', 'CPUUtilization',
        '--period', '60',
        '--start-time', String(now - 600),
        '--end-time', String(now + 60),
        '--unit', 'Percent',
        '--statistics', 'Average', 'Maximum',
      );
      return result.metricData.length > 0 ? result : undefined;
    }, 60_000, 500);
    expect(metrics.metricName).toBe('CPUUtilization');
    for (const point of metrics.metricData) {
      expect(typeof point.timestamp).toBe('number');
      expect(point.unit).toBe('Percent');
      expect(point.average).toBeGreaterThanOrEqual(0);
      expect(point.maximum).toBeLessThanOrEqual(100);
    }

    const { logStreams } = await awsJson<{ logStreams: string[] }>('get-relational-database-log-streams', '--relational-database-name', 'cli-one');
    expect(logStreams).toContain('postgresql');
  });

  it('prints service errors as "An error occurred (<Exception>)" with exit status 255, and validates the period client-side', async (context) => {
    if (!available) return context.skip();
    const missing = await aws('get-relational-database', '--relational-database-name', 'cli-nope');
    expect(missing.code).toBe(255);
    expect(missing.stderr).toMatch(/An error occurred \(NotFoundException\) when calling the GetRelationalDatabase operation: .*cli-nope/);
    expect(missing.stdout).toBe('');

    const invalid = await aws(
      'create-relational-database',
      '--relational-database-name', 'cli-bad',
      '--relational-database-blueprint-id', blueprintId,
      '--relational-database-bundle-id', 'micro_2_0',
      '--master-database-name', 'app',
      '--master-username', 'select',
    );
    expect(invalid.code).toBe(255);
    expect(invalid.stderr).toMatch(/An error occurred \(InvalidInputException\) when calling the CreateRelationalDatabase operation: .*masterUsername/);

    // A period below the model's minimum never leaves the CLI.
    const before = requestCount(berth, 'GetRelationalDatabaseMetricData');
    const tooShort = await aws(
      'get-relational-database-metric-data',
      '--relational-database-name', 'cli-one',
      '--metric-name', 'CPUUtilization',
      '--period', '10',
      '--start-time', '1700000000',
      '--end-time', '1700000600',
      '--unit', 'Percent',
      '--statistics', 'Average',
    );
    expect(tooShort.code).toBe(255);
    expect(tooShort.stderr).toContain('valid min value: 60');
    // A period over the maximum is not checked by the CLI: berth answers it.
    const tooLong = await aws(
      'get-relational-database-metric-data',
      '--relational-database-name', 'cli-one',
      '--metric-name', 'CPUUtilization',
      '--period', '86401',
      '--start-time', '1700000000',
      '--end-time', '1700086401',
      '--unit', 'Percent',
      '--statistics', 'Average',
    );
    expect(tooLong.code).toBe(255);
    expect(tooLong.stderr).toContain('An error occurred (InvalidInputException) when calling the GetRelationalDatabaseMetricData operation');
    // Exactly one of the two reached berth (its request log line may trail the response a little).
    await until('the refused metric request in berth\'s log', async () => requestCount(berth, 'GetRelationalDatabaseMetricData') >= before + 1 || undefined, 5_000, 50);
    expect(requestCount(berth, 'GetRelationalDatabaseMetricData')).toBe(before + 1);
  });

  it('deletes with --skip-final-snapshot, with a named final snapshot, and with the default final snapshot', async (context) => {
    if (!available) return context.skip();
    type Snapshots = { relationalDatabaseSnapshots: CliSnapshot[] };
    const snapshotNames = async () => (await awsJson<Snapshots>('get-relational-database-snapshots')).relationalDatabaseSnapshots.map((s) => s.name);
    expect(await snapshotNames()).toEqual(['cli-one-snap']);

    const skipped = await awsJson<{ operations: CliOperation[] }>('delete-relational-database', '--relational-database-name', 'cli-two', '--skip-final-snapshot');
    expect(skipped.operations.map((op) => op.operationType)).toEqual(['DeleteRelationalDatabase']);
    expect((await operationDone(skipped.operations[0]!)).status).toBe('Succeeded');
    const gone = await aws('get-relational-database', '--relational-database-name', 'cli-two');
    expect(gone.code).toBe(255);
    expect(gone.stderr).toContain('An error occurred (NotFoundException)');
    expect(await snapshotNames()).toEqual(['cli-one-snap']);

    const named = await awsJson<{ operations: CliOperation[] }>(
      'delete-relational-database', '--relational-database-name', 'cli-three', '--final-relational-database-snapshot-name', 'cli-three-final',
    );
    expect(named.operations.map((op) => [op.operationType, op.resourceName])).toEqual([
      ['DeleteRelationalDatabase', 'cli-three'],
      ['CreateRelationalDatabaseSnapshot', 'cli-three'],
      ['CreateRelationalDatabaseSnapshot', 'cli-three-final'],
    ]);
    for (const operation of named.operations) expect((await operationDone(operation)).status).toBe('Succeeded');
    const final = await awsJson<{ relationalDatabaseSnapshot: CliSnapshot }>(
      'get-relational-database-snapshot', '--relational-database-snapshot-name', 'cli-three-final',
    );
    expect(final.relationalDatabaseSnapshot).toMatchObject({ state: 'available', fromRelationalDatabaseName: 'cli-three' });
    expect((await aws('get-relational-database', '--relational-database-name', 'cli-three')).code).toBe(255);

    // Neither flag: Lightsail's default, a final snapshot named <db>-FinalSnapshot-<epoch ms>.
    const implicit = await awsJson<{ operations: CliOperation[] }>('delete-relational-database', '--relational-database-name', 'cli-restored');
    expect(implicit.operations).toHaveLength(3);
    for (const operation of implicit.operations) expect((await operationDone(operation)).status).toBe('Succeeded');
    const names = await snapshotNames();
    expect(names).toHaveLength(3);
    expect(names).toEqual(expect.arrayContaining(['cli-one-snap', 'cli-three-final', expect.stringMatching(/^cli-restored-FinalSnapshot-\d{13}$/)]));

    // Clean up through the CLI too: the remaining databases and every snapshot.
    for (const name of ['cli-one', 'cli-pitr']) {
      const { operations } = await awsJson<{ operations: CliOperation[] }>('delete-relational-database', '--relational-database-name', name, '--skip-final-snapshot');
      expect((await operationDone(operations[0]!)).status).toBe('Succeeded');
    }
    for (const name of names) {
      const { operations } = await awsJson<{ operations: CliOperation[] }>('delete-relational-database-snapshot', '--relational-database-snapshot-name', name);
      expect(operations[0]).toMatchObject({ operationType: 'DeleteRelationalDatabaseSnapshot', status: 'Succeeded' });
    }
    expect(await awsJson('get-relational-databases')).toEqual({ relationalDatabases: [] });
    expect(await awsJson('get-relational-database-snapshots')).toEqual({ relationalDatabaseSnapshots: [] });
  });
});
