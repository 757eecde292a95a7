import { describe, expect, it } from 'vitest';
import { parseMyCnf, renderMyCnf, serverIdFor, serverSettings, UNARCHIVED_BINLOG_EXPIRE_SECONDS } from './config-files.js';
import { mysqlInstancePaths } from './instance-paths.js';

const spec = { port: 3306, publiclyAccessible: false, ramSizeInGb: 1 };
const paths = mysqlInstancePaths({ dataDir: '/srv/db-1' });

describe('my.cnf binary log settings', () => {
  it('always logs row-based into <dataDir>/binlog, fsynced per commit group, in 64 MB files', () => {
    const conf = parseMyCnf(renderMyCnf(serverSettings({ spec, paths, basedir: '/usr' })));
    expect(conf.get('log_bin')).toBe('/srv/db-1/binlog/mariadb-bin');
    expect(conf.get('log_bin_index')).toBe('/srv/db-1/binlog/mariadb-bin.index');
    expect(conf.get('binlog_format')).toBe('ROW');
    expect(conf.get('sync_binlog')).toBe('1');
    expect(conf.get('log_bin_compress')).toBe('ON');
    expect(conf.get('max_binlog_size')).toBe(String(64 * 2 ** 20));
    expect(conf.get('server_id')).toBe(String(serverIdFor('/srv/db-1')));
  });

  it('lets the server expire binary logs only while they are not archived', () => {
    const expire = (archiving: boolean) =>
      parseMyCnf(renderMyCnf(serverSettings({ spec, paths, basedir: '/usr', archiving }))).get('binlog_expire_logs_seconds');
    expect(expire(false)).toBe(String(UNARCHIVED_BINLOG_EXPIRE_SECONDS));
    expect(expire(true)).toBe('0');
  });

  it('marks log_bin restart-level, compared with log_bin_basename; the rest dynamic', () => {
    const byName = new Map(serverSettings({ spec, paths, basedir: '/usr' }).map((s) => [s.name, s]));
    expect(byName.get('log_bin')).toMatchObject({ apply: 'restart', variable: 'log_bin_basename' });
    expect(byName.get('log_bin_index')?.apply).toBe('restart');
    for (const name of ['server_id', 'binlog_format', 'sync_binlog', 'max_binlog_size', 'binlog_expire_logs_seconds']) {
      expect(byName.get(name)?.apply).toBe('dynamic');
    }
  });

  it('derives a stable server_id in 1..2^32-1 from the instance directory', () => {
    expect(serverIdFor('/srv/db-1')).toBe(serverIdFor('/srv/db-1'));
    expect(serverIdFor('/srv/db-1')).not.toBe(serverIdFor('/srv/db-2'));
    for (const dir of ['/a', '/b', '/srv/db-1', '/var/lib/berth/instances/x']) {
      expect(serverIdFor(dir)).toBeGreaterThanOrEqual(1);
      expect(serverIdFor(dir)).toBeLessThanOrEqual(0xffffffff);
    }
  });
});
