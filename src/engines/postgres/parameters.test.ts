import { describe, expect, it } from 'vitest';
import { renderBerthConf } from './config-files.js';
import { berthControlReason, parseParameterFile, renderParameterFile, toEngineParameter, type SettingRow } from './parameters.js';

describe('berth parameter files', () => {
  it('round-trip values with quotes, backslashes and spaces', () => {
    const values = new Map([
      ['search_path', '"$user", public, "it\'s"'],
      ['application_name', 'back\\slash \\\' quote'],
      ['work_mem', '64MB'],
    ]);
    const text = renderParameterFile(values, 'test');
    expect(text).toMatch(/^work_mem = '64MB'$/m);
    expect(parseParameterFile(text)).toEqual(values);
  });
});

describe('what berth controls', () => {
  it('covers TLS, network, auth, archiving, recovery, the log layout and its own access', () => {
    for (const name of [
      'port', 'listen_addresses', 'unix_socket_directories', 'ssl', 'ssl_cert_file', 'ssl_min_protocol_version', 'password_encryption',
      'hba_file', 'data_directory', 'archive_mode', 'archive_command', 'archive_timeout', 'restore_command', 'recovery_target_time',
      'logging_collector', 'log_directory', 'log_filename', 'log_line_prefix', 'log_timezone', 'log_destination',
      'superuser_reserved_connections', 'dynamic_library_path', 'fsync', 'full_page_writes', 'huge_pages',
    ]) {
      expect(berthControlReason(name), name).toBeDefined();
    }
    for (const name of ['work_mem', 'shared_buffers', 'max_connections', 'wal_level', 'log_min_duration_statement', 'log_statement', 'TimeZone', 'shared_preload_libraries']) {
      expect(berthControlReason(name), name).toBeUndefined();
    }
  });

  it('sets what it controls after the include of the parameter file, and the bundle defaults before it', () => {
    const conf = renderBerthConf({
      spec: { id: 'db-1', port: 5432, publiclyAccessible: false, ramSizeInGb: 1, cpuCount: 2 },
      socketDir: '/d/run', certFile: 'server.crt', keyFile: 'server.key',
    });
    const lines = conf.split('\n');
    const include = lines.indexOf("include_if_exists 'berth-parameters.conf'");
    const at = (name: string) => lines.findIndex((l) => l.startsWith(`${name} `));
    expect(include).toBeGreaterThan(0);
    for (const name of ['max_connections', 'shared_buffers', 'work_mem', 'timezone']) expect(at(name), name).toBeLessThan(include);
    for (const name of ['port', 'ssl', 'log_line_prefix', 'archive_mode', 'superuser_reserved_connections']) {
      expect(at(name), name).toBeGreaterThan(include);
      expect(berthControlReason(name), name).toBeDefined();
    }
    // Everything set before the include is a parameter users may change.
    for (const line of lines.slice(0, include)) {
      const name = /^(\w+)\s+=/.exec(line)?.[1];
      if (name) expect(berthControlReason(name), name).toBeUndefined();
    }
  });
});

describe('toEngineParameter', () => {
  const limits = { reservedConnections: 3, pkglibdir: undefined };
  const row = (overrides: Partial<SettingRow>): SettingRow => ({
    name: 'x', setting: '1', unit: null, vartype: 'integer', context: 'user', enumvals: null, min_val: '0', max_val: '10', short_desc: 'X.', ...overrides,
  });

  it('maps contexts, types and ranges', () => {
    expect(toEngineParameter(row({ name: 'work_mem', unit: 'kB', min_val: '64', max_val: '2147483647' }), limits)).toEqual({
      name: 'work_mem', value: '1', applyType: 'dynamic', dataType: 'integer', allowedValues: '64-2147483647', description: 'X. (unit: kB)', isModifiable: true,
    });
    expect(toEngineParameter(row({ context: 'postmaster' }), limits).applyType).toBe('static');
    expect(toEngineParameter(row({ context: 'sighup' }), limits).applyType).toBe('dynamic');
    expect(toEngineParameter(row({ context: 'superuser-backend' }), limits).applyType).toBe('dynamic');
    expect(toEngineParameter(row({ context: 'internal' }), limits)).toMatchObject({ applyType: 'static', isModifiable: false });
    expect(toEngineParameter(row({ vartype: 'bool', setting: 'on' }), limits)).toMatchObject({ dataType: 'boolean', allowedValues: 'on,off' });
    expect(toEngineParameter(row({ vartype: 'real', min_val: '0', max_val: '1' }), limits)).toMatchObject({ dataType: 'float', allowedValues: '0-1' });
    expect(toEngineParameter(row({ vartype: 'enum', enumvals: ['a', 'b'] }), limits)).toMatchObject({ dataType: 'string', allowedValues: 'a,b' });
    expect(toEngineParameter(row({ vartype: 'string', setting: '' }), limits).value).toBeUndefined();
    expect(toEngineParameter(row({ name: 'search_path', vartype: 'string', setting: 'public' }), limits)).toMatchObject({ dataType: 'list', value: 'public' });
    expect(toEngineParameter(row({ name: 'max_connections', max_val: '262143' }), limits).allowedValues).toBe('4-262143');
  });
});
