/**
 * What mariadbd itself says about options, from `mariadbd --no-defaults
 * --help --verbose` (≈ 0.1 s; it parses the options and exits, touching no
 * data directory and no log file):
 *
 *  - which options an option file may set (the "Variables" table), and
 *  - whether a set of option values is acceptable at startup: the server
 *    prints an [ERROR] or [Warning] for a value it refuses or adjusts
 *    (unknown enum member, out of range, not a multiple of the block size,
 *    a collation that does not fit the character set...).
 */
import path from 'node:path';
import { execFile } from 'node:child_process';
import { isRoot, type OsUser } from '../os-user.js';

const HELP_TIMEOUT_MS = 30_000;

interface HelpRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runHelp(mariadbd: string, user: OsUser, options: readonly string[]): Promise<HelpRun> {
  // As the service user: mariadbd refuses to run as root.
  const asUser = isRoot() && user.uid !== 0 ? { uid: user.uid, gid: user.gid } : {};
  return new Promise((resolve, reject) => {
    execFile(
      mariadbd,
      ['--no-defaults', ...options, '--help', '--verbose'],
      { ...asUser, cwd: '/', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8', TZ: 'UTC' }, timeout: HELP_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${path.basename(mariadbd)} --help --verbose failed: ${error.message}`));
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** The option names (dashes as underscores) of the help's "Variables" table. */
export function parseHelpOptions(stdout: string): Set<string> {
  const options = new Set<string>();
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Variables (--variable-name=value)'));
  if (start === -1) return options;
  let i = start + 1;
  while (i < lines.length && !lines[i]!.startsWith('-----')) i++;
  for (i++; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') break;
    const name = line.split(/\s+/)[0];
    if (name) options.add(name.replace(/-/g, '_'));
  }
  return options;
}

export async function listServerOptions(mariadbd: string, user: OsUser): Promise<Set<string>> {
  const run = await runHelp(mariadbd, user, []);
  const options = parseHelpOptions(run.stdout);
  if (run.code !== 0 || options.size === 0) {
    throw new Error(`${mariadbd} --help --verbose listed no options (exit ${run.code}): ${run.stderr.trim().slice(0, 2000)}`);
  }
  return options;
}

/** A diagnostic line without its time stamp and thread id, so runs compare. */
const diagnostic = (line: string) => line.replace(/^\d{4}-\d{2}-\d{2} [ \d]\d:\d{2}:\d{2} \d+ /, '').trim();
/** Numbers aside: a limit the host imposes reads the same whatever the values asked for (max_open_files...). */
const shape = (line: string) => line.replace(/\d+/g, '#');
/** About the host, not the options: the open-files limit, the mysql.plugin table --no-defaults cannot read. */
const ENVIRONMENT = /max_open_files|Changed limits|mysql\.plugin/;

/**
 * What mariadbd objects to in `candidate` (`--name=value` options) that it
 * does not already object to in `baseline`: its new [ERROR] and [Warning]
 * lines (empty when it accepts them all).
 */
export async function optionObjections(mariadbd: string, user: OsUser, baseline: readonly string[], candidate: readonly string[]): Promise<string[]> {
  const [before, after] = await Promise.all([runHelp(mariadbd, user, baseline), runHelp(mariadbd, user, candidate)]);
  const known = new Set(before.stderr.split('\n').map((line) => shape(diagnostic(line))));
  const objections = after.stderr.split('\n').map(diagnostic)
    .filter((line) => line !== '' && !ENVIRONMENT.test(line) && !known.has(shape(line)) && !/deprecated/i.test(line));
  if (after.code !== 0 && objections.length === 0) objections.push(`mariadbd refuses the options (exit ${after.code})`);
  return after.code !== 0 || objections.some((line) => /\[(ERROR|Warning)\]|error|warning/i.test(line)) ? objections : [];
}
