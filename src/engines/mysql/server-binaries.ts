/**
 * Finding the MySQL-compatible server on this machine: MariaDB's `mariadbd`
 * from the distribution (PATH, /usr/sbin) or a server named by BERTH_MYSQLD,
 * with its real version and the `mariadb-install-db` that belongs to it.
 * berth runs the system's binaries in place (no copy, unlike PostgreSQL from
 * npm): a distribution upgrade replaces them, and the minor version reported
 * follows.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import path from 'node:path';

/** What berth tells a user who asks for a MySQL blueprint on a machine without a server. */
export const MYSQL_INSTALL_HINT =
  'MySQL blueprints need a MySQL-compatible server on the berth host: install MariaDB with ' +
  '`apt-get install mariadb-server` (berth runs its own instances and needs no system instance: ' +
  '`systemctl disable --now mariadb` is fine), or point BERTH_MYSQLD at a mariadbd binary.';

export interface MariadbServer {
  /** Absolute path of the server binary. */
  mariadbd: string;
  /** The mariadb-install-db script that initialises data directories for it. */
  installDb: string;
  /** Installation prefix (`/usr` for the Debian package). */
  basedir: string;
  /** Numeric version, e.g. `10.11.18`. */
  version: string;
  major: number;
  minor: number;
}

export type ServerDiscovery = { found: true; server: MariadbServer } | { found: false; reason: string };

export interface ParsedServerVersion {
  flavor: 'mariadb' | 'mysql';
  version: string;
  major: number;
  minor: number;
}

/**
 * Parse `--version` output: MariaDB prints
 * `mariadbd  Ver 10.11.18-MariaDB-0+deb12u1 for debian-linux-gnu ...`,
 * Oracle MySQL `mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)`.
 */
export function parseServerVersion(output: string): ParsedServerVersion | undefined {
  const match = /\bVer\s+(\d+)\.(\d+)\.(\d+)(-MariaDB)?/i.exec(output);
  if (!match) return undefined;
  const [, major, minor, patch, mariadb] = match;
  return {
    flavor: mariadb || /MariaDB/i.test(output) ? 'mariadb' : 'mysql',
    version: `${major}.${minor}.${patch}`,
    major: Number(major),
    minor: Number(minor),
  };
}

/**
 * The oldest MariaDB berth runs: bind_address takes a list from 10.11 on
 * (10.5 brought require_secure_transport and BINLOG MONITOR). Only 10.11 is
 * tested.
 */
export const MINIMUM_MARIADB = { major: 10, minor: 11 };

const SEARCH_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin'];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [...(env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The install script shipped next to the server (tarball layouts), else the one on PATH. */
function findInstallDb(mariadbd: string, env: NodeJS.ProcessEnv): string | undefined {
  const prefix = path.dirname(path.dirname(mariadbd));
  const names = ['mariadb-install-db', 'mysql_install_db'];
  for (const dir of [path.join(prefix, 'bin'), path.join(prefix, 'scripts')]) {
    for (const name of names) if (isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  for (const name of names) {
    const found = onPath(name, env);
    if (found) return found;
  }
  return undefined;
}

/**
 * The server berth would run: BERTH_MYSQLD when set (no fallback: an explicit
 * choice that does not work is reported, not silently replaced), else
 * `mariadbd` on PATH or in /usr/sbin.
 */
export function discoverMariadbServer(env: NodeJS.ProcessEnv = process.env): ServerDiscovery {
  const named = env.BERTH_MYSQLD?.trim();
  let binary: string | undefined;
  if (named) {
    if (!isExecutable(named)) return { found: false, reason: `BERTH_MYSQLD=${named} is not an executable file` };
    binary = named;
  } else {
    binary = onPath('mariadbd', env);
    if (!binary) return { found: false, reason: `no mariadbd found on PATH or in /usr/sbin. ${MYSQL_INSTALL_HINT}` };
  }
  const mariadbd = realpathSync(path.resolve(binary));
  let output: string;
  try {
    output = execFileSync(mariadbd, ['--no-defaults', '--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return { found: false, reason: `${mariadbd} --version failed: ${(err as Error).message.split('\n')[0]}` };
  }
  const parsed = parseServerVersion(output);
  if (!parsed) return { found: false, reason: `cannot read the version of ${mariadbd} from ${JSON.stringify(output.trim())}` };
  if (parsed.flavor !== 'mariadb') {
    return {
      found: false,
      reason:
        `${mariadbd} is Oracle MySQL ${parsed.version}; berth's MySQL driver runs MariaDB only ` +
        '(data directories made by mariadb-install-db, FLUSH SSL, IDENTIFIED BY PASSWORD). ' + MYSQL_INSTALL_HINT,
    };
  }
  if (parsed.major < MINIMUM_MARIADB.major || (parsed.major === MINIMUM_MARIADB.major && parsed.minor < MINIMUM_MARIADB.minor)) {
    return {
      found: false,
      reason: `${mariadbd} is MariaDB ${parsed.version}; berth needs MariaDB ${MINIMUM_MARIADB.major}.${MINIMUM_MARIADB.minor} or newer. ${MYSQL_INSTALL_HINT}`,
    };
  }
  const installDb = findInstallDb(mariadbd, env);
  if (!installDb) return { found: false, reason: `mariadb-install-db not found for ${mariadbd}. ${MYSQL_INSTALL_HINT}` };
  const bindir = path.dirname(mariadbd);
  const basedir = ['bin', 'sbin'].includes(path.basename(bindir)) ? path.dirname(bindir) : bindir;
  return { found: true, server: { mariadbd, installDb, basedir, version: parsed.version, major: parsed.major, minor: parsed.minor } };
}

export function blueprintIdFor(server: Pick<MariadbServer, 'major' | 'minor'>): string {
  return `mariadb_${server.major}_${server.minor}`;
}

/** Client programs a backup or restore runs, found next to the server first, then on PATH. */
export type MariadbTool = 'mariadb-backup' | 'mariadb-binlog' | 'mariadb';

const TOOL_PACKAGES: Record<MariadbTool, string> = {
  'mariadb-backup': 'mariadb-backup',
  'mariadb-binlog': 'mariadb-client',
  mariadb: 'mariadb-client',
};

/** The tool that belongs to `server`, or why there is none. */
export function findMariadbTool(
  server: Pick<MariadbServer, 'mariadbd' | 'basedir'>,
  tool: MariadbTool,
  env: NodeJS.ProcessEnv = process.env,
): { found: true; path: string } | { found: false; reason: string } {
  for (const dir of [path.join(server.basedir, 'bin'), path.dirname(server.mariadbd)]) {
    const candidate = path.join(dir, tool);
    if (isExecutable(candidate)) return { found: true, path: candidate };
  }
  const onPathTool = onPath(tool, env);
  if (onPathTool) return { found: true, path: onPathTool };
  return {
    found: false,
    reason: `${tool} is not installed next to ${server.mariadbd} nor on PATH: install it with \`apt-get install ${TOOL_PACKAGES[tool]}\``,
  };
}
