/**
 * Running MariaDB's client programs (mariadb-backup, mariadb-binlog,
 * mariadb) as berth's own OS user: the admin account authenticates with
 * unix_socket, which admits the socket peer whose uid has its name. Their
 * chatter is kept as a bounded tail for error messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** Environment of the tools: UTC (mariadb-binlog reads --stop-datetime in local time), C locale. */
export const TOOL_ENV: NodeJS.ProcessEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8', TZ: 'UTC' };

const TAIL_BYTES = 6144;

class Tail {
  private text = '';
  add(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-TAIL_BYTES);
  }
  toString(): string {
    return this.text.trim();
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

function describeExit(name: string, result: { code: number | null; signal: NodeJS.Signals | null; error?: Error }): string {
  if (result.error) return `${name} could not run: ${result.error.message}`;
  return result.signal ? `${name} was killed by ${result.signal}` : `${name} exited with code ${result.code}`;
}

/** Run `command args`; resolves with the tail of its output, rejects with it when the exit is not 0. */
export async function runTool(command: string, args: string[], options: { cwd?: string } = {}): Promise<string> {
  const child = spawn(command, args, { cwd: options.cwd ?? '/', env: TOOL_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = new Tail();
  child.stdout?.on('data', (chunk: Buffer) => tail.add(chunk));
  child.stderr?.on('data', (chunk: Buffer) => tail.add(chunk));
  const result = await exited(child);
  if (result.error || result.code !== 0) {
    throw new Error(`${describeExit(path.basename(command), result)}${tail.toString() ? `:\n${tail}` : ''}`);
  }
  return tail.toString();
}

/**
 * `producer | consumer`: the producer's stdout into the consumer's stdin.
 * Rejects naming the program that failed (the consumer first: a producer
 * that fails after its reader is gone only reports the broken pipe).
 */
export async function runPipeline(
  producer: { command: string; args: string[] },
  consumer: { command: string; args: string[] },
): Promise<void> {
  const left = spawn(producer.command, producer.args, { cwd: '/', env: TOOL_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const right = spawn(consumer.command, consumer.args, { cwd: '/', env: TOOL_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  const leftTail = new Tail();
  const rightTail = new Tail();
  left.stderr?.on('data', (chunk: Buffer) => leftTail.add(chunk));
  right.stdout?.on('data', (chunk: Buffer) => rightTail.add(chunk));
  right.stderr?.on('data', (chunk: Buffer) => rightTail.add(chunk));
  right.stdin?.on('error', () => undefined); // EPIPE when the consumer exits first: reported by its exit status
  left.stdout?.pipe(right.stdin!);
  const [leftResult, rightResult] = await Promise.all([exited(left), exited(right)]);
  const leftName = path.basename(producer.command);
  const rightName = path.basename(consumer.command);
  if (rightResult.error || rightResult.code !== 0) {
    throw new Error(`${describeExit(rightName, rightResult)}${rightTail.toString() ? `:\n${rightTail}` : ''}` +
      (leftTail.toString() ? `\n${leftName} said:\n${leftTail}` : ''));
  }
  if (leftResult.error || leftResult.code !== 0) {
    throw new Error(`${describeExit(leftName, leftResult)}${leftTail.toString() ? `:\n${leftTail}` : ''}`);
  }
}
