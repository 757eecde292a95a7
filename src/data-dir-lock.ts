import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface DataDirLock {
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isBerth(pid: number): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('node');
  } catch {
    return false;
  }
}

/**
 * One berth per data dir: a pid file, taken over when the berth that wrote it
 * is gone (after kill -9 the file stays behind).
 */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const file = path.join(dataDir, 'berth.pid');
  try {
    await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number((await readFile(file, 'utf8')).trim());
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder) && (await isBerth(holder))) {
      throw new Error(`Another berth (pid ${holder}) is running with the data dir ${dataDir}.`);
    }
    await writeFile(file, `${process.pid}\n`, { mode: 0o644 });
  }
  return {
    async release() {
      try {
        if (Number((await readFile(file, 'utf8')).trim()) === process.pid) await rm(file, { force: true });
      } catch {
        // already gone
      }
    },
  };
}
