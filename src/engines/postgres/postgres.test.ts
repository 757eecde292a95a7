import fs from 'node:fs/promises';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeDriverConformance } from '../conformance/suite.js';

import { driverFixture, testSpec } from '../conformance/instances.js';
import { freeLoopbackPort } from '../conformance/net.js';
import { createOpensslTls, type ConformanceTls } from '../conformance/tls.js';
import { describeWhenAvailable } from '../conformance/prerequisites.js';
import type { InstanceSpec } from '../driver.js';
import { masterClientConfig } from './master-connection.js';
import { PostgresDriver } from './postgres-driver.js';
import { conformanceSubject, makeRootDir, missingPostgres } from './test-blueprints.js';
import { scramVerifierMatches } from './scram.js';

describe('PostgresDriver blueprints', () => {
  it('offers each installed major with the real server version, newest as default', () => {
    const blueprints = new PostgresDriver({ rootDir: '/nonexistent' }).blueprints();
    expect(blueprints.length).toBeGreaterThan(0);
    for (const b of blueprints) {
      expect(b.blueprintId).toMatch(/^postgres_\d+$/);
      expect(b.engine).toBe('postgres');
      expect(b.engineVersion).toMatch(/^\d+\.\d+$/);
      expect(b.engineVersionDescription).toBe(`PostgreSQL ${b.engineVersion}`);
    }
    expect(blueprints.filter((b) => b.isEngineDefault)).toHaveLength(1);
    const newest = Math.max(...blueprints.map((b) => Number(b.blueprintId.split('_')[1])));
    expect(blueprints.find((b) => b.isEngineDefault)?.blueprintId).toBe(`postgres_${newest}`);
  });
});

for (const blueprintId of ['postgres_17', 'postgres_16']) {
  describeWhenAvailable(`${blueprintId} driver`, missingPostgres(blueprintId), () =>
    describeDriverConformance(blueprintId, conformanceSubject(blueprintId), createOpensslTls),
  );
}

describeWhenAvailable('PostgresDriver specifics (postgres_17)', missingPostgres('postgres_17'), () => {
  const password = 'specific-Pass-1';
  const instances = driverFixture({
    label: 'postgres',
    driver: (rootDir) => new PostgresDriver({ rootDir }),
    blueprintId: () => 'postgres_17',
    password,
    idPrefix: 'pg',
  }, () => ({}));
  let driver: PostgresDriver;
  let tls: ConformanceTls;

  beforeAll(() => {
    ({ driver, tls } = instances);
  });

  const running = (overrides: Partial<InstanceSpec> = {}) =>
    instances.running({ ramSizeInGb: 1, cpuCount: 2, masterUsername: 'Master User', masterDatabaseName: 'app-db', ...overrides });

  it('rejects plain-text TCP and the admin role over TCP', async () => {
    const spec = await running();
    const plain = new pg.Client({ host: '127.0.0.1', port: spec.port, user: spec.masterUsername, database: spec.masterDatabaseName, password, ssl: false });
    await expect(plain.connect()).rejects.toThrow(/no encryption|pg_hba/);
    await plain.end().catch(() => undefined);
    const admin = new pg.Client({ ...masterClientConfig(spec, { host: 'localhost', caPem: tls.ca, password: 'x' }), user: 'berth_admin' });
    await expect(admin.connect()).rejects.toThrow();
    await admin.end().catch(() => undefined);
  });

  it('stores the master password as the SCRAM verifier computed by berth, and the role is not a superuser', async () => {
    const spec = await running();
    const rows = await driver.withAdmin(spec, async (c) => {
      const role = await c.query(
        `SELECT rolpassword, rolsuper, rolcreatedb, rolcreaterole, rolcanlogin,
                pg_has_role(rolname, 'pg_monitor', 'MEMBER') AS monitor,
                pg_has_role(rolname, 'pg_signal_backend', 'MEMBER') AS signal
           FROM pg_authid WHERE rolname = $1`, [spec.masterUsername]);
      const db = await c.query('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [spec.masterDatabaseName]);
      return { role: role.rows[0], owner: db.rows[0]?.owner };
    });
    expect(scramVerifierMatches(rows.role.rolpassword, password)).toBe(true);
    expect(rows.role).toMatchObject({ rolsuper: false, rolcreatedb: true, rolcreaterole: true, rolcanlogin: true, monitor: true, signal: true });
    expect(rows.owner).toBe(spec.masterUsername);
  });

  it('applies berth.conf: TLS floor, scram, memory from the bundle, loopback listen', async () => {
    const spec = await running();
    const settings = await driver.withAdmin(spec, async (c) => {
      const r = await c.query(`SELECT name, setting FROM pg_settings WHERE name = ANY($1)`, [
        ['listen_addresses', 'ssl', 'ssl_min_protocol_version', 'password_encryption', 'max_connections', 'shared_buffers', 'logging_collector', 'huge_pages'],
      ]);
      return Object.fromEntries(r.rows.map((row) => [row.name, row.setting]));
    });
    expect(settings).toMatchObject({
      listen_addresses: '127.0.0.1,::1', ssl: 'on', ssl_min_protocol_version: 'TLSv1.2',
      password_encryption: 'scram-sha-256', max_connections: '112', shared_buffers: String((128 * 1024) / 8),
      logging_collector: 'on', huge_pages: 'off',
    });
  });

  it('re-provisioning a running instance reports the settings that need a restart (public access, port, bundle)', async () => {
    const spec = await running();
    const material = await tls.makeServerTls();
    expect(await driver.pendingRestart(spec)).toEqual([]);
    // Only the files change: the server keeps listening on loopback until it restarts.
    const changed = { ...spec, publiclyAccessible: true, ramSizeInGb: 2, port: await freeLoopbackPort() };
    await driver.provision(changed, material);
    expect(await driver.pendingRestart(changed)).toEqual(['listen_addresses', 'max_connections', 'port', 'shared_buffers']);
    await driver.reloadTls(changed, material); // admin path and TLS probe follow the port still in use
    await driver.provision(spec, material);
    expect(await driver.pendingRestart(spec)).toEqual([]);
  });

  it('refuses the reserved admin role as master username', async () => {
    await expect(running({ masterUsername: 'berth_admin' })).rejects.toThrow(/reserved/);
  });
});

describeWhenAvailable('PostgresDriver smoke (postgres_16)', missingPostgres('postgres_16'), () => {
  it('runs a 16 instance next to 17 binaries', async () => {
    const rootDir = await makeRootDir();
    const driver = new PostgresDriver({ rootDir });
    const tls = await createOpensslTls();
    const spec = await testSpec(rootDir, 'pg16', 'postgres_16');
    try {
      await driver.provision(spec, await tls.makeServerTls());
      await driver.start(spec);
      await driver.ensureMasterUser(spec, 'smoke-Pass-16');
      await driver.verifyConnection(spec, { host: 'localhost', caPem: tls.ca, password: 'smoke-Pass-16' });
      const version = await driver.withAdmin(spec, async (c) => (await c.query('SHOW server_version')).rows[0]?.server_version);
      expect(version).toBe(driver.blueprints().find((b) => b.blueprintId === 'postgres_16')?.engineVersion);
    } finally {
      try {
        await driver.destroy(spec);
      } finally {
        await tls.cleanup();
        await fs.rm(rootDir, { recursive: true, force: true });
      }
    }
  });
});
