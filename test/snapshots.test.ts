import { existsSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateRelationalDatabaseFromSnapshotCommand,
  CreateRelationalDatabaseSnapshotCommand,
  DeleteRelationalDatabaseCommand,
  DeleteRelationalDatabaseSnapshotCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseSnapshotCommand,
  GetRelationalDatabaseSnapshotsCommand,
  InvalidInputException,
  NotFoundException,
  TagResourceCommand,
  UpdateRelationalDatabaseCommand,
  type CreateRelationalDatabaseFromSnapshotCommandInput,
  type LightsailClient,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from './helpers/berth-process.js';
import type { Endpoint } from './helpers/clients.js';
import { createDatabase } from './helpers/databases.js';
import { ENGINE_BLUEPRINT, NOTES_TABLE, engineAvailable, sql } from './helpers/sql.js';
import { databaseState, operationDone, until } from './helpers/waiters.js';

const PASSWORD = 'Snapshot-pass-1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each((['postgres', 'mysql'] as const).filter(engineAvailable))('snapshots, automatic backups and point-in-time restore (%s)', (engine) => {
  let berth: BerthProcess;
  let client: LightsailClient;
  let bundle: string;
  let source: RelationalDatabase;
  let betweenAAndB: Date;

  const endpointOf = (db: RelationalDatabase): Endpoint => ({ port: db.masterEndpoint!.port!, user: 'owner', database: 'app', password: PASSWORD });
  const describeDb = async (name: string) => (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;
  const rows = async (db: RelationalDatabase) =>
    (await sql(engine, endpointOf(db), bundle, 'SELECT body FROM notes ORDER BY id')).map((row) => row.body);
  const insert = async (db: RelationalDatabase, ...bodies: string[]) => {
    for (const body of bodies) await sql(engine, endpointOf(db), bundle, 'INSERT INTO notes (body) VALUES (?)', [body]);
  };
  /** Restores into a new database and returns it once available (or the failed operation). */
  async function restore(input: CreateRelationalDatabaseFromSnapshotCommandInput) {
    const { operations } = await client.send(new CreateRelationalDatabaseFromSnapshotCommand(input));
    expect(operations![0]).toMatchObject({ operationType: 'CreateRelationalDatabaseFromSnapshot', status: 'Started' });
    const done = await operationDone(client, operations![0]!, 120_000);
    return { done, db: done.status === 'Succeeded' ? await describeDb(input.relationalDatabaseName!) : undefined };
  }

  beforeAll(async () => {
    berth = await BerthProcess.start({ pageSize: 2, extraArgs: ['--backup-check-interval-ms', '200', '--archive-interval-ms', '500'] });
    client = berth.client();
    bundle = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
    source = await createDatabase(client, 'source-db', {
      masterUserPassword: PASSWORD,
      relationalDatabaseBundleId: 'small_2_0',
      relationalDatabaseBlueprintId: ENGINE_BLUEPRINT[engine],
    });
    await sql(engine, endpointOf(source), bundle, NOTES_TABLE[engine]);
  });

  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
  });

  it('retains backups by default: latestRestorableTime appears and advances as writes happen', async () => {
    const first = await until('a latest restorable time', async () => (await describeDb('source-db')).latestRestorableTime);
    await insert(source, 'A1', 'A2');
    await sleep(1100);
    betweenAAndB = new Date();
    await sleep(1100);
    await insert(source, 'B1');
    const afterB = Date.now();
    const advanced = await until('latestRestorableTime to pass the B rows', async () => {
      const latest = (await describeDb('source-db')).latestRestorableTime;
      return latest && latest.getTime() >= afterB ? latest : undefined;
    });
    expect(advanced.getTime()).toBeGreaterThan(first.getTime());
  });

  it('restores to a point in time: rows committed before it, none after', async () => {
    const { done, db } = await restore({ relationalDatabaseName: 'pitr-db', sourceRelationalDatabaseName: 'source-db', restoreTime: betweenAAndB });
    expect(done.status, done.errorDetails).toBe('Succeeded');
    expect(db).toMatchObject({ state: 'available', engine, masterUsername: 'owner', relationalDatabaseBundleId: 'small_2_0' });
    expect(db!.masterEndpoint!.port).not.toBe(source.masterEndpoint!.port);
    expect(await rows(db!)).toEqual(['A1', 'A2']);
  });

  it('restores to the latest restorable time: every committed row', async () => {
    await insert(source, 'B2');
    const { done, db } = await restore({ relationalDatabaseName: 'latest-db', sourceRelationalDatabaseName: 'source-db', useLatestRestorableTime: true });
    expect(done.status, done.errorDetails).toBe('Succeeded');
    expect(await rows(db!)).toEqual(['A1', 'A2', 'B1', 'B2']);
  });

  it('refuses a restore time outside the restorable range, naming the range', async () => {
    const attempt = client.send(
      new CreateRelationalDatabaseFromSnapshotCommand({
        relationalDatabaseName: 'too-early',
        sourceRelationalDatabaseName: 'source-db',
        restoreTime: new Date(Date.now() - 3600_000),
      }),
    );
    await expect(attempt).rejects.toBeInstanceOf(InvalidInputException);
    await expect(attempt).rejects.toMatchObject({ message: expect.stringMatching(/outside the restorable range.*from \d{4}-.* to \d{4}-/) });
    await expect(
      client.send(
        new CreateRelationalDatabaseFromSnapshotCommand({
          relationalDatabaseName: 'both',
          sourceRelationalDatabaseName: 'source-db',
          restoreTime: betweenAAndB,
          useLatestRestorableTime: true,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputException', code: 'InvalidParameterCombination' });
    await expect(client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'too-early' }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it('takes a manual snapshot (two operations, backing-up, then available) and restores exactly its data', async () => {
    const { operations } = await client.send(
      new CreateRelationalDatabaseSnapshotCommand({
        relationalDatabaseName: 'source-db',
        relationalDatabaseSnapshotName: 'manual-1',
        tags: [{ key: 'kind', value: 'manual' }],
      }),
    );
    expect(operations).toHaveLength(2);
    expect(operations![0]).toMatchObject({
      resourceName: 'manual-1',
      resourceType: 'RelationalDatabaseSnapshot',
      operationDetails: 'source-db',
      location: { availabilityZone: 'all' },
      operationType: 'CreateRelationalDatabaseSnapshot',
    });
    expect(operations![1]).toMatchObject({ resourceName: 'source-db', resourceType: 'RelationalDatabase', operationDetails: 'manual-1' });
    expect(['backing-up', 'available']).toContain((await describeDb('source-db')).state);
    for (const operation of operations!) expect((await operationDone(client, operation)).status).toBe('Succeeded');
    expect((await describeDb('source-db')).state).toBe('available');

    const { relationalDatabaseSnapshot } = await client.send(new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: 'manual-1' }));
    expect(relationalDatabaseSnapshot).toMatchObject({
      name: 'manual-1',
      state: 'available',
      resourceType: 'RelationalDatabaseSnapshot',
      engine: engine === 'postgres' ? 'postgres' : 'mysql',
      fromRelationalDatabaseName: 'source-db',
      fromRelationalDatabaseArn: source.arn,
      fromRelationalDatabaseBundleId: 'small_2_0',
      fromRelationalDatabaseBlueprintId: ENGINE_BLUEPRINT[engine],
      location: { availabilityZone: 'all', regionName: 'us-east-1' },
      tags: [{ key: 'kind', value: 'manual' }],
      sizeInGb: 80,
    });
    expect(relationalDatabaseSnapshot!.arn).toMatch(/:RelationalDatabaseSnapshot\/[0-9a-f-]{36}$/);

    await insert(source, 'C-after-snapshot');
    await expect(
      client.send(
        new CreateRelationalDatabaseFromSnapshotCommand({
          relationalDatabaseName: 'too-small',
          relationalDatabaseSnapshotName: 'manual-1',
          relationalDatabaseBundleId: 'micro_2_0',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputException', message: expect.stringContaining('smaller') });
    const { done, db } = await restore({
      relationalDatabaseName: 'from-manual',
      relationalDatabaseSnapshotName: 'manual-1',
      relationalDatabaseBundleId: 'medium_2_0',
    });
    expect(done.status, done.errorDetails).toBe('Succeeded');
    expect(db!.relationalDatabaseBundleId).toBe('medium_2_0');
    expect(await rows(db!)).toEqual(['A1', 'A2', 'B1', 'B2']);
  });

  it('lists snapshots with pages, tags them, and deletes one with its files', async () => {
    for (const name of ['manual-2', 'manual-3']) {
      const { operations } = await client.send(
        new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: 'source-db', relationalDatabaseSnapshotName: name }),
      );
      await operationDone(client, operations![0]!);
    }
    const names: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await client.send(new GetRelationalDatabaseSnapshotsCommand({ pageToken }));
      expect(page.relationalDatabaseSnapshots!.length).toBeLessThanOrEqual(2);
      names.push(...page.relationalDatabaseSnapshots!.map((snapshot) => snapshot.name!));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(names).toEqual(['manual-1', 'manual-2', 'manual-3']);

    await client.send(new TagResourceCommand({ resourceName: 'manual-3', tags: [{ key: 'keep', value: 'no' }] }));
    const tagged = await client.send(new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: 'manual-3' }));
    expect(tagged.relationalDatabaseSnapshot!.tags).toEqual([{ key: 'keep', value: 'no' }]);

    const before = await readdir(path.join(berth.dataDir, 'snapshots'));
    const { operations } = await client.send(new DeleteRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: 'manual-3' }));
    expect(operations![0]).toMatchObject({ operationType: 'DeleteRelationalDatabaseSnapshot', status: 'Succeeded', isTerminal: true });
    const after = await readdir(path.join(berth.dataDir, 'snapshots'));
    expect(after.length).toBe(before.length - 1);
    await expect(client.send(new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: 'manual-3' }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it('fails a restore from a corrupted snapshot clearly, leaving no server behind', async () => {
    const { relationalDatabaseSnapshot } = await client.send(new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: 'manual-2' }));
    const dir = path.join(berth.dataDir, 'snapshots', relationalDatabaseSnapshot!.arn!.split('/')[1]!);
    const victim = await findDataFile(dir);
    await writeFile(victim, 'corrupted');
    const { done } = await restore({ relationalDatabaseName: 'from-corrupt', relationalDatabaseSnapshotName: 'manual-2' });
    expect(done.status).toBe('Failed');
    expect(done.errorDetails).toMatch(/checksum|corrupt/i);
    expect(done.errorDetails).toContain(path.basename(victim));
    const failed = await describeDb('from-corrupt');
    expect(failed.state).toBe('failed');
    const { operations } = await client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: 'from-corrupt', skipFinalSnapshot: true }));
    expect((await operationDone(client, operations![0]!)).status).toBe('Succeeded');
  });

  it('takes a final snapshot on delete (three operations) that restores the same data', async () => {
    const { operations } = await client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: 'latest-db' }));
    expect(operations).toHaveLength(3);
    const finalName = operations![1]!.operationDetails!;
    expect(finalName).toMatch(/^latest-db-FinalSnapshot-\d{13}$/);
    expect(operations!.map((operation) => [operation.resourceType, operation.operationType])).toEqual([
      ['RelationalDatabase', 'DeleteRelationalDatabase'],
      ['RelationalDatabase', 'CreateRelationalDatabaseSnapshot'],
      ['RelationalDatabaseSnapshot', 'CreateRelationalDatabaseSnapshot'],
    ]);
    for (const operation of operations!) expect((await operationDone(client, operation)).status).toBe('Succeeded');
    await expect(client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'latest-db' }))).rejects.toBeInstanceOf(NotFoundException);
    const snapshot = await client.send(new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: finalName }));
    expect(snapshot.relationalDatabaseSnapshot).toMatchObject({ state: 'available', fromRelationalDatabaseName: 'latest-db' });
    const { done, db } = await restore({ relationalDatabaseName: 'from-final', relationalDatabaseSnapshotName: finalName });
    expect(done.status, done.errorDetails).toBe('Succeeded');
    expect(await rows(db!)).toEqual(['A1', 'A2', 'B1', 'B2']);
  });

  it('deletes automatic backups and the archive when retention is disabled', async () => {
    const archive = path.join(berth.dataDir, 'archive', source.arn!.split('/')[1]!);
    const backups = path.join(berth.dataDir, 'backups', source.arn!.split('/')[1]!);
    expect(existsSync(archive)).toBe(true);
    expect(existsSync(backups)).toBe(true);
    const { operations } = await client.send(
      new UpdateRelationalDatabaseCommand({ relationalDatabaseName: 'source-db', disableBackupRetention: true, applyImmediately: true }),
    );
    await operationDone(client, operations![0]!);
    const db = await databaseState(client, 'source-db', 'available');
    expect(db.backupRetentionEnabled).toBe(false);
    expect(db.latestRestorableTime).toBeUndefined();
    expect(existsSync(archive)).toBe(false);
    expect(existsSync(backups)).toBe(false);
    await expect(
      client.send(new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: 'no-pitr', sourceRelationalDatabaseName: 'source-db', useLatestRestorableTime: true })),
    ).rejects.toMatchObject({ name: 'InvalidInputException', code: 'NoRestorableTime' });
  });
});

/** The largest regular file of a backup other than its manifest (a relation file). */
async function findDataFile(dir: string): Promise<string> {
  let best = { file: '', size: -1 };
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && entry.name !== 'manifest.json') {
        const { size } = await stat(full);
        if (size > best.size) best = { file: full, size };
      }
    }
  };
  await walk(dir);
  return best.file;
}
