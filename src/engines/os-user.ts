/**
 * The unprivileged OS user that runs database servers, and the file helpers
 * that keep what those servers read owned by it.
 *
 * PostgreSQL (and mariadbd) refuse to run as root. When berth runs as root it
 * creates a system user `berth` once and spawns the servers as that user;
 * when berth runs unprivileged the servers simply run as berth's own user.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface OsUser {
  uid: number;
  gid: number;
  name: string;
}

export const DEFAULT_SERVICE_USER = 'berth';

const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const pendingUsers = new Map<string, Promise<OsUser>>();

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * The user database servers run as: the system user `name` (created when
 * missing) when berth runs as root, otherwise berth's own user.
 */
export function ensureServiceUser(name: string = DEFAULT_SERVICE_USER): Promise<OsUser> {
  if (!isRoot()) {
    const me = os.userInfo();
    return Promise.resolve({ uid: me.uid, gid: me.gid, name: me.username });
  }
  if (!USER_NAME.test(name)) return Promise.reject(new Error(`invalid OS user name ${JSON.stringify(name)}`));
  let pending = pendingUsers.get(name);
  if (!pending) {
    pending = createSystemUserIfMissing(name);
    pendingUsers.set(name, pending);
    pending.catch(() => pendingUsers.delete(name));
  }
  return pending;
}

export async function lookupOsUser(name: string): Promise<OsUser | undefined> {
  try {
    const { stdout } = await execFileAsync('getent', ['passwd', name]);
    const fields = stdout.trim().split(':');
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (fields[0] !== name || !Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
    return { uid, gid, name };
  } catch (err) {
    // getent exits 2 when the key is not found.
    if ((err as { code?: unknown }).code === 2) return undefined;
    throw new Error(`looking up OS user ${name}: ${(err as Error).message}`);
  }
}

async function groupExists(name: string): Promise<boolean> {
  try {
    await execFileAsync('getent', ['group', name]);
    return true;
  } catch {
    return false;
  }
}

async function createSystemUserIfMissing(name: string): Promise<OsUser> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await lookupOsUser(name);
    if (existing) return existing;
    // A leftover group of the same name makes --user-group fail: join it instead.
    const group = (await groupExists(name)) ? ['--gid', name] : ['--user-group'];
    try {
      await execFileAsync('useradd', [
        '--system', ...group, '--no-create-home',
        '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name,
      ]);
    } catch (err) {
      // 9: name already in use (a concurrent creator won); 1 and 10: passwd or
      // group file locked by a concurrent useradd. Look again after a pause.
      const code = (err as { code?: unknown }).code;
      if (code !== 1 && code !== 9 && code !== 10) {
        throw new Error(`creating system user ${name} with useradd: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
  }
  const created = await lookupOsUser(name);
  if (!created) throw new Error(`system user ${name} still missing after useradd`);
  return created;
}

export class DirectoryNotTraversableError extends Error {
  constructor(readonly directory: string, readonly user: OsUser, mode: number, ownerUid: number) {
    super(
      `directory ${directory} (mode ${(mode & 0o7777).toString(8).padStart(4, '0')}, owner uid ${ownerUid}) ` +
        `cannot be traversed by OS user ${user.name} (uid ${user.uid}), which runs the database servers. ` +
        `Fix: \`chmod o+x ${directory}\`, or put berth's data directory somewhere that user can reach.`,
    );
    this.name = 'DirectoryNotTraversableError';
  }
}

/**
 * Check that `user` can traverse every existing directory from `/` down to
 * `target` (inclusive when it exists). Throws DirectoryNotTraversableError
 * naming the first directory that blocks it. Missing directories are fine:
 * berth creates them with a traversable mode.
 */
export async function assertTraversableBy(user: OsUser, target: string): Promise<void> {
  if (user.uid === 0) return;
  let existing = path.resolve(target);
  for (;;) {
    try {
      existing = await fs.realpath(existing);
      break;
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return;
      existing = parent;
    }
  }
  const chain: string[] = [];
  for (let dir = existing; ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of chain) {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) continue;
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) throw new DirectoryNotTraversableError(dir, user, st.mode, st.uid);
  }
}

/** chown to `user` when berth is root (an unprivileged berth already owns what it creates). */
export async function chownTo(user: OsUser, file: string): Promise<void> {
  if (isRoot()) await fs.chown(file, user.uid, user.gid);
}

/** chownTo for `dir` and everything under it (a copy made by berth that the service user's server will own). */
export async function chownTreeTo(user: OsUser, dir: string): Promise<void> {
  await chownTo(user, dir);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTreeTo(user, child);
    else await chownTo(user, child);
  }
}

/**
 * Create `dir` and make it owned by `user` with `mode`. Missing parents are
 * created 0755 (owned by berth) so the user can traverse them.
 */
export async function mkdirOwnedBy(user: OsUser, dir: string, mode: number): Promise<void> {
  await fs.mkdir(path.dirname(dir), { recursive: true, mode: 0o755 });
  await fs.mkdir(dir, { recursive: true, mode });
  await chownTo(user, dir);
  await fs.chmod(dir, mode);
}

/**
 * Replace `file` atomically with `data`, owned by `user` with `mode`: readers
 * see the old or the new content, never a partial file or a wrong owner.
 */
export async function writeFileAtomicAs(user: OsUser, file: string, data: string | Uint8Array, mode: number): Promise<void> {
  const temp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    const handle = await fs.open(temp, 'wx', mode);
    try {
      await handle.writeFile(data);
      if (isRoot()) await handle.chown(user.uid, user.gid);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

/** Run a program as `user` (as-is when berth already is that user). */
export async function execFileAs(
  user: OsUser,
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  const asUser = isRoot() && user.uid !== 0 ? { uid: user.uid, gid: user.gid } : {};
  try {
    return await execFileAsync(file, args, {
      ...asUser,
      cwd: options.cwd,
      env: options.env ?? { PATH: '/usr/local/bin:/usr/bin:/bin' },
      timeout: options.timeoutMs ?? 0,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    const detail = (e.stderr || e.stdout || '').trim();
    throw new Error(`${path.basename(file)} ${args.join(' ')} failed as ${user.name}: ${e.message.split('\n')[0]}${detail ? `\n${detail}` : ''}`);
  }
}
