/**
 * An S3-compatible server for tests: s3rver on 127.0.0.1 (port chosen by the
 * kernel) keeping its objects in a temp dir, with one bucket. It runs as a
 * child process because s3rver's list continuation tokens use DES, which
 * Node's OpenSSL 3 only offers with the legacy provider. While it runs, the
 * SDK's default credential chain finds s3rver's fixed keys in the environment.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { TEST_DIR_PREFIX } from './berth-process.js';

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  /** An outage: the server goes away (connections refused), its objects kept. */
  pause(): Promise<void>;
  /** The server back on the same port with the same objects. */
  resume(): Promise<void>;
  /** Stops the server, removes its directory and restores the AWS_* variables. */
  stop(): Promise<void>;
}

const CREDENTIAL_VARIABLES = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_SESSION_TOKEN: undefined };
const START_TIMEOUT_MS = 15_000;

// Exits when the test process goes away (its end of stdin closes), so no server outlives a crashed run.
// s3rver deletes the objects of one DeleteObjects request side by side, and each removes the
// directories it leaves empty: two of them racing for one directory answer HTTP 500. Its deletes
// run one at a time here (a bug of the test server, not a behaviour of S3 to design for).
const SERVER_SCRIPT = `
const [s3rverPath, directory, bucket, port] = process.argv.slice(1);
const S3rver = require(s3rverPath);
const FilesystemStore = require(require('path').join(require('path').dirname(s3rverPath), 'stores', 'filesystem.js'));
const deleteObject = FilesystemStore.prototype.deleteObject;
let deletes = Promise.resolve();
FilesystemStore.prototype.deleteObject = function (...args) {
  const run = deletes.then(() => deleteObject.apply(this, args));
  deletes = run.catch(() => undefined);
  return run;
};
new S3rver({ address: '127.0.0.1', port: Number(port), silent: true, directory, configureBuckets: [{ name: bucket }] })
  .run()
  .then((address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\\n'), (error) => { console.error(error); process.exit(1); });
process.stdin.on('end', () => process.exit(0)).resume();
`;

interface RunningServer {
  port: number;
  shutDown(): Promise<void>;
}

/** One s3rver process on `port` (0: the kernel picks one). */
async function runServer(directory: string, bucket: string, port: number): Promise<RunningServer> {
  const s3rverPath = createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', SERVER_SCRIPT, s3rverPath, directory, bucket, String(port)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const shutDown = async () => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const listening = await new Promise<number>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error(`s3rver did not start within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n')[0];
        if (stdout.includes('\n') && line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited with ${code} before it started: ${stderr}`));
      });
    });
    return { port: listening, shutDown };
  } catch (error) {
    await shutDown();
    throw error;
  }
}

export async function startS3Server(bucket = 'berth-test'): Promise<S3TestServer> {
  const directory = await mkdtemp(path.join(os.tmpdir(), `${TEST_DIR_PREFIX}s3-`));
  let server: RunningServer | undefined;
  try {
    server = await runServer(directory, bucket, 0);
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const port = server.port;
  const saved = Object.fromEntries(Object.keys(CREDENTIAL_VARIABLES).map((name) => [name, process.env[name]]));
  setEnvironment(CREDENTIAL_VARIABLES);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async pause() {
      await server?.shutDown();
      server = undefined;
    },
    async resume() {
      server ??= await runServer(directory, bucket, port);
    },
    async stop() {
      setEnvironment(saved);
      await server?.shutDown();
      server = undefined;
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function setEnvironment(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
