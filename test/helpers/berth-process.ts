import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LightsailClient } from '@aws-sdk/client-lightsail';
import { execFileAsync } from './clients.js';
import { killProcessesUsing } from './processes.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BERTH_BIN = path.join(REPO_ROOT, 'dist/src/cli/main.js');
export const TEST_DIR_PREFIX = `berth-test-${process.env.BERTH_TEST_RUN ?? 'adhoc'}-`;

export interface BerthOptions {
  /** Let berth generate its key pair (read back from its start-up banner) instead of passing BERTH_* keys. */
  generatedCredentials?: boolean;
  region?: string;
  pageSize?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
}

/**
 * A real berth process on a private data dir, driven as a user would:
 * spawned from the built CLI, stopped with SIGTERM (or killed with -9).
 * dispose() stops it, every engine it started, and removes the data dir,
 * whatever state the test left it in.
 */
export class BerthProcess {
  accessKeyId = `AKTEST${randomBytes(6).toString('hex').toUpperCase()}`;
  secretAccessKey = randomBytes(24).toString('base64');
  readonly region: string;
  url = '';
  /** With HTTPS: what `berth ca bundle` prints, which the API's certificate chains to. */
  ca: string | undefined;
  /** The same bundle as a file, for clients that take a path (AWS_CA_BUNDLE, Terraform's custom_ca_bundle). */
  caFile: string | undefined;
  output = '';
  /** What the processes before the last restart printed. */
  earlierOutput = '';
  private child: ChildProcess | undefined;
  private readonly databasePorts: string;

  private constructor(
    readonly dataDir: string,
    private readonly rootDir: string,
    private readonly options: BerthOptions,
  ) {
    this.region = options.region ?? 'us-east-1';
    const first = randomInt(20_000, 60_000);
    this.databasePorts = `${first}-${first + 199}`;
  }

  static async start(options: BerthOptions = {}): Promise<BerthProcess> {
    const rootDir = await mkdtemp(path.join(os.tmpdir(), TEST_DIR_PREFIX));
    // The unprivileged engine user must be able to traverse to the data dir.
    await chmod(rootDir, 0o711);
    const berth = new BerthProcess(path.join(rootDir, 'data'), rootDir, options);
    try {
      await berth.launch();
    } catch (error) {
      await berth.dispose();
      throw error;
    }
    return berth;
  }

  /** The last lines berth printed (across restarts), without the per-request log. */
  lastLines(count: number): string {
    const lines = (this.earlierOutput + this.output).split('\n').filter((line) => !line.includes('"msg":"request"'));
    return lines.slice(-count).join('\n');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  client(overrides: { secretAccessKey?: string; accessKeyId?: string; region?: string } = {}): LightsailClient {
    return new LightsailClient({
      endpoint: this.url,
      ...(this.ca !== undefined ? { requestHandler: { httpsAgent: new https.Agent({ ca: this.ca }) } } : {}),
      region: overrides.region ?? this.region,
      maxAttempts: 1,
      credentials: {
        accessKeyId: overrides.accessKeyId ?? this.accessKeyId,
        secretAccessKey: overrides.secretAccessKey ?? this.secretAccessKey,
      },
    });
  }

  /** The environment of an AWS CLI or boto3 run against this berth: its keys, no profile or config of the machine. */
  awsEnvironment(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      BERTH_URL: this.url,
      AWS_ACCESS_KEY_ID: this.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.secretAccessKey,
      AWS_DEFAULT_REGION: this.region,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
  }

  async launch(): Promise<void> {
    this.earlierOutput += this.output;
    this.output = '';
    const args = [
      BERTH_BIN,
      'serve',
      '--port',
      '0',
      '--data-dir',
      this.dataDir,
      '--region',
      this.region,
      '--database-ports',
      this.databasePorts,
      '--monitor-interval-ms',
      '500',
      ...(this.options.pageSize ? ['--page-size', String(this.options.pageSize)] : []),
      ...(this.options.extraArgs ?? []),
    ];
    const keys = this.options.generatedCredentials
      ? {}
      : { BERTH_ACCESS_KEY_ID: this.accessKeyId, BERTH_SECRET_ACCESS_KEY: this.secretAccessKey };
    const { BERTH_ACCESS_KEY_ID: _id, BERTH_SECRET_ACCESS_KEY: _secret, ...inherited } = process.env;
    const child = spawn(process.execPath, args, {
      env: { ...inherited, ...keys, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`berth did not start in time:\n${this.output}`)), 120_000);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString('utf8');
        const match = /listening on (https?:\/\/\S+)/.exec(this.output);
        if (match) {
          clearTimeout(timer);
          if (this.options.generatedCredentials) {
            this.accessKeyId = /access key id:\s+(\S+)/.exec(this.output)![1]!;
            this.secretAccessKey = /secret access key:\s+(\S+)/.exec(this.output)![1]!;
          }
          resolve(match[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => {
        this.output += chunk.toString('utf8');
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`berth exited (${code ?? signal}) before listening:\n${this.output}`));
      });
    });
    this.ca = this.url.startsWith('https:') ? (await execFileAsync(process.execPath, [BERTH_BIN, 'ca', 'bundle', '--data-dir', this.dataDir])).stdout : undefined;
    this.caFile = undefined;
    if (this.ca !== undefined) {
      this.caFile = path.join(this.rootDir, 'api-ca-bundle.pem');
      await writeFile(this.caFile, this.ca);
    }
  }

  /** SIGTERM and wait for a clean exit. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await exited;
    this.child = undefined;
    return code;
  }

  /** kill -9: no chance to clean up. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  async restart(options: { hard?: boolean } = {}): Promise<void> {
    if (options.hard) await this.kill();
    else await this.stop();
    await this.launch();
  }

  /**
   * The host is lost: berth and every server it started killed with -9, the
   * whole data dir removed. launch() then starts a brand-new berth with the
   * same options on an empty data dir.
   */
  async loseHost(): Promise<void> {
    await this.kill();
    await killProcessesUsing(this.dataDir);
    await rm(this.dataDir, { recursive: true, force: true });
  }

  async dispose(): Promise<void> {
    try {
      await this.kill();
    } finally {
      await killProcessesUsing(this.rootDir);
      await rm(this.rootDir, { recursive: true, force: true });
    }
  }
}
