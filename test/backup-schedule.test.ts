import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { GetRelationalDatabaseCommand, GetRelationalDatabaseEventsCommand } from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileRepository } from '../src/backup-store/file-repository.js';
import { createDatabase } from './helpers/databases.js';
import { InProcessBerth, ManualClock } from './helpers/in-process-berth.js';
import { ENGINE_BLUEPRINT, engineAvailable, type TestEngine } from './helpers/sql.js';

const DAY = 24 * 3600_000;

/** Archived change files: PostgreSQL WAL segments, MariaDB binary logs. */
const ARCHIVED: Record<TestEngine, RegExp> = { postgres: /^[0-9A-F]{24}\.gz$/, mysql: /^mariadb-bin\.\d+$/ };

describe.each((['postgres', 'mysql'] as const).filter(engineAvailable))('automatic backups on an injected clock (%s)', (engine) => {
  // 2026-11-29 04:00 UTC; the backup window is 05:00-05:30 every day.
  const start = Date.parse('2026-11-29T04:00:00Z');
  const clock = new ManualClock(new Date(start));
  let running: InProcessBerth;
  let databaseId: string;

  const backupsDir = () => path.join(running.dataDir, 'backups', databaseId);
  const backupCount = async () => (await readdir(backupsDir())).filter((name) => !name.startsWith('.')).length;
  /** The WAL segments in the archive (24 hex digits), oldest first. */
  const archivedSegments = async () =>
    (await readdir(path.join(running.dataDir, 'archive', databaseId)))
      .filter((name) => ARCHIVED[engine].test(name))
      .sort();
  const latestRestorable = async () =>
    (await running.client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'scheduled-db' }))).relationalDatabase!
      .latestRestorableTime;

  /** A file backup store beside the data dir: retention must prune it too. */
  const storeDir = () => path.join(running.rootDir, 'store');
  const storeKeys = async () => (await new FileRepository(storeDir()).list('')).map((object) => object.key);

  beforeAll(async () => {
    running = await InProcessBerth.start(clock, (root) => ['--backup-store', `file://${path.join(root, 'store')}`]);
    const db = await createDatabase(running.client, 'scheduled-db', {
      relationalDatabaseBlueprintId: ENGINE_BLUEPRINT[engine],
      preferredBackupWindow: '05:00-05:30',
      preferredMaintenanceWindow: 'wed:10:00-wed:10:30',
    });
    databaseId = db.arn!.split('/')[1]!;
  });

  afterAll(async () => {
    await running?.dispose();
  });

  it('takes the first backup before the database reports available, then one per backup window, and records events', async () => {
    // Taken by the create: the restorable window opens with the database; the archive is pushed by the first pass.
    expect(await backupCount()).toBe(1);
    expect(await latestRestorable()).toBeUndefined();
    await running.berth.control.backupScheduler.tick();
    expect(await backupCount()).toBe(1);
    const first = await latestRestorable();
    expect(first).toBeInstanceOf(Date);

    clock.set(new Date(start + 10 * 60_000)); // 04:10, outside the window
    await running.berth.control.backupScheduler.tick();
    expect(await backupCount()).toBe(1);

    clock.set(new Date(start + 65 * 60_000)); // 05:05, inside
    await running.berth.control.backupScheduler.tick();
    expect(await backupCount()).toBe(2);
    clock.set(new Date(start + 75 * 60_000)); // 05:15: this window already has its backup
    await running.berth.control.backupScheduler.tick();
    expect(await backupCount()).toBe(2);

    const { relationalDatabaseEvents } = await running.client.send(
      new GetRelationalDatabaseEventsCommand({ relationalDatabaseName: 'scheduled-db', durationInMinutes: 20160 }),
    );
    const messages = relationalDatabaseEvents!.map((event) => event.message);
    expect(messages.filter((message) => message === 'Finished Relational Database backup')).toHaveLength(2);
  });

  it('keeps 7 days: older backups and the archive only they needed are pruned', async () => {
    const oldestBefore = (await archivedSegments())[0]!;
    expect(oldestBefore).toBeDefined();
    for (let day = 1; day <= 9; day++) {
      clock.set(new Date(start + day * DAY + 65 * 60_000));
      await running.berth.control.backupScheduler.tick();
    }
    // Backups on days 0 (two), 1..9; the cutoff is day 2 05:05: day 2 onwards stay, plus the newest older one (day 1).
    expect(await backupCount()).toBe(9);
    expect(existsSync(backupsDir())).toBe(true);
    // The segments only the pruned backups needed are gone; the archive starts later now.
    expect((await archivedSegments())[0]! > oldestBefore).toBe(true);
    // The store keeps what is kept here, no more: the same backups, the same archive.
    await running.berth.control.backupScheduler.tick(); // uploads what the last pass took
    const keys = await storeKeys();
    const localBackups = (await readdir(backupsDir())).filter((name) => !name.startsWith('.')).sort();
    const storedBackups = keys.flatMap((key) => /^catalog\/us-east-1\/databases\/[^/]+\/backups\/([^/]+)\.json$/.exec(key)?.[1] ?? []).sort();
    expect(storedBackups).toEqual(localBackups);
    const storedBackupData = new Set(keys.flatMap((key) => /^data\/backups\/[^/]+\/([^/]+)\//.exec(key)?.[1] ?? []));
    expect([...storedBackupData].sort()).toEqual(localBackups);
    const storedSegments = keys.flatMap((key) => {
      const name = key.startsWith(`data/archive/${databaseId}/`) ? key.split('/').at(-1)! : '';
      return ARCHIVED[engine].test(name) ? [name] : [];
    });
    expect(storedSegments.sort()[0]).toBe((await archivedSegments())[0]);
    expect(storedSegments).not.toContain(oldestBefore);
    const latest = await latestRestorable();
    expect(latest!.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});
