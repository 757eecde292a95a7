import { describe, expect, it } from 'vitest';
import { parseMyCnf, renderMyCnf, serverSettings } from './config-files.js';
import { mysqlInstancePaths } from './instance-paths.js';
import { controlledBecause, optionNameFor } from './parameter-policy.js';
import {
  checkValue, describeVariable, mergeParameters, parseParametersCnf, renderParametersCnf, sameParameterValue,
  validateChanges, type VariableInfo,
} from './parameters.js';
import { parseHelpOptions } from './server-options.js';

const variable = (v: Partial<VariableInfo> & Pick<VariableInfo, 'name' | 'type'>): VariableInfo =>
  ({ value: '', comment: `about ${v.name}`, readOnly: false, hasSession: false, option: v.name, ...v });

const waitTimeout = variable({ name: 'wait_timeout', type: 'BIGINT UNSIGNED', value: '28800', min: '1', max: '31536000', blockSize: '1', hasSession: true });
const logBuffer = variable({ name: 'innodb_log_buffer_size', type: 'INT UNSIGNED', value: '4194304', min: '2097152', max: '2147479552', blockSize: '4096', readOnly: true });
const generalLog = variable({ name: 'general_log', type: 'BOOLEAN', value: 'OFF', members: ['OFF', 'ON'] });
const sqlMode = variable({ name: 'sql_mode', type: 'SET', value: 'STRICT_TRANS_TABLES', members: ['ANSI_QUOTES', 'STRICT_TRANS_TABLES', 'STRICT_ALL_TABLES'], hasSession: true });
const flags = variable({ name: 'optimizer_switch', type: 'FLAGSET', value: 'mrr=off,semijoin=on', members: ['mrr', 'semijoin'], hasSession: true });
const longQuery = variable({ name: 'long_query_time', type: 'DOUBLE', value: '10.000000', min: '0', max: '31536000', hasSession: true });
const isolation = variable({ name: 'tx_isolation', type: 'ENUM', value: 'REPEATABLE-READ', members: ['READ-UNCOMMITTED', 'READ-COMMITTED', 'REPEATABLE-READ', 'SERIALIZABLE'], option: 'transaction_isolation' });
const collation = variable({ name: 'collation_server', type: 'ENUM', value: 'utf8mb4_general_ci' });
const port = variable({ name: 'port', type: 'INT UNSIGNED', value: '3306', min: '0', max: '65535', readOnly: true, controlled: 'the network endpoint and access' });
const version = variable({ name: 'version', type: 'VARCHAR', value: '10.11.18-MariaDB', readOnly: true, option: undefined });
const fkChecks = variable({ name: 'foreign_key_checks', type: 'BOOLEAN', value: 'ON', option: undefined, hasSession: true });
const initConnect = variable({ name: 'init_connect', type: 'VARCHAR', value: '' });

describe('parameters', () => {
  it('describes variables the way Lightsail shows MySQL parameters', () => {
    expect(describeVariable(generalLog)).toEqual({
      name: 'general_log', value: '0', allowedValues: '0,1', applyType: 'dynamic', dataType: 'boolean', description: 'about general_log', isModifiable: true,
    });
    expect(describeVariable(logBuffer)).toMatchObject({ allowedValues: '2097152-2147479552', applyType: 'static', dataType: 'integer', isModifiable: true });
    expect(describeVariable(sqlMode)).toMatchObject({ allowedValues: 'ANSI_QUOTES,STRICT_TRANS_TABLES,STRICT_ALL_TABLES', dataType: 'list' });
    expect(describeVariable(longQuery)).toMatchObject({ dataType: 'float', allowedValues: '0-31536000' });
    expect(describeVariable(isolation)).toMatchObject({ dataType: 'string', allowedValues: 'READ-UNCOMMITTED,READ-COMMITTED,REPEATABLE-READ,SERIALIZABLE' });
    expect(describeVariable(port).isModifiable).toBe(false);
    expect(describeVariable(version).isModifiable).toBe(false);
    expect(describeVariable(fkChecks).isModifiable).toBe(false);
    expect(describeVariable(initConnect)).not.toHaveProperty('value'); // no value to show
  });

  it('checks values by type and range and gives their canonical form', () => {
    expect(checkValue(waitTimeout, ' 600 ')).toEqual({ ok: true, value: '600' });
    expect(checkValue(waitTimeout, '0')).toEqual({ ok: false, reason: 'wait_timeout takes a whole number in 1-31536000, not "0"' });
    expect(checkValue(waitTimeout, '1e3').ok).toBe(false);
    expect(checkValue(waitTimeout, '-5').ok).toBe(false);
    expect(checkValue(logBuffer, String(8 * 2 ** 20))).toEqual({ ok: true, value: '8388608' });
    expect(checkValue(logBuffer, String(8 * 2 ** 20 + 1))).toMatchObject({ ok: false, reason: expect.stringMatching(/multiple of 4096/) });
    for (const on of ['1', 'ON', 'on', 'TRUE']) expect(checkValue(generalLog, on)).toEqual({ ok: true, value: '1' });
    for (const off of ['0', 'OFF', 'false']) expect(checkValue(generalLog, off)).toEqual({ ok: true, value: '0' });
    expect(checkValue(generalLog, 'yes').ok).toBe(false);
    expect(checkValue(sqlMode, 'ansi_quotes,STRICT_ALL_TABLES,ansi_quotes')).toEqual({ ok: true, value: 'ANSI_QUOTES,STRICT_ALL_TABLES' });
    expect(checkValue(sqlMode, '')).toEqual({ ok: true, value: '' });
    expect(checkValue(sqlMode, 'ANSI_QUOTES,NOPE')).toMatchObject({ ok: false, reason: expect.stringMatching(/comma-separated list of ANSI_QUOTES/) });
    expect(checkValue(flags, 'MRR=ON, semijoin=default')).toEqual({ ok: true, value: 'mrr=on,semijoin=default' });
    expect(checkValue(flags, 'mrr=maybe').ok).toBe(false);
    expect(checkValue(longQuery, '0.25')).toEqual({ ok: true, value: '0.25' });
    expect(checkValue(longQuery, '-1').ok).toBe(false);
    expect(checkValue(isolation, 'read-committed')).toEqual({ ok: true, value: 'READ-COMMITTED' });
    expect(checkValue(collation, 'utf8mb4_bin')).toEqual({ ok: true, value: 'utf8mb4_bin' }); // no list: MariaDB judges the name
    expect(checkValue(initConnect, "SET NAMES 'utf8mb4'")).toEqual({ ok: true, value: "SET NAMES 'utf8mb4'" });
    expect(checkValue(initConnect, 'a\nb').ok).toBe(false);
    expect(checkValue(initConnect, 'a\\b').ok).toBe(false);
  });

  it('validates a whole request at once and names every problem', () => {
    const variables = new Map([waitTimeout, logBuffer, generalLog, port, version, fkChecks].map((v) => [v.name, v]));
    expect(() => validateChanges(variables, [
      { name: 'nope', value: '1', applyMethod: 'immediate' },
      { name: 'port', value: '1', applyMethod: 'pending-reboot' },
      { name: 'innodb_log_buffer_size', value: '8388608', applyMethod: 'immediate' },
      { name: 'version', value: 'x', applyMethod: 'pending-reboot' },
      { name: 'foreign_key_checks', value: '0', applyMethod: 'immediate' },
      { name: 'wait_timeout', value: '0', applyMethod: 'immediate' },
    ])).toThrow(
      'unknown parameter "nope"; parameter port is not modifiable: berth controls it (the network endpoint and access); ' +
      'parameter innodb_log_buffer_size is static: it can only be applied with applyMethod pending-reboot (it takes effect at the next reboot); ' +
      'parameter version is not modifiable: the server fixes it; ' +
      'parameter foreign_key_checks is not modifiable: no configuration file option sets it (it exists per session only); ' +
      'invalid value for parameter wait_timeout takes a whole number in 1-31536000, not "0"',
    );
    expect(() => validateChanges(variables, [
      { name: 'wait_timeout', value: '5', applyMethod: 'immediate' }, { name: 'WAIT-TIMEOUT', value: '6', applyMethod: 'immediate' },
    ])).toThrow('parameter wait_timeout is given more than once');
    const accepted = validateChanges(variables, [
      { name: 'Wait-Timeout', value: '600', applyMethod: 'immediate' }, { name: 'general_log', value: 'on', applyMethod: 'pending-reboot' },
    ]);
    expect(accepted.map((a) => [a.variable.name, a.value, a.applyMethod])).toEqual([['wait_timeout', '600', 'immediate'], ['general_log', '1', 'pending-reboot']]);
  });

  it('persists parameters with their apply method and reads them back', () => {
    const persisted = mergeParameters(
      [{ name: 'wait_timeout', option: 'wait_timeout', value: '100', applyMethod: 'immediate' }],
      [
        { variable: waitTimeout, value: '600', applyMethod: 'pending-reboot' },
        { variable: isolation, value: 'READ-COMMITTED', applyMethod: 'pending-reboot' },
        { variable: initConnect, value: 'SET @a = "x y"', applyMethod: 'immediate' },
      ],
    );
    const text = renderParametersCnf(persisted);
    expect(text).toMatch(/^\[mariadbd\]$/m);
    expect(text).toMatch(/^transaction_isolation = READ-COMMITTED$/m);
    expect(text).toMatch(/^wait_timeout = 600$/m);
    expect(text).toContain('init_connect = "SET @a = \\"x y\\""');
    expect(parseParametersCnf(text)).toEqual([...persisted].sort((a, b) => a.name.localeCompare(b.name)));
    expect(parseMyCnf(text).get('init_connect')).toBe('SET @a = "x y"');
    expect(() => parseParametersCnf('# berth-parameter {"name":1}\n')).toThrow(/unreadable/);
  });

  it('compares persisted and running values as the server prints them', () => {
    expect(sameParameterValue(generalLog, '1', 'ON')).toBe(true);
    expect(sameParameterValue(generalLog, '0', 'ON')).toBe(false);
    expect(sameParameterValue(longQuery, '0.2', '0.200000')).toBe(true);
    expect(sameParameterValue(longQuery, '0.2', '0.300000')).toBe(false);
    expect(sameParameterValue(sqlMode, 'STRICT_ALL_TABLES,ANSI_QUOTES', 'ANSI_QUOTES,STRICT_ALL_TABLES')).toBe(true);
    expect(sameParameterValue(flags, 'mrr=on', 'mrr=on,semijoin=on')).toBe(true);
    expect(sameParameterValue(flags, 'mrr=on', 'mrr=off,semijoin=on')).toBe(false);
    expect(sameParameterValue(logBuffer, '8388608', '4194304')).toBe(false);
    expect(sameParameterValue(isolation, 'read-committed', 'READ-COMMITTED')).toBe(true);
  });

  it('keeps what berth controls after the parameters in my.cnf, and only that', () => {
    const p = mysqlInstancePaths({ dataDir: '/srv/db-1' });
    const settings = serverSettings({ spec: { port: 3306, publiclyAccessible: false, ramSizeInGb: 1 }, paths: p, basedir: '/usr' });
    const text = renderMyCnf(settings, { include: p.parametersCnf, controlled: (name) => controlledBecause(name) !== undefined });
    const lines = text.split('\n');
    const include = lines.indexOf('!include /srv/db-1/parameters.cnf');
    expect(include).toBeGreaterThan(3);
    const before = lines.slice(0, include).filter((l) => /^\w/.test(l)).map((l) => l.split(/\s/)[0]);
    const after = lines.slice(include + 1).filter((l) => /^\w/.test(l)).map((l) => l.split(/\s/)[0]);
    expect(before.sort()).toEqual([
      'aria_pagecache_buffer_size', 'character_set_server', 'general_log', 'innodb_buffer_pool_size', 'innodb_log_buffer_size',
      'key_buffer_size', 'max_connections', 'performance_schema', 'slow_query_log',
    ]);
    expect(after).toEqual(expect.arrayContaining(['port', 'bind_address', 'ssl_cert', 'require_secure_transport', 'log_output', 'log_bin', 'server_id']));
    expect(parseMyCnf(text).get('port')).toBe('3306');
  });

  it('knows berth\'s settings and the option names of variables', () => {
    for (const name of ['port', 'ssl_key', 'log_output', 'general_log_file', 'binlog_format', 'sync_binlog', 'expire_logs_days', 'wsrep_provider', 'server_id']) {
      expect(controlledBecause(name), name).toBeDefined();
    }
    for (const name of ['general_log', 'slow_query_log', 'long_query_time', 'wait_timeout', 'innodb_buffer_pool_size', 'character_set_server']) {
      expect(controlledBecause(name), name).toBeUndefined();
    }
    const options = parseHelpOptions([
      'Usage: ...', 'Variables (--variable-name=value)', 'and boolean options {FALSE|TRUE}  Value (after reading options)',
      '--------------------------------- -------------', 'default-time-zone    (No default value)', 'wait-timeout   28800', 'transaction-isolation  REPEATABLE-READ', '',
      'To see what values a running MariaDB server is using, type',
    ].join('\n'));
    expect([...options].sort()).toEqual(['default_time_zone', 'transaction_isolation', 'wait_timeout']);
    expect(optionNameFor('time_zone', options)).toBe('default_time_zone');
    expect(optionNameFor('tx_isolation', options)).toBe('transaction_isolation');
    expect(optionNameFor('foreign_key_checks', options)).toBeUndefined();
  });
});
