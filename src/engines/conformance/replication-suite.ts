/**
 * The high-availability half of the driver conformance suite, run against
 * every engine: build a standby from a running primary, replicate, make it
 * synchronous (a commit waits for it) and not (the primary alone), promote
 * it, fence a primary (even a SIGSTOPped one with a session still open),
 * rebuild a standby of the promoted one, back up from a standby.
 *
 *   describeReplicationConformance('postgres 17', makeSubject, createOpensslTls);
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineDriver, InstanceSpec } from '../driver.js';
import type { ReplicationLink } from '../replication.js';
import { destroyForSure, makeTestRoot, releaseSuite, testSpec } from './instances.js';
import { freeLoopbackPort, listeningAddresses, waitUntil } from './net.js';
import type { ConformanceClient, ConformanceSubject } from './suite.js';
import type { ConformanceTls } from './tls.js';

const PASSWORD = 'Repl1cate-master-pass';
const REPLICATION_PASSWORD = "repl-'secret'\\:word";

export function describeReplicationConformance(
  name: string,
  makeSubject: () => Promise<ConformanceSubject>,
  makeTls: () => Promise<ConformanceTls>,
): void {
  describe(`EngineReplication conformance: ${name}`, () => {
    let subject: ConformanceSubject | undefined;
    let tls: ConformanceTls | undefined;
    let baseDir = '';
    let counter = 0;
    const created: InstanceSpec[] = [];
    const clients: ConformanceClient[] = [];
    const stopped: number[] = [];

    const s = () => subject ?? expect.unreachable('subject not created');
    const t = () => tls ?? expect.unreachable('TLS fixture not created');
    const driver = (): EngineDriver => s().driver;

    beforeAll(async () => {
      baseDir = await makeTestRoot('repl');
      tls = await makeTls();
      subject = await makeSubject();
    });

    afterEach(async () => {
      for (const pid of stopped.splice(0)) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // gone
        }
      }
      for (const client of clients.splice(0)) await client.end().catch(() => undefined);
      for (const spec of created.splice(0).reverse()) await destroyForSure(driver(), spec);
    });

    afterAll(() => releaseSuite(subject, tls, baseDir));

    async function newSpec(overrides: Partial<InstanceSpec> = {}): Promise<InstanceSpec> {
      const spec = await testSpec(baseDir, `repl-${process.pid}-${++counter}`, s().blueprintId, overrides);
      created.push(spec);
      return spec;
    }

    async function primary(): Promise<InstanceSpec> {
      const spec = await newSpec();
      await driver().provision(spec, await t().makeServerTls());
      await driver().start(spec);
      await driver().ensureMasterUser(spec, PASSWORD);
      return spec;
    }

    const link = (of: InstanceSpec): ReplicationLink => ({ host: '127.0.0.1', port: of.port, password: REPLICATION_PASSWORD, caPem: t().ca });

    async function standbyOf(of: InstanceSpec): Promise<InstanceSpec> {
      const spec = await newSpec();
      await driver().buildStandby(of, spec, await t().makeServerTls(), link(of));
      return spec;
    }

    async function connect(spec: InstanceSpec): Promise<ConformanceClient> {
      const client = await s().connect(spec, { host: 'localhost', caPem: t().ca, password: PASSWORD });
      clients.push(client);
      return client;
    }

    /** The rows of repl_t as seen on `spec`, waiting until `expected` is there (a standby replays shortly after). */
    async function valuesOn(spec: InstanceSpec, expected?: number[]): Promise<number[]> {
      let seen: number[] = [];
      const read = async () => {
        const client = await connect(spec);
        seen = (await client.query('SELECT v FROM repl_t ORDER BY v')).map((row) => Number(row.v));
        await client.end();
        return expected === undefined || JSON.stringify(seen) === JSON.stringify(expected);
      };
      if (expected !== undefined) await waitUntil(read, 10_000);
      else await read();
      return seen;
    }

    async function pidOf(spec: InstanceSpec): Promise<number> {
      const { pid } = await driver().status(spec);
      expect(pid).toBeGreaterThan(0);
      return pid!;
    }

    it('builds a standby from a running primary that streams, replays and refuses writes', async () => {
      const p = await primary();
      const c = await connect(p);
      await c.query('CREATE TABLE repl_t (v INT PRIMARY KEY)');
      await c.query('INSERT INTO repl_t VALUES (1), (2)');
      const standby = await standbyOf(p);
      expect(await driver().isStandby(standby)).toBe(true);
      expect(await driver().isStandby(p)).toBe(false);
      expect((await driver().standbyState(p, standby)).streaming).toBe(true);
      await c.query('INSERT INTO repl_t VALUES (3)');
      expect(await valuesOn(standby, [1, 2, 3])).toEqual([1, 2, 3]);
      const onStandby = await connect(standby);
      await expect(onStandby.query('INSERT INTO repl_t VALUES (4)')).rejects.toThrow();
      // A standby is no endpoint: loopback only.
      const listening = await listeningAddresses(standby.port);
      for (const address of listening ?? []) expect(address).toMatch(/^(127\.|::1$|::ffff:127\.)/);
    });

    it('makes commits wait for a synchronous standby, and releases them when the primary goes on alone', async () => {
      const p = await primary();
      const c = await connect(p);
      await c.query('CREATE TABLE repl_t (v INT PRIMARY KEY)');
      const standby = await standbyOf(p);
      await driver().setSynchronousStandby(p, standby);
      expect(await driver().standbyState(p, standby)).toMatchObject({ streaming: true, synchronous: true });
      await c.query('INSERT INTO repl_t VALUES (1)');
      expect(await valuesOn(standby, [1])).toEqual([1]);
      // The standby dies: an acknowledged commit would need it, so the commit waits.
      await driver().fence(standby);
      let committed = false;
      const blocked = c.query('INSERT INTO repl_t VALUES (2)').then(() => (committed = true));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(committed).toBe(false);
      await driver().setSynchronousStandby(p, undefined);
      await blocked;
      expect(committed).toBe(true);
      expect(await valuesOn(p)).toEqual([1, 2]);
    });

    it('promotes a standby with every acknowledged commit, writable, and moves it onto another port', async () => {
      const p = await primary();
      const c = await connect(p);
      await c.query('CREATE TABLE repl_t (v INT PRIMARY KEY)');
      const standby = await standbyOf(p);
      await driver().setSynchronousStandby(p, standby);
      for (let v = 1; v <= 20; v++) await c.query(`INSERT INTO repl_t VALUES (${v})`);
      await driver().fence(p);
      await driver().promote(standby);
      await driver().promote(standby); // idempotent
      expect(await driver().isStandby(standby)).toBe(false);
      const all = Array.from({ length: 20 }, (_, i) => i + 1);
      expect(await valuesOn(standby)).toEqual(all);
      const onNew = await connect(standby);
      await onNew.query('INSERT INTO repl_t VALUES (21)');
      await onNew.end();
      // The endpoint's port: provision with it, restart, still a primary with its data.
      const moved = { ...standby, port: await freeLoopbackPort() };
      await driver().provision(moved, await t().makeServerTls());
      expect(await driver().pendingRestart(moved)).toContain('port');
      await driver().stop(moved);
      await driver().start(moved);
      expect(await driver().isStandby(moved)).toBe(false);
      await driver().verifyConnection(moved, { host: 'localhost', caPem: t().ca, password: PASSWORD, writable: true });
      expect(await valuesOn(moved)).toEqual([...all, 21]);
      // verifyConnection({ writable }) proves a write: a standby fails it.
      const other = await standbyOf(moved);
      await expect(driver().verifyConnection(other, { host: 'localhost', caPem: t().ca, password: PASSWORD, writable: true })).rejects.toThrow();
      await driver().verifyConnection(other, { host: 'localhost', caPem: t().ca, password: PASSWORD });
    });

    it('fences a hung (SIGSTOPped) primary: the session it still holds can write nothing more, nothing of it runs', async () => {
      const p = await primary();
      const held = await connect(p);
      await held.query('CREATE TABLE repl_t (v INT PRIMARY KEY)');
      const pid = await pidOf(p);
      process.kill(pid, 'SIGSTOP');
      stopped.push(pid);
      await driver().fence(p);
      expect((await driver().status(p)).running).toBe(false);
      await expect(held.query('INSERT INTO repl_t VALUES (1)')).rejects.toThrow();
      expect(await waitUntil(async () => !processAlive(pid), 5_000)).toBe(true);
      // Removing it afterwards never serves: no listener appears on its port while it is cleaned up.
      const destroyed = driver().destroy(p);
      const seen: string[] = [];
      while (!(await Promise.race([destroyed.then(() => true), new Promise((r) => setTimeout(() => r(false), 5))]))) {
        seen.push(...((await listeningAddresses(p.port)) ?? []));
      }
      expect(seen).toEqual([]);
      await expect(fs.access(p.dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('rebuilds a standby of a promoted standby and forgets the former ones', async () => {
      const p = await primary();
      const c = await connect(p);
      await c.query('CREATE TABLE repl_t (v INT PRIMARY KEY)');
      await c.query('INSERT INTO repl_t VALUES (1)');
      const first = await standbyOf(p);
      await driver().fence(p);
      await driver().promote(first);
      const second = await standbyOf(first);
      await driver().forgetStandbys(first, second.id);
      await driver().setSynchronousStandby(first, second);
      const onFirst = await connect(first);
      await onFirst.query('INSERT INTO repl_t VALUES (2)');
      expect(await valuesOn(second, [1, 2])).toEqual([1, 2]);
      expect(await driver().standbyState(first, second)).toMatchObject({ streaming: true, synchronous: true, lagBytes: 0 });
    });

    it('takes a backup from a standby that restores to the primary\'s data', async () => {
      const p = await primary();
      const c = await connect(p);
      await c.query('CREATE TABLE repl_t (v INT PRIMARY KEY)');
      await c.query('INSERT INTO repl_t VALUES (1), (2), (3)');
      const standby = await standbyOf(p);
      await driver().setSynchronousStandby(p, standby);
      await valuesOn(standby, [1, 2, 3]);
      const backupDir = path.join(baseDir, 'backups', `from-standby-${counter}`);
      const manifest = await driver().backup(standby, backupDir);
      expect(manifest.files.length).toBeGreaterThan(0);
      const restored = await newSpec();
      await driver().restore(restored, await t().makeServerTls(), { backupDir });
      expect(await driver().isStandby(restored)).toBe(false);
      expect(await valuesOn(restored)).toEqual([1, 2, 3]);
    });

    it('points a stopped standby at its primary again: it starts and catches up', async () => {
      const p = await primary();
      const c = await connect(p);
      await c.query('CREATE TABLE repl_t (v INT PRIMARY KEY)');
      const standby = await standbyOf(p);
      await driver().stop(standby);
      await c.query('INSERT INTO repl_t VALUES (1)');
      await driver().followPrimary(standby, p, link(p));
      await driver().followPrimary(standby, p, link(p)); // idempotent
      expect(await valuesOn(standby, [1])).toEqual([1]);
      // A standby half-built before a crash is built again from scratch.
      await driver().buildStandby(p, standby, await t().makeServerTls(), link(p));
      expect(await valuesOn(standby, [1])).toEqual([1]);
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
