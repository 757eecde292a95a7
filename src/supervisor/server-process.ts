/**
 * One class owns one database server process.
 *
 * The server is spawned detached (its own session, stdio into a startup log,
 * unref'd), so it outlives berth; after a berth restart a new ServerProcess
 * re-adopts it through `findPid` (the engine's pid file, checked against
 * /proc). Readiness is raced against the process exiting; a failed start
 * rejects with the tail of the startup log. Stop escalates through signals
 * and resolves only once the process is gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { childProcessIds, isProcessAlive } from './process-info.js';
import { pollUntil, SerialQueue, sleep } from './wait.js';

export interface StopStep {
  signal: NodeJS.Signals;
  /** How long to wait for the process to exit after this signal. */
  waitMs: number;
}

export interface ServerProcessOptions {
  /** Names the server in errors, e.g. `postgres instance db-1`. */
  label: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Run as this uid/gid (only when berth is root). */
  uid?: number;
  gid?: number;
  /** stdout/stderr of the server go here (truncated on each spawn). */
  startupLogPath: string;
  /**
   * The pid of this server when it runs, else undefined. Must confirm the pid
   * really is this server (pid files go stale, pids get reused).
   */
  findPid(): Promise<number | undefined>;
  /** True once the server with `pid` accepts connections. */
  isReady(pid: number): Promise<boolean>;
  /** Called before spawning a new server (e.g. to clear a stale lock). */
  prepareSpawn?(): Promise<void>;
  /** Extra diagnostics for a failed start (defaults to the startup log tail). */
  describeFailure?(): Promise<string>;
  readyTimeoutMs?: number;
  pollIntervalMs?: number;
  /** Escalating stop; the last step's signal is also sent to the children. */
  stopSteps?: StopStep[];
}

export interface ProcessState {
  running: boolean;
  pid?: number;
}

const DEFAULT_STOP_STEPS: StopStep[] = [
  { signal: 'SIGINT', waitMs: 60_000 },
  { signal: 'SIGQUIT', waitMs: 10_000 },
  { signal: 'SIGKILL', waitMs: 10_000 },
];

export async function readLogTail(file: string, maxBytes = 4096): Promise<string> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, maxBytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8').trim();
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

export class ServerProcess {
  private child: ChildProcess | undefined;
  private childExit: Promise<string> | undefined;
  private readonly queue = new SerialQueue();

  constructor(private readonly options: ServerProcessOptions) {}

  status(): Promise<ProcessState> {
    return this.currentPid().then((pid) => (pid === undefined ? { running: false } : { running: true, pid }));
  }

  /** Start (or adopt) the server and resolve once it is ready. */
  start(): Promise<{ pid: number }> {
    return this.queue.run(async () => {
      const running = await this.currentPid();
      if (running !== undefined) {
        try {
          await this.waitReady(running, undefined);
          return { pid: running };
        } catch (err) {
          // An adopted server that was shutting down may exit meanwhile: then spawn a new one.
          if (await isProcessAlive(running)) throw err;
        }
      }
      await this.options.prepareSpawn?.();
      const pid = await this.spawnDetached();
      await this.waitReady(pid, this.childExit);
      return { pid };
    });
  }

  /** Stop with escalating signals; resolves when the process is gone. No-op when stopped. */
  stop(): Promise<void> {
    return this.queue.run(async () => {
      const pid = await this.currentPid();
      if (pid === undefined) return;
      const steps = this.options.stopSteps ?? DEFAULT_STOP_STEPS;
      for (const [index, step] of steps.entries()) {
        const last = index === steps.length - 1;
        const children = last ? await childProcessIds(pid) : [];
        if (!signal(pid, step.signal)) break;
        for (const child of children) signal(child, step.signal);
        const gone = await pollUntil(async () => !(await isProcessAlive(pid)), {
          timeoutMs: step.waitMs,
          intervalMs: 20,
        });
        if (gone) {
          if (last) await pollUntil(async () => !(await anyAlive(children)), { timeoutMs: step.waitMs, intervalMs: 20 });
          this.child = undefined;
          return;
        }
      }
      if (await isProcessAlive(pid)) throw new Error(`${this.options.label}: pid ${pid} survived SIGKILL`);
      this.child = undefined;
    });
  }

  private async currentPid(): Promise<number | undefined> {
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      if (await isProcessAlive(child.pid)) return child.pid;
    }
    return this.options.findPid();
  }

  private async spawnDetached(): Promise<number> {
    const o = this.options;
    const log = await fs.open(o.startupLogPath, 'w', 0o640);
    let child: ChildProcess;
    let spawned: Promise<true>;
    let exited: Promise<string>;
    try {
      child = spawn(o.command, o.args, {
        cwd: o.cwd,
        env: o.env,
        detached: true,
        stdio: ['ignore', log.fd, log.fd],
        ...(o.uid !== undefined ? { uid: o.uid } : {}),
        ...(o.gid !== undefined ? { gid: o.gid } : {}),
      });
      // Listen before any await: 'spawn' and 'error' fire on a later tick.
      spawned = new Promise<true>((resolve) => child.once('spawn', () => resolve(true)));
      exited = new Promise<string>((resolve) => {
        child.on('error', (err) => resolve(`could not be spawned: ${err.message}`));
        child.once('exit', (code, sig) => resolve(sig ? `was killed by ${sig}` : `exited with code ${code}`));
      });
    } finally {
      await log.close();
    }
    child.unref();
    // Wait for either the spawn to succeed or fail before trusting child.pid.
    const outcome = await Promise.race([spawned, exited]);
    if (outcome !== true || child.pid === undefined) {
      throw new Error(`${o.label} ${outcome === true ? 'has no pid' : outcome}`);
    }
    this.child = child;
    this.childExit = exited;
    return child.pid;
  }

  private async waitReady(pid: number, exited: Promise<string> | undefined): Promise<void> {
    const o = this.options;
    const timeoutMs = o.readyTimeoutMs ?? 120_000;
    const interval = o.pollIntervalMs ?? 10;
    const deadline = Date.now() + timeoutMs;
    let exitReason: string | undefined;
    void exited?.then((reason) => (exitReason = reason));
    for (;;) {
      if (exitReason === undefined && !(await isProcessAlive(pid))) {
        // Gone: our own child's exit status arrives on a later tick.
        exitReason = await Promise.race([exited ?? Promise.resolve('exited'), sleep(500).then(() => 'exited')]);
      }
      if (exitReason !== undefined) throw await this.startFailure(`${o.label} ${exitReason} before it was ready`);
      if (await o.isReady(pid).catch(() => false)) return;
      if (Date.now() >= deadline) {
        throw await this.startFailure(`${o.label} (pid ${pid}) not ready after ${timeoutMs} ms; it is left running`);
      }
      await sleep(interval);
    }
  }

  private async startFailure(message: string): Promise<Error> {
    const detail = (await this.options.describeFailure?.()) ?? (await readLogTail(this.options.startupLogPath));
    return new Error(detail ? `${message}:\n${detail}` : message);
  }
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

async function anyAlive(pids: number[]): Promise<boolean> {
  for (const pid of pids) if (await isProcessAlive(pid)) return true;
  return false;
}
