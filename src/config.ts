import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface PortRange {
  first: number;
  last: number;
}

export interface BerthConfig {
  /** Bind address of the API. */
  host: string;
  port: number;
  dataDir: string;
  /** Region used by tools that do not sign requests (the console, `berth` sub-commands). */
  defaultRegion: string;
  /** Address put in masterEndpoint.address and in the server certificates. */
  advertiseHost: string;
  stopDatabasesOnExit: boolean;
  /** TCP ports handed to database servers. */
  databasePorts: PortRange;
  /** Items per page of the paginated Get* operations. */
  pageSize: number;
  /** How often the engine processes are checked (ms). */
  monitorIntervalMs: number;
  /** How often pending maintenance is checked against the windows (ms). */
  maintenanceIntervalMs: number;
  /** How often automatic backups are checked against the backup windows (ms). */
  backupCheckIntervalMs: number;
  /** How often the archive of each database is pushed forward, moving latestRestorableTime (ms). */
  archiveIntervalMs: number;
  /** How often each database is sampled for GetRelationalDatabaseMetricData (ms). */
  metricsIntervalMs: number;
  /** Where a publicly accessible database listens besides loopback (`*`: every interface). */
  publicListenAddresses: string[];
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  region: 'us-east-1',
  advertiseHost: 'localhost',
  databasePorts: '54320-54999',
  pageSize: 25,
  monitorIntervalMs: 2000,
  maintenanceIntervalMs: 30_000,
  backupCheckIntervalMs: 10_000,
  archiveIntervalMs: 60_000,
  metricsIntervalMs: 60_000,
  publicListenAddresses: '*',
} as const;

export function defaultDataDir(): string {
  if (process.env.BERTH_DATA_DIR) return path.resolve(process.env.BERTH_DATA_DIR);
  // As root the unprivileged engine user must be able to reach the data dir,
  // which rules out /root/...; /var/lib is the conventional home of a service.
  if (process.getuid?.() === 0) return '/var/lib/berth';
  const xdg = process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'berth');
}

export class ConfigError extends Error {}

export const SERVE_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  region: { type: 'string' },
  'advertise-host': { type: 'string' },
  'stop-databases-on-exit': { type: 'boolean' },
  'database-ports': { type: 'string' },
  'page-size': { type: 'string' },
  'monitor-interval-ms': { type: 'string' },
  'maintenance-interval-ms': { type: 'string' },
  'backup-check-interval-ms': { type: 'string' },
  'archive-interval-ms': { type: 'string' },
  'metrics-interval-ms': { type: 'string' },
  'public-listen-addresses': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseInteger(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw new ConfigError(`--${name} must be an integer, got '${raw}'.`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`--${name} must be between ${min} and ${max}, got ${value}.`);
  return value;
}

export function parsePortRange(raw: string): PortRange {
  const match = /^(\d+)-(\d+)$/.exec(raw);
  if (!match) throw new ConfigError(`--database-ports must look like 54320-54999, got '${raw}'.`);
  const first = parseInteger('database-ports', match[1]!, 1024, 65535);
  const last = parseInteger('database-ports', match[2]!, 1024, 65535);
  if (last < first) throw new ConfigError(`--database-ports: ${last} is below ${first}.`);
  return { first, last };
}

type Flag = keyof typeof SERVE_OPTIONS;

/** The environment variable of a flag: --page-size → BERTH_PAGE_SIZE. */
const envName = (flag: Flag) => `BERTH_${flag.toUpperCase().replace(/-/g, '_')}`;

/** The interval options: [flag, default, maximum] (each at least 100 ms). */
const INTERVALS = [
  ['monitor-interval-ms', DEFAULTS.monitorIntervalMs, 3_600_000],
  ['maintenance-interval-ms', DEFAULTS.maintenanceIntervalMs, 3_600_000],
  ['backup-check-interval-ms', DEFAULTS.backupCheckIntervalMs, 3_600_000],
  ['archive-interval-ms', DEFAULTS.archiveIntervalMs, 86_400_000],
  ['metrics-interval-ms', DEFAULTS.metricsIntervalMs, 3_600_000],
] as const satisfies ReadonlyArray<readonly [Flag, number, number]>;

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): BerthConfig {
  const { values } = parseArgs({ args: argv, options: SERVE_OPTIONS, allowPositionals: false, strict: true });
  const get = (flag: Flag): string | undefined => (values[flag] as string | undefined) ?? env[envName(flag)];
  const interval = (flag: (typeof INTERVALS)[number][0]): number => {
    const [, fallback, max] = INTERVALS.find(([name]) => name === flag)!;
    return parseInteger(flag, get(flag) ?? String(fallback), 100, max);
  };
  return {
    host: get('host') ?? DEFAULTS.host,
    port: parseInteger('port', get('port') ?? String(DEFAULTS.port), 0, 65535),
    dataDir: path.resolve(get('data-dir') ?? defaultDataDir()),
    defaultRegion: get('region') ?? DEFAULTS.region,
    advertiseHost: get('advertise-host') ?? DEFAULTS.advertiseHost,
    stopDatabasesOnExit: Boolean(values['stop-databases-on-exit']) || env.BERTH_STOP_DATABASES_ON_EXIT === 'true',
    databasePorts: parsePortRange(get('database-ports') ?? DEFAULTS.databasePorts),
    pageSize: parseInteger('page-size', get('page-size') ?? String(DEFAULTS.pageSize), 1, 1000),
    monitorIntervalMs: interval('monitor-interval-ms'),
    maintenanceIntervalMs: interval('maintenance-interval-ms'),
    backupCheckIntervalMs: interval('backup-check-interval-ms'),
    archiveIntervalMs: interval('archive-interval-ms'),
    metricsIntervalMs: interval('metrics-interval-ms'),
    publicListenAddresses: parseListenAddresses(get('public-listen-addresses') ?? DEFAULTS.publicListenAddresses),
  };
}

export function parseListenAddresses(raw: string): string[] {
  const addresses = raw.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  if (addresses.length === 0) throw new ConfigError('--public-listen-addresses needs at least one address (or *).');
  for (const address of addresses) {
    if (address !== '*' && isIP(address) === 0) {
      throw new ConfigError(`--public-listen-addresses: '${address}' is not an IP address (use * for every interface).`);
    }
  }
  return addresses;
}
