/**
 * berth's parameter files (in PGDATA, so backups and snapshots carry them):
 *   berth-parameters.conf          included by berth.conf after the bundle's
 *                                  defaults and before the settings berth
 *                                  controls: user values beat the defaults,
 *                                  berth's own settings beat everything.
 *                                  Holds every value in effect or waiting for
 *                                  a restart (static parameters).
 *   berth-parameters-pending.conf  not included: `pending-reboot` values of
 *                                  dynamic parameters. PostgreSQL would apply
 *                                  them at the next reload (any provision,
 *                                  TLS rotation or archiving switch reloads),
 *                                  so they wait here until start() moves them
 *                                  into berth-parameters.conf.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomicAs, type OsUser } from '../os-user.js';
import { confString, PARAMETERS_CONF } from './config-files.js';
import type { PostgresInstancePaths } from './instance-paths.js';

export const PENDING_PARAMETERS_CONF = 'berth-parameters-pending.conf';

/** name → value as written (the user's spelling, unquoted). Lower-case names. */
export type ParameterValues = Map<string, string>;

const FILE_LINE = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*'((?:[^'\\]|''|\\.)*)'\s*(?:#.*)?$/;

export function parseParameterFile(text: string): ParameterValues {
  const values: ParameterValues = new Map();
  for (const line of text.split('\n')) {
    const m = FILE_LINE.exec(line);
    if (!m) continue;
    values.set(m[1]!.toLowerCase(), m[2]!.replace(/''/g, "'").replace(/\\(.)/g, '$1'));
  }
  return values;
}

export function renderParameterFile(values: ParameterValues, header: string): string {
  const lines = [...values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => `${name} = ${confString(value)}`);
  return `# ${header}\n# Managed by berth (UpdateRelationalDatabaseParameters): do not edit.\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}

export const MAIN_HEADER = 'Parameters in effect, or waiting for a restart (static parameters).';
export const PENDING_HEADER = 'Dynamic parameters set with applyMethod pending-reboot: moved into berth-parameters.conf at the next start.';

export function parameterFiles(p: PostgresInstancePaths): { main: string; pending: string } {
  return { main: path.join(p.pgdata, PARAMETERS_CONF), pending: path.join(p.pgdata, PENDING_PARAMETERS_CONF) };
}

export async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function restoreFile(user: OsUser, file: string, content: string | undefined): Promise<void> {
  if (content === undefined) await fs.rm(file, { force: true });
  else await writeFileAtomicAs(user, file, content, 0o600);
}

/**
 * Moves the pending dynamic values into berth-parameters.conf. start() calls
 * it before the postmaster is spawned (never while it runs). Idempotent: a
 * crash between the two steps merges the same values again.
 */
export async function promotePendingParameters(user: OsUser, p: PostgresInstancePaths): Promise<void> {
  const files = parameterFiles(p);
  const pendingText = await readOptional(files.pending);
  if (pendingText === undefined) return;
  const pending = parseParameterFile(pendingText);
  if (pending.size > 0) {
    const main = parseParameterFile((await readOptional(files.main)) ?? '');
    for (const [name, value] of pending) main.set(name, value);
    await writeFileAtomicAs(user, files.main, renderParameterFile(main, MAIN_HEADER), 0o600);
  }
  await fs.rm(files.pending, { force: true });
}
