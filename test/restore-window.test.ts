/**
 * The restorable window opens when a database first reports available: a
 * write made a second after its creation can be restored to, for both
 * engines, standard and HA bundles. The scheduler is kept out of the way (an
 * hour between its passes), so the only base there is is the one the create
 * took.
 */
import { CreateRelationalDatabaseFromSnapshotCommand, GetRelationalDatabaseCommand, type LightsailClient } from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from './helpers/berth-process.js';
import { createDatabase } from './helpers/databases.js';
import { ENGINE_BLUEPRINT, NOTES_TABLE, engineAvailable, sql } from './helpers/sql.js';
import { operationDone } from './helpers/waiters.js';

const PASSWORD = 'Window-pass-1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the restorable window opens with the database', () => {
  let berth: BerthProcess;
  let client: LightsailClient;
  let bundle: string;

  beforeAll(async () => {
    berth = await BerthProcess.start({ extraArgs: ['--backup-check-interval-ms', '3600000', '--archive-interval-ms', '3600000'] });
    client = berth.client();
    bundle = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
  });

  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
  });

  const cases = (['postgres', 'mysql'] as const).filter(engineAvailable).flatMap((engine) =>
    (['micro_2_0', 'micro_ha_2_0'] as const).map((bundleId) => [engine, bundleId] as const),
  );

  it.each(cases)('%s on %s: a write one second after creation is restorable', async (engine, bundleId) => {
    const name = `window-${engine}-${bundleId.replace(/_/g, '-')}`;
    const db = await createDatabase(client, name, { masterUserPassword: PASSWORD, relationalDatabaseBlueprintId: ENGINE_BLUEPRINT[engine], relationalDatabaseBundleId: bundleId });
    const endpoint = { port: db.masterEndpoint!.port!, user: 'owner', database: 'app', password: PASSWORD };
    await sleep(1000);
    await sql(engine, endpoint, bundle, NOTES_TABLE[engine]);
    await sql(engine, endpoint, bundle, 'INSERT INTO notes (body) VALUES (?)', ['one second in']);
    const { operations } = await client.send(
      new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: `${name}-r`, sourceRelationalDatabaseName: name, useLatestRestorableTime: true }),
    );
    const done = await operationDone(client, operations![0]!, 180_000);
    expect(done.status, done.errorDetails).toBe('Succeeded');
    const restored = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: `${name}-r` }))).relationalDatabase!;
    const rows = await sql(engine, { ...endpoint, port: restored.masterEndpoint!.port! }, bundle, 'SELECT body FROM notes');
    expect(rows.map((row) => row.body)).toEqual(['one second in']);
  });
});
