import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blueprintIdFor, discoverMariadbServer, MYSQL_INSTALL_HINT, parseServerVersion } from './server-binaries.js';

describe('server version', () => {
  it('reads MariaDB versions without the distribution suffix', () => {
    expect(parseServerVersion('/usr/sbin/mariadbd  Ver 10.11.18-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)'))
      .toEqual({ flavor: 'mariadb', version: '10.11.18', major: 10, minor: 11 });
    expect(parseServerVersion('mariadbd  Ver 11.4.5-MariaDB for Linux on x86_64 (MariaDB Server)')?.version).toBe('11.4.5');
    expect(blueprintIdFor({ major: 10, minor: 11 })).toBe('mariadb_10_11');
  });

  it('tells Oracle MySQL apart', () => {
    expect(parseServerVersion('/usr/sbin/mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)'))
      .toEqual({ flavor: 'mysql', version: '8.0.36', major: 8, minor: 0 });
    expect(parseServerVersion('garbage')).toBeUndefined();
  });
});

describe('discovery', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function fakeServer(name: string, versionLine: string): Promise<string> {
    const file = path.join(dir, name);
    await fs.writeFile(file, `#!/bin/sh\necho '${versionLine}'\n`, { mode: 0o755 });
    return file;
  }

  it('reports a BERTH_MYSQLD that does not exist instead of falling back to PATH', () => {
    const found = discoverMariadbServer({ BERTH_MYSQLD: path.join(dir, 'missing'), PATH: '/usr/sbin:/usr/bin' });
    expect(found).toEqual({ found: false, reason: expect.stringMatching(/BERTH_MYSQLD=.*missing is not an executable/) });
  });

  it('refuses an Oracle mysqld with the reason and the install hint', async () => {
    const mysqld = await fakeServer('mysqld', 'mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)');
    const found = discoverMariadbServer({ BERTH_MYSQLD: mysqld, PATH: '' });
    expect(found.found).toBe(false);
    if (!found.found) expect(found.reason).toContain('Oracle MySQL 8.0.36');
  });

  it('refuses a MariaDB older than 10.11 (bind_address lists, require_secure_transport)', async () => {
    const old = await fakeServer('mariadbd-10.6', 'mariadbd  Ver 10.6.18-MariaDB-0ubuntu0.22.04.1 for debian-linux-gnu on x86_64 (Ubuntu 22.04)');
    const found = discoverMariadbServer({ BERTH_MYSQLD: old, PATH: '' });
    expect(found.found).toBe(false);
    if (!found.found) expect(found.reason).toMatch(/MariaDB 10\.6\.18; berth needs MariaDB 10\.11 or newer/);
  });

  it('takes a MariaDB named by BERTH_MYSQLD, with the install script found beside it or on PATH', async () => {
    const fake = await fakeServer('mariadbd', 'mariadbd  Ver 10.11.9-MariaDB for Linux on x86_64 (MariaDB Server)');
    const found = discoverMariadbServer({ BERTH_MYSQLD: fake, PATH: '/usr/bin:/bin' });
    if (!found.found) expect(found.reason).toContain('mariadb-install-db not found'); // no MariaDB installed here
    else expect(found.server).toMatchObject({ mariadbd: await fs.realpath(fake), version: '10.11.9', major: 10, minor: 11 });
  });

  it('finds nothing on an empty PATH without /usr/sbin/mariadbd, and the hint says what to install', async () => {
    expect(MYSQL_INSTALL_HINT).toContain('apt-get install mariadb-server');
    const found = discoverMariadbServer({ PATH: dir });
    if (found.found) expect(found.server.mariadbd).toMatch(/mariadbd$/); // the system's, from /usr/sbin
    else expect(found.reason).toContain('apt-get install mariadb-server');
  });
});
