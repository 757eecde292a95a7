/**
 * One pre-initialised cluster per PostgreSQL version, made by initdb once
 * into `<rootDir>/templates/postgres-<version>/`. Instances are copies of it
 * (≈ 0.1 s) instead of a fresh initdb each (≈ 0.6 s).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execFileAs, mkdirOwnedBy, type OsUser } from '../os-user.js';
import type { InstalledPostgres } from './binaries.js';

/** The superuser berth itself uses, reachable only over the private unix socket. */
export const ADMIN_ROLE = 'berth_admin';
/** The role standbys replicate as (pg_hba: replication over TLS on loopback, nothing else). */
export const REPLICATION_ROLE = 'berth_replicator';

/**
 * initdb arguments. Collation `C` (byte order, which is code-point order in
 * UTF-8): indexes never depend on the C library's collation tables, so a
 * glibc upgrade cannot silently corrupt them. Character classification
 * `C.UTF-8` (built into glibc ≥ 2.35): upper()/lower() and regex classes work
 * for non-ASCII text. Data checksums on, to detect storage corruption.
 */
export function initdbArguments(pgdata: string): string[] {
  return [
    '-D', pgdata,
    '-U', ADMIN_ROLE,
    '--auth-local=trust',
    '--auth-host=reject',
    '-E', 'UTF8',
    '--locale=C.UTF-8',
    '--lc-collate=C',
    '--data-checksums',
    '--no-instructions',
  ];
}

export function templateDir(rootDir: string, version: string): string {
  return path.join(rootDir, 'templates', `postgres-${version}`);
}

const pendingTemplates = new Map<string, Promise<string>>();

/** The template cluster for `install`, created once; concurrent callers share one initdb. */
export function ensureTemplate(rootDir: string, install: InstalledPostgres, user: OsUser): Promise<string> {
  const dir = templateDir(rootDir, install.version);
  let pending = pendingTemplates.get(dir);
  if (!pending) {
    pending = createTemplate(dir, install, user);
    pendingTemplates.set(dir, pending);
    pending.catch(() => pendingTemplates.delete(dir));
  }
  return pending;
}

async function createTemplate(dir: string, install: InstalledPostgres, user: OsUser): Promise<string> {
  if (existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const parent = path.dirname(dir);
  await fs.mkdir(parent, { recursive: true, mode: 0o755 });
  const temp = path.join(parent, `.${path.basename(dir)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await mkdirOwnedBy(user, temp, 0o700);
    // initdb fsyncs the result: the renamed template is durable.
    await execFileAs(user, install.initdb, initdbArguments(temp), {
      env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8', TZ: 'UTC' },
      timeoutMs: 300_000,
    });
    try {
      await fs.rename(temp, dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(path.join(dir, 'PG_VERSION'))) throw err;
    }
  } catch (err) {
    throw new Error(`creating the PostgreSQL ${install.version} template in ${dir}: ${(err as Error).message}`);
  } finally {
    await fs.rm(temp, { recursive: true, force: true });
  }
  return dir;
}
