/**
 * What the driver-level benchmarks (postgres-backup.ts, mysql-backup.ts,
 * provision.ts, mysql-provision.ts) share: instances of one driver under a
 * temp root, timing, and the phases of creating and removing an instance.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from '../src/engines/conformance/net.js';
import { createOpensslTls, type ConformanceTls } from '../src/engines/conformance/tls.js';
import type { BackupManifest, EngineBackups } from '../src/engines/backup.js';
import type { EngineDriver, InstanceSpec, TlsMaterial } from '../src/engines/driver.js';
import { sleep } from '../src/supervisor/wait.js';

const execFileAsync = promisify(execFile);

export const MB = 1024 * 1024;
/** The middle value (the upper one of an even count). */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
export const mbps = (bytes: number, ms: number) => bytes / MB / (ms / 1000);

export async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await work();
  return [result, performance.now() - t0];
}

export async function dirBytes(dir: string): Promise<number> {
  const { stdout } = await execFileAsync('du', ['-sb', dir]);
  return Number(stdout.split('\t')[0]);
}

/** Instances of one driver under a temp root (0711: the service user traverses it), with certificates of one test CA. */
export interface BenchInstances<D extends EngineDriver> {
  rootDir: string;
  tls: ConformanceTls;
  driver: D;
  /** A spec not yet provisioned (1 GB, 2 CPUs), destroyed by dispose() unless destroy() was called. */
  newSpec(): Promise<InstanceSpec>;
  /** provision, start, ensureMasterUser with `password`. */
  running(): Promise<InstanceSpec>;
  destroy(spec: InstanceSpec): Promise<void>;
  /** Destroy what is left, remove the CA and the root. */
  dispose(): Promise<void>;
}

export async function benchInstances<D extends EngineDriver>(options: {
  /** Where the root goes, and its name's prefix. */
  parentDir: string;
  prefix: string;
  driver(rootDir: string): D;
  blueprintId(driver: D): string;
  password: string;
}): Promise<BenchInstances<D>> {
  const rootDir = await fs.mkdtemp(path.join(options.parentDir, options.prefix));
  await fs.chmod(rootDir, 0o711);
  const tls = await createOpensslTls();
  const driver = options.driver(rootDir);
  const blueprintId = options.blueprintId(driver);
  const specs: InstanceSpec[] = [];
  let counter = 0;
  const instances: BenchInstances<D> = {
    rootDir,
    tls,
    driver,
    async newSpec() {
      const id = `bench-${++counter}`;
      const spec: InstanceSpec = {
        id, blueprintId, dataDir: path.join(rootDir, 'instances', id), port: await freeLoopbackPort(),
        publiclyAccessible: false, ramSizeInGb: 1, cpuCount: 2, masterUsername: 'dbmaster', masterDatabaseName: 'appdb',
      };
      specs.push(spec);
      return spec;
    },
    async running() {
      const spec = await instances.newSpec();
      await driver.provision(spec, await tls.makeServerTls());
      await driver.start(spec);
      await driver.ensureMasterUser(spec, options.password);
      return spec;
    },
    async destroy(spec) {
      await driver.destroy(spec);
      specs.splice(specs.indexOf(spec), 1);
    },
    async dispose() {
      for (const spec of specs.splice(0)) await driver.destroy(spec).catch(() => undefined);
      await tls.cleanup();
      await fs.rm(rootDir, { recursive: true, force: true });
    },
  };
  return instances;
}

/** Milliseconds per phase of one create: provision, start, master user, the first verify-full query, and their total. */
export async function timeCreate(
  driver: EngineDriver, spec: InstanceSpec, material: TlsMaterial, verify: { caPem: string; password: string },
): Promise<{ provision: number; start: number; user: number; verify: number; total: number }> {
  const t0 = performance.now();
  await driver.provision(spec, material);
  const t1 = performance.now();
  await driver.start(spec);
  const t2 = performance.now();
  await driver.ensureMasterUser(spec, verify.password);
  const t3 = performance.now();
  await driver.verifyConnection(spec, { host: 'localhost', caPem: verify.caPem, password: verify.password });
  const t4 = performance.now();
  return { provision: t1 - t0, start: t2 - t1, user: t3 - t2, verify: t4 - t3, total: t4 - t0 };
}

/** Stop and destroy every spec (emptying `specs`), adding the milliseconds of each to `phases.stop` and `phases.destroy`. */
export async function timeStopDestroy(driver: EngineDriver, specs: InstanceSpec[], phases: Record<string, number[]>): Promise<void> {
  for (const spec of specs.splice(0)) {
    const t0 = performance.now();
    await driver.stop(spec);
    const t1 = performance.now();
    await driver.destroy(spec);
    phases.stop?.push(t1 - t0);
    phases.destroy?.push(performance.now() - t1);
  }
}

/**
 * driver.backup() and driver.restore() of a database whose files are in
 * `sourceDir`, each against `cp -a` (and `cp -a` + `sync -f`) in the same run;
 * `countRows` checks each restore holds the `rows` rows. Prints medians, the
 * labels padded to `labelWidth`.
 */
export async function benchBackupVersusCopy<D extends EngineDriver & {
  backup(spec: InstanceSpec, targetDir: string): Promise<{ sizeBytes: number }>;
  restore(spec: InstanceSpec, tls: TlsMaterial, source: { backupDir: string }): Promise<void>;
}>(
  bench: BenchInstances<D>,
  spec: InstanceSpec,
  options: {
    sourceDir: string; runs: number; rows: number; countRows(spec: InstanceSpec): Promise<number>;
    labelWidth: number; sourceLabel: string; sourceNote: string;
  },
): Promise<void> {
  const { driver, rootDir, tls } = bench;
  const { runs, rows } = options;
  const series = () => ({ ms: [] as number[], rate: [] as number[], cp: [] as number[], cpRate: [] as number[], ratio: [] as number[], cpSync: [] as number[] });
  const backup = series();
  const restore = series();
  let size = 0;
  for (let run = 0; run < runs; run++) {
    const copyDir = path.join(rootDir, `cp-${run}`);
    const [, cpMs] = await timed(() => execFileAsync('cp', ['-a', options.sourceDir, copyDir]));
    const [, cpSyncMs] = await timed(() => execFileAsync('sync', ['-f', copyDir]));
    const copied = await dirBytes(copyDir);
    await fs.rm(copyDir, { recursive: true, force: true });
    backup.cpSync.push(cpMs + cpSyncMs);
    const backupDir = path.join(rootDir, 'backups', `b-${run}`);
    const [manifest, backupMs] = await timed(() => driver.backup(spec, backupDir));
    size = manifest.sizeBytes;
    backup.ms.push(backupMs);
    backup.rate.push(mbps(manifest.sizeBytes, backupMs));
    backup.cp.push(cpMs);
    backup.cpRate.push(mbps(copied, cpMs));
    backup.ratio.push(mbps(manifest.sizeBytes, backupMs) / mbps(copied, cpMs));

    const cpRestore = path.join(rootDir, `cpr-${run}`);
    const [, cprMs] = await timed(() => execFileAsync('cp', ['-a', backupDir, cpRestore]));
    const [, cprSyncMs] = await timed(() => execFileAsync('sync', ['-f', cpRestore]));
    await fs.rm(cpRestore, { recursive: true, force: true });
    restore.cpSync.push(cprMs + cprSyncMs);
    const target = await bench.newSpec();
    const [, restoreMs] = await timed(async () => driver.restore(target, await tls.makeServerTls(), { backupDir }));
    restore.ms.push(restoreMs);
    restore.rate.push(mbps(manifest.sizeBytes, restoreMs));
    restore.cp.push(cprMs);
    restore.cpRate.push(mbps(manifest.sizeBytes, cprMs));
    restore.ratio.push(mbps(manifest.sizeBytes, restoreMs) / mbps(manifest.sizeBytes, cprMs));
    const count = await options.countRows(target);
    if (count !== rows) throw new Error(`restored ${count} rows instead of ${rows}`);
    await bench.destroy(target);
    await fs.rm(backupDir, { recursive: true, force: true });
  }
  const line = (label: string, text: string) => console.log(`  ${label.padEnd(options.labelWidth)} ${text}`);
  console.log(`backup of ${(size / MB).toFixed(0)} MB (${runs} runs, medians):`);
  line('driver.backup', `${median(backup.ms).toFixed(0)} ms, ${median(backup.rate).toFixed(0)} MB/s`);
  line(options.sourceLabel, `${median(backup.cp).toFixed(0)} ms, ${median(backup.cpRate).toFixed(0)} MB/s ${options.sourceNote}`);
  line('ratio backup/cp', `${median(backup.ratio).toFixed(2)} (MB/s over MB/s); cp -a + sync -f: ${median(backup.cpSync).toFixed(0)} ms`);
  console.log(`restore of that backup into a new instance, ready (${runs} runs, medians):`);
  line('driver.restore', `${median(restore.ms).toFixed(0)} ms, ${median(restore.rate).toFixed(0)} MB/s`);
  line('cp -a backup', `${median(restore.cp).toFixed(0)} ms, ${median(restore.cpRate).toFixed(0)} MB/s`);
  line('ratio restore/cp', `${median(restore.ratio).toFixed(2)}; cp -a + sync -f: ${median(restore.cpSync).toFixed(0)} ms`);
}

export interface PointInTimeBench {
  spec: InstanceSpec;
  archive: string;
  backupDir: string;
  manifest: BackupManifest;
  backupMs: number;
  /** `cp -a` of the backup, 3 times. */
  cpSmall: number[];
  /** Restores of the backup alone (when asked for), to a time between two inserts, to the latest flush. */
  plain: number[];
  atT: number[];
  atLatest: number[];
  /** flushArchive after a write, and on an idle database. */
  flushBusy: number[];
  idle: number[];
}

/**
 * A small database archiving into <root>/archive/<id>: the `pitr` table
 * (`createTable`), a backup, 1000 rows tagged A, T, 1000 rows tagged B, a
 * flush; then `pitrRuns` rounds of restores (of the backup alone when
 * `plainRestore`, to T, to the flushed time), each checked by its row count;
 * then flushes after a write of 10 rows tagged C and idle ones (5 each).
 * The instance is left running for more.
 */
export async function benchPointInTime<D extends EngineDriver & EngineBackups>(
  bench: BenchInstances<D>,
  options: {
    sql(spec: InstanceSpec, text: string): Promise<Array<Record<string, unknown>>>;
    createTable: string;
    insert(tag: string, rows: number): string;
    pitrRuns: number;
    plainRestore: boolean;
  },
): Promise<PointInTimeBench> {
  const { driver, rootDir, tls } = bench;
  const { sql } = options;
  const spec = await bench.running();
  const archive = path.join(rootDir, 'archive', spec.id);
  await driver.setArchiving(spec, archive);
  await sql(spec, options.createTable);
  const backupDir = path.join(rootDir, 'backups', 'pitr');
  const [manifest, backupMs] = await timed(() => driver.backup(spec, backupDir));
  const cpSmall: number[] = [];
  for (let run = 0; run < 3; run++) {
    const to = path.join(rootDir, `cp-small-${run}`);
    cpSmall.push((await timed(() => execFileAsync('cp', ['-a', backupDir, to])))[1]);
    await fs.rm(to, { recursive: true, force: true });
  }
  const flushBusy: number[] = [];
  await sql(spec, options.insert('A', 1000));
  await sleep(1100);
  const t = new Date();
  await sleep(1100);
  await sql(spec, options.insert('B', 1000));
  const [latest, flushMs] = await timed(() => driver.flushArchive(spec, archive));
  flushBusy.push(flushMs);
  const plain: number[] = [];
  const atT: number[] = [];
  const atLatest: number[] = [];
  const targets = [...(options.plainRestore ? [[undefined, plain] as const] : []), [t, atT] as const, [latest, atLatest] as const];
  for (let run = 0; run < options.pitrRuns; run++) {
    for (const [target, into] of targets) {
      const restored = await bench.newSpec();
      const source = target ? { backupDir, archiveDir: archive, targetTime: target } : { backupDir };
      const [, ms] = await timed(async () => driver.restore(restored, await tls.makeServerTls(), source));
      into.push(ms);
      const n = Number((await sql(restored, 'SELECT count(*) AS n FROM pitr'))[0]?.n);
      if (n !== (target === undefined ? 0 : target === t ? 1000 : 2000)) throw new Error(`PITR restored ${n} rows`);
      await bench.destroy(restored);
    }
  }
  for (let run = 0; run < 5; run++) {
    await sql(spec, options.insert('C', 10));
    flushBusy.push((await timed(() => driver.flushArchive(spec, archive)))[1]);
  }
  const idle: number[] = [];
  for (let run = 0; run < 5; run++) idle.push((await timed(() => driver.flushArchive(spec, archive)))[1]);
  return { spec, archive, backupDir, manifest, backupMs, cpSmall, plain, atT, atLatest, flushBusy, idle };
}
