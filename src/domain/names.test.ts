import { describe, expect, it } from 'vitest';
import { invalidMessage } from '../../test/helpers/invalid-message.js';

import type { Engine } from './constants.js';
import { validateMasterDatabaseName, validateMasterUsername, validateResourceName } from './names.js';


describe('validateResourceName', () => {
  const max = 'a'.repeat(255);
  it.each(['db', 'd1', '1d', 'Database-1', 'my_db', 'a-b_c-d', 'A0', max, 'a'.repeat(254) + '9', 'x--y', 'x__y'])(
    'accepts %s', (name) => {
      expect(validateResourceName(name, 'relationalDatabaseName')).toBe(name);
    });

  it.each([
    ['', 'it is empty'],
    ['a', 'it is 1 character long'],
    ['a'.repeat(256), 'it is 256 characters long'],
    ['-db', "it starts with '-'"],
    ['_db', "it starts with '_'"],
    ['db-', "it ends with '-'"],
    ['db_', "it ends with '_'"],
    ['my db', 'contains a space'],
    ['db.1', "contains '.'"],
    ['dé', "contains 'é'"],
    ['db\n', 'contains the control character U+000A'],
    ['--', "it starts with '-'"],
  ])('rejects %j: %s', (name, problem) => {
    const message = invalidMessage(() => validateResourceName(name, 'relationalDatabaseSnapshotName'));
    expect(message).toContain('Invalid relationalDatabaseSnapshotName');
    expect(message).toContain(problem);
    expect(message).toContain('must be 2 to 255 characters: letters, digits, hyphens or underscores');
  });

  it.each([
    [undefined, 'Missing relationalDatabaseName'],
    [null, 'Missing relationalDatabaseName'],
    [42, 'expected a string, got a number'],
    [['db'], 'expected a string, got a list'],
  ])('rejects non-strings (%j)', (value, fragment) => {
    expect(invalidMessage(() => validateResourceName(value, 'relationalDatabaseName'))).toContain(fragment);
  });

  it('truncates very long values in messages', () => {
    const message = invalidMessage(() => validateResourceName('a'.repeat(300), 'relationalDatabaseName'));
    expect(message).toContain("...' (300 characters)");
    expect(message.length).toBeLessThan(400);
  });
});

describe('validateMasterUsername', () => {
  it.each([
    ['dbmasteruser', 'postgres'],
    ['admin', 'postgres'],
    ['postgres', 'postgres'],
    ['Admin_1', 'postgres'],
    ['a', 'postgres'],
    ['a'.repeat(63), 'postgres'],
    ['pgadmin', 'postgres'], // only the pg_ prefix is reserved
    ['app', 'mysql'],
    ['dbmasteruser', 'mysql'],
    ['a'.repeat(16), 'mysql'],
    ['database_user', 'mysql'],
    ['rooty', 'mysql'],
    ['name', 'mysql'],
    ['user', 'mysql'], // reserved in PostgreSQL, not in MySQL
    ['database', 'postgres'], // reserved in MySQL, not in PostgreSQL
  ] as const)('accepts %s for %s', (name, engine) => {
    expect(validateMasterUsername(name, engine)).toBe(name);
  });

  it.each([
    ['Admin user', 'postgres', "Invalid masterUsername 'Admin user': contains a space; must be 1 to 63 letters, digits or underscores, starting with a letter (PostgreSQL)."],
    ['1admin', 'postgres', "it starts with '1', not a letter"],
    ['_admin', 'mysql', "it starts with '_', not a letter"],
    ['', 'postgres', 'it is empty'],
    ['a'.repeat(64), 'postgres', 'it is 64 characters long'],
    ['a'.repeat(17), 'mysql', 'it is 17 characters long; must be 1 to 16 letters, digits or underscores, starting with a letter (MySQL).'],
    ['ad-min', 'mysql', "contains '-'"],
    ['user', 'postgres', "'user' is a reserved word in PostgreSQL"],
    ['SELECT', 'postgres', "'select' is a reserved word in PostgreSQL"],
    ['Table', 'mysql', "'table' is a reserved word in MySQL"],
    ['rank', 'mysql', "'rank' is a reserved word in MySQL"],
    ['pg_monitor', 'postgres', "names starting with 'pg_' are reserved for PostgreSQL's system roles"],
    ['PG_x', 'postgres', "names starting with 'pg_'"],
    ['public', 'postgres', "'public' is a role name reserved by PostgreSQL"],
    ['none', 'postgres', "'none' is a role name reserved by PostgreSQL"],
    ['berth_admin', 'postgres', "names starting with 'berth_' are reserved for berth's own accounts"],
    ['BERTH_ADMIN', 'mysql', "reserved for berth's own accounts"],
    ['berth_monitor', 'mysql', "reserved for berth's own accounts"],
    ['root', 'mysql', "'root' is reserved for MySQL's own accounts"],
    ['Root', 'mysql', "'root' is reserved for MySQL's own accounts"],
    ['mysql', 'mysql', "'mysql' is reserved for MySQL's own accounts"],
    ['PUBLIC', 'mysql', "'public' is reserved for MySQL's own accounts"],
    ['mysql.sys', 'mysql', "contains '.'"],
    ['mariadb.sys', 'mysql', "contains '.'"],
  ] as const)('rejects %j for %s', (name, engine: Engine, fragment) => {
    const message = invalidMessage(() => validateMasterUsername(name, engine));
    expect(message).toContain(fragment);
    expect(message).toContain('masterUsername');
  });

  it('names the length limit of the engine', () => {
    expect(invalidMessage(() => validateMasterUsername('9', 'mysql'))).toContain('1 to 16');
    expect(invalidMessage(() => validateMasterUsername('9', 'postgres'))).toContain('1 to 63');
  });

  it('rejects non-strings', () => {
    expect(invalidMessage(() => validateMasterUsername(undefined, 'postgres'))).toContain('Missing masterUsername');
    expect(invalidMessage(() => validateMasterUsername(7, 'mysql'))).toContain('expected a string, got a number');
  });
});

describe('validateMasterDatabaseName', () => {
  it.each([
    ['dbmaster', 'postgres'],
    ['postgres', 'postgres'],
    ['app_db_1', 'postgres'],
    ['a'.repeat(63), 'postgres'],
    ['a'.repeat(64), 'mysql'],
    ['dbmaster', 'mysql'],
    ['template', 'postgres'],
    ['template2', 'postgres'],
    ['sys', 'postgres'], // only a system database in MySQL
    ['user', 'mysql'],
    ['mysqlapp', 'mysql'],
  ] as const)('accepts %s for %s', (name, engine) => {
    expect(validateMasterDatabaseName(name, engine)).toBe(name);
  });

  it.each([
    ['', 'postgres', 'it is empty'],
    ['a'.repeat(64), 'postgres', 'it is 64 characters long; must be 1 to 63 letters, digits or underscores, starting with a letter (PostgreSQL).'],
    ['a'.repeat(65), 'mysql', 'it is 65 characters long; must be 1 to 64'],
    ['1db', 'mysql', "it starts with '1', not a letter"],
    ['my-db', 'postgres', "contains '-'"],
    ['my db', 'mysql', 'contains a space'],
    ['template0', 'postgres', "'template0' is a system database of PostgreSQL"],
    ['Template1', 'postgres', "'template1' is a system database of PostgreSQL"],
    ['mysql', 'mysql', "'mysql' is a system database of MySQL"],
    ['INFORMATION_SCHEMA', 'mysql', "'information_schema' is a system database of MySQL"],
    ['performance_schema', 'mysql', "'performance_schema' is a system database of MySQL"],
    ['sys', 'mysql', "'sys' is a system database of MySQL"],
    ['order', 'postgres', "'order' is a reserved word in PostgreSQL"],
    ['database', 'mysql', "'database' is a reserved word in MySQL"],
    ['berth_meta', 'postgres', "names starting with 'berth_' are reserved for berth"],
  ] as const)('rejects %j for %s', (name, engine: Engine, fragment) => {
    const message = invalidMessage(() => validateMasterDatabaseName(name, engine));
    expect(message).toContain('Invalid masterDatabaseName');
    expect(message).toContain(fragment);
  });

  it('rejects non-strings', () => {
    expect(invalidMessage(() => validateMasterDatabaseName(null, 'mysql'))).toContain('Missing masterDatabaseName');
    expect(invalidMessage(() => validateMasterDatabaseName({}, 'mysql'))).toContain('got an object');
  });
});
