import { execFileSync } from 'node:child_process';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/** Kernel clock ticks per second, for the CPU times in /proc/<pid>/stat. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  pid: number;
  ppid: number;
  /** user + system CPU seconds of the process, plus those of its reaped children. */
  cpuSeconds: number;
}

async function procStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0);
    return { pid, ppid: Number(fields[1]), cpuSeconds: ticks / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/** A server process and its live descendants. */
export async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = await procStat(Number(entry));
    if (info) parents.set(info.pid, info.ppid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

export interface TreeFigures {
  cpuSeconds: number;
  pssBytes: number;
  swapBytes: number;
}

/** CPU time, proportional memory and swap of a process tree, from /proc. */
export async function treeFigures(root: number): Promise<TreeFigures> {
  const figures: TreeFigures = { cpuSeconds: 0, pssBytes: 0, swapBytes: 0 };
  for (const pid of await processTree(root)) {
    const info = await procStat(pid);
    if (!info) continue;
    figures.cpuSeconds += info.cpuSeconds;
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    figures.pssBytes += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
    figures.swapBytes += Number(/^Swap:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
  }
  return figures;
}

/** Bytes a directory tree occupies on disk. */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const walk = async (at: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else total += await lstat(full).then((info) => info.blocks * 512, () => 0);
    }
  };
  await walk(dir);
  return total;
}

/** Weighted milliseconds spent doing I/O (the 11th /proc/diskstats figure) of the disk holding `dir`. */
export async function diskIoWeightedMs(dir: string): Promise<number | undefined> {
  const { dev } = await stat(dir);
  const major = Math.floor(dev / 256);
  const minor = dev % 256;
  const text = await readFile('/proc/diskstats', 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (Number(fields[0]) === major && Number(fields[1]) === minor) return Number(fields[13]);
  }
  return undefined;
}
