import {
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseEventsCommand,
  GetRelationalDatabaseLogEventsCommand,
  GetRelationalDatabaseLogStreamsCommand,
  GetRelationalDatabaseMetricDataCommand,
  GetRelationalDatabaseParametersCommand,
  InvalidInputException,
  RebootRelationalDatabaseCommand,
  UpdateRelationalDatabaseCommand,
  UpdateRelationalDatabaseParametersCommand,
  type LightsailClient,
  type RelationalDatabase,
  type RelationalDatabaseMetricName,
  type RelationalDatabaseParameter,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from './helpers/berth-process.js';
import { connectVerified, type Endpoint } from './helpers/clients.js';
import { createDatabase } from './helpers/databases.js';
import { connectMysqlVerified } from './helpers/mysql.js';
import { ENGINE_BLUEPRINT, NOTES_TABLE, engineAvailable, sql, type TestEngine } from './helpers/sql.js';
import { operationDone, until } from './helpers/waiters.js';

const PASSWORD = 'Observe-pass-1';

interface EngineCase {
  /** A statement that keeps one CPU busy for a few seconds. */
  busy: string;
  /** Fills `notes` with about 40 MB. */
  fill: string;
  /** Returns about 1 MB. */
  big: string;
  failing: string;
  logStream: string;
  /** Parameters to turn on before the failing statement reaches the log (MariaDB logs statements in its general log). */
  logParameters: Array<{ parameterName: string; parameterValue: string; applyMethod: string }>;
  dynamic: { name: string; value: string; show: string };
  static: { name: string; value: string; show: string };
  streams: string[];
}

const CASES: Record<TestEngine, EngineCase> = {
  postgres: {
    busy: 'SELECT count(*) FROM generate_series(1, 40000000)',
    fill: "INSERT INTO notes (body) SELECT repeat('x', 180) FROM generate_series(1, 200000)",
    big: "SELECT repeat('y', 1000000) AS payload",
    failing: 'SELECT * FROM no_such_table_for_logs',
    logStream: 'postgresql',
    logParameters: [],
    dynamic: { name: 'work_mem', value: '8192', show: "SELECT setting AS value FROM pg_settings WHERE name = 'work_mem'" },
    static: { name: 'max_connections', value: '77', show: "SELECT setting AS value FROM pg_settings WHERE name = 'max_connections'" },
    streams: ['postgresql'],
  },
  mysql: {
    busy: "SELECT BENCHMARK(40000000, MD5('berth'))",
    fill: "INSERT INTO notes (body) SELECT REPEAT('x', 180) FROM seq_1_to_200000",
    big: "SELECT REPEAT('y', 1000000) AS payload",
    failing: 'SELECT * FROM no_such_table_for_logs',
    logStream: 'general',
    logParameters: [{ parameterName: 'general_log', parameterValue: '1', applyMethod: 'immediate' }],
    dynamic: { name: 'wait_timeout', value: '1234', show: 'SELECT @@GLOBAL.wait_timeout AS value' },
    static: { name: 'innodb_log_buffer_size', value: '8388608', show: 'SELECT @@GLOBAL.innodb_log_buffer_size AS value' },
    streams: ['error', 'general', 'slowquery'],
  },
};

describe.each((['postgres', 'mysql'] as const).filter(engineAvailable))('metrics, logs, events and parameters (%s)', (engine) => {
  const cases = CASES[engine];
  let berth: BerthProcess;
  let client: LightsailClient;
  let bundle: string;
  let db: RelationalDatabase;
  let endpoint: Endpoint;
  const run = (statement: string) => sql(engine, endpoint, bundle, statement);

  async function metric(name: RelationalDatabaseMetricName, unit: string, statistic: 'Maximum' | 'Minimum', since = new Date(Date.now() - 10 * 60_000)): Promise<number[]> {
    const { metricData } = await client.send(
      new GetRelationalDatabaseMetricDataCommand({
        relationalDatabaseName: 'observed',
        metricName: name,
        period: 60,
        startTime: since,
        endTime: new Date(Date.now() + 60_000),
        unit: unit as never,
        statistics: [statistic],
      }),
    );
    return metricData!.map((point) => (statistic === 'Maximum' ? point.maximum! : point.minimum!));
  }

  beforeAll(async () => {
    berth = await BerthProcess.start({ extraArgs: ['--metrics-interval-ms', '300', '--backup-check-interval-ms', '200'] });
    client = berth.client();
    bundle = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
    db = await createDatabase(client, 'observed', { relationalDatabaseBlueprintId: ENGINE_BLUEPRINT[engine], masterUserPassword: PASSWORD });
    endpoint = { port: db.masterEndpoint!.port!, user: 'owner', database: 'app', password: PASSWORD };
    await run(NOTES_TABLE[engine]);
  });
  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
  });

  it('counts connections as they open', async () => {
    const held = await Promise.all(Array.from({ length: 5 }, () => openSession(engine, endpoint, bundle)));
    try {
      const maxima = await until('DatabaseConnections >= 5', async () => {
        const values = await metric('DatabaseConnections', 'Count', 'Maximum');
        return values.some((value) => value >= 5) ? values : undefined;
      });
      expect(Math.max(...maxima)).toBeGreaterThanOrEqual(5);
    } finally {
      await Promise.all(held.map((close) => close()));
    }
  });

  it('shows CPU load while a query burns CPU, and network bytes for a large result', async () => {
    await run(cases.busy);
    await run(cases.big);
    const cpu = await until('a CPUUtilization sample above 20%', async () => {
      const values = await metric('CPUUtilization', 'Percent', 'Maximum');
      return values.some((value) => value > 20) ? values : undefined;
    });
    expect(Math.max(...cpu)).toBeLessThanOrEqual(100);
    const sent = await until('NetworkTransmitThroughput above zero', async () => {
      const values = await metric('NetworkTransmitThroughput', 'Bytes/Second', 'Maximum');
      return values.some((value) => value > 1000) ? values : undefined;
    });
    expect(Math.max(...sent)).toBeGreaterThan(1000);
  });

  it('sees free storage shrink after a large insert', async () => {
    // The most free space seen lately (a busy query before may have dipped it with temporary files)...
    const quiet = new Date();
    const before = await until('a FreeStorageSpace sample', async () => {
      const values = await metric('FreeStorageSpace', 'Bytes', 'Maximum', quiet);
      return values.length > 0 ? Math.max(...values) : undefined;
    });
    await run(cases.fill);
    // ...against the least free space once the rows are in.
    const after = await until('FreeStorageSpace to drop by 20 MB', async () => {
      const values = await metric('FreeStorageSpace', 'Bytes', 'Minimum', quiet);
      const least = Math.min(...values);
      return least < before - 20 * 1024 * 1024 ? least : undefined;
    });
    expect(after).toBeLessThan(before);
    await expect(
      client.send(
        new GetRelationalDatabaseMetricDataCommand({
          relationalDatabaseName: 'observed',
          metricName: 'FreeStorageSpace',
          period: 60,
          startTime: new Date(Date.now() - 600_000),
          endTime: new Date(),
          unit: 'Percent',
          statistics: ['Sum'],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputException', message: expect.stringContaining('Bytes') });
  });

  it('finds a failed statement in the engine log', async () => {
    const { logStreams } = await client.send(new GetRelationalDatabaseLogStreamsCommand({ relationalDatabaseName: 'observed' }));
    expect(logStreams).toEqual(cases.streams);
    if (cases.logParameters.length > 0) {
      await client.send(new UpdateRelationalDatabaseParametersCommand({ relationalDatabaseName: 'observed', parameters: cases.logParameters }));
    }
    const startTime = new Date(Date.now() - 2000);
    await expect(run(cases.failing)).rejects.toThrow();
    const found = await until('the failing statement in the log', async () => {
      const { resourceLogEvents } = await client.send(
        new GetRelationalDatabaseLogEventsCommand({ relationalDatabaseName: 'observed', logStreamName: cases.logStream, startTime }),
      );
      return resourceLogEvents!.find((event) => event.message!.includes('no_such_table_for_logs'));
    });
    expect(found.createdAt!.getTime()).toBeGreaterThanOrEqual(startTime.getTime() - 1000);
    await expect(
      client.send(new GetRelationalDatabaseLogEventsCommand({ relationalDatabaseName: 'observed', logStreamName: 'nonsense' })),
    ).rejects.toBeInstanceOf(InvalidInputException);
  });

  it('applies a dynamic parameter at once and a static one only after a reboot', async () => {
    const all: RelationalDatabaseParameter[] = [];
    let pageToken: string | undefined;
    do {
      const page = await client.send(new GetRelationalDatabaseParametersCommand({ relationalDatabaseName: 'observed', pageToken }));
      all.push(...page.parameters!);
      pageToken = page.nextPageToken;
    } while (pageToken);
    const byName = new Map(all.map((parameter) => [parameter.parameterName, parameter]));
    expect(byName.get(cases.dynamic.name)).toMatchObject({ applyType: 'dynamic', isModifiable: true });
    expect(byName.get(cases.static.name)).toMatchObject({ applyType: 'static', isModifiable: true });
    expect(byName.get('port')).toMatchObject({ isModifiable: false });

    await client.send(
      new UpdateRelationalDatabaseParametersCommand({
        relationalDatabaseName: 'observed',
        parameters: [{ parameterName: cases.dynamic.name, parameterValue: cases.dynamic.value, applyMethod: 'immediate' }],
      }),
    );
    expect(String((await run(cases.dynamic.show))[0]!.value)).toBe(cases.dynamic.value);

    const staticBefore = String((await run(cases.static.show))[0]!.value);
    await client.send(
      new UpdateRelationalDatabaseParametersCommand({
        relationalDatabaseName: 'observed',
        parameters: [{ parameterName: cases.static.name, parameterValue: cases.static.value, applyMethod: 'pending-reboot' }],
      }),
    );
    expect((await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'observed' }))).relationalDatabase!.parameterApplyStatus).toBe(
      'pending-reboot',
    );
    expect(String((await run(cases.static.show))[0]!.value)).toBe(staticBefore);
    const { operations } = await client.send(new RebootRelationalDatabaseCommand({ relationalDatabaseName: 'observed' }));
    await operationDone(client, operations![0]!);
    expect(String((await run(cases.static.show))[0]!.value)).toBe(cases.static.value);
    expect((await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'observed' }))).relationalDatabase!.parameterApplyStatus).toBe(
      'in-sync',
    );
  });

  it('rejects unknown, invalid, berth-controlled and immediate-static parameters, changing nothing', async () => {
    const update = (parameterName: string, parameterValue: string, applyMethod = 'immediate') =>
      client.send(new UpdateRelationalDatabaseParametersCommand({ relationalDatabaseName: 'observed', parameters: [{ parameterName, parameterValue, applyMethod }] }));
    const dynamicNow = String((await run(cases.dynamic.show))[0]!.value);
    await expect(update('no_such_parameter', '1')).rejects.toMatchObject({ name: 'InvalidInputException', message: expect.stringContaining('no_such_parameter') });
    await expect(update(cases.dynamic.name, 'not-a-number')).rejects.toBeInstanceOf(InvalidInputException);
    await expect(update('port', '5999', 'pending-reboot')).rejects.toMatchObject({ name: 'InvalidInputException', message: expect.stringContaining('port') });
    await expect(update(cases.static.name, cases.static.value, 'immediate')).rejects.toMatchObject({
      name: 'InvalidInputException',
      message: expect.stringContaining('pending-reboot'),
    });
    expect(String((await run(cases.dynamic.show))[0]!.value)).toBe(dynamicNow);
  });

  it('records an event for each kind of thing that happened', async () => {
    const { operations } = await client.send(
      new UpdateRelationalDatabaseCommand({ relationalDatabaseName: 'observed', caCertificateIdentifier: 'rds-ca-ecc384-g1', applyImmediately: true, rotateMasterUserPassword: true }),
    );
    await operationDone(client, operations![0]!);
    const relationalDatabaseEvents = await until('a backup event', async () => {
      const { relationalDatabaseEvents: events } = await client.send(
        new GetRelationalDatabaseEventsCommand({ relationalDatabaseName: 'observed', durationInMinutes: 60 }),
      );
      return events!.some((event) => event.eventCategories!.includes('backup')) ? events : undefined;
    });
    const messages = relationalDatabaseEvents.map((event) => event.message!).join('\n');
    for (const expected of [/created/i, /backup/i, /Parameters updated/, /rebooted/i, /rotated/i, /password was changed/i]) {
      expect(messages).toMatch(expected);
    }
    expect(relationalDatabaseEvents.every((event) => event.resource === 'observed' && event.createdAt instanceof Date)).toBe(true);
    await expect(
      client.send(new GetRelationalDatabaseEventsCommand({ relationalDatabaseName: 'observed', durationInMinutes: 20161 })),
    ).rejects.toBeInstanceOf(InvalidInputException);
  });

  it('exposes Prometheus metrics and logs one JSON line per request without secrets', async () => {
    const text = await (await fetch(`${berth.url}/metrics`)).text();
    expect(text).toMatch(/berth_api_requests_total\{operation="GetRelationalDatabaseMetricData",status="200"\} \d+/);
    expect(text).toMatch(/berth_databases\{state="available"\} 1/);
    expect(text).toMatch(/berth_api_request_duration_seconds_bucket/);
    expect(text).toMatch(/berth_operations_in_flight \d+/);
    const lines = berth.output.split('\n').filter((line) => line.startsWith('{'));
    const requests = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((record) => record.msg === 'request');
    expect(requests.some((record) => record.operation === 'CreateRelationalDatabase' && record.status === 200)).toBe(true);
    expect(berth.output).not.toContain(PASSWORD);
  });
});

/** Opens a session that stays open until the returned function is called. */
async function openSession(engine: TestEngine, endpoint: Endpoint, ca: string): Promise<() => Promise<void>> {
  if (engine === 'postgres') {
    const client = await connectVerified(endpoint, ca);
    return () => client.end();
  }
  const connection = await connectMysqlVerified(endpoint, ca);
  return () => connection.end();
}
