/**
 * Instances for the engine test suites (driver conformance, backups,
 * observability, engine specifics): a temp root the global teardown sweeps
 * (test/global-setup.ts), specs, and a vitest fixture that provisions, restores
 * and always removes them, also when a case fails.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { EngineBackups, RestoreSource } from '../backup.js';
import type { EngineDriver, InstanceSpec, TlsMaterial } from '../driver.js';
import { freeLoopbackPort } from './net.js';
import { createOpensslTls, type ConformanceTls } from './tls.js';

/** A temp dir named after the test run (`berth-test-<run>-<label>-…`), 0711: the service user must traverse it. */
export async function makeTestRoot(label: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `berth-test-${process.env.BERTH_TEST_RUN ?? 'adhoc'}-${label}-`));
  await fs.chmod(dir, 0o711);
  return dir;
}

/** A spec under `rootDir`/instances (loopback only, master `dbmaster` on `appdb`), with `overrides`. */
export async function testSpec(rootDir: string, id: string, blueprintId: string, overrides: Partial<InstanceSpec> = {}): Promise<InstanceSpec> {
  return {
    id, blueprintId, dataDir: path.join(rootDir, 'instances', id), port: await freeLoopbackPort(),
    publiclyAccessible: false, ramSizeInGb: 0.5, cpuCount: 1, masterUsername: 'dbmaster', masterDatabaseName: 'appdb', ...overrides,
  };
}

function processGone(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Destroy; when that fails, at least kill the server and remove its files. */
export async function destroyForSure(driver: EngineDriver, spec: InstanceSpec): Promise<void> {
  try {
    await driver.destroy(spec);
  } catch {
    const { pid } = await driver.status(spec).catch(() => ({ pid: undefined }));
    if (pid) processGone(pid);
    await fs.rm(spec.dataDir, { recursive: true, force: true });
  }
}

/** The end of a conformance suite: its subject, its TLS fixture and its temp dir, each even when another fails. */
export async function releaseSuite(subject: { cleanup(): Promise<void> } | undefined, tls: ConformanceTls | undefined, baseDir: string): Promise<void> {
  try {
    await subject?.cleanup();
  } finally {
    try {
      await tls?.cleanup();
    } finally {
      if (baseDir) await fs.rm(baseDir, { recursive: true, force: true });
    }
  }
}

export interface DriverFixture<D extends EngineDriver & EngineBackups> {
  readonly rootDir: string;
  readonly driver: D;
  readonly tls: ConformanceTls;
  readonly blueprintId: string;
  /** A spec not yet provisioned (`<idPrefix>-<n>`); destroyed in afterAll. */
  newSpec(overrides?: Partial<InstanceSpec>): Promise<InstanceSpec>;
  /** provision (a certificate of the fixture's CA unless `material`), start, ensureMasterUser. */
  running(overrides?: Partial<InstanceSpec>, material?: TlsMaterial): Promise<InstanceSpec>;
  /** A new instance restored from `source`. */
  restored(source: RestoreSource, material?: TlsMaterial): Promise<InstanceSpec>;
  /** Restore must fail with `message`, leaving no server and no files behind. */
  restoreFails(source: RestoreSource, message: string | RegExp): Promise<void>;
  /** Run `close` in afterAll, before the instances are destroyed (sessions opened by a case). */
  closeAtEnd(close: () => Promise<unknown>): void;
}

/**
 * Registers beforeAll/afterAll in the calling describe: a temp root
 * (makeTestRoot(label)), the driver on it, a test CA; afterAll closes what
 * closeAtEnd() was given, destroys every instance (destroyForSure) and
 * removes the CA and the root. `extend` adds the engine's own helpers.
 */
export function driverFixture<D extends EngineDriver & EngineBackups, X extends object>(
  options: {
    label: string;
    driver(rootDir: string): D;
    blueprintId(driver: D): string;
    password: string;
    idPrefix: string;
    /** Destroy each case's instances after it (else all of them in afterAll). */
    destroyAfterEach?: boolean;
  },
  extend: (base: DriverFixture<D>) => X,
): DriverFixture<D> & X {
  let rootDir = '';
  let driver: D | undefined;
  let tls: ConformanceTls | undefined;
  let blueprintId = '';
  const specs: InstanceSpec[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  let counter = 0;
  const d = () => driver ?? expect.unreachable('the fixture has no driver before beforeAll');
  const t = () => tls ?? expect.unreachable('the fixture has no CA before beforeAll');

  beforeAll(async () => {
    rootDir = await makeTestRoot(options.label);
    driver = options.driver(rootDir);
    blueprintId = options.blueprintId(driver);
    tls = await createOpensslTls();
  });

  if (options.destroyAfterEach) {
    afterEach(async () => {
      if (driver) for (const spec of specs.splice(0)) await destroyForSure(driver, spec);
    });
  }

  afterAll(async () => {
    try {
      for (const close of closers.splice(0)) await close();
      if (driver) for (const spec of specs.splice(0)) await destroyForSure(driver, spec);
    } finally {
      await tls?.cleanup();
      if (rootDir) await fs.rm(rootDir, { recursive: true, force: true });
    }
  });

  const base: DriverFixture<D> = {
    get rootDir() {
      return rootDir;
    },
    get driver() {
      return d();
    },
    get tls() {
      return t();
    },
    get blueprintId() {
      return blueprintId;
    },
    async newSpec(overrides = {}) {
      const spec = await testSpec(rootDir, `${options.idPrefix}-${++counter}`, blueprintId, overrides);
      specs.push(spec);
      return spec;
    },
    async running(overrides = {}, material) {
      const spec = await base.newSpec(overrides);
      await d().provision(spec, material ?? (await t().makeServerTls()));
      await d().start(spec);
      await d().ensureMasterUser(spec, options.password);
      return spec;
    },
    async restored(source, material) {
      const spec = await base.newSpec();
      await d().restore(spec, material ?? (await t().makeServerTls()), source);
      return spec;
    },
    async restoreFails(source, message) {
      const spec = await base.newSpec();
      await expect(d().restore(spec, await t().makeServerTls(), source)).rejects.toThrow(message);
      expect((await d().status(spec)).running).toBe(false);
      await expect(fs.access(spec.dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
    },
    closeAtEnd(close) {
      closers.push(close);
    },
  };
  return Object.assign(base, extend(base));
}
