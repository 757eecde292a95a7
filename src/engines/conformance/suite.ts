/**
 * The engine-agnostic conformance suite every EngineDriver passes (PostgreSQL
 * now, the MySQL-compatible driver next). Each case provisions its own
 * instance; fixtures stop and remove everything even when a case fails.
 *
 *   describeDriverConformance('postgres 17', makeSubject, createOpensslTls);
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { ConformanceTls } from './tls.js';
import type { EngineDriver, InstanceSpec, VerifyOptions } from '../driver.js';
import { destroyForSure, makeTestRoot, releaseSuite, testSpec } from './instances.js';
import { listeningAddresses, waitUntil } from './net.js';

/** A SQL session as the master user; must swallow asynchronous errors (server killed under it). */
export interface ConformanceClient {
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  end(): Promise<void>;
}

export type ConformanceCase =
  | 'lifecycle' | 'persistence' | 'foreignCa' | 'tlsReload' | 'brokenTlsReload' | 'stoppedTlsReload' | 'masterPassword'
  | 'crashRecovery' | 'stalePidFile' | 'loopbackOnly' | 'readopt' | 'longDataDir' | 'destroy' | 'idempotent';

export interface ConformanceSubject {
  driver: EngineDriver;
  blueprintId: string;
  /** Open a verify-full TLS session as the master user (engine's own client library). */
  connect(spec: InstanceSpec, options: VerifyOptions): Promise<ConformanceClient>;
  /** Another driver object on the same root (what berth restarting makes). */
  reopen(): EngineDriver;
  /**
   * Leave the engine's pid file of a stopped instance naming `pid`, a live
   * server of another instance, as a crash followed by pid reuse would.
   */
  writeStalePidFile(spec: InstanceSpec, pid: number): Promise<void>;
  /** The directory of the instance's unix socket, and whether it is under /tmp instead of the data dir. */
  socketDir(spec: InstanceSpec): { dir: string; inTmp: boolean };
  /** Cases this driver cannot run, with the reason (reported as skipped). */
  skip?: Partial<Record<ConformanceCase, string>>;
  cleanup(): Promise<void>;
}

// Printable ASCII minus / " @ (Lightsail's rule), with quotes and a backslash to catch quoting bugs.
const PASSWORD = "Conf0rm-'pass'\\word!";
const NEW_PASSWORD = 'n3w;pass`word$%^&*()';

export function describeDriverConformance(
  name: string,
  makeSubject: () => Promise<ConformanceSubject>,
  makeTls: () => Promise<ConformanceTls>,
): void {
  describe(`EngineDriver conformance: ${name}`, () => {
    let subject: ConformanceSubject | undefined;
    let tls: ConformanceTls | undefined;
    let baseDir = '';
    let counter = 0;
    const created: InstanceSpec[] = [];
    const clients: ConformanceClient[] = [];

    const s = () => subject ?? expect.unreachable('subject not created');
    const t = () => tls ?? expect.unreachable('TLS fixture not created');

    beforeAll(async () => {
      baseDir = await makeTestRoot('conf');
      tls = await makeTls();
      subject = await makeSubject();
    });

    afterEach(async () => {
      for (const client of clients.splice(0)) await client.end().catch(() => undefined);
      for (const spec of created.splice(0)) await destroyForSure(s().driver, spec);
    });

    afterAll(() => releaseSuite(subject, tls, baseDir));

    /** A fresh spec (not yet provisioned), torn down after the case. */
    async function newSpec(overrides: Partial<InstanceSpec> = {}): Promise<InstanceSpec> {
      const spec = await testSpec(baseDir, `conf-${process.pid}-${++counter}`, s().blueprintId, overrides);
      created.push(spec);
      return spec;
    }

    /** provision + start + ensureMasterUser with a certificate of the main CA. */
    async function runningInstance(overrides: Partial<InstanceSpec> = {}): Promise<InstanceSpec> {
      const spec = await newSpec(overrides);
      await s().driver.provision(spec, await t().makeServerTls());
      await s().driver.start(spec);
      await s().driver.ensureMasterUser(spec, PASSWORD);
      return spec;
    }

    const verify = (spec: InstanceSpec, caPem: string, password = PASSWORD, host = 'localhost') =>
      s().driver.verifyConnection(spec, { host, caPem, password });

    async function connect(spec: InstanceSpec, caPem = t().ca, password = PASSWORD): Promise<ConformanceClient> {
      const client = await s().connect(spec, { host: 'localhost', caPem, password });
      clients.push(client);
      return client;
    }

    function conformanceCase(caseName: ConformanceCase, title: string, body: (ctx: TestContext) => Promise<void>): void {
      it(title, async (ctx) => {
        const reason = s().skip?.[caseName];
        if (reason) ctx.skip(reason);
        await body(ctx);
      });
    }

    conformanceCase('lifecycle', 'provision, start, ensureMasterUser, verify-full over TLS', async () => {
      const spec = await runningInstance();
      const state = await s().driver.status(spec);
      expect(state.running).toBe(true);
      expect(state.pid).toBeGreaterThan(0);
      for (const host of ['localhost', '127.0.0.1', '::1']) await verify(spec, t().ca, PASSWORD, host);
      await expect(verify(spec, t().ca, 'wrong-password')).rejects.toThrow();
    });

    conformanceCase('persistence', 'data written survives stop and start', async () => {
      const spec = await runningInstance();
      const client = await connect(spec);
      await client.query('CREATE TABLE conformance_t (v INT)');
      await client.query('INSERT INTO conformance_t VALUES (42)');
      await client.end();
      await s().driver.stop(spec);
      expect((await s().driver.status(spec)).running).toBe(false);
      await s().driver.start(spec);
      const again = await connect(spec);
      expect((await again.query('SELECT v FROM conformance_t')).map((r) => Number(r.v))).toEqual([42]);
    });

    conformanceCase('foreignCa', 'verification fails against a CA that did not sign the certificate', async () => {
      const spec = await runningInstance();
      const other = await t().makeOtherCaServerTls();
      await expect(verify(spec, other.caPem)).rejects.toThrow();
      await verify(spec, t().ca);
    });

    conformanceCase('tlsReload', 'reloadTls keeps the process and open sessions; new sessions see only the new CA', async () => {
      const spec = await runningInstance();
      const before = await s().driver.status(spec);
      const held = await connect(spec);
      await held.query('SELECT 1');
      const next = await t().makeOtherCaServerTls();
      await s().driver.reloadTls(spec, next);
      expect((await s().driver.status(spec)).pid).toBe(before.pid);
      expect((await held.query('SELECT 1 AS one')).map((r) => Number(r.one))).toEqual([1]);
      await verify(spec, next.caPem);
      await expect(verify(spec, t().ca)).rejects.toThrow();
    });

    conformanceCase('brokenTlsReload', 'reloadTls with a key that does not match fails and the old certificate keeps serving', async () => {
      const spec = await runningInstance();
      const pid = (await s().driver.status(spec)).pid;
      await expect(s().driver.reloadTls(spec, await t().makeMismatchedKeyTls())).rejects.toThrow();
      expect((await s().driver.status(spec)).pid).toBe(pid);
      await verify(spec, t().ca);
    });

    conformanceCase('stoppedTlsReload', 'reloadTls on a stopped instance writes the files for the next start', async () => {
      const spec = await runningInstance();
      await s().driver.stop(spec);
      const other = await t().makeOtherCaServerTls();
      await s().driver.reloadTls(spec, other);
      await s().driver.start(spec);
      await verify(spec, other.caPem);
    });

    conformanceCase('masterPassword', 'setMasterPassword: the old password fails, the new one works', async () => {
      const spec = await runningInstance();
      await s().driver.setMasterPassword(spec, NEW_PASSWORD);
      await expect(verify(spec, t().ca, PASSWORD)).rejects.toThrow();
      await verify(spec, t().ca, NEW_PASSWORD);
    });

    conformanceCase('crashRecovery', 'after kill -9 status() reports not running and start() recovers the data', async () => {
      const spec = await runningInstance();
      const client = await connect(spec);
      await client.query('CREATE TABLE conformance_t (v INT)');
      await client.query('INSERT INTO conformance_t VALUES (7)');
      const { pid } = await s().driver.status(spec);
      expect(pid).toBeGreaterThan(0);
      process.kill(pid as number, 'SIGKILL'); // a session is still open: its backend is orphaned
      expect(await waitUntil(async () => !(await s().driver.status(spec)).running, 10_000)).toBe(true);
      const restarted = await s().driver.start(spec);
      expect(restarted.running).toBe(true);
      expect(restarted.pid).not.toBe(pid);
      const again = await connect(spec);
      expect((await again.query('SELECT v FROM conformance_t')).map((r) => Number(r.v))).toEqual([7]);
    });

    conformanceCase('stalePidFile', "treats a pid file whose pid now belongs to another instance's server as stale", async () => {
      const other = await runningInstance();
      const spec = await runningInstance();
      await s().driver.stop(spec);
      const otherPid = (await s().driver.status(other)).pid as number;
      await s().writeStalePidFile(spec, otherPid);
      expect((await s().driver.status(spec)).running).toBe(false);
      const state = await s().driver.start(spec);
      expect(state.pid).not.toBe(otherPid);
      await verify(spec, t().ca);
      expect((await s().driver.status(other)).pid).toBe(otherPid);
    });

    conformanceCase('loopbackOnly', 'a private instance listens on loopback only', async (ctx) => {
      const spec = await runningInstance();
      // Read from the kernel's socket table: tests never send traffic off loopback.
      const listening = await listeningAddresses(spec.port);
      if (!listening) {
        if (process.env.CI === 'true') throw new Error('/proc/net/tcp is required in CI to check the listening sockets');
        return ctx.skip('this machine has no /proc/net/tcp to read the listening sockets from');
      }
      expect(listening.length, 'listening sockets on the port').toBeGreaterThan(0);
      for (const address of listening) expect(address).toMatch(/^(127\.|::1$|::ffff:127\.)/);
    });

    conformanceCase('readopt', 're-adopts a running server from a new driver object (berth restart) and stops it', async () => {
      const spec = await runningInstance();
      const { pid } = await s().driver.status(spec);
      const restarted = s().reopen();
      expect(await restarted.status(spec)).toEqual({ running: true, pid });
      expect((await restarted.start(spec)).pid).toBe(pid);
      await restarted.ensureMasterUser(spec, PASSWORD);
      await restarted.stop(spec);
      expect((await s().driver.status(spec)).running).toBe(false);
    });

    conformanceCase('longDataDir', 'puts the socket under /tmp when the data dir is too long for a unix socket path', async () => {
      const spec = await runningInstance({ dataDir: path.join(baseDir, 'instances', 'x'.repeat(80)) });
      const socket = s().socketDir(spec);
      expect(socket.inTmp).toBe(true);
      expect((await fs.stat(socket.dir)).mode & 0o777).toBe(0o700);
      await verify(spec, t().ca);
      await s().driver.destroy(spec);
      await expect(fs.stat(socket.dir)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    conformanceCase('destroy', 'destroy stops the process and removes the data directory', async () => {
      const spec = await runningInstance();
      const { pid } = await s().driver.status(spec);
      await s().driver.destroy(spec);
      await expect(fs.stat(spec.dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await waitUntil(() => !processExists(pid as number), 10_000)).toBe(true);
      expect((await s().driver.status(spec)).running).toBe(false);
    });

    conformanceCase('idempotent', 'every method may be called twice', async () => {
      const spec = await newSpec();
      const material = await t().makeServerTls();
      await s().driver.provision(spec, material);
      await s().driver.provision(spec, material);
      const first = await s().driver.start(spec);
      const second = await s().driver.start(spec);
      expect(second.pid).toBe(first.pid);
      await s().driver.ensureMasterUser(spec, PASSWORD);
      await s().driver.ensureMasterUser(spec, PASSWORD);
      await s().driver.setMasterPassword(spec, NEW_PASSWORD);
      await s().driver.setMasterPassword(spec, NEW_PASSWORD);
      const next = await t().makeServerTls();
      await s().driver.reloadTls(spec, next);
      await s().driver.reloadTls(spec, next);
      await s().driver.provision(spec, next); // re-provision of a running instance rewrites files only
      await verify(spec, t().ca, NEW_PASSWORD);
      await s().driver.stop(spec);
      await s().driver.stop(spec);
      expect((await s().driver.status(spec)).running).toBe(false);
      await s().driver.start(spec);
      await verify(spec, t().ca, NEW_PASSWORD);
      await s().driver.destroy(spec);
      await s().driver.destroy(spec);
      expect((await s().driver.status(spec)).running).toBe(false);
    });
  });
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
