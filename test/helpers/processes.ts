import { readdir, readFile } from 'node:fs/promises';

interface ProcInfo {
  pid: number;
  ppid: number;
  cmdline: string;
}

async function listProcesses(): Promise<ProcInfo[]> {
  const entries = await readdir('/proc');
  const result: ProcInfo[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [cmdline, stat] = await Promise.all([readFile(`/proc/${entry}/cmdline`, 'utf8'), readFile(`/proc/${entry}/stat`, 'utf8')]);
      // The command name in stat may contain spaces and parentheses: parse after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.push({ pid: Number(entry), ppid: Number(fields[1]), cmdline: cmdline.replace(/\0/g, ' ') });
    } catch {
      // the process ended while we looked
    }
  }
  return result;
}

export async function parentPid(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose command line mentions `needle`, with all their descendants. */
export async function processesUsing(needle: string): Promise<number[]> {
  const all = await listProcesses();
  const selected = new Set(all.filter((proc) => proc.cmdline.includes(needle) && proc.pid !== process.pid).map((proc) => proc.pid));
  let grew = true;
  while (grew) {
    grew = false;
    for (const proc of all) {
      if (!selected.has(proc.pid) && selected.has(proc.ppid)) {
        selected.add(proc.pid);
        grew = true;
      }
    }
  }
  return [...selected];
}

/** SIGKILL every process that uses `needle` (a test's temp dir) and wait until they are gone. */
export async function killProcessesUsing(needle: string): Promise<number[]> {
  const pids = await processesUsing(needle);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return pids;
}
