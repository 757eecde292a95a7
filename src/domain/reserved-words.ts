/**
 * Reserved key words of the engines, as data (lower case).
 *
 * Lightsail rejects a master user name or master database name that is "a word
 * reserved by the specified database engine". These sets follow the engines'
 * own appendices:
 *
 * - PostgreSQL 16/17, "SQL Key Words" appendix, column PostgreSQL: the words
 *   marked "reserved" and "reserved (can be function or type)" (the parser's
 *   RESERVED_KEYWORD and TYPE_FUNC_NAME_KEYWORD categories). Words that are only
 *   reserved in the SQL standard columns, or "non-reserved (cannot be function
 *   or type)" in PostgreSQL, are not included: PostgreSQL accepts them as role
 *   and database names.
 * - MySQL 8.0, "Keywords and Reserved Words": the words marked (R), including
 *   those added during 8.0.x (for example `intersect`, 8.0.31).
 */

/** PostgreSQL 16/17 keywords in the "reserved" category. */
const POSTGRES_RESERVED = [
  'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric',
  'both',
  'case', 'cast', 'check', 'collate', 'column', 'constraint', 'create',
  'current_catalog', 'current_date', 'current_role', 'current_time', 'current_timestamp', 'current_user',
  'default', 'deferrable', 'desc', 'distinct', 'do',
  'else', 'end', 'except',
  'false', 'fetch', 'for', 'foreign', 'from',
  'grant', 'group',
  'having',
  'in', 'initially', 'intersect', 'into',
  'lateral', 'leading', 'limit', 'localtime', 'localtimestamp',
  'not', 'null',
  'offset', 'on', 'only', 'or', 'order',
  'placing', 'primary',
  'references', 'returning',
  'select', 'session_user', 'some', 'symmetric', 'system_user',
  'table', 'then', 'to', 'trailing', 'true',
  'union', 'unique', 'user', 'using',
  'variadic',
  'when', 'where', 'window', 'with',
] as const;

/** PostgreSQL 16/17 keywords in the "reserved (can be function or type)" category. */
const POSTGRES_RESERVED_TYPE_FUNC = [
  'authorization', 'binary', 'collation', 'concurrently', 'cross', 'current_schema',
  'freeze', 'full', 'ilike', 'inner', 'is', 'isnull', 'join', 'left', 'like',
  'natural', 'notnull', 'outer', 'overlaps', 'right', 'similar', 'tablesample', 'verbose',
] as const;

/** MySQL 8.0 keywords marked (R). */
const MYSQL_RESERVED = [
  'accessible', 'add', 'all', 'alter', 'analyze', 'and', 'as', 'asc', 'asensitive',
  'before', 'between', 'bigint', 'binary', 'blob', 'both', 'by',
  'call', 'cascade', 'case', 'change', 'char', 'character', 'check', 'collate', 'column',
  'condition', 'constraint', 'continue', 'convert', 'create', 'cross', 'cube', 'cume_dist',
  'current_date', 'current_time', 'current_timestamp', 'current_user', 'cursor',
  'database', 'databases', 'day_hour', 'day_microsecond', 'day_minute', 'day_second',
  'dec', 'decimal', 'declare', 'default', 'delayed', 'delete', 'dense_rank', 'desc',
  'describe', 'deterministic', 'distinct', 'distinctrow', 'div', 'double', 'drop', 'dual',
  'each', 'else', 'elseif', 'empty', 'enclosed', 'escaped', 'except', 'exists', 'exit', 'explain',
  'false', 'fetch', 'first_value', 'float', 'float4', 'float8', 'for', 'force', 'foreign',
  'from', 'fulltext', 'function',
  'generated', 'get', 'grant', 'group', 'grouping', 'groups',
  'having', 'high_priority', 'hour_microsecond', 'hour_minute', 'hour_second',
  'if', 'ignore', 'in', 'index', 'infile', 'inner', 'inout', 'insensitive', 'insert',
  'int', 'int1', 'int2', 'int3', 'int4', 'int8', 'integer', 'intersect', 'interval', 'into',
  'io_after_gtids', 'io_before_gtids', 'is', 'iterate',
  'join', 'json_table',
  'key', 'keys', 'kill',
  'lag', 'last_value', 'lateral', 'lead', 'leading', 'leave', 'left', 'like', 'limit',
  'linear', 'lines', 'load', 'localtime', 'localtimestamp', 'lock', 'long', 'longblob',
  'longtext', 'loop', 'low_priority',
  'master_bind', 'master_ssl_verify_server_cert', 'match', 'maxvalue', 'mediumblob',
  'mediumint', 'mediumtext', 'middleint', 'minute_microsecond', 'minute_second', 'mod', 'modifies',
  'natural', 'not', 'no_write_to_binlog', 'nth_value', 'ntile', 'null', 'numeric',
  'of', 'on', 'optimize', 'optimizer_costs', 'option', 'optionally', 'or', 'order', 'out',
  'outer', 'outfile', 'over',
  'partition', 'percent_rank', 'precision', 'primary', 'procedure', 'purge',
  'range', 'rank', 'read', 'reads', 'read_write', 'real', 'recursive', 'references', 'regexp',
  'release', 'rename', 'repeat', 'replace', 'require', 'resignal', 'restrict', 'return',
  'revoke', 'right', 'rlike', 'row', 'rows', 'row_number',
  'schema', 'schemas', 'second_microsecond', 'select', 'sensitive', 'separator', 'set', 'show',
  'signal', 'smallint', 'spatial', 'specific', 'sql', 'sqlexception', 'sqlstate', 'sqlwarning',
  'sql_big_result', 'sql_calc_found_rows', 'sql_small_result', 'ssl', 'starting', 'stored',
  'straight_join', 'system',
  'table', 'terminated', 'then', 'tinyblob', 'tinyint', 'tinytext', 'to', 'trailing',
  'trigger', 'true',
  'undo', 'union', 'unique', 'unlock', 'unsigned', 'update', 'usage', 'use', 'using',
  'utc_date', 'utc_time', 'utc_timestamp',
  'values', 'varbinary', 'varchar', 'varcharacter', 'varying', 'virtual',
  'when', 'where', 'while', 'window', 'with', 'write',
  'xor',
  'year_month',
  'zerofill',
] as const;

/** Every PostgreSQL keyword that cannot be used as a bare role or database name. */
export const POSTGRES_RESERVED_WORDS: ReadonlySet<string> = new Set<string>([
  ...POSTGRES_RESERVED,
  ...POSTGRES_RESERVED_TYPE_FUNC,
]);

/** MySQL 8.0 reserved words. */
export const MYSQL_RESERVED_WORDS: ReadonlySet<string> = new Set<string>(MYSQL_RESERVED);

/** The reserved words of an engine. */
export function reservedWords(engine: 'postgres' | 'mysql'): ReadonlySet<string> {
  return engine === 'postgres' ? POSTGRES_RESERVED_WORDS : MYSQL_RESERVED_WORDS;
}

/** True when `word` is a reserved word of `engine` (case-insensitive). */
export function isReservedWord(word: string, engine: 'postgres' | 'mysql'): boolean {
  return reservedWords(engine).has(word.toLowerCase());
}
