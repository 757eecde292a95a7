/**
 * Backups that survive losing the host, against a real S3-protocol server
 * (s3rver, started here on 127.0.0.1) and against a file store: snapshots,
 * automatic backups and the archive go to the store sealed; the host is lost
 * (berth and its servers killed with -9, the data dir removed); a brand-new
 * berth with nothing but the store, its endpoint and the key lists and
 * restores the store's snapshots and recovers every database to its latest
 * restorable time. A wrong key is refused before anything changes; a
 * corrupted object fails the restore that needs it, naming it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateRelationalDatabaseFromSnapshotCommand,
  CreateRelationalDatabaseSnapshotCommand,
  DeleteRelationalDatabaseSnapshotCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseSnapshotsCommand,
  type LightsailClient,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BackupKeyring } from '../src/backup-store/keyring.js';
import { openRepository } from '../src/backup-store/open-repository.js';
import type { BackupRepository } from '../src/backup-store/repository.js';
import { BackupVault } from '../src/backup-store/vault.js';
import { storeLayout } from '../src/backup-store/layout.js';
import type { StoredDatabaseEntry, StoredSnapshotEntry } from '../src/control/offsite.js';
import { signedCall } from '../src/cli/signed-call.js';
import { ADMIN_TARGET_PREFIX } from '../src/gateway/pipeline.js';
import type { RecoveryReport } from '../src/services/recover.js';
import { BERTH_BIN, BerthProcess } from './helpers/berth-process.js';
import { execFileAsync } from './helpers/clients.js';
import type { Endpoint } from './helpers/clients.js';
import { createDatabase, eventMessages } from './helpers/databases.js';
import { startS3Server, type S3TestServer } from './helpers/s3-server.js';
import { ENGINE_BLUEPRINT, NOTES_TABLE, engineAvailable, sql, type TestEngine } from './helpers/sql.js';
import { databaseState, operationDone, until } from './helpers/waiters.js';

const PASSWORD = 'Offsite-pass-1';
const ENGINES = (['postgres', 'mysql'] as const).filter(engineAvailable);
/** A text that must never appear in the store in the clear. */
const MARKER = `plaintext-marker-${randomBytes(6).toString('hex')}`;
const ARCHIVE_INTERVAL_MS = 1000;
/** Small, so that a few MB of writes fill the spool. */
const SPOOL_LIMIT_MB = 1;
/** About 4 MB of random hex in 8000 rows: it compresses to about half, past the spool's limit. */
const FILLER: Record<TestEngine, { table: string; insert: string }> = {
  postgres: {
    table: 'CREATE TABLE IF NOT EXISTS filler (b text)',
    insert: "INSERT INTO filler SELECT (SELECT string_agg(md5(random()::text || g::text || s::text), '') FROM generate_series(1, 16) s) FROM generate_series(1, 8000) g",
  },
  mysql: {
    table: 'CREATE TABLE IF NOT EXISTS filler (b TEXT)',
    insert: `INSERT INTO filler SELECT CONCAT(${Array.from({ length: 16 }, () => 'MD5(RAND())').join(', ')}) FROM seq_1_to_8000`,
  },
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface StoreUnderTest {
  url: string;
  args: string[];
  repository: BackupRepository;
  /** The store becomes unusable for a while (nothing in it is lost). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

async function fileStore(root: string): Promise<StoreUnderTest> {
  const dir = path.join(root, 'store');
  const url = `file://${dir}`;
  return {
    url,
    args: ['--backup-store', url],
    repository: openRepository(url),
    // The disk is gone: a plain file where the store's directory was.
    pause: async () => {
      await rename(dir, `${dir}.away`);
      await writeFile(dir, 'not a directory');
    },
    resume: async () => {
      await rm(dir);
      await rename(`${dir}.away`, dir);
    },
    stop: async () => {},
  };
}

async function s3Store(): Promise<StoreUnderTest> {
  const server: S3TestServer = await startS3Server();
  const url = `s3://${server.bucket}/team-a/berth`;
  return {
    url,
    args: ['--backup-store', url, '--backup-store-endpoint', server.endpoint],
    repository: openRepository(url, { endpoint: server.endpoint }),
    pause: () => server.pause(),
    resume: () => server.resume(),
    stop: () => server.stop(),
  };
}

describe.each([
  ['file', fileStore],
  ['s3', s3Store],
] as const)('backups in a %s store survive losing the host', (_kind, makeStore) => {
  let root: string;
  let store: StoreUnderTest;
  let keyFile: string;
  let berth: BerthProcess;
  let client: LightsailClient;
  let bundle: string;
  /** Per engine: the rows committed, and up to when the store could restore them when the host was lost. */
  const committed = new Map<TestEngine, string[]>();
  const restorableAtLoss = new Map<TestEngine, Date>();

  const endpointOf = (db: RelationalDatabase): Endpoint => ({ port: db.masterEndpoint!.port!, user: 'owner', database: 'app', password: PASSWORD });
  const describeDb = async (name: string) => (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;
  const rows = async (engine: TestEngine, name: string) =>
    (await sql(engine, endpointOf(await describeDb(name)), bundle, 'SELECT body FROM notes ORDER BY id')).map((row) => String(row.body));
  const launch = async (extra: string[] = []) => {
    berth = await BerthProcess.start({
      extraArgs: [
        ...store.args, '--backup-key-file', keyFile, '--backup-check-interval-ms', '200', '--archive-interval-ms', String(ARCHIVE_INTERVAL_MS),
        '--backup-spool-max-mb', String(SPOOL_LIMIT_MB), ...extra,
      ],
    });
    client = berth.client();
    bundle = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
  };
  const storedKeys = async () => (await store.repository.list('')).map((object) => object.key);
  const events = (name: string) => eventMessages(client, name);
  /** A moment while the store was down, between two writes. */
  let insideOutage: Date;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'berth-test-store-'));
    store = await makeStore(root);
    keyFile = path.join(root, 'backup.key');
    await BackupKeyring.generate(keyFile);
    await launch();
  });

  afterEach((context) => {
    if (context.task.result?.state === 'fail') console.error(`berth's last lines:\n${berth?.lastLines(60)}`);
  });

  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
    await store?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('sends snapshots, automatic backups and the archive to the store, sealed: no plaintext in any object', async () => {
    for (const engine of ENGINES) {
      const db = await createDatabase(client, `db-${engine}`, { masterUserPassword: PASSWORD, relationalDatabaseBlueprintId: ENGINE_BLUEPRINT[engine] });
      await sql(engine, endpointOf(db), bundle, NOTES_TABLE[engine]);
      await sql(engine, endpointOf(db), bundle, 'INSERT INTO notes (body) VALUES (?)', [MARKER]);
      for (const name of [`snap-${engine}`, `spare-${engine}`]) {
        await client.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: `db-${engine}`, relationalDatabaseSnapshotName: name }));
        await databaseState(client, `db-${engine}`, 'available', 120_000);
      }
      committed.set(engine, [MARKER]);
    }
    for (const engine of ENGINES) {
      await until(`the snapshots of ${engine}`, async () => {
        const { relationalDatabaseSnapshots } = await client.send(new GetRelationalDatabaseSnapshotsCommand({}));
        const mine = relationalDatabaseSnapshots!.filter((snapshot) => snapshot.fromRelationalDatabaseName === `db-${engine}`);
        return mine.length === 2 && mine.every((snapshot) => snapshot.state === 'available') ? true : undefined;
      }, 120_000);
    }
    const keys = await storedKeys();
    expect(keys).toContain('berth-store.json');
    expect(keys.filter((key) => /^catalog\/us-east-1\/snapshots\/[0-9a-f-]+\.json$/.test(key))).toHaveLength(2 * ENGINES.length);
    await until('an automatic backup and the archive of each database in the store', async () => {
      const now = await storedKeys();
      const backups = now.filter((key) => /^catalog\/us-east-1\/databases\/[0-9a-f-]+\/backups\/[0-9a-f-]+\.json$/.test(key));
      const archives = now.filter((key) => /^catalog\/us-east-1\/databases\/[0-9a-f-]+\/archive\.json$/.test(key));
      return backups.length >= ENGINES.length && archives.length >= ENGINES.length ? true : undefined;
    }, 120_000);
    const all = await storedKeys();
    expect(all.some((key) => key.startsWith('data/archive/'))).toBe(true);
    for (const key of all) {
      const bytes = (await store.repository.getBytes(key))!;
      expect(bytes.includes(MARKER), `${key} holds the marker in the clear`).toBe(false);
      if (key !== 'berth-store.json') expect(bytes.subarray(0, 9).toString(), key).toBe('BERTHSEAL');
    }
  });

  it('deleting a snapshot deletes it from the store', async () => {
    const engine = ENGINES[0]!;
    const before = await storedKeys();
    await client.send(new DeleteRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: `spare-${engine}` }));
    const after = await storedKeys();
    expect(after.length).toBeLessThan(before.length);
    expect(after.filter((key) => /^catalog\/us-east-1\/snapshots\//.test(key))).toHaveLength(2 * ENGINES.length - 1);
  });

  it('never shows an interrupted upload as a backup: after kill -9 of berth mid-upload the restarted berth completes it', async () => {
    const engine = ENGINES[0]!;
    const name = `killed-${engine}`;
    await client.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: `db-${engine}`, relationalDatabaseSnapshotName: name }));
    const snapshotId = await until('the snapshot', async () =>
      (await client.send(new GetRelationalDatabaseSnapshotsCommand({}))).relationalDatabaseSnapshots!.find((snapshot) => snapshot.name === name)?.arn?.split('/').at(-1),
    );
    const entry = `catalog/us-east-1/snapshots/${snapshotId}.json`;
    await until('the upload under way', async () => ((await storedKeys()).some((key) => key.startsWith(`data/snapshots/${snapshotId}/`)) ? true : undefined), 60_000, 5);
    await berth.kill();
    const afterKill = new Set(await storedKeys());
    expect(afterKill.has(entry), 'the upload was over before the kill: nothing was interrupted').toBe(false);

    await berth.launch();
    client.destroy();
    client = berth.client();
    await until('the snapshot available again', async () => {
      const found = (await client.send(new GetRelationalDatabaseSnapshotsCommand({}))).relationalDatabaseSnapshots!.find((snapshot) => snapshot.name === name);
      return found?.state === 'available' ? true : undefined;
    }, 120_000);
    const vault = new BackupVault(store.repository, await BackupKeyring.load(keyFile), path.join(root, 'staging'));
    const stored = await until('the catalog entry', () => vault.getEntry<StoredSnapshotEntry>(entry), 60_000);
    const keys = new Set(await storedKeys());
    expect(stored.files.length).toBeGreaterThan(10);
    expect(stored.files.filter((file) => !keys.has(`data/snapshots/${snapshotId}/${file.path}`))).toEqual([]);
    await client.send(new DeleteRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: name }));
  });

  it('keeps the archive in the local spool while the store is down, says so, and ships it when it is back: no gap', async () => {
    const engine = ENGINES[0]!;
    const name = `db-${engine}`;
    const before = (await describeDb(name)).latestRestorableTime!;
    await store.pause();
    let resumed = false;
    let lastWrite = 0;
    try {
      const db = await describeDb(name);
      await sql(engine, endpointOf(db), bundle, 'INSERT INTO notes (body) VALUES (?)', ['during-outage-1']);
      await sleep(1100);
      insideOutage = new Date();
      await sleep(1100);
      await sql(engine, endpointOf(db), bundle, 'INSERT INTO notes (body) VALUES (?)', ['during-outage-2']);
      lastWrite = Date.now();
      committed.get(engine)!.push('during-outage-1', 'during-outage-2');
      await until('an event about the spool', async () => ((await events(name)).some((m) => /^The backup store cannot take the archive/.test(m)) ? true : undefined), 30_000);
      const spooled = await until('the spool on /metrics', async () => {
        const text = await (await fetch(`${berth.url}/metrics`)).text();
        const match = new RegExp(`berth_backup_spool_bytes\\{database="${name}",region="us-east-1"\\} (\\d+)`).exec(text);
        return match && Number(match[1]) > 0 ? { bytes: Number(match[1]), text } : undefined;
      }, 30_000);
      expect(spooled.text).toContain('berth_backup_store_reachable 0');
      // Honest: the restorable time does not pass what the store holds.
      expect((await describeDb(name)).latestRestorableTime!.getTime()).toBeLessThan(insideOutage.getTime());
      expect((await describeDb(name)).latestRestorableTime!.getTime()).toBeGreaterThanOrEqual(before.getTime());
      await store.resume();
      resumed = true;
    } finally {
      if (!resumed) await store.resume();
    }
    // Everything written while the store was down becomes restorable once it is back.
    await until('the restorable time past the last write of the outage', async () => {
      const latest = (await describeDb(name)).latestRestorableTime;
      return latest && latest.getTime() >= lastWrite ? true : undefined;
    }, 60_000);
    expect((await events(name)).some((m) => /^The backup store is reachable again/.test(m))).toBe(true);
    expect(await (await fetch(`${berth.url}/metrics`)).text()).toContain('berth_backup_store_reachable 1');
  });

  it('bounds the spool: once full, nothing more is archived until the store takes it; the database keeps working and nothing is lost', async () => {
    const spoolOf = async (name: string) => {
      const text = await (await fetch(`${berth.url}/metrics`)).text();
      const match = new RegExp(`berth_backup_spool_bytes\\{database="${name}",region="us-east-1"\\} (\\d+)`).exec(text);
      return match ? Number(match[1]) : 0;
    };
    expect(await (await fetch(`${berth.url}/metrics`)).text()).toContain(`berth_backup_spool_limit_bytes ${SPOOL_LIMIT_MB * 1024 * 1024}`);
    for (const engine of ENGINES) {
      const name = `db-${engine}`;
      const endpoint = endpointOf(await describeDb(name));
      await sql(engine, endpoint, bundle, FILLER[engine].table);
      await store.pause();
      let resumed = false;
      let lastWrite = 0;
      try {
        await sql(engine, endpoint, bundle, FILLER[engine].insert);
        await sql(engine, endpoint, bundle, 'INSERT INTO notes (body) VALUES (?)', [`spool-full-${engine}-1`]);
        committed.get(engine)!.push(`spool-full-${engine}-1`);
        await until('an event about the full spool', async () => ((await events(name)).some((m) => /^The archive spool is full/.test(m)) ? true : undefined), 60_000);
        await sleep(2.5 * ARCHIVE_INTERVAL_MS);
        const full = await spoolOf(name);
        expect(full).toBeGreaterThanOrEqual(SPOOL_LIMIT_MB * 1024 * 1024);
        // The database goes on; what it writes now stays with the engine, not in the spool.
        await sql(engine, endpoint, bundle, FILLER[engine].insert);
        await sql(engine, endpoint, bundle, 'INSERT INTO notes (body) VALUES (?)', [`spool-full-${engine}-2`]);
        lastWrite = Date.now();
        committed.get(engine)!.push(`spool-full-${engine}-2`);
        await sleep(3.5 * ARCHIVE_INTERVAL_MS);
        expect(await spoolOf(name)).toBe(full);
        expect((await describeDb(name)).latestRestorableTime!.getTime()).toBeLessThan(lastWrite);
        await store.resume();
        resumed = true;
      } finally {
        if (!resumed) await store.resume();
      }
      // The spool drains, archiving goes on, and what the engine kept meanwhile becomes restorable.
      await until(`the restorable time of ${name} past the writes made while the spool was full`, async () => {
        const latest = (await describeDb(name)).latestRestorableTime;
        return latest && latest.getTime() >= lastWrite ? true : undefined;
      }, 90_000);
      expect(await spoolOf(name)).toBe(0);
    }
  });

  it('loses the host: a brand-new berth lists the store snapshots, restores one, and recovers every database to its latest restorable time', async () => {
    // Writes after the snapshots: only the archive can bring them back.
    for (const engine of ENGINES) {
      const db = await describeDb(`db-${engine}`);
      for (const body of ['after-snapshot-1', 'after-snapshot-2']) {
        await sql(engine, endpointOf(db), bundle, 'INSERT INTO notes (body) VALUES (?)', [body]);
        committed.get(engine)!.push(body);
      }
    }
    const writtenAt = Date.now();
    for (const engine of ENGINES) {
      restorableAtLoss.set(engine, await until(`the store to reach the last write of ${engine}`, async () => {
        const latest = (await describeDb(`db-${engine}`)).latestRestorableTime;
        return latest && latest.getTime() >= writtenAt ? latest : undefined;
      }, 60_000));
    }
    // A database whose first backup never reached the store (the host went first): only its catalog entry is there.
    const vault = new BackupVault(store.repository, await BackupKeyring.load(keyFile), path.join(root, 'staging'));
    const known = await describeDb(`db-${ENGINES[0]!}`);
    const knownId = known.arn!.split('/').at(-1)!;
    const knownEntry = (await vault.getEntry<StoredDatabaseEntry>(storeLayout.databaseEntry(berth.region, knownId)))!;
    const unbackedId = '00000000-0000-4000-8000-00000000beef';
    await vault.putEntry(storeLayout.databaseEntry(berth.region, unbackedId), {
      ...knownEntry, database: { ...knownEntry.database, id: unbackedId, name: 'never-backed-up' },
    } satisfies StoredDatabaseEntry);
    const lostAt = Date.now();
    const bundleBefore = bundle;
    await berth.loseHost();
    await berth.launch();
    client.destroy();
    client = berth.client();
    // The CAs come back from the store: the bundle clients hold still verifies the new servers.
    bundle = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
    expect(bundle).toBe(bundleBefore);

    const { relationalDatabaseSnapshots } = await client.send(new GetRelationalDatabaseSnapshotsCommand({}));
    expect(relationalDatabaseSnapshots!.map((snapshot) => snapshot.name).sort()).toEqual(
      [...ENGINES.map((engine) => `snap-${engine}`), ...ENGINES.slice(1).map((engine) => `spare-${engine}`)].sort(),
    );
    for (const engine of ENGINES) {
      const { operations } = await client.send(
        new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: `from-snap-${engine}`, relationalDatabaseSnapshotName: `snap-${engine}` }),
      );
      const done = await operationDone(client, operations![0]!, 180_000);
      expect(done.status, done.errorDetails).toBe('Succeeded');
      expect(await rows(engine, `from-snap-${engine}`)).toEqual([MARKER]);
    }

    const report = (await signedCall(
      { endpoint: berth.url, region: berth.region, key: { accessKeyId: berth.accessKeyId, secretAccessKey: berth.secretAccessKey } },
      `${ADMIN_TARGET_PREFIX}RecoverRelationalDatabases`,
      {},
    )) as RecoveryReport;
    expect(report.skipped).toEqual([{
      relationalDatabaseName: 'never-backed-up', region: berth.region,
      reason: 'the backup store holds no backup of it (its first backup never finished uploading)',
    }]);
    expect(report.recovered.map((entry) => entry.relationalDatabaseName).sort()).toEqual(ENGINES.map((engine) => `db-${engine}`).sort());
    for (const engine of ENGINES) {
      const entry = report.recovered.find((candidate) => candidate.relationalDatabaseName === `db-${engine}`)!;
      // What is lost is at most what the archive had not shipped when the host went.
      expect(Date.parse(entry.restoreTime)).toBeGreaterThanOrEqual(restorableAtLoss.get(engine)!.getTime() - 1000);
      expect(lostAt - Date.parse(entry.restoreTime)).toBeLessThan(60_000);
      await databaseState(client, `db-${engine}`, 'available', 180_000);
      expect(await rows(engine, `db-${engine}`)).toEqual(committed.get(engine));
    }
    // Recovering again finds nothing more to bring back.
    const again = (await signedCall(
      { endpoint: berth.url, region: berth.region, key: { accessKeyId: berth.accessKeyId, secretAccessKey: berth.secretAccessKey } },
      `${ADMIN_TARGET_PREFIX}RecoverRelationalDatabases`,
      {},
    )) as RecoveryReport;
    expect(again.recovered).toEqual([]);
  });

  it('rotates the backup key: new objects are sealed with the new key, older ones still restore', async () => {
    const engine = ENGINES[0]!;
    const oldKey = (await BackupKeyring.load(keyFile)).current.id;
    const rotated = await execFileAsync(process.execPath, [BERTH_BIN, 'backup', 'rotate-key', '--backup-key-file', keyFile]);
    expect(rotated.stdout).toMatch(/New backup key [0-9a-f]{16} written/);
    const newKey = (await BackupKeyring.load(keyFile)).current.id;
    expect(newKey).not.toBe(oldKey);
    await berth.restart();
    client.destroy();
    client = berth.client();
    await client.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: `db-${engine}`, relationalDatabaseSnapshotName: `rotated-${engine}` }));
    const snapshotId = await until('the new snapshot in the store', async () => {
      const found = (await client.send(new GetRelationalDatabaseSnapshotsCommand({}))).relationalDatabaseSnapshots!.find((snapshot) => snapshot.name === `rotated-${engine}`);
      return found?.state === 'available' ? found.arn!.split('/').at(-1) : undefined;
    }, 120_000);
    const keyIdOf = async (key: string) => (await store.repository.getBytes(key))!.subarray(10, 18).toString('hex');
    expect(await keyIdOf(`catalog/us-east-1/snapshots/${snapshotId}.json`)).toBe(newKey);
    // A snapshot sealed with the old key, its copy on this host gone: fetched from the store and restored.
    const old = (await client.send(new GetRelationalDatabaseSnapshotsCommand({}))).relationalDatabaseSnapshots!.find((snapshot) => snapshot.name === `snap-${engine}`)!;
    const oldId = old.arn!.split('/').at(-1)!;
    expect(await keyIdOf(`catalog/us-east-1/snapshots/${oldId}.json`)).toBe(oldKey);
    await rm(path.join(berth.dataDir, 'snapshots', oldId), { recursive: true, force: true });
    const { operations } = await client.send(new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: `old-key-${engine}`, relationalDatabaseSnapshotName: `snap-${engine}` }));
    const done = await operationDone(client, operations![0]!, 180_000);
    expect(done.status, done.errorDetails).toBe('Succeeded');
    expect(await rows(engine, `old-key-${engine}`)).toEqual([MARKER]);
  });

  it('fails a restore from a corrupted object, naming it', async () => {
    const engine = ENGINES.at(-1)!;
    if (ENGINES.length < 2) return; // the spare snapshot of the first engine was deleted above
    const keys = await storedKeys();
    const snapshot = (await client.send(new GetRelationalDatabaseSnapshotsCommand({}))).relationalDatabaseSnapshots!.find((s) => s.name === `spare-${engine}`)!;
    const id = snapshot.arn!.split('/').at(-1)!;
    const victim = keys.filter((key) => key.startsWith(`data/snapshots/${id}/`)).sort()[0]!;
    const bytes = (await store.repository.getBytes(victim))!;
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await store.repository.putBytes(victim, bytes);
    const { operations } = await client.send(
      new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: 'from-corrupt', relationalDatabaseSnapshotName: `spare-${engine}` }),
    );
    const done = await operationDone(client, operations![0]!, 120_000);
    expect(done.status).toBe('Failed');
    expect(done.errorDetails).toContain(victim);
  });

  it('refuses to start with a wrong key, and deletes nothing in the store', async () => {
    const before = await storedKeys();
    const marker = await store.repository.getBytes('berth-store.json');
    const wrongKey = path.join(root, 'wrong.key');
    await BackupKeyring.generate(wrongKey);
    let failure = '';
    try {
      const other = await BerthProcess.start({ extraArgs: [...store.args, '--backup-key-file', wrongKey] });
      await other.dispose();
    } catch (error) {
      failure = String(error);
    }
    expect(failure).toMatch(/the backup key does not open the backup store/);
    // The running berth goes on adding to the store; nothing was taken from it, and its mark is unchanged.
    const after = new Set(await storedKeys());
    expect(before.filter((key) => !after.has(key))).toEqual([]);
    expect(await store.repository.getBytes('berth-store.json')).toEqual(marker);
  });

  it('refuses to start when the store cannot be used, saying why', async () => {
    const notADir = path.join(root, 'plain-file');
    await writeFile(notADir, 'x');
    await expect(BerthProcess.start({ extraArgs: ['--backup-store', `file://${notADir}`] })).rejects.toThrow(/not a directory/);
  });
});
