/**
 * One pre-initialised MariaDB data directory per server version, made by
 * mariadb-install-db once into `<rootDir>/templates/mariadb-<version>/`.
 * Instances are sparse copies of it (≈ 0.05 s) instead of a fresh install
 * each (≈ 0.5 s).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { execFileAs, mkdirOwnedBy, type OsUser } from '../os-user.js';
import type { MariadbServer } from './server-binaries.js';

const execFileAsync = promisify(execFile);

/**
 * The MariaDB account berth administers through: the name of the OS user
 * berth runs as (`root` when berth is root). mariadb-install-db gives it all
 * privileges with `unix_socket` authentication, which admits a socket client
 * whose SO_PEERCRED uid has that name, and nobody over TCP.
 */
export function adminAccountName(): string {
  return os.userInfo().username;
}

/**
 * mariadb-install-db arguments. Run as the service user rather than as root
 * with `--user`: as root with --user the script also chowns the system's
 * auth_pam_tool_dir to that user (a change to the distribution's files);
 * run as the user, the files it creates are owned by it anyway. `--force`
 * skips the resolveip check of the host name: instances run with
 * skip_name_resolve, so DNS never matters.
 */
export function installDbArguments(server: MariadbServer, datadir: string, adminAccount: string, extraSqlFile: string): string[] {
  return [
    '--no-defaults', // must come first
    `--datadir=${datadir}`,
    '--auth-root-authentication-method=socket',
    `--auth-root-socket-user=${adminAccount}`,
    '--skip-test-db',
    '--force',
    `--extra-file=${extraSqlFile}`,
    ...(server.basedir === '/usr' ? [] : [`--basedir=${server.basedir}`]),
  ];
}

/**
 * Run after the system tables are filled: drop the proxy grant for
 * root@<build host name> (meaningless in copies that run on other hosts
 * with skip_name_resolve, and warned about at every start).
 */
export const TEMPLATE_EXTRA_SQL = "DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';\n";

export function templateDir(rootDir: string, version: string): string {
  return path.join(rootDir, 'templates', `mariadb-${version}`);
}

/** A complete template (the directory only appears by rename once it is). */
export function isTemplate(dir: string): boolean {
  return existsSync(path.join(dir, 'mysql', 'global_priv.MAI'));
}

const pendingTemplates = new Map<string, Promise<string>>();

/** The template for `server`, created once; concurrent callers share one install. */
export function ensureTemplate(rootDir: string, server: MariadbServer, user: OsUser): Promise<string> {
  const dir = templateDir(rootDir, server.version);
  let pending = pendingTemplates.get(dir);
  if (!pending) {
    pending = createTemplate(dir, server, user);
    pendingTemplates.set(dir, pending);
    pending.catch(() => pendingTemplates.delete(dir));
  }
  return pending;
}

async function createTemplate(dir: string, server: MariadbServer, user: OsUser): Promise<string> {
  if (isTemplate(dir)) return dir;
  const parent = path.dirname(dir);
  await fs.mkdir(parent, { recursive: true, mode: 0o755 });
  const temp = path.join(parent, `.${path.basename(dir)}.tmp-${randomBytes(6).toString('hex')}`);
  const extraSql = `${temp}.sql`;
  try {
    await mkdirOwnedBy(user, temp, 0o700);
    await fs.writeFile(extraSql, TEMPLATE_EXTRA_SQL, { mode: 0o644 });
    await execFileAs(user, server.installDb, installDbArguments(server, temp, adminAccountName(), extraSql), {
      cwd: '/',
      // MYSQLD_BOOTSTRAP: bootstrap with exactly the server we discovered.
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', MYSQLD_BOOTSTRAP: server.mariadbd, LC_ALL: 'C.UTF-8', TZ: 'UTC' },
      timeoutMs: 300_000,
    });
    if (!isTemplate(temp)) throw new Error(`mariadb-install-db finished but ${temp}/mysql/global_priv.MAI is missing`);
    // The bootstrap server does not fsync everything: make the template durable before it gets its name.
    await execFileAsync('sync', ['--file-system', temp]);
    try {
      await fs.rename(temp, dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !isTemplate(dir)) throw err;
    }
  } catch (err) {
    throw new Error(`creating the MariaDB ${server.version} template in ${dir}: ${(err as Error).message}`);
  } finally {
    await fs.rm(temp, { recursive: true, force: true });
    await fs.rm(extraSql, { force: true });
  }
  return dir;
}
