import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeDriverConformance } from '../conformance/suite.js';
import { driverFixture } from '../conformance/instances.js';
import { freeLoopbackPort } from '../conformance/net.js';
import { createOpensslTls, type ConformanceTls } from '../conformance/tls.js';
import { describeWhenAvailable } from '../conformance/prerequisites.js';
import type { InstanceSpec, TlsMaterial } from '../driver.js';
import { globalVariables } from './admin-connection.js';
import { masterConnectionOptions } from './master-connection.js';
import { conformanceSubject, MARIADB_BLUEPRINT, missingMariadb, openMaster } from './test-subject.js';
import { MysqlDriver } from './mysql-driver.js';
import { nativePasswordHash } from './native-password.js';
import { templateDir } from './template.js';

const execFileAsync = promisify(execFile);

const blueprint = MARIADB_BLUEPRINT;
const missing = missingMariadb;

describeWhenAvailable('MysqlDriver (MariaDB)', missing, () => {
  const { blueprintId, engineVersion } = blueprint!;

describe('MysqlDriver blueprints', () => {
  it('offers the installed MariaDB under engine mysql, with its real version', () => {
    expect(blueprint).toEqual({
      blueprintId: expect.stringMatching(/^mariadb_\d+_\d+$/),
      engine: 'mysql',
      engineVersion: expect.stringMatching(/^\d+\.\d+\.\d+-MariaDB$/),
      engineDescription: 'MariaDB, MySQL-compatible',
      engineVersionDescription: `MariaDB ${engineVersion.replace(/-MariaDB$/, '')}`,
      isEngineDefault: true,
    });
    const [major, minor] = engineVersion.split('.');
    expect(blueprintId).toBe(`mariadb_${major}_${minor}`);
  });
});

describeDriverConformance(`mysql ${blueprintId} (MariaDB ${engineVersion})`, conformanceSubject, createOpensslTls);

describe(`MysqlDriver specifics (${blueprintId})`, () => {
  const password = 'specific-Pass-1';
  // Each case's instances are destroyed after it.
  const instances = driverFixture({
    label: 'mysql',
    driver: (root) => new MysqlDriver({ rootDir: root }),
    blueprintId: () => blueprintId,
    password,
    idPrefix: 'my',
    destroyAfterEach: true,
  }, () => ({}));
  let rootDir = '';
  let driver: MysqlDriver;
  let tls: ConformanceTls;

  beforeAll(() => {
    ({ rootDir, driver, tls } = instances);
  });

  const running = (overrides: Partial<InstanceSpec> = {}, material?: TlsMaterial) =>
    instances.running({ ramSizeInGb: 1, cpuCount: 2, ...overrides }, material);

  const verify = (spec: InstanceSpec, host = 'localhost', caPem = tls.ca) => driver.verifyConnection(spec, { host, caPem, password });

  async function selfSigned(subjectAltName: string): Promise<TlsMaterial> {
    const base = path.join(rootDir, `self-signed-${Date.now()}-${Math.random().toString(16).slice(2)}`);
    await execFileAsync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${base}.key`,
      '-out', `${base}.crt`, '-days', '1', '-subj', '/CN=berth-test', '-addext', `subjectAltName=${subjectAltName}`,
    ]);
    const certPem = await fs.readFile(`${base}.crt`, 'utf8');
    return { certPem, keyPem: await fs.readFile(`${base}.key`, 'utf8'), caPem: certPem };
  }

  it('builds one template per server version (concurrent warms share it) without test database or foreign proxies', async () => {
    await Promise.all([driver.warm(blueprintId), driver.warm(blueprintId)]);
    const version = engineVersion.replace(/-MariaDB$/, '');
    expect((await fs.readdir(path.join(rootDir, 'templates'))).filter((n) => !n.startsWith('.'))).toEqual([`mariadb-${version}`]);
    await expect(fs.stat(path.join(templateDir(rootDir, version), 'test'))).rejects.toMatchObject({ code: 'ENOENT' });
    const spec = await running();
    const accounts = await driver.withAdmin(spec, async (c) => {
      const [users] = await c.query<mysql.RowDataPacket[]>("SELECT CONCAT(User, '@', Host) AS a FROM mysql.global_priv ORDER BY 1");
      const [proxies] = await c.query<mysql.RowDataPacket[]>('SELECT Host FROM mysql.proxies_priv');
      return { users: users.map((r) => r.a), proxyHosts: proxies.map((r) => r.Host) };
    });
    expect(accounts.users).toEqual(
      [`${spec.masterUsername}@%`, 'mariadb.sys@localhost', 'root@localhost', `${driver.adminAccount}@localhost`]
        .filter((a, i, all) => all.indexOf(a) === i)
        .sort(),
    );
    expect(accounts.proxyHosts).toEqual(['localhost']);
    await expect(fs.stat(path.join(driver.paths(spec).datadir, 'test'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses plain-text TCP (require_secure_transport) and the admin account over TCP', async () => {
    const spec = await running();
    const plainOptions = { host: '127.0.0.1', port: spec.port, user: spec.masterUsername, password, database: spec.masterDatabaseName };
    // The master account itself REQUIRE SSL...
    await expect(mysql.createConnection(plainOptions)).rejects.toThrow(/Access denied/);
    // ...and the server refuses plain TCP for any account, even one created without REQUIRE SSL
    // (MariaDB 10.11 answers "Access denied"); the same credentials over TLS work.
    await driver.withAdmin(spec, (c) => c.query(`CREATE USER 'nossl'@'%' IDENTIFIED BY PASSWORD '${nativePasswordHash(password)}'`));
    const nossl = { ...plainOptions, user: 'nossl', database: undefined };
    await expect(mysql.createConnection(nossl)).rejects.toThrow(/Access denied for user 'nossl'/);
    const overTls = await mysql.createConnection({ ...nossl, ssl: { ca: tls.ca, rejectUnauthorized: true } });
    await overTls.end();
    const asAdmin = mysql.createConnection({
      ...masterConnectionOptions(spec, { host: 'localhost', caPem: tls.ca, password: '' }),
      user: driver.adminAccount,
      database: undefined,
    });
    await expect(asAdmin).rejects.toThrow(/Access denied/);
  });

  it('applies my.cnf: TLS floor, loopback bind, private socket, memory from the bundle, logs', async () => {
    const spec = await running();
    const p = driver.paths(spec);
    const vars = await driver.withAdmin(spec, (c) => globalVariables(c));
    expect(Object.fromEntries(
      ['have_ssl', 'require_secure_transport', 'tls_version', 'bind_address', 'port', 'socket', 'skip_name_resolve',
        'character_set_server', 'max_connections', 'innodb_buffer_pool_size', 'performance_schema', 'general_log',
        'general_log_file', 'slow_query_log', 'log_error', 'version'].map((n) => [n, vars.get(n)]),
    )).toEqual({
      have_ssl: 'YES', require_secure_transport: 'ON', tls_version: 'TLSv1.2,TLSv1.3', bind_address: '127.0.0.1,::1',
      port: String(spec.port), socket: p.socket, skip_name_resolve: 'ON', character_set_server: 'utf8mb4',
      max_connections: '85', innodb_buffer_pool_size: String(256 * 2 ** 20), performance_schema: 'OFF',
      general_log: 'OFF', general_log_file: p.generalLog, slow_query_log: 'OFF', log_error: p.errorLog,
      version: expect.stringContaining(engineVersion),
    });
    expect((await fs.stat(p.runDir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(p.myCnf)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(p.keyFile)).mode & 0o777).toBe(0o600);
  });

  it('sends the master password only as its hash: not in the general log, the error log or the statements', async () => {
    const spec = await running();
    const p = driver.paths(spec);
    const second = 'Second-plain-Pass-2';
    const third = 'Third-plain-Pass-3';
    await driver.withAdmin(spec, (c) => c.query('SET GLOBAL general_log = ON'));
    await driver.ensureMasterUser(spec, second); // an existing account converges: ALTER
    await driver.setMasterPassword(spec, third);
    const general = await fs.readFile(p.generalLog, 'utf8');
    expect(general).toContain(`IDENTIFIED BY PASSWORD '${nativePasswordHash(second)}'`);
    expect(general).toContain(`IDENTIFIED BY PASSWORD '${nativePasswordHash(third)}'`);
    for (const plain of [password, second, third]) {
      expect(general).not.toContain(plain);
      expect(await fs.readFile(p.errorLog, 'utf8')).not.toContain(plain);
    }
    const stored = await driver.withAdmin(spec, async (c) => {
      const [rows] = await c.query<mysql.RowDataPacket[]>(
        "SELECT JSON_VALUE(Priv, '$.authentication_string') AS hash, JSON_VALUE(Priv, '$.plugin') AS plugin FROM mysql.global_priv WHERE User = ? AND Host = '%'",
        [spec.masterUsername],
      );
      return rows[0];
    });
    expect(stored).toEqual({ hash: nativePasswordHash(third), plugin: 'mysql_native_password' });
    await driver.verifyConnection(spec, { host: 'localhost', caPem: tls.ca, password: third });
    // Re-provisioning a running instance applies the dynamic settings: the general log is off again.
    await driver.provision(spec, await tls.makeServerTls());
    expect((await driver.withAdmin(spec, (c) => globalVariables(c, ['general_log']))).get('general_log')).toBe('OFF');
  });

  it('gives the master user broad privileges with GRANT OPTION, but no SUPER, FILE or SHUTDOWN', async () => {
    const spec = await running();
    const master = await openMaster(spec, { host: 'localhost', caPem: tls.ca, password });
    try {
      const [grants] = await master.query<mysql.RowDataPacket[]>('SHOW GRANTS');
      const text = grants.map((row) => String(Object.values(row)[0])).join('\n');
      expect(text).toMatch(/WITH GRANT OPTION/);
      expect(text).toMatch(/REQUIRE SSL/);
      for (const privilege of ['CREATE USER', 'RELOAD', 'PROCESS', 'SHOW DATABASES', 'EVENT', 'TRIGGER']) expect(text).toContain(privilege);
      for (const privilege of ['ALL PRIVILEGES', 'SUPER', 'FILE', 'SHUTDOWN', 'CONNECTION ADMIN', 'SET USER']) expect(text).not.toContain(privilege);
      await expect(master.query('SHUTDOWN')).rejects.toThrow(/denied|privilege/i);
      await expect(master.query('SET GLOBAL max_connections = 10')).rejects.toThrow(/denied|privilege/i);
      await expect(master.query("SELECT 1 INTO OUTFILE '/tmp/berth-should-not-exist'")).rejects.toThrow(/denied/i);
      // What a master user is for: databases, users, grants.
      await master.query('CREATE DATABASE reporting');
      await master.query("CREATE USER 'app'@'%' IDENTIFIED BY 'app-Pass-123' REQUIRE SSL");
      await master.query('GRANT SELECT, INSERT ON reporting.* TO app');
      await master.query(`CREATE TABLE ${spec.masterDatabaseName}.t (v INT)`);
    } finally {
      await master.end().catch(() => master.destroy());
    }
  });

  it('verifies the host name like --ssl-verify-server-cert, for DNS names and IP addresses', async () => {
    const spec = await running({}, await selfSigned('DNS:localhost'));
    const dnsOnly = (await fs.readFile(driver.paths(spec).certFile, 'utf8'));
    await verify(spec, 'localhost', dnsOnly);
    await expect(verify(spec, '127.0.0.1', dnsOnly)).rejects.toThrow(/IP: 127\.0\.0\.1 is not in the cert's list/);
    await expect(verify(spec, '::1', dnsOnly)).rejects.toThrow(/does not match/);
    const ipOnly = await selfSigned('IP:127.0.0.1');
    await driver.reloadTls(spec, ipOnly);
    await verify(spec, '127.0.0.1', ipOnly.caPem);
    await expect(verify(spec, 'localhost', ipOnly.caPem)).rejects.toThrow(/does not match/);
  });

  it('re-provisioning a running instance reports the settings that need a restart (public access, port, bundle)', async () => {
    const spec = await running();
    const material = await tls.makeServerTls();
    expect(await driver.pendingRestart(spec)).toEqual([]);
    // Only the file changes for these: the server keeps listening on loopback until it restarts.
    const changed = { ...spec, publiclyAccessible: true, ramSizeInGb: 2, port: await freeLoopbackPort() };
    await driver.provision(changed, material);
    expect(await driver.pendingRestart(changed)).toEqual([
      'aria_pagecache_buffer_size', 'bind_address', 'innodb_buffer_pool_size', 'innodb_log_buffer_size', 'port',
    ]);
    // max_connections is dynamic: applied at once.
    expect((await driver.withAdmin(spec, (c) => globalVariables(c, ['max_connections']))).get('max_connections')).toBe('170');
    await driver.reloadTls(changed, material); // the admin path and TLS probe use the socket, not the port
    await verify(spec); // still on the old port
    await driver.provision(spec, material);
    expect(await driver.pendingRestart(spec)).toEqual([]);
    await driver.stop(spec);
    expect(await driver.pendingRestart(spec)).toEqual([]);
  });

  it('fails start() with the error log when the TLS files are unusable, and provision repairs them', async () => {
    const spec = await running();
    await driver.stop(spec);
    await fs.writeFile(driver.paths(spec).keyFile, 'not a key\n');
    // With require_secure_transport, mariadbd aborts rather than run without TLS.
    await expect(driver.start(spec)).rejects.toThrow(/exited with code 1 before it was ready[\s\S]*Unable to get private key/);
    expect((await driver.status(spec)).running).toBe(false);
    await driver.provision(spec, await tls.makeServerTls());
    await driver.start(spec);
    await verify(spec);
  });

  it('refuses reserved master usernames (the admin account, root, berth_*)', async () => {
    for (const masterUsername of ['root', driver.adminAccount, 'berth_admin']) {
      await expect(running({ masterUsername })).rejects.toThrow(/reserved/);
    }
  });
});
});
