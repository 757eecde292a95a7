/**
 * Shared pieces of the client conformance suites: a berth process tuned for
 * short waits, what berth's request log says it received, and small probes.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { BerthProcess } from '../test/helpers/berth-process.js';

export { BerthProcess };

/** BERTH_CONFORMANCE_TLS=true runs every suite against a berth that serves HTTPS only (its CA given to each client). */
export const CONFORMANCE_OVER_HTTPS = process.env.BERTH_CONFORMANCE_TLS === 'true';

/**
 * A berth process for a conformance suite: small pages (so every list has
 * several), fast automatic-backup/archive/metrics cycles (so point-in-time
 * restore and metric data are there within seconds), "public" databases
 * listening on 127.0.0.2 only (loopback), and info-level request logging.
 */
export function startConformanceBerth(pageSize = 2): Promise<BerthProcess> {
  return BerthProcess.start({
    pageSize,
    extraArgs: [
      ...(CONFORMANCE_OVER_HTTPS ? ['--tls'] : []),
      '--public-listen-addresses', '127.0.0.2',
      '--backup-check-interval-ms', '200',
      '--archive-interval-ms', '500',
      '--metrics-interval-ms', '500',
    ],
    env: { BERTH_LOG_LEVEL: 'info' },
  });
}

export interface RequestLine {
  operation: string;
  status: number;
  errorType?: string;
}

/** Every API request berth logged so far (one JSON line per request on its stderr). */
export function requestsSeen(berth: BerthProcess): RequestLine[] {
  const lines: RequestLine[] = [];
  for (const line of berth.output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const record = JSON.parse(line) as { msg?: string; operation?: string; status?: number; errorType?: string };
      if (record.msg === 'request' && typeof record.operation === 'string') {
        lines.push({ operation: record.operation, status: record.status ?? 0, errorType: record.errorType });
      }
    } catch {
      // not a log line
    }
  }
  return lines;
}

/** How many requests for `operation` berth has received. */
export function requestCount(berth: BerthProcess, operation: string): number {
  return requestsSeen(berth).filter((line) => line.operation === operation || line.operation.endsWith(`.${operation}`)).length;
}

export async function caBundle(berth: BerthProcess): Promise<string> {
  // Over HTTPS the API's own CA bundle is the global bundle.
  if (berth.ca !== undefined) return berth.ca;
  const response = await fetch(`${berth.url}/certificates/global-bundle.pem`);
  if (!response.ok) throw new Error(`GET /certificates/global-bundle.pem answered ${response.status}`);
  return response.text();
}

/** Whether a TCP connection to host:port is accepted (true) or refused (false). */
export function tcpAccepts(host: string, port: number, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command and resolves with its exit status and output (never rejects on a non-zero exit). */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: options.env, cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Environment for a client that must read nothing from the machine's AWS config. */
export function awsEnv(berth: BerthProcess, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('AWS_')) delete env[key];
  return {
    ...env,
    AWS_ACCESS_KEY_ID: berth.accessKeyId,
    AWS_SECRET_ACCESS_KEY: berth.secretAccessKey,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(berth.caFile !== undefined ? { AWS_CA_BUNDLE: berth.caFile } : {}),
    ...extra,
  };
}
