import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { confString, memorySettings, renderBerthConf, renderPgHba, withBerthInclude } from './config-files.js';
import { MAX_SOCKET_PATH_BYTES, postgresInstancePaths, socketDirFor } from './instance-paths.js';

const spec = { id: 'db-1', port: 5432, publiclyAccessible: false, ramSizeInGb: 1, cpuCount: 2 };

describe('berth.conf', () => {
  it('listens on loopback only for a private instance and everywhere for a public one', () => {
    const input = { spec, socketDir: '/d/run', certFile: 'server.crt', keyFile: 'server.key' };
    expect(renderBerthConf(input)).toMatch(/^listen_addresses\s+= '127\.0\.0\.1,::1'$/m);
    expect(renderBerthConf({ ...input, spec: { ...spec, publiclyAccessible: true } })).toMatch(/^listen_addresses\s+= '\*'$/m);
    const chosen = { ...spec, publiclyAccessible: true, publicListenAddresses: ['127.0.0.2'] };
    expect(renderBerthConf({ ...input, spec: chosen })).toMatch(/^listen_addresses\s+= '127\.0\.0\.1,::1,127\.0\.0\.2'$/m);
    const ignored = { ...spec, publiclyAccessible: false, publicListenAddresses: ['127.0.0.2'] };
    expect(renderBerthConf({ ...input, spec: ignored })).toMatch(/^listen_addresses\s+= '127\.0\.0\.1,::1'$/m);
  });

  it('requires TLS 1.2+, scram, a private socket, and sets memory from the bundle', () => {
    const conf = renderBerthConf({ spec, socketDir: '/d/run', certFile: 'server.crt', keyFile: 'server.key' });
    for (const line of [
      /^ssl\s+= on$/m, /^ssl_min_protocol_version\s+= 'TLSv1\.2'$/m, /^password_encryption\s+= 'scram-sha-256'$/m,
      /^unix_socket_directories\s+= '\/d\/run'$/m, /^unix_socket_permissions\s+= 0700$/m, /^port\s+= 5432$/m,
      /^shared_buffers\s+= '128MB'$/m, /^effective_cache_size\s+= '768MB'$/m, /^max_connections\s+= 112$/m,
      /^huge_pages\s+= off$/m, /^logging_collector\s+= on$/m,
    ]) expect(conf).toMatch(line);
  });

  it('scales memory like RDS and clamps the extremes', () => {
    expect(memorySettings(1).maxConnections).toBe(112); // LEAST(RAM/9531392, 5000)
    expect(memorySettings(8).maxConnections).toBe(901);
    expect(memorySettings(1024).maxConnections).toBe(5000);
    expect(memorySettings(0.5)).toMatchObject({ sharedBuffersMb: 64, workMemMb: 4, maintenanceWorkMemMb: 64 });
    expect(memorySettings(8)).toMatchObject({ sharedBuffersMb: 1024, workMemMb: 32, maintenanceWorkMemMb: 512 });
  });

  it('quotes configuration strings', () => {
    expect(confString("it's")).toBe("'it''s'");
    expect(confString('a\\b')).toBe("'a\\\\b'");
  });

  it('is included at the end of postgresql.conf exactly once', () => {
    const once = withBerthInclude('shared_buffers = 128MB\n');
    expect(once.trimEnd().endsWith("include 'berth.conf'")).toBe(true);
    expect(withBerthInclude(once)).toBe(once);
  });
});

describe('pg_hba.conf', () => {
  it('admits berth_admin over the socket only, the replication account for replication over TLS on loopback only, everyone else over TLS with SCRAM', () => {
    const rules = renderPgHba().split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/));
    expect(rules).toEqual([
      ['local', 'all', 'berth_admin', 'trust'],
      ['hostssl', 'all', 'berth_admin', '0.0.0.0/0', 'reject'],
      ['hostssl', 'all', 'berth_admin', '::/0', 'reject'],
      ['hostssl', 'replication', 'berth_replicator', '127.0.0.1/32', 'scram-sha-256'],
      ['hostssl', 'replication', 'berth_replicator', '::1/128', 'scram-sha-256'],
      ['hostssl', 'all', 'berth_replicator', '0.0.0.0/0', 'reject'],
      ['hostssl', 'all', 'berth_replicator', '::/0', 'reject'],
      ['hostssl', 'all', 'all', '0.0.0.0/0', 'scram-sha-256'],
      ['hostssl', 'all', 'all', '::/0', 'scram-sha-256'],
    ]);
  });
});

describe('socket directory', () => {
  it('lives in the data dir when the socket path fits, else under /tmp named by a hash', () => {
    expect(socketDirFor('/var/lib/berth/db-1')).toEqual({ dir: '/var/lib/berth/db-1/run', inTmp: false });
    const long = `/var/lib/berth/${'x'.repeat(100)}`;
    const fallback = socketDirFor(long);
    expect(fallback.inTmp).toBe(true);
    expect(fallback.dir).toMatch(/^\/tmp\/berth-pg-[0-9a-f]{20}$/);
    expect(socketDirFor(long)).toEqual(fallback); // stable: a restarted berth finds it again
    expect(Buffer.byteLength(path.join(fallback.dir, '.s.PGSQL.65535'))).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
  });

  it('derives every path from the data dir', () => {
    const p = postgresInstancePaths({ dataDir: '/srv/db' });
    expect(p).toMatchObject({ pgdata: '/srv/db/pgdata', certFile: '/srv/db/pgdata/server.crt', keyFile: '/srv/db/pgdata/server.key' });
  });
});
