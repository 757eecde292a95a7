/**
 * `berth serve` configuration: one table of options from which the parser,
 * the environment variable names, `berth serve --help` and the README's
 * table are all derived (config.test.ts holds the README to it).
 */
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface PortRange {
  first: number;
  last: number;
}

export class ConfigError extends Error {}

export function defaultDataDir(): string {
  if (process.env.BERTH_DATA_DIR) return path.resolve(process.env.BERTH_DATA_DIR);
  // As root the unprivileged engine user must be able to reach the data dir,
  // which rules out /root/...; /var/lib is the conventional home of a service.
  if (process.getuid?.() === 0) return '/var/lib/berth';
  const xdg = process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'berth');
}

function parseInteger(flag: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw new ConfigError(`--${flag} must be an integer, got '${raw}'.`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`--${flag} must be between ${min} and ${max}, got ${value}.`);
  return value;
}

export function parsePortRange(raw: string, flag = 'database-ports'): PortRange {
  const match = /^(\d+)-(\d+)$/.exec(raw);
  if (!match) throw new ConfigError(`--${flag} must look like 54320-54999, got '${raw}'.`);
  const first = parseInteger(flag, match[1]!, 1024, 65535);
  const last = parseInteger(flag, match[2]!, 1024, 65535);
  if (last < first) throw new ConfigError(`--${flag}: ${last} is below ${first}.`);
  return { first, last };
}

export function parseListenAddresses(raw: string, flag = 'public-listen-addresses'): string[] {
  const addresses = raw.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  if (addresses.length === 0) throw new ConfigError(`--${flag} needs at least one address (or *).`);
  for (const address of addresses) {
    if (address !== '*' && isIP(address) === 0) {
      throw new ConfigError(`--${flag}: '${address}' is not an IP address (use * for every interface).`);
    }
  }
  return addresses;
}

/** One option of `berth serve`. */
interface OptionSpec<T> {
  flag: string;
  /** The value's placeholder in the usage (absent for a boolean switch). */
  value?: string;
  /** What it is for (usage and README). */
  help: string;
  /** The default as the user would type it; undefined: computed (see `fallback`). */
  default?: string;
  /** Shown instead of `default` when it is computed. */
  defaultText?: string;
  parse(raw: string | undefined, flag: string): T;
}

const text = (fallback: string) => (raw: string | undefined) => raw ?? fallback;
const optionalText = (raw: string | undefined): string | undefined => raw;
const integer = (fallback: number, min: number, max: number) => (raw: string | undefined, flag: string) =>
  parseInteger(flag, raw ?? String(fallback), min, max);
const milliseconds = (fallback: number, max: number, min = 100) => integer(fallback, min, max);

/**
 * Every option, in the order of the usage. The key is the BerthConfig
 * field; the environment variable is BERTH_ and the flag upper-cased.
 */
export const SERVE_OPTIONS = {
  host: { flag: 'host', value: '<addr>', help: 'bind address of the API', default: '127.0.0.1', parse: text('127.0.0.1') },
  port: { flag: 'port', value: '<n>', help: 'API port (`0` picks a free port)', default: '8080', parse: integer(8080, 0, 65535) },
  tls: {
    flag: 'tls',
    help: "serve the API over HTTPS only (the default on a non-loopback `--host`), with a certificate from berth's CA unless `--tls-cert` is given",
    default: 'false',
    parse: (raw: string | undefined) => raw === 'true',
  },
  tlsCert: {
    flag: 'tls-cert',
    value: '<path>',
    help: "the API's certificate chain (PEM), with `--tls-key`; re-read when it changes",
    defaultText: "issued by berth's CA for the advertised host and the bind address",
    parse: (raw: string | undefined) => (raw === undefined ? undefined : path.resolve(raw)),
  },
  tlsKey: {
    flag: 'tls-key',
    value: '<path>',
    help: 'the private key (PEM) of `--tls-cert`',
    defaultText: 'none',
    parse: (raw: string | undefined) => (raw === undefined ? undefined : path.resolve(raw)),
  },
  insecureHttp: {
    flag: 'insecure-http',
    help: 'serve plain HTTP on a non-loopback `--host` (passwords cross the network in the clear)',
    default: 'false',
    parse: (raw: string | undefined) => raw === 'true',
  },
  dataDir: {
    flag: 'data-dir',
    value: '<dir>',
    help: 'metadata, CAs, engines and databases',
    defaultText: '`/var/lib/berth` as root, else `~/.local/share/berth`',
    parse: (raw: string | undefined) => path.resolve(raw ?? defaultDataDir()),
  },
  defaultRegion: {
    flag: 'region',
    value: '<name>',
    help: 'shown in the start-up example and used by unsigned tools; requests carry their own region',
    default: 'us-east-1',
    parse: text('us-east-1'),
  },
  advertiseHost: {
    flag: 'advertise-host',
    value: '<host>',
    help: 'put in `masterEndpoint.address` and in server certificates',
    default: 'localhost',
    parse: text('localhost'),
  },
  databasePorts: {
    flag: 'database-ports',
    value: '<a-b>',
    help: 'ports handed to database servers',
    default: '54320-54999',
    parse: (raw: string | undefined, flag: string) => parsePortRange(raw ?? '54320-54999', flag),
  },
  pageSize: { flag: 'page-size', value: '<n>', help: 'items per page of the paginated operations', default: '25', parse: integer(25, 1, 1000) },
  publicListenAddresses: {
    flag: 'public-listen-addresses',
    value: '<a,b>',
    help: 'where a publicly accessible database listens besides loopback (`*`: every interface)',
    default: '*',
    parse: (raw: string | undefined, flag: string) => parseListenAddresses(raw ?? '*', flag),
  },
  monitorIntervalMs: {
    flag: 'monitor-interval-ms',
    value: '<n>',
    help: 'how often engine processes are checked',
    default: '2000',
    parse: milliseconds(2000, 3_600_000),
  },
  maintenanceIntervalMs: {
    flag: 'maintenance-interval-ms',
    value: '<n>',
    help: 'how often pending maintenance is checked against the windows',
    default: '30000',
    parse: milliseconds(30_000, 3_600_000),
  },
  backupCheckIntervalMs: {
    flag: 'backup-check-interval-ms',
    value: '<n>',
    help: 'how often automatic backups are checked against the backup windows',
    default: '10000',
    parse: milliseconds(10_000, 3_600_000),
  },
  archiveIntervalMs: {
    flag: 'archive-interval-ms',
    value: '<n>',
    help: 'how often the archive is pushed forward (the lag of `latestRestorableTime`)',
    default: '60000',
    parse: milliseconds(60_000, 86_400_000),
  },
  backupStore: {
    flag: 'backup-store',
    value: '<url>',
    help: 'where backups go besides this host: `s3://bucket/prefix` or `file:///path` (default: none, backups stay in the data dir)',
    defaultText: 'none',
    parse: optionalText,
  },
  backupStoreEndpoint: {
    flag: 'backup-store-endpoint',
    value: '<url>',
    help: 'endpoint of an S3-compatible service for an `s3://` store (credentials: the standard AWS environment, profile or config)',
    defaultText: 'AWS S3',
    parse: optionalText,
  },
  backupKeyFile: {
    flag: 'backup-key-file',
    value: '<path>',
    help: 'the key that encrypts the backups in the store (32 random bytes, base64); keep a copy off this host',
    defaultText: '`backup.key` in the data dir, generated at first start',
    parse: (raw: string | undefined) => (raw === undefined ? undefined : path.resolve(raw)),
  },
  backupSpoolMaxMb: {
    flag: 'backup-spool-max-mb',
    value: '<n>',
    help: "archive MB of one database that may wait on this host while the backup store cannot take them; past it the engine keeps its WAL or binary logs itself until the store is back",
    default: '1024',
    parse: integer(1024, 1, 1024 * 1024),
  },
  signatureFailureBurst: {
    flag: 'signature-failure-burst',
    value: '<n>',
    help: 'failed signatures one address may send (for one key id, or for unknown ones) before it is throttled; one more is allowed each second',
    default: '10',
    parse: integer(10, 1, 1_000_000),
  },
  backupVerifyIntervalMs: {
    flag: 'backup-verify-interval-ms',
    value: '<n>',
    help: "how often each database's newest automatic backup is restored into a scratch server and checked (a restore drill)",
    default: '86400000',
    parse: milliseconds(86_400_000, 20 * 86_400_000, 1000),
  },
  metricsIntervalMs: {
    flag: 'metrics-interval-ms',
    value: '<n>',
    help: 'how often each database is sampled for metrics',
    default: '60000',
    parse: milliseconds(60_000, 3_600_000),
  },
  haCheckIntervalMs: {
    flag: 'ha-check-interval-ms',
    value: '<n>',
    help: 'how often the primary and the standby of a high-availability database are probed',
    default: '250',
    parse: milliseconds(250, 60_000, 20),
  },
  failoverTimeoutMs: {
    flag: 'failover-timeout-ms',
    value: '<n>',
    help: 'how long a primary may leave health queries unanswered before berth fails over (a server that exits fails over at once)',
    default: '2000',
    parse: milliseconds(2000, 600_000),
  },
  standbyLagLimitBytes: {
    flag: 'standby-lag-limit-bytes',
    value: '<n>',
    help: 'how far a standby may fall behind before the primary goes on without it (asynchronous, degraded)',
    default: '67108864',
    parse: integer(64 * 1024 * 1024, 1024 * 1024, 1024 ** 4),
  },
  stopDatabasesOnExit: {
    flag: 'stop-databases-on-exit',
    help: 'stop every database server when berth exits (default: they keep running)',
    default: 'false',
    parse: (raw: string | undefined) => raw === 'true',
  },
} as const satisfies Record<string, OptionSpec<unknown>>;

type Options = typeof SERVE_OPTIONS;

export type BerthConfig = { [K in keyof Options]: ReturnType<Options[K]['parse']> };

/** The environment variable of a flag: --page-size → BERTH_PAGE_SIZE. */
export function envName(flag: string): string {
  return `BERTH_${flag.toUpperCase().replace(/-/g, '_')}`;
}

const isSwitch = (spec: OptionSpec<unknown>) => spec.value === undefined;

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): BerthConfig {
  const specs = Object.values(SERVE_OPTIONS) as OptionSpec<unknown>[];
  const options = Object.fromEntries([
    ...specs.map((spec) => [spec.flag, { type: isSwitch(spec) ? 'boolean' : 'string' }] as const),
    ['help', { type: 'boolean', short: 'h' }] as const,
  ]);
  const { values } = parseArgs({ args: argv, options, allowPositionals: false, strict: true });
  const config: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SERVE_OPTIONS) as Array<[string, OptionSpec<unknown>]>) {
    const given = (values as Record<string, unknown>)[spec.flag];
    const raw = given === true ? 'true' : typeof given === 'string' ? given : env[envName(spec.flag)];
    config[key] = spec.parse(raw, spec.flag);
  }
  apiScheme(config as BerthConfig); // refuses contradictory TLS options
  return config as BerthConfig;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Whether the API speaks HTTPS or plain HTTP: HTTPS with --tls or
 * --tls-cert, and on any address but loopback unless --insecure-http.
 */
export function apiScheme(config: Pick<BerthConfig, 'host' | 'tls' | 'tlsCert' | 'tlsKey' | 'insecureHttp'>): 'http' | 'https' {
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) throw new ConfigError('--tls-cert and --tls-key go together: give both or neither.');
  const tls = config.tls || config.tlsCert !== undefined;
  if (tls && config.insecureHttp) throw new ConfigError('--insecure-http contradicts --tls and --tls-cert: choose HTTPS or plain HTTP.');
  if (tls) return 'https';
  return isLoopback(config.host) || config.insecureHttp ? 'http' : 'https';
}

function defaultOf(spec: OptionSpec<unknown>): string {
  return spec.defaultText ?? `\`${spec.default}\``;
}

/** `berth serve --help`. */
export function serveUsage(): string {
  const lines = ['Usage: berth serve [options]', '', 'Options (each also read from the environment variable in brackets):'];
  for (const spec of Object.values(SERVE_OPTIONS) as OptionSpec<unknown>[]) {
    const left = `  --${spec.flag}${spec.value ? ` ${spec.value}` : ''}`;
    const help = `${spec.help.replace(/`/g, '')} [${envName(spec.flag)}${isSwitch(spec) ? '=true' : ''}]${isSwitch(spec) ? '' : ` (default ${defaultOf(spec).replace(/`/g, '')})`}`;
    lines.push(left.length < 28 ? `${left.padEnd(28)}${help}` : `${left}\n${' '.repeat(28)}${help}`);
  }
  lines.push(
    '',
    'Credentials: BERTH_ACCESS_KEY_ID and BERTH_SECRET_ACCESS_KEY, or a pair generated at',
    'first start and kept in <data-dir>/credentials.json.',
  );
  return lines.join('\n');
}

/** The README's table of `berth serve` options (config.test.ts checks that the README holds it). */
export function optionsTable(): string {
  const rows = ['| option | env | default | what for |', '|---|---|---|---|'];
  for (const spec of Object.values(SERVE_OPTIONS) as OptionSpec<unknown>[]) {
    const env = isSwitch(spec) ? `\`${envName(spec.flag)}=true\`` : `\`${envName(spec.flag)}\``;
    rows.push(`| \`--${spec.flag}\` | ${env} | ${isSwitch(spec) ? 'off' : defaultOf(spec)} | ${spec.help} |`);
  }
  return rows.join('\n');
}
