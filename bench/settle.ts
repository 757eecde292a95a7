import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Busy and total jiffies of all CPUs, from the first line of /proc/stat. */
async function cpuJiffies(): Promise<{ busy: number; total: number }> {
  const fields = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/**
 * Waits until the machine is quiet (under `threshold` of all CPUs busy over a
 * second), so one benchmark does not measure the background work another left
 * running (the automatic backups that follow creates, for one). Gives up
 * after `limitMs` and says so.
 */
export async function settle(label: string, threshold = 0.1, limitMs = 120_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const before = await cpuJiffies();
    await sleep(1000);
    const after = await cpuJiffies();
    const busy = (after.busy - before.busy) / Math.max(1, after.total - before.total);
    if (busy < threshold) return;
    if (Date.now() - started > limitMs) {
      console.log(`(${label}: the machine stayed ${Math.round(busy * 100)}% busy for ${limitMs / 1000} s; measuring anyway)`);
      return;
    }
  }
}
