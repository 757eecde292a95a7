import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateRelationalDatabaseCommand,
  CreateRelationalDatabaseSnapshotCommand,
  GetOperationsCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseEventsCommand,
  GetRelationalDatabaseLogEventsCommand,
  GetRelationalDatabasesCommand,
  GetRelationalDatabaseSnapshotsCommand,
  InvalidInputException,
  UpdateRelationalDatabaseCommand,
  type LightsailClient,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from './helpers/berth-process.js';
import { operationsSettled } from './helpers/consistency.js';
import { createDatabase } from './helpers/databases.js';
import { ENGINE_BLUEPRINT, engineAvailable } from './helpers/sql.js';
import { rawRequest } from './helpers/signed-request.js';
import { operationDone } from './helpers/waiters.js';

const PASSWORDS = ['Secret-first-1', 'Secret-second-2'];

/** Files under `root` that a user other than their owner (and root) could read: every directory on the way searchable by others, the file readable. */
async function readableByOthers(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const { mode } = await lstat(full);
      if (entry.isDirectory()) {
        if (mode & 0o001) await walk(full);
      } else if (entry.isFile() && mode & 0o004) {
        found.push(path.relative(root, full));
      }
    }
  };
  await walk(root);
  return found;
}

async function filesUnder(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  await walk(root);
  return files;
}

describe('secrets, file modes and names', () => {
  let berth: BerthProcess;
  let client: LightsailClient;

  beforeAll(async () => {
    berth = await BerthProcess.start({ extraArgs: ['--backup-check-interval-ms', '300'] });
    client = berth.client();
    const engines = (['postgres', 'mysql'] as const).filter(engineAvailable);
    for (const engine of engines) {
      const name = `secret-${engine}`;
      await createDatabase(client, name, { relationalDatabaseBlueprintId: ENGINE_BLUEPRINT[engine], masterUserPassword: PASSWORDS[0] });
      const { operations } = await client.send(
        new UpdateRelationalDatabaseCommand({ relationalDatabaseName: name, masterUserPassword: PASSWORDS[1], applyImmediately: true }),
      );
      await operationDone(client, operations![0]!);
      await client.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: name, relationalDatabaseSnapshotName: `${name}-snap` }));
    }
    await operationsSettled(client);
  });
  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
  });

  it('leaves nothing in the data dir readable by other users but the pid file and the engine binaries', async () => {
    // engines/ holds copies of public PostgreSQL binaries that the unprivileged server user must run.
    const readable = (await readableByOthers(berth.dataDir)).filter((file) => !file.startsWith(`engines${path.sep}`));
    expect(readable).toEqual(['berth.pid']);
    for (const secret of ['secret.key', 'credentials.json', 'berth.db']) {
      const file = path.join(berth.dataDir, secret);
      const exists = await lstat(file).then(() => true, () => false);
      if (exists) expect((await lstat(file)).mode & 0o077).toBe(0);
    }
  });

  it('never writes a password or a private key into berth output or the engine logs', async () => {
    const texts = [berth.output];
    // Every database's own engine log is read and holds something: the check cannot pass on berth's output alone.
    const engineLogBytes = new Map<string, number>();
    const databasesDir = path.join(berth.dataDir, 'databases');
    for (const file of await filesUnder(databasesDir)) {
      if (!file.endsWith('.log')) continue;
      const text = await readFile(file, 'utf8');
      texts.push(text);
      const database = path.relative(databasesDir, file).split(path.sep)[0]!;
      if (path.basename(file) !== 'startup.log') engineLogBytes.set(database, (engineLogBytes.get(database) ?? 0) + text.length);
    }
    const databases = await readdir(databasesDir);
    expect(databases.length).toBe((['postgres', 'mysql'] as const).filter(engineAvailable).length);
    for (const database of databases) expect(engineLogBytes.get(database) ?? 0, `engine log bytes of ${database}`).toBeGreaterThan(0);
    const all = texts.join('\n');
    for (const password of PASSWORDS) expect(all).not.toContain(password);
    expect(all).not.toContain('PRIVATE KEY');
  });

  it('answers no password in any response but GetRelationalDatabaseMasterUserPassword', async () => {
    const responses = await Promise.all([
      client.send(new GetRelationalDatabasesCommand({})),
      client.send(new GetOperationsCommand({})),
      client.send(new GetRelationalDatabaseSnapshotsCommand({})),
      client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'secret-postgres' })),
      client.send(new GetRelationalDatabaseEventsCommand({ relationalDatabaseName: 'secret-postgres', durationInMinutes: 60 })),
      client.send(new GetRelationalDatabaseLogEventsCommand({ relationalDatabaseName: 'secret-postgres', logStreamName: 'postgresql', startFromHead: true })),
    ]);
    const text = JSON.stringify(responses);
    for (const password of PASSWORDS) expect(text).not.toContain(password);
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('refuses names that try to walk the file system', async () => {
    for (const name of ['../../etc', 'a/b', '..', 'x\u0000y', '%2e%2e']) {
      await expect(
        client.send(
          new CreateRelationalDatabaseCommand({
            relationalDatabaseName: name,
            relationalDatabaseBlueprintId: 'postgres_17',
            relationalDatabaseBundleId: 'micro_2_0',
            masterDatabaseName: 'app',
            masterUsername: 'owner',
          }),
        ),
      ).rejects.toBeInstanceOf(InvalidInputException);
      await expect(
        client.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: 'secret-postgres', relationalDatabaseSnapshotName: name })),
      ).rejects.toBeInstanceOf(InvalidInputException);
    }
    await expect(
      client.send(new GetRelationalDatabaseLogEventsCommand({ relationalDatabaseName: 'secret-postgres', logStreamName: '../../../etc/passwd' })),
    ).rejects.toBeInstanceOf(InvalidInputException);
    const forged = Buffer.from(JSON.stringify({ o: 'GetRelationalDatabaseLogEvents', p: '../../secret.key' })).toString('base64url');
    await expect(
      client.send(new GetRelationalDatabaseLogEventsCommand({ relationalDatabaseName: 'secret-postgres', logStreamName: 'postgresql', pageToken: forged })),
    ).rejects.toBeInstanceOf(InvalidInputException);
    for (const pathname of ['/certificates/../secret.key', '/certificates/..%2fsecret.key', '/../secret.key']) {
      const response = await fetch(`${berth.url}${pathname}`);
      expect(await response.text()).not.toContain('BEGIN');
    }
    const raw = await rawRequest({
      url: berth.url,
      accessKeyId: berth.accessKeyId,
      secretAccessKey: berth.secretAccessKey,
      region: 'us-east-1',
      target: 'Lightsail_20161128.GetRelationalDatabase',
      body: JSON.stringify({ relationalDatabaseName: '../../secret.key' }),
    });
    expect(raw.status).toBe(404);
  });
});
