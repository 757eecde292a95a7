/**
 * Measures the MariaDB driver (figures only, no targets): template creation
 * (mariadb-install-db), the create path of one instance with the template
 * made (provision = template copy + files → start → ensureMasterUser →
 * verify-full query), TLS reload, stop and destroy, and the idle memory (PSS)
 * of one instance. Belongs with bench/provision.ts (PostgreSQL).
 *
 *   npx vite-node bench/mysql-provision.ts [runs]
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { InstanceSpec, TlsMaterial } from '../src/engines/driver.js';
import { ensureServiceUser, execFileAs, mkdirOwnedBy } from '../src/engines/os-user.js';
import { processPssBytes } from '../src/supervisor/process-info.js';
import { sleep } from '../src/supervisor/wait.js';
import { MysqlDriver } from '../src/engines/mysql/mysql-driver.js';
import { ensureTemplate, templateDir } from '../src/engines/mysql/template.js';
import { median, timeCreate, timeStopDestroy } from './engine-bench.js';

const runs = Number(process.argv[2] ?? 7);
const execFileAsync = promisify(execFile);

/** A self-signed certificate for localhost, its own CA (no import of the test-only conformance helpers). */
async function selfSignedTls(dir: string, name: string): Promise<TlsMaterial> {
  const base = path.join(dir, name);
  await execFileAsync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.crt`,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
  ]);
  const certPem = await fs.readFile(`${base}.crt`, 'utf8');
  return { certPem, keyPem: await fs.readFile(`${base}.key`, 'utf8'), caPem: certPem };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

const rootDir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-bench-mysql-'));
await fs.chmod(rootDir, 0o711);
const tlsDir = path.join(rootDir, 'bench-tls');
await fs.mkdir(tlsDir);
const driver = new MysqlDriver({ rootDir });
const found = driver.discovery();
if (!found.found) throw new Error(found.reason);
const blueprintId = driver.blueprints()[0]?.blueprintId ?? '';
const phases: Record<string, number[]> = {
  template: [], copy: [], provision: [], start: [], user: [], verify: [], total: [], reloadTls: [], stop: [], destroy: [],
};
const specs: InstanceSpec[] = [];
try {
  const user = await ensureServiceUser();
  for (let run = 0; run < Math.min(runs, 5); run++) {
    const scratch = path.join(rootDir, `template-run-${run}`);
    const t0 = performance.now();
    await ensureTemplate(scratch, found.server, user);
    phases.template?.push(performance.now() - t0);
    await mkdirOwnedBy(user, path.join(scratch, 'instance'), 0o700);
    const t1 = performance.now();
    await execFileAs(user, 'cp', ['-a', '--sparse=always', templateDir(scratch, found.server.version), path.join(scratch, 'instance', 'data')]);
    phases.copy?.push(performance.now() - t1);
    await fs.rm(scratch, { recursive: true, force: true });
  }
  await driver.warm(blueprintId);
  for (let run = 0; run < runs; run++) {
    const spec: InstanceSpec = {
      id: `bench-${run}`, blueprintId, dataDir: path.join(rootDir, 'instances', `bench-${run}`),
      port: await freePort(), publiclyAccessible: false, ramSizeInGb: 1, cpuCount: 2,
      masterUsername: 'dbmaster', masterDatabaseName: 'appdb',
    };
    specs.push(spec);
    const material = await selfSignedTls(tlsDir, `server-${run}`);
    const times = await timeCreate(driver, spec, material, { caPem: material.caPem, password: 'bench-Pass-1' });
    for (const [name, ms] of Object.entries(times)) phases[name]?.push(ms);
    const next = await selfSignedTls(tlsDir, `next-${run}`);
    const t5 = performance.now();
    await driver.reloadTls(spec, next);
    phases.reloadTls?.push(performance.now() - t5);
  }
  await sleep(3_000); // let startup work (buffer pool load, purge) settle
  const pss = await Promise.all(specs.map(async (spec) => processPssBytes((await driver.status(spec)).pid ?? 0)));
  console.log(`idle PSS per mariadbd with ${specs.length} instances running (1 GB bundle): median ${mb(median(pss))} MB, ` +
    `min ${mb(Math.min(...pss))} MB, max ${mb(Math.max(...pss))} MB`);
  await timeStopDestroy(driver, specs, phases);
  console.log(`${blueprintId} (MariaDB ${found.server.version}), ${runs} runs, medians (ms):`);
  for (const [name, xs] of Object.entries(phases)) console.log(`  ${name.padEnd(10)} ${median(xs).toFixed(1)}  (n=${xs.length})`);
} finally {
  for (const spec of specs) await driver.destroy(spec).catch(() => undefined);
  await fs.rm(rootDir, { recursive: true, force: true });
}
