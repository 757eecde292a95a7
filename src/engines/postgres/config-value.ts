/**
 * Values are checked by PostgreSQL itself before berth writes anything:
 * `postgres -C name -c name=value` parses the value exactly as the server
 * would (units, ranges, enums, booleans) and prints it normalised, or fails
 * with the server's own message.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isRoot, type OsUser } from '../os-user.js';

const execFileAsync = promisify(execFile);

/**
 * `postgres -C name [-c name=value]`: the value the configuration files (and
 * `value`, when given) make, normalised as pg_settings shows it, or
 * PostgreSQL's complaint. Runs beside a running server without touching it.
 */
export async function configValue(
  user: OsUser,
  postgres: string,
  pgdata: string,
  name: string,
  value?: string,
): Promise<{ value: string } | { error: string }> {
  const asUser = isRoot() && user.uid !== 0 ? { uid: user.uid, gid: user.gid } : {};
  const args = ['-D', pgdata, '-C', name, ...(value === undefined ? [] : ['-c', `${name}=${value}`])];
  try {
    const { stdout } = await execFileAsync(postgres, args, {
      ...asUser,
      cwd: pgdata,
      env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8', TZ: 'UTC' },
      timeout: 30_000,
      maxBuffer: 4 * 1024 * 1024,
    });
    return { value: stdout.replace(/\n$/, '') };
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    const messages = stderr
      .split('\n')
      .map((line) => /\b(FATAL|ERROR|DETAIL|HINT):\s+(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => m[2]!);
    // The exec error names the command line with berth's paths: say only that PostgreSQL refused.
    return { error: messages.length > 0 ? messages.join(' ') : 'PostgreSQL rejects this value' };
  }
}
