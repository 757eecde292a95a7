/**
 * High-availability bundles end to end against a real berth: a synchronous
 * standby in the secondary zone, automatic failover when the primary dies
 * (kill -9 of its process group) or hangs (SIGSTOP), the same endpoint
 * afterwards with every acknowledged commit, zones swapped, events, a new
 * standby built by itself; a lost standby degrades the database (writes go
 * on) until berth has rebuilt it.
 */
import {
  GetRelationalDatabaseCommand,
  type LightsailClient,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeWhenAvailable } from '../src/engines/conformance/prerequisites.js';
import { BerthProcess } from './helpers/berth-process.js';
import { eventMessages } from './helpers/databases.js';
import { createHighlyAvailable } from './helpers/failover-rounds.js';
import { highAvailability, instancesOf, LedgerWriter, openSession, roleInstance, serverPid, storeDiagnostics } from './helpers/ha.js';
import { engineAvailable, type TestEngine } from './helpers/sql.js';
import { until } from './helpers/waiters.js';

const PASSWORD = 'High-Avail4bility';

function missing(engine: TestEngine): string | undefined {
  return engineAvailable(engine) ? undefined : 'MariaDB (mariadbd) is not installed';
}

for (const engine of ['postgres', 'mysql'] as const) {
  describeWhenAvailable(`high availability end to end (${engine})`, missing(engine), () => {
    let berth: BerthProcess;
    let client: LightsailClient;
    let ca = '';
    const name = `ha-${engine}`;

    const describe = async (): Promise<RelationalDatabase> =>
      (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;
    const endpoint = async () => ({ port: (await describe()).masterEndpoint!.port!, user: 'owner', database: 'app', password: PASSWORD });
    /** Every event of the last hour, all pages. */
    const events = () => eventMessages(client, name);
    /** The standby is built, streaming and synchronous again. */
    const synchronousAgain = () =>
      until(`a synchronous standby of ${name}`, async () => {
        const view = await highAvailability(berth, name);
        return view.standby?.synchronous && view.standby.state === 'running' ? view : undefined;
      }, 120_000, 200);

    beforeAll(async () => {
      berth = await BerthProcess.start();
      client = berth.client();
      ({ ca } = await createHighlyAvailable(berth, engine, name, { password: PASSWORD }));
    });

    afterEach(async (context) => {
      // A failover that goes wrong is explained by what berth said and what its store holds, not by the assertion alone.
      if (context.task.result?.state !== 'fail') return;
      console.error(`berth's last lines:\n${berth.lastLines(150)}`);
      console.error(`berth's store for ${name}:\n${await storeDiagnostics(berth, engine, name)}`);
    });

    afterAll(async () => {
      client?.destroy();
      await berth?.dispose();
    });

    it('runs a synchronous hot standby in the secondary zone from the start', async () => {
      const database = await describe();
      expect(database.state).toBe('available');
      expect(database.location?.availabilityZone).toBe('us-east-1a');
      expect(database.secondaryAvailabilityZone).toBe('us-east-1b');
      const view = await synchronousAgain();
      expect(view).toMatchObject({ highlyAvailable: true, primary: { availabilityZone: 'us-east-1a', state: 'running' } });
      expect(view.standby).toMatchObject({ availabilityZone: 'us-east-1b', state: 'running', synchronous: true });
      for (const role of ['primary', 'standby'] as const) {
        const pid = await serverPid(berth, engine, (await roleInstance(berth, name, role)).id);
        expect(pid, `${role} server pid`).toBeGreaterThan(0);
        expect(() => process.kill(pid!, 0)).not.toThrow();
      }
      expect(await events()).toContain('A standby was built in us-east-1b and streams from the primary');
    });

    it('fails over when the primary is killed -9: the same endpoint, every acknowledged commit, zones swapped', async () => {
      const before = await describe();
      const writer = new LedgerWriter(engine, await endpoint(), ca);
      writer.start();
      try {
        await until('some commits', async () => (writer.acknowledged.length >= 20 ? true : undefined));
        const primary = await roleInstance(berth, name, 'primary');
        const pid = (await serverPid(berth, engine, primary.id))!;
        const killedAt = Date.now();
        process.kill(-pid, 'SIGKILL'); // the server's whole process group
        // Never `available` while the failover runs.
        const during = await until('the failover to show', async () => {
          const state = (await describe()).state;
          return state !== 'available' ? state : undefined;
        }, 30_000, 20);
        expect(during).toBe('rebooting');
        await writer.firstCommitAfter(killedAt, 60_000);
        await until('commits after the failover', async () => (writer.times.filter((t) => t > killedAt).length >= 20 ? true : undefined));
      } finally {
        await writer.stop();
      }
      // Available once berth itself has made a verified write on the promoted server.
      const after = await until('the database to be available again', async () => {
        const current = await describe();
        return current.state === 'available' ? current : undefined;
      }, 60_000, 50);
      expect(after.masterEndpoint).toEqual(before.masterEndpoint);
      expect(after.location?.availabilityZone).toBe(before.secondaryAvailabilityZone);
      expect(after.secondaryAvailabilityZone).toBe(before.location?.availabilityZone);
      const session = await openSession(engine, await endpoint(), ca);
      const present = new Set((await session.query('SELECT id FROM ledger')).map((row) => Number(row.id)));
      await session.end();
      const lost = writer.acknowledged.filter((id) => !present.has(id));
      expect(lost, 'acknowledged commits missing after the failover').toEqual([]);
      const messages = await events();
      expect(messages.some((m) => /^Failover started: the primary server exited \(its server process exited\)/.test(m))).toBe(true);
      expect(messages.some((m) => /^Failover completed in \d+ ms/.test(m))).toBe(true);
      const view = await synchronousAgain();
      expect(view.primary.availabilityZone).toBe('us-east-1b');
      expect(view.standby?.availabilityZone).toBe('us-east-1a');
      expect(view.failovers.length).toBeGreaterThanOrEqual(2);
    });

    it('fails over when the primary hangs (SIGSTOP); the hung server accepts no write afterwards', async () => {
      await synchronousAgain();
      const held = await openSession(engine, await endpoint(), ca);
      await held.query('INSERT INTO ledger (id) VALUES (1000001)');
      const primary = await roleInstance(berth, name, 'primary');
      const pid = (await serverPid(berth, engine, primary.id))!;
      const failoversBefore = (await highAvailability(berth, name)).failovers.length;
      process.kill(pid, 'SIGSTOP');
      try {
        await until('a failover of the hung primary', async () => {
          const view = await highAvailability(berth, name);
          return view.failovers.length >= failoversBefore + 2 && (await describe()).state === 'available' ? view : undefined;
        }, 60_000, 100);
      } finally {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // fenced: gone already
        }
      }
      // The session opened on the old primary before it hung can write nothing more.
      await expect(held.query('INSERT INTO ledger (id) VALUES (1000002)')).rejects.toThrow();
      await held.end();
      expect(() => process.kill(pid, 0)).toThrow();
      const session = await openSession(engine, await endpoint(), ca);
      const ids = (await session.query('SELECT id FROM ledger WHERE id >= 1000000 ORDER BY id')).map((row) => Number(row.id));
      await session.query('INSERT INTO ledger (id) VALUES (1000003)');
      await session.end();
      expect(ids).toEqual([1000001]);
      expect((await events()).some((m) => /^Failover started: the primary server stopped answering health queries \(it answered no health query for \d+ ms/.test(m))).toBe(true);
    });

    it('resumes to exactly one writable primary after kill -9 of berth at points of a failover, losing no acknowledged commit', async () => {
      const writer = new LedgerWriter(engine, await endpoint(), ca);
      Object.assign(writer, { next: 3_000_000 });
      writer.start();
      try {
        for (const delayMs of [0, 250, 600]) {
          await synchronousAgain();
          const primary = await roleInstance(berth, name, 'primary');
          const pid = (await serverPid(berth, engine, primary.id))!;
          await until('commits before the kill', async () => (writer.acknowledged.length > 0 ? true : undefined));
          const killedAt = Date.now();
          process.kill(-pid, 'SIGKILL');
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          await berth.restart({ hard: true });
          client.destroy();
          client = berth.client();
          // The states it went through go into the message: stuck in `rebooting` and `failed` are different bugs.
          const seen: Array<{ state: string; afterKillMs: number }> = [];
          await until('the database to be available again', async () => {
            const state = (await describe()).state ?? 'unknown';
            if (seen.at(-1)?.state !== state) seen.push({ state, afterKillMs: Date.now() - killedAt });
            return state === 'available' ? true : undefined;
          }, 90_000, 50).catch((error: Error) => {
            throw new Error(`${error.message} (${delayMs} ms into a failover; states since the kill: ${seen.map((s) => `${s.state} at +${s.afterKillMs} ms`).join(', ') || 'no answer'})`);
          });
          // Killed together, berth had no time to act on the dead primary: the restarted one must not answer
          // `available` before it has failed over (its first answer waits for start-up to look at the primary).
          if (delayMs === 0) expect(seen[0]?.state, `the first state after the restart (states: ${JSON.stringify(seen)})`).not.toBe('available');
          await writer.firstCommitAfter(killedAt, 60_000);
          const live = instancesOf(berth, name).filter((instance) => instance.state !== 'fenced');
          expect(live.filter((instance) => instance.role === 'primary'), `primaries after a kill -9 of berth ${delayMs} ms into a failover`).toHaveLength(1);
          expect(live.length).toBeLessThanOrEqual(2);
        }
        await synchronousAgain();
      } finally {
        await writer.stop();
      }
      const session = await openSession(engine, await endpoint(), ca);
      const present = new Set((await session.query('SELECT id FROM ledger WHERE id >= 3000000')).map((row) => Number(row.id)));
      await session.end();
      expect(writer.acknowledged.filter((id) => !present.has(id)), 'acknowledged commits missing').toEqual([]);
      // Exactly the two servers of the database run: no former primary came back.
      const running = await Promise.all(instancesOf(berth, name).map(async (instance) => serverPid(berth, engine, instance.id)));
      const alive = running.filter((pid): pid is number => pid !== undefined && (() => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      })());
      expect(alive).toHaveLength(2);
    });

    it('degrades when the standby dies, goes on committing, rebuilds the standby and is synchronous again', async () => {
      await synchronousAgain();
      const standby = await roleInstance(berth, name, 'standby');
      const pid = (await serverPid(berth, engine, standby.id))!;
      const writer = new LedgerWriter(engine, await endpoint(), ca);
      // Ids of its own, above those of the earlier cases.
      Object.assign(writer, { next: 2_000_000 });
      writer.start();
      try {
        await until('some commits', async () => (writer.acknowledged.length >= 5 ? true : undefined));
        const killedAt = Date.now();
        process.kill(-pid, 'SIGKILL');
        await until('commits while the standby is down', async () => (writer.times.filter((t) => t > killedAt + 200).length >= 5 ? true : undefined), 60_000);
      } finally {
        await writer.stop();
      }
      const messages = await events();
      expect(messages.some((m) => m.startsWith('The database is degraded: the standby in'))).toBe(true);
      await synchronousAgain();
      expect((await events()).filter((m) => m.startsWith('Commits are synchronous again')).length).toBeGreaterThanOrEqual(2);
      expect((await describe()).state).toBe('available');
    });
  });
}
