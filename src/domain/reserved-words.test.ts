import { describe, expect, it } from 'vitest';

import { isReservedWord, MYSQL_RESERVED_WORDS, POSTGRES_RESERVED_WORDS, reservedWords } from './reserved-words.js';

describe('reserved words', () => {
  it.each(['select', 'user', 'table', 'order', 'group', 'all', 'analyse', 'current_user', 'system_user',
    'authorization', 'join', 'verbose', 'tablesample', 'concurrently'])('PostgreSQL reserves %s', (word) => {
    expect(POSTGRES_RESERVED_WORDS.has(word)).toBe(true);
    expect(isReservedWord(word.toUpperCase(), 'postgres')).toBe(true);
  });

  it.each(['select', 'database', 'key', 'order', 'rank', 'row_number', 'intersect', 'lateral', 'json_table',
    'zerofill', 'master_bind', 'databases', 'window'])('MySQL 8.0 reserves %s', (word) => {
    expect(MYSQL_RESERVED_WORDS.has(word)).toBe(true);
    expect(isReservedWord(word.toUpperCase(), 'mysql')).toBe(true);
  });

  // Non-reserved keywords and ordinary names are usable.
  it.each(['admin', 'app', 'dbmaster', 'dbmasteruser', 'name', 'postgres', 'root', 'value', 'status', 'data'])(
    '%s is reserved by neither engine', (word) => {
      expect(isReservedWord(word, 'postgres')).toBe(false);
      expect(isReservedWord(word, 'mysql')).toBe(false);
    });

  it.each([
    // reserved in PostgreSQL only
    ['user', true, false],
    ['offset', true, false],
    ['returning', true, false],
    ['only', true, false],
    ['full', true, false],
    // reserved in MySQL 8.0 only
    ['database', false, true],
    ['key', false, true],
    ['rank', false, true],
    ['schema', false, true],
    ['system', false, true],
    // non-reserved or removed in the versions we follow
    ['array', true, false], // MySQL: reserved 8.0.17, non-reserved since 8.0.19
    ['member', false, false],
    ['password', false, false],
  ] as const)('%s: postgres=%s mysql=%s', (word, pg, my) => {
    expect(isReservedWord(word, 'postgres')).toBe(pg);
    expect(isReservedWord(word, 'mysql')).toBe(my);
  });

  it('has the expected sizes and only lower-case entries', () => {
    // PostgreSQL 16/17: 78 "reserved" + 23 "reserved (can be function or type)" (checked against pg_get_keywords()).
    expect(POSTGRES_RESERVED_WORDS.size).toBe(101);
    expect(MYSQL_RESERVED_WORDS.size).toBe(262);
    for (const set of [POSTGRES_RESERVED_WORDS, MYSQL_RESERVED_WORDS]) {
      for (const word of set) expect(word).toMatch(/^[a-z][a-z0-9_]*$/);
    }
  });

  it('reservedWords picks the engine set', () => {
    expect(reservedWords('postgres')).toBe(POSTGRES_RESERVED_WORDS);
    expect(reservedWords('mysql')).toBe(MYSQL_RESERVED_WORDS);
  });
});
