/**
 * What the high-availability suites need: berth's own view of a database's
 * instances, the pid of the server behind each, and a writer that records
 * every commit the server acknowledged.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import type mysql from 'mysql2/promise';
import { signedCall } from '../../src/cli/signed-call.js';
import { mysqlInstancePaths } from '../../src/engines/mysql/instance-paths.js';
import { postgresInstancePaths } from '../../src/engines/postgres/instance-paths.js';
import { ADMIN_TARGET_PREFIX } from '../../src/gateway/pipeline.js';
import type { BerthProcess } from './berth-process.js';
import { connectVerified, type Endpoint } from './clients.js';
import { connectMysqlVerified } from './mysql.js';
import type { TestEngine } from './sql.js';

export interface HighAvailabilityView {
  highlyAvailable: boolean;
  generation: number;
  primary: { availabilityZone: string; state: string };
  standby?: { availabilityZone: string; state: string; synchronous: boolean; streaming?: boolean; lagBytes?: number };
  failovers: Array<{ at: number; message: string }>;
}

export async function highAvailability(berth: BerthProcess, name: string): Promise<HighAvailabilityView> {
  const answer = (await signedCall(
    { endpoint: berth.url, region: berth.region, key: { accessKeyId: berth.accessKeyId, secretAccessKey: berth.secretAccessKey } },
    `${ADMIN_TARGET_PREFIX}GetRelationalDatabaseHighAvailability`,
    { relationalDatabaseName: name },
  )) as { highAvailability: HighAvailabilityView };
  return answer.highAvailability;
}

export interface InstanceRow {
  id: string;
  role: 'primary' | 'standby';
  state: string;
  port: number;
}

/** The instances of a database as berth's store has them (read-only). */
export function instancesOf(berth: BerthProcess, name: string): InstanceRow[] {
  const db = new Database(path.join(berth.dataDir, 'berth.db'), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        `SELECT i.id, CASE WHEN p.instance_id = i.id THEN 'primary' ELSE 'standby' END AS role, i.state, i.port
           FROM instances i JOIN databases d ON d.id = i.database_id LEFT JOIN primaries p ON p.database_id = d.id
          WHERE d.name = ? ORDER BY i.created_at`,
      )
      .all(name) as InstanceRow[];
  } finally {
    db.close();
  }
}

/**
 * What berth's store says of a database, for a failure message (read-only):
 * its state, the primary record, every instance with whether its server
 * runs, the tasks still pending and the last events. A failover that went
 * wrong is explained by these more than by the assertion that caught it.
 */
export async function storeDiagnostics(berth: BerthProcess, engine: TestEngine, name: string, eventCount = 25): Promise<string> {
  let db: Database.Database;
  try {
    db = new Database(path.join(berth.dataDir, 'berth.db'), { readonly: true, fileMustExist: true });
  } catch (error) {
    return `(the store could not be read: ${String(error)})`;
  }
  try {
    const database = db.prepare('SELECT id, state FROM databases WHERE name = ?').get(name) as { id: string; state: string } | undefined;
    if (!database) return `(no database ${name} in the store)`;
    const primary = db.prepare('SELECT instance_id, generation, synchronous_standby_id FROM primaries WHERE database_id = ?').get(database.id);
    const tasks = db.prepare('SELECT seq, kind, payload FROM tasks WHERE database_id = ? ORDER BY seq').all(database.id);
    const events = (db.prepare('SELECT created_at, message FROM events WHERE database_id = ? ORDER BY seq DESC LIMIT ?').all(database.id, eventCount) as Array<{ created_at: number; message: string }>).reverse();
    const instances = await Promise.all(
      instancesOf(berth, name).map(async (instance) => {
        const pid = await serverPid(berth, engine, instance.id);
        let alive = false;
        try {
          if (pid !== undefined) alive = process.kill(pid, 0);
        } catch {
          alive = false;
        }
        return { ...instance, pid, alive };
      }),
    );
    return [
      `state: ${database.state}`,
      `primary record: ${JSON.stringify(primary)}`,
      `instances: ${JSON.stringify(instances)}`,
      `pending tasks: ${JSON.stringify(tasks)}`,
      'last events:',
      ...events.map((event) => `  ${new Date(event.created_at * 1000).toISOString()} ${event.message}`),
    ].join('\n');
  } finally {
    db.close();
  }
}

/** The pid of the server an instance runs (from the engine's pid file), or undefined. */
export async function serverPid(berth: BerthProcess, engine: TestEngine, instanceId: string): Promise<number | undefined> {
  const dataDir = path.join(berth.dataDir, 'databases', instanceId);
  const file = engine === 'postgres' ? postgresInstancePaths({ dataDir }).pidFile : mysqlInstancePaths({ dataDir }).pidFile;
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export async function roleInstance(berth: BerthProcess, name: string, role: 'primary' | 'standby'): Promise<InstanceRow> {
  const candidates = instancesOf(berth, name).filter((instance) => instance.role === role && instance.state !== 'fenced');
  const found = candidates.find((instance) => instance.state === 'running') ?? candidates[0];
  if (!found) throw new Error(`${name} has no ${role} instance`);
  return found;
}

/** Statements of a session fail after this long, as an application's would: a session stuck on a dead server is dropped. */
const STATEMENT_TIMEOUT_MS = 10_000;

/** A SQL session with the engine's own client over verified TLS, swallowing errors of a server killed under it. */
export interface Session {
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  end(): Promise<void>;
}

export async function openSession(engine: TestEngine, endpoint: Endpoint, ca: string, statementTimeoutMs = STATEMENT_TIMEOUT_MS): Promise<Session> {
  if (engine === 'postgres') {
    const client: pg.Client = await connectVerified(endpoint, ca);
    client.on('error', () => undefined);
    const end = () => client.end().catch(() => undefined);
    return { query: bounded(async (sql) => (await client.query(sql)).rows, end, statementTimeoutMs), end };
  }
  const connection: mysql.Connection = await connectMysqlVerified(endpoint, ca);
  connection.on('error', () => undefined);
  return {
    query: bounded(async (sql) => {
      const [rows] = await connection.query(sql);
      return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
    }, async () => connection.destroy(), statementTimeoutMs),
    end: () => connection.end().catch(() => connection.destroy()),
  };
}

function bounded(query: Session['query'], drop: () => Promise<void>, timeoutMs: number): Session['query'] {
  return async (sql) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        void drop();
        reject(new Error(`no answer to ${sql} within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([query(sql), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

export const LEDGER_TABLE: Record<TestEngine, string> = {
  postgres: 'CREATE TABLE IF NOT EXISTS ledger (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())',
  mysql: 'CREATE TABLE IF NOT EXISTS ledger (id BIGINT PRIMARY KEY, at DATETIME(6) NOT NULL DEFAULT NOW(6)) ENGINE=InnoDB',
};

/**
 * Inserts ledger rows one at a time for as long as it runs, reconnecting
 * whenever the server goes away, and remembers every id whose COMMIT was
 * acknowledged, with when the first write after an outage succeeded.
 */
export class LedgerWriter {
  readonly acknowledged: number[] = [];
  /** Acknowledged commits with their time (ms since epoch). */
  readonly times: number[] = [];
  /** When the session of each acknowledged commit was opened (ms since epoch). */
  readonly sessionOpenedAt: number[] = [];
  private next = 1;
  private stopping = false;
  private done: Promise<void> | undefined;

  constructor(
    private readonly engine: TestEngine,
    private readonly endpoint: Endpoint,
    private readonly ca: string,
  ) {}

  start(): void {
    this.done = this.loop();
  }

  /**
   * When the first commit on a session opened at or after `since` (ms) was
   * acknowledged, once there is one: the endpoint accepts verified
   * connections and writes again (a session of the old server that
   * outlived it does not count).
   */
  async firstCommitAfter(since: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.sessionOpenedAt.findIndex((time) => time >= since);
      const found = index < 0 ? undefined : this.times[index];
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no commit was acknowledged within ${timeoutMs} ms after ${new Date(since).toISOString()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }

  private async loop(): Promise<void> {
    let session: Session | undefined;
    let openedAt = 0;
    while (!this.stopping) {
      try {
        if (!session) {
          openedAt = Date.now();
          session = await openSession(this.engine, this.endpoint, this.ca);
        }
        const id = this.next++;
        await session.query(`INSERT INTO ledger (id) VALUES (${id})`);
        this.acknowledged.push(id);
        this.times.push(Date.now());
        this.sessionOpenedAt.push(openedAt);
      } catch {
        await session?.end();
        session = undefined;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await session?.end();
  }
}
