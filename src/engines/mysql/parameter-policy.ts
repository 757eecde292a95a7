/**
 * Which MariaDB system variables a user may change through
 * UpdateRelationalDatabaseParameters, and under which option-file name.
 *
 * The principle: a parameter must not let a user break TLS, authentication,
 * the binary-log archive behind point-in-time restore, the log files berth
 * reads (and their format), the instance's file layout, or berth's own
 * access. Those stay with berth (isModifiable false), as do variables the
 * server fixes at build time or at data-directory creation. Everything else
 * that can be set in an option file is the user's, including the settings
 * berth derives from the bundle (buffer pool, max_connections...) and the
 * general and slow query logs (Lightsail users switch them on through
 * parameters; log_output stays FILE so berth can read them).
 */

/** Variables berth controls, with the reason it gives when a change is refused. */
export const BERTH_CONTROLLED: ReadonlyMap<string, string> = new Map([
  // Files and directories of the instance
  ...names('the instance\'s file layout', [
    'basedir', 'datadir', 'tmpdir', 'pid_file', 'socket', 'secure_file_priv', 'character_sets_dir', 'lc_messages_dir',
    'plugin_dir', 'init_file', 'ft_stopword_file', 'aria_log_dir_path', 'innodb_data_home_dir', 'innodb_data_file_path',
    'innodb_log_group_home_dir', 'innodb_undo_directory', 'innodb_temp_data_file_path', 'innodb_tmpdir',
    'innodb_buffer_pool_filename', 'slave_load_tmpdir', 'relay_log', 'relay_log_index', 'relay_log_info_file',
  ]),
  // Fixed when the data directory was created: a different value keeps the server from starting
  ...names('the data directory (fixed when it was created)', [
    'lower_case_table_names', 'innodb_page_size', 'innodb_undo_tablespaces', 'aria_block_size', 'ignore_builtin_innodb',
    'innodb_force_recovery', 'innodb_read_only',
  ]),
  // Network and access
  ...names('the network endpoint and access', [
    'port', 'bind_address', 'skip_networking', 'extra_port', 'proxy_protocol_networks', 'skip_name_resolve', 'skip_grant_tables',
    'default_password_lifetime',
  ]),
  // TLS
  ...names('TLS', [
    'ssl_ca', 'ssl_capath', 'ssl_cert', 'ssl_cipher', 'ssl_crl', 'ssl_crlpath', 'ssl_key', 'tls_version', 'require_secure_transport',
  ]),
  // Plugins and code loading
  ...names('plugin and code loading', ['plugin_maturity', 'allow_suspicious_udfs']),
  // The logs berth reads
  ...names('the log files berth reads', ['log_error', 'log_output', 'general_log_file', 'slow_query_log_file', 'log_slow_query_file']),
  // The binary log behind backups' point-in-time restore
  ...names('the binary log archive (point-in-time restore)', [
    'log_bin', 'log_bin_basename', 'log_bin_index', 'log_bin_compress', 'binlog_format', 'binlog_checksum', 'sync_binlog',
    'binlog_expire_logs_seconds', 'expire_logs_days', 'max_binlog_size', 'server_id', 'encrypt_binlog',
  ]),
  // Replication, which berth runs for high availability
  ...names('replication (high availability)', [
    'read_only', 'log_slave_updates', 'skip_slave_start', 'relay_log_purge', 'relay_log_recovery', 'gtid_domain_id',
    'gtid_strict_mode', 'gtid_ignore_duplicates', 'report_host', 'report_port', 'master_info_file', 'slave_parallel_threads',
  ]),
  // What the server reports about itself
  ...names('the server\'s identity', [
    'version', 'version_comment', 'version_compile_machine', 'version_compile_os', 'version_malloc_library',
    'version_source_revision', 'version_ssl_library',
  ]),
]);

/** Galera (wsrep) is not used by berth; several of its settings run commands or load libraries. */
const CONTROLLED_PREFIXES: ReadonlyArray<[string, string]> = [
  ['wsrep_', 'Galera replication, which berth does not run'],
  ['rpl_semi_sync_', 'replication (high availability)'],
];

function names(reason: string, list: string[]): Array<[string, string]> {
  return list.map((name) => [name, reason]);
}

/** Why berth keeps `name` (a lower-case variable name) to itself, or undefined when it does not. */
export function controlledBecause(name: string): string | undefined {
  return BERTH_CONTROLLED.get(name) ?? CONTROLLED_PREFIXES.find(([prefix]) => name.startsWith(prefix))?.[1];
}

/** Variables whose option-file name differs from the variable name. */
const OPTION_NAMES: ReadonlyMap<string, string> = new Map([
  ['time_zone', 'default_time_zone'],
  ['tx_isolation', 'transaction_isolation'],
  ['tx_read_only', 'transaction_read_only'],
]);

/**
 * The option-file name (underscores) that sets variable `name`, given the
 * options the server accepts; undefined when no option sets it (a variable
 * that can only be read, or set per session).
 */
export function optionNameFor(name: string, serverOptions: ReadonlySet<string>): string | undefined {
  const option = OPTION_NAMES.get(name) ?? name;
  return serverOptions.has(option) ? option : undefined;
}
