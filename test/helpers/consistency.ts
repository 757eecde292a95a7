import { readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import {
  GetOperationsCommand,
  GetRelationalDatabasesCommand,
  GetRelationalDatabaseSnapshotsCommand,
  type LightsailClient,
  type Operation,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import type { BerthProcess } from './berth-process.js';
import { until } from './waiters.js';

export async function allDatabases(client: LightsailClient): Promise<RelationalDatabase[]> {
  const all: RelationalDatabase[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.send(new GetRelationalDatabasesCommand({ pageToken }));
    all.push(...page.relationalDatabases!);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

async function allOperations(client: LightsailClient): Promise<Operation[]> {
  const all: Operation[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.send(new GetOperationsCommand({ pageToken }));
    all.push(...page.operations!);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

/** Waits until no operation is still running (every one Succeeded or Failed). */
export function operationsSettled(client: LightsailClient, timeoutMs = 180_000): Promise<Operation[]> {
  return until(
    'every operation to reach a terminal status',
    async () => {
      const operations = await allOperations(client);
      return operations.every((operation) => operation.isTerminal) ? operations : undefined;
    },
    timeoutMs,
    250,
  );
}

const RESTING_STATES = ['available', 'stopped', 'failed'];

/**
 * Waits until no operation is still running and every database rests
 * (a server that died comes back through `rebooting` without an operation).
 */
export async function berthSettled(client: LightsailClient, timeoutMs = 180_000): Promise<Operation[]> {
  const operations = await operationsSettled(client, timeoutMs);
  await until(
    'every database to rest',
    async () => ((await allDatabases(client)).every((database) => RESTING_STATES.includes(database.state!)) ? true : undefined),
    timeoutMs,
    250,
  );
  return operations;
}

const idOf = (arn: string) => arn.split('/')[1]!;

/** Database server processes running out of this berth's data dir, by database id. */
export async function serverProcesses(berth: BerthProcess): Promise<Map<string, number[]>> {
  const root = path.join(berth.dataDir, 'databases') + path.sep;
  const byDatabase = new Map<string, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (!cwd.startsWith(root)) continue;
    const id = cwd.slice(root.length).split(path.sep)[0]!;
    byDatabase.set(id, [...(byDatabase.get(id) ?? []), Number(entry)]);
  }
  return byDatabase;
}

export interface Inconsistency {
  problem: string;
}

/**
 * What must hold once berth has settled: no operation still running, every
 * database in a resting state, a directory for each database and none
 * without one, a server for each available database and none for others.
 */
export async function inconsistencies(berth: BerthProcess, client: LightsailClient): Promise<string[]> {
  const problems: string[] = [];
  const databases = await allDatabases(client);
  for (const database of databases) {
    if (!RESTING_STATES.includes(database.state!)) problems.push(`${database.name} is still ${database.state}`);
  }
  const ids = new Set(databases.map((database) => idOf(database.arn!)));
  const dirs = new Set(await readdir(path.join(berth.dataDir, 'databases')).catch(() => [] as string[]));
  for (const id of ids) if (!dirs.has(id)) problems.push(`database ${id} has no data dir`);
  for (const dir of dirs) if (!ids.has(dir)) problems.push(`orphan data dir ${dir}`);
  const processes = await serverProcesses(berth);
  for (const database of databases) {
    const running = processes.has(idOf(database.arn!));
    if (database.state === 'available' && !running) problems.push(`${database.name} is available but no server runs`);
    if (database.state === 'stopped' && running) problems.push(`${database.name} is stopped but its server runs`);
  }
  for (const id of processes.keys()) if (!ids.has(id)) problems.push(`orphan server process for ${id}`);
  const snapshots = (await client.send(new GetRelationalDatabaseSnapshotsCommand({}))).relationalDatabaseSnapshots!;
  const snapshotDirs = new Set(await readdir(path.join(berth.dataDir, 'snapshots')).catch(() => [] as string[]));
  for (const snapshot of snapshots) {
    if (snapshot.state === 'creating') problems.push(`snapshot ${snapshot.name} is still creating`);
    if (snapshot.state === 'available' && !snapshotDirs.has(idOf(snapshot.arn!))) problems.push(`snapshot ${snapshot.name} has no files`);
  }
  const snapshotIds = new Set(snapshots.map((snapshot) => idOf(snapshot.arn!)));
  for (const dir of snapshotDirs) if (!snapshotIds.has(dir)) problems.push(`orphan snapshot dir ${dir}`);
  return problems;
}
