import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bindAddress, memorySettings, optionValue, parseMyCnf, renderMyCnf, sameValue, serverSettings,
} from './config-files.js';
import { MAX_SOCKET_PATH_BYTES, mysqlInstancePaths, runDirFor, SOCKET_NAME } from './instance-paths.js';

const spec = { port: 3306, publiclyAccessible: false, ramSizeInGb: 1 };
const paths = mysqlInstancePaths({ dataDir: '/srv/db-1' });
const render = (overrides: Partial<typeof spec & { publicListenAddresses: string[] }> = {}) =>
  renderMyCnf(serverSettings({ spec: { ...spec, ...overrides }, paths, basedir: '/usr' }));

describe('my.cnf', () => {
  it('binds loopback only for a private instance, and loopback plus the public addresses (or *) for a public one', () => {
    expect(render()).toMatch(/^bind_address\s+= 127\.0\.0\.1,::1$/m);
    expect(render({ publiclyAccessible: true })).toMatch(/^bind_address\s+= \*$/m);
    expect(render({ publiclyAccessible: true, publicListenAddresses: ['192.0.2.10'] })).toMatch(/^bind_address\s+= 127\.0\.0\.1,::1,192\.0\.2\.10$/m);
    expect(render({ publiclyAccessible: true, publicListenAddresses: ['192.0.2.10', '*'] })).toMatch(/^bind_address\s+= \*$/m);
    expect(bindAddress({ publiclyAccessible: false, publicListenAddresses: ['192.0.2.10'] })).toBe('127.0.0.1,::1');
  });

  it('requires TLS 1.2+ on TCP, keeps every file in the instance dir, and sizes memory from the bundle', () => {
    const conf = render();
    expect(conf.split('\n')[2]).toBe('[mariadbd]');
    for (const line of [
      /^port\s+= 3306$/m, /^socket\s+= \/srv\/db-1\/run\/mariadbd\.sock$/m, /^pid_file\s+= \/srv\/db-1\/run\/mariadbd\.pid$/m,
      /^datadir\s+= \/srv\/db-1\/data$/m, /^ssl_cert\s+= \/srv\/db-1\/tls\/server-cert\.pem$/m, /^ssl_key\s+= \/srv\/db-1\/tls\/server-key\.pem$/m,
      /^require_secure_transport\s+= ON$/m, /^tls_version\s+= TLSv1\.2,TLSv1\.3$/m, /^skip_name_resolve\s+= ON$/m,
      /^character_set_server\s+= utf8mb4$/m, /^secure_file_priv\s+= \/srv\/db-1\/files$/m, /^tmpdir\s+= \/srv\/db-1\/tmp$/m,
      /^log_error\s+= \/srv\/db-1\/log\/error\.log$/m, /^general_log\s+= OFF$/m, /^general_log_file\s+= \/srv\/db-1\/log\/general\.log$/m,
      /^slow_query_log\s+= OFF$/m, /^slow_query_log_file\s+= \/srv\/db-1\/log\/slow\.log$/m, /^performance_schema\s+= OFF$/m,
      /^innodb_buffer_pool_size\s+= 268435456$/m, /^max_connections\s+= 85$/m,
    ]) expect(conf).toMatch(line);
  });

  it('scales memory like RDS MySQL where RDS has a formula, and clamps the extremes', () => {
    expect(memorySettings(1)).toEqual({
      innodbBufferPoolBytes: 256 * 2 ** 20, maxConnections: 85, innodbLogBufferBytes: 4 * 2 ** 20,
      keyBufferBytes: 8 * 2 ** 20, ariaPagecacheBytes: 16 * 2 ** 20,
    });
    expect(memorySettings(0.5)).toMatchObject({ innodbBufferPoolBytes: 128 * 2 ** 20, maxConnections: 42, innodbLogBufferBytes: 2 * 2 ** 20 });
    expect(memorySettings(8)).toMatchObject({ innodbBufferPoolBytes: 2 * 2 ** 30, maxConnections: 682, innodbLogBufferBytes: 16 * 2 ** 20 });
    expect(memorySettings(0.1).maxConnections).toBe(21);
    expect(memorySettings(1024).maxConnections).toBe(5000);
  });

  it('quotes values that need it and reads back what it wrote', () => {
    expect(optionValue('/plain/path')).toBe('/plain/path');
    expect(optionValue('/with space/"q"\\b')).toBe('"/with space/\\"q\\"\\\\b"');
    expect(() => optionValue('a\nb')).toThrow(/line break/);
    const odd = mysqlInstancePaths({ dataDir: '/srv/my db #1' });
    const parsed = parseMyCnf(renderMyCnf(serverSettings({ spec, paths: odd, basedir: '/usr' })));
    expect(parsed.get('datadir')).toBe('/srv/my db #1/data');
    expect(parsed.get('require_secure_transport')).toBe('ON');
    expect(parsed.get('port')).toBe('3306');
  });

  it('compares running values as the server prints them', () => {
    expect(sameValue('/srv/db-1/data', '/srv/db-1/data/')).toBe(true);
    expect(sameValue('ON', 'ON')).toBe(true);
    expect(sameValue('OFF', '0')).toBe(true);
    expect(sameValue('3306', '3307')).toBe(false);
    expect(sameValue('127.0.0.1,::1', '*')).toBe(false);
  });
});

describe('instance paths', () => {
  it('keeps the socket in the instance dir when the path fits, else under /tmp named by a hash', () => {
    expect(runDirFor('/var/lib/berth/db-1')).toEqual({ dir: '/var/lib/berth/db-1/run', inTmp: false });
    const long = `/var/lib/berth/${'x'.repeat(100)}`;
    const fallback = runDirFor(long);
    expect(fallback.inTmp).toBe(true);
    expect(fallback.dir).toMatch(/^\/tmp\/berth-mysql-[0-9a-f]{20}$/);
    expect(runDirFor(long)).toEqual(fallback); // stable: a restarted berth finds it again
    expect(Buffer.byteLength(path.join(fallback.dir, SOCKET_NAME))).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
    expect(mysqlInstancePaths({ dataDir: long }).pidFile).toBe(path.join(fallback.dir, 'mariadbd.pid'));
  });
});
