/**
 * The figures of a PostgreSQL instance: client connections from
 * pg_stat_activity, bytes from samples of the TCP sockets of its port
 * (socket-traffic.ts).
 */
import type pg from 'pg';
import { SerialQueue } from '../../supervisor/wait.js';
import { sampleServerSockets, TrafficCounter, type TrafficTotals } from './socket-traffic.js';
import { ADMIN_ROLE } from './template.js';

/** Client sessions, berth_admin's own excluded. */
export async function countClientConnections(client: pg.Client): Promise<number> {
  const result = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename IS DISTINCT FROM $1`,
    [ADMIN_ROLE],
  );
  return result.rows[0]?.n ?? 0;
}

/** The bytes of the TCP connections to one postmaster (`pid`) counted so far, and the queue that keeps its samples in order. */
export class PostmasterTraffic {
  private readonly counter = new TrafficCounter();
  private readonly samples = new SerialQueue();

  constructor(readonly pid: number) {}

  /** Totals after one more sample of the sockets of `port` owned by `uid`; undefined when `ss` is not available. */
  sample(port: number, uid: number): Promise<TrafficTotals | undefined> {
    // One sample at a time, applied in the order taken (an older sample applied late would count twice).
    return this.samples.run(async () => {
      const sockets = await sampleServerSockets(port, uid);
      return sockets && this.counter.update(sockets);
    });
  }
}
