/**
 * Backups off the host, measured against plain transfers of the same bytes
 * in the same run (figures only):
 *
 *   backup   a snapshot of a database of --size-mb, once the WAL of filling it is
 *            in the store (taken, sealed, uploaded,
 *            available) against a plain upload (S3) or copy (file) of the
 *            database's data dir: the ratio plain / berth (target ≥ 0.5)
 *   restore  CreateRelationalDatabaseFromSnapshot of it with its local copy
 *            gone (downloaded, checked, restored, available) against a plain
 *            download or copy of the stored objects
 *   lag      now − latestRestorableTime under a steady write load, sampled
 *            every 250 ms for --lag-seconds (median, max)
 *   recover  berth recover of 5 databases after the host is lost, until all
 *            are available
 *
 * for a file store and for s3rver on 127.0.0.1 (--stores file,s3).
 */
import { randomUUID } from 'node:crypto';
import { copyFile, cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateRelationalDatabaseFromSnapshotCommand,
  CreateRelationalDatabaseSnapshotCommand,
  DeleteRelationalDatabaseCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseSnapshotsCommand,
  type LightsailClient,
} from '@aws-sdk/client-lightsail';
import { BackupKeyring } from '../src/backup-store/keyring.js';
import { storeLayout } from '../src/backup-store/layout.js';
import { openRepository } from '../src/backup-store/open-repository.js';
import type { BackupRepository } from '../src/backup-store/repository.js';
import { TRANSFER_LANES } from '../src/backup-store/vault.js';
import { inLanes } from '../src/engines/backup-manifest.js';
import { signedCall } from '../src/cli/signed-call.js';
import type { RecoveryReport } from '../src/services/recover.js';
import { ADMIN_TARGET_PREFIX } from '../src/gateway/pipeline.js';
import { BerthProcess } from '../test/helpers/berth-process.js';
import { createDatabase } from '../test/helpers/databases.js';
import { openSession } from '../test/helpers/ha.js';
import { startS3Server } from '../test/helpers/s3-server.js';
import { databaseState, operationDone, until } from '../test/helpers/waiters.js';
import { median, percentile } from './stats.js';

const PASSWORD = 'Offsite-bench-1';
const MB = 1024 * 1024;

interface Store {
  kind: 'file' | 's3';
  args: string[];
  repository: BackupRepository;
  stop(): Promise<void>;
}

async function files(root: string, relative = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(path.join(root, relative), { withFileTypes: true })) {
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await files(root, child)));
    else if (entry.isFile()) found.push(child);
  }
  return found;
}

/** A still copy of a live data dir (files that vanish meanwhile left out); its size in bytes. */
async function stillCopy(dir: string, target: string): Promise<number> {
  let bytes = 0;
  for (const file of await files(dir)) {
    await mkdir(path.dirname(path.join(target, file)), { recursive: true });
    try {
      await copyFile(path.join(dir, file), path.join(target, file));
      bytes += (await stat(path.join(target, file))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return bytes;
}

/** What a plain transfer of `dir` to the store takes (ms): cp -a for a file store, an upload of every file for S3. */
async function plainUpload(store: Store, dir: string, scratch: string): Promise<number> {
  const started = performance.now();
  if (store.kind === 'file') await cp(dir, path.join(scratch, `plain-${randomUUID()}`), { recursive: true });
  else {
    const prefix = `plain/${randomUUID()}/`;
    await inLanes(await files(dir), TRANSFER_LANES, (file) => store.repository.putFile(`${prefix}${file}`, path.join(dir, file)));
  }
  return performance.now() - started;
}

/** What a plain download of the objects under `prefix` takes (ms). */
async function plainDownload(store: Store, prefix: string, scratch: string): Promise<number> {
  const target = path.join(scratch, `down-${randomUUID()}`);
  const keys = (await store.repository.list(prefix)).map((object) => object.key);
  const started = performance.now();
  await inLanes(keys, TRANSFER_LANES, async (key) => {
    const file = path.join(target, key);
    await mkdir(path.dirname(file), { recursive: true });
    await store.repository.getFile(key, file);
  });
  return performance.now() - started;
}

async function fill(client: LightsailClient, name: string, sizeMb: number, ca: string): Promise<void> {
  const db = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;
  const session = await openSession('postgres', { port: db.masterEndpoint!.port!, user: 'owner', database: 'app', password: PASSWORD }, ca, 30 * 60_000);
  await session.query('CREATE TABLE bulk (id bigint, payload text)');
  // About 1.1 KB a row on disk of random hex, which gzip halves (real data compresses about that well, not 30 to 1).
  const payload = Array.from({ length: 30 }, () => 'md5(random()::text)').join(' || ');
  await session.query(`INSERT INTO bulk SELECT g, ${payload} FROM generate_series(1, ${Math.round((sizeMb * MB) / 1150)}) g`);
  await session.end();
}

async function benchStore(store: Store, sizeMb: number, lagSeconds: number): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-offsite-'));
  const keyFile = path.join(root, 'backup.key');
  await BackupKeyring.generate(keyFile);
  const berth = await BerthProcess.start({ extraArgs: [...store.args, '--backup-key-file', keyFile, '--archive-interval-ms', '1000', '--backup-check-interval-ms', '1000'] });
  let client = berth.client();
  try {
    const ca = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
    const db = await createDatabase(client, 'big', { masterUserPassword: PASSWORD });
    const id = db.arn!.split('/').at(-1)!;
    await fill(client, 'big', sizeMb, ca);
    // The fill's WAL reaches the store first: the snapshot is measured on its own, not behind that backlog.
    const filledAt = Date.now();
    await until('the archive of the fill in the store', async () => {
      const latest = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'big' }))).relationalDatabase!.latestRestorableTime;
      return latest && latest.getTime() >= filledAt ? true : undefined;
    }, 3_600_000, 500);
    const still = path.join(root, 'datadir');
    const bytes = await stillCopy(path.join(berth.dataDir, 'databases', id), still);

    const plainUp = await plainUpload(store, still, root);
    const started = performance.now();
    const { operations } = await client.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: 'big', relationalDatabaseSnapshotName: 'big-snap' }));
    await operationDone(client, operations![0]!, 3_600_000);
    const backupMs = performance.now() - started;
    const snapshot = (await client.send(new GetRelationalDatabaseSnapshotsCommand({}))).relationalDatabaseSnapshots!.find((s) => s.name === 'big-snap')!;
    const snapshotId = snapshot.arn!.split('/').at(-1)!;
    const stored = (await store.repository.list(`data/snapshots/${snapshotId}/`)).reduce((sum, object) => sum + object.size, 0);
    console.log(
      `offsite ${store.kind} backup: ${(bytes / MB).toFixed(0)} MB data dir, stored ${(stored / MB).toFixed(0)} MB; snapshot ${(backupMs / 1000).toFixed(1)} s ` +
        `(${(bytes / MB / (backupMs / 1000)).toFixed(0)} MB/s), plain ${store.kind === 'file' ? 'copy' : 'upload'} ${(plainUp / 1000).toFixed(1)} s; ratio ${(plainUp / backupMs).toFixed(2)}`,
    );

    await rm(path.join(berth.dataDir, 'snapshots', snapshotId), { recursive: true, force: true });
    const plainDown = await plainDownload(store, `data/snapshots/${snapshotId}/`, root);
    const restoreStarted = performance.now();
    const restore = await client.send(new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: 'big-restored', relationalDatabaseSnapshotName: 'big-snap' }));
    const done = await operationDone(client, restore.operations![0]!, 3_600_000);
    if (done.status !== 'Succeeded') throw new Error(`the restore failed: ${done.errorDetails}`);
    const restoreMs = performance.now() - restoreStarted;
    console.log(
      `offsite ${store.kind} restore: ${(restoreMs / 1000).toFixed(1)} s (${(bytes / MB / (restoreMs / 1000)).toFixed(0)} MB/s), plain download ${(plainDown / 1000).toFixed(1)} s; ratio ${(plainDown / restoreMs).toFixed(2)}`,
    );

    const lags: number[] = [];
    const session = await openSession('postgres', { port: db.masterEndpoint!.port!, user: 'owner', database: 'app', password: PASSWORD }, ca);
    await session.query('CREATE TABLE ticks (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), pad text)');
    const endAt = Date.now() + lagSeconds * 1000;
    let nextSample = Date.now();
    while (Date.now() < endAt) {
      await session.query("INSERT INTO ticks (pad) SELECT repeat('x', 500) FROM generate_series(1, 50)");
      if (Date.now() >= nextSample) {
        const latest = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'big' }))).relationalDatabase!.latestRestorableTime;
        if (latest) lags.push(Date.now() - latest.getTime());
        nextSample += 250;
      }
    }
    await session.end();
    console.log(`offsite ${store.kind} archive lag under writes (--archive-interval-ms 1000): median ${(median(lags) / 1000).toFixed(2)} s, p95 ${(percentile(lags, 95) / 1000).toFixed(2)} s, max ${(Math.max(...lags) / 1000).toFixed(2)} s (n=${lags.length})`);

    for (const name of ['big', 'big-restored']) await client.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: name, skipFinalSnapshot: true }));
    const small: string[] = [];
    for (let i = 1; i <= 5; i++) small.push((await createDatabase(client, `small-${i}`, { masterUserPassword: PASSWORD })).arn!.split('/').at(-1)!);
    await waitForStore(store.repository, berth.region, small);
    await berth.loseHost();
    await berth.launch();
    client.destroy();
    client = berth.client();
    const recoverStarted = performance.now();
    const report = (await signedCall(
      { endpoint: berth.url, region: berth.region, key: { accessKeyId: berth.accessKeyId, secretAccessKey: berth.secretAccessKey } },
      `${ADMIN_TARGET_PREFIX}RecoverRelationalDatabases`,
      {},
    )) as RecoveryReport;
    for (const { relationalDatabaseName } of report.recovered) await databaseState(client, relationalDatabaseName, 'available', 3_600_000);
    console.log(`offsite ${store.kind} recover: ${report.recovered.length} databases available in ${((performance.now() - recoverStarted) / 1000).toFixed(1)} s`);
    for (const { relationalDatabaseName, reason } of report.skipped) console.log(`offsite ${store.kind} recover skipped ${relationalDatabaseName}: ${reason}`);
  } finally {
    client.destroy();
    await berth.dispose();
    await rm(root, { recursive: true, force: true });
  }
}

/** The store holds what recovering each of `databaseIds` needs: its catalog entry and a backup. */
function waitForStore(repository: BackupRepository, region: string, databaseIds: readonly string[]): Promise<true> {
  return until('the small databases in the store', async () => {
    const keys = (await repository.list(storeLayout.catalogRoot)).map((object) => object.key);
    const stored = (id: string) =>
      keys.includes(storeLayout.databaseEntry(region, id)) && keys.some((key) => key.startsWith(storeLayout.backupsOf(region, id)));
    return databaseIds.every(stored) ? true : undefined;
  }, 600_000, 500);
}

export async function benchOffsite(sizeMb: number, lagSeconds: number, kinds: string[]): Promise<void> {
  for (const kind of kinds) {
    const root = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-store-'));
    let store: Store;
    if (kind === 'file') {
      const url = `file://${path.join(root, 'store')}`;
      store = { kind, args: ['--backup-store', url], repository: openRepository(url), stop: async () => {} };
    } else {
      const server = await startS3Server();
      const url = `s3://${server.bucket}/bench`;
      store = { kind: 's3', args: ['--backup-store', url, '--backup-store-endpoint', server.endpoint], repository: openRepository(url, { endpoint: server.endpoint }), stop: () => server.stop() };
    }
    try {
      await benchStore(store, sizeMb, lagSeconds);
    } finally {
      await store.stop();
      await rm(root, { recursive: true, force: true });
    }
  }
}
