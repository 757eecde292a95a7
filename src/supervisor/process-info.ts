/**
 * What Linux's /proc says about processes: alive (not a zombie), working
 * directory, parent, memory. Used to re-adopt and to stop servers that berth
 * may not have started itself.
 */
import fs from 'node:fs/promises';

interface ProcStat {
  state: string;
  ppid: number;
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ..." where comm may contain spaces and parentheses.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

/** True when `pid` exists and is not a zombie (a dead child not yet reaped). */
export async function isProcessAlive(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = await readStat(pid);
  if (!stat) return false;
  return stat.state !== 'Z' && stat.state !== 'X';
}

/** The working directory of `pid` (undefined when gone or not readable). */
export async function processCwd(pid: number): Promise<string | undefined> {
  try {
    return await fs.readlink(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** The argv of `pid` (empty when gone or not readable). */
export async function processCommandLine(pid: number): Promise<string[]> {
  try {
    const raw = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

export async function listProcessIds(): Promise<number[]> {
  const names = await fs.readdir('/proc');
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Live processes whose parent is `pid`. */
export async function childProcessIds(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const candidate of await listProcessIds()) {
    const stat = await readStat(candidate);
    if (stat && stat.ppid === pid && stat.state !== 'Z') children.push(candidate);
  }
  return children;
}

/** Live processes whose working directory is `dir` (e.g. orphans of a killed postmaster). */
export async function processesWithCwd(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await listProcessIds()) {
    if (pid === process.pid) continue;
    if ((await processCwd(pid)) === dir && (await isProcessAlive(pid))) found.push(pid);
  }
  return found;
}

/** Proportional set size in bytes of one process (0 when unreadable). */
export async function processPssBytes(pid: number): Promise<number> {
  try {
    const text = await fs.readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const match = /^Pss:\s+(\d+) kB/m.exec(text);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Processes whose working directory is `dir` or lies under it. */
export async function processesUnder(dir: string): Promise<number[]> {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const found: number[] = [];
  for (const pid of await listProcessIds()) {
    if (pid === process.pid) continue;
    const cwd = await processCwd(pid);
    if (cwd !== undefined && (cwd === dir || cwd.startsWith(prefix)) && (await isProcessAlive(pid))) found.push(pid);
  }
  return found;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/**
 * SIGKILL a server at once: `pid` (stopped or not), then every process still
 * working in `dir` (its children: PostgreSQL's backends are their own process
 * groups and outlive a postmaster that is merely stopped), until none is
 * left. Throws when something survives `timeoutMs`.
 */
export async function killInstanceProcesses(pid: number | undefined, dir: string, timeoutMs = 10_000): Promise<void> {
  if (pid !== undefined) kill(pid, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await processesUnder(dir);
    if (pid !== undefined && (await isProcessAlive(pid)) && !left.includes(pid)) left.push(pid);
    if (left.length === 0) return;
    if (Date.now() >= deadline) throw new Error(`processes ${left.join(', ')} of ${dir} survived SIGKILL`);
    for (const survivor of left) kill(survivor, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** SIGTERM, then SIGKILL what is left after 10 s; resolves when all are gone (or after 10 s more). */
export async function terminateProcesses(pids: number[]): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    for (const pid of pids) {
      kill(pid, signal);
    }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const alive = await Promise.all(pids.map((pid) => isProcessAlive(pid)));
      if (!alive.some(Boolean)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
