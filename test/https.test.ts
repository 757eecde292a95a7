/**
 * The API over HTTPS: berth's own certificate (in the bundle `berth ca
 * bundle` prints) with the JS SDK, the AWS CLI, boto3 and berth's own signed
 * sub-commands; nothing in plain HTTP on the port; the operator's certificate
 * files; renewal on an injected clock with a held connection open.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { GetRegionsCommand, GetRelationalDatabasesCommand } from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_CERTIFICATE_RENEW_BEFORE_MS } from '../src/gateway/api-server.js';
import { BERTH_BIN, BerthProcess } from './helpers/berth-process.js';
import { execFileAsync, hasTool } from './helpers/clients.js';
import { InProcessBerth, ManualClock } from './helpers/in-process-berth.js';

const CI = process.env.CI === 'true';

const seenCertificates = new WeakMap<TLSSocket, X509Certificate>();

/** GET over HTTPS: status, body and the certificate the server presented. */
function get(url: string, options: https.RequestOptions): Promise<{ status: number; body: string; certificate: X509Certificate; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, options, (response) => {
      const chunks: Buffer[] = [];
      // Node hands out the peer certificate once per socket: a reused one gives what its first response saw.
      const socket = response.socket as TLSSocket;
      const peer = socket.getPeerX509Certificate() ?? seenCertificates.get(socket);
      if (peer) seenCertificates.set(socket, peer);
      if (!peer) {
        reject(new Error('the server presented no certificate'));
        return;
      }
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), certificate: peer, reusedSocket: request.reusedSocket }),
      );
    });
    request.on('error', reject);
  });
}

/** What the port answers a plain-HTTP request with, until it closes the connection (or 3 s pass). */
function plainHttpAnswer(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const done = () => {
      socket.destroy();
      resolve(received);
    };
    socket.setTimeout(3000, done);
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', done);
    socket.on('error', done);
    socket.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}');
  });
}

describe('the API over HTTPS with berth’s own certificate', () => {
  let berth: BerthProcess;
  let root: string;
  let caFile: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    berth = await BerthProcess.start({ extraArgs: ['--tls', '--advertise-host', 'db.berth.test'] });
    root = await mkdtemp(path.join(os.tmpdir(), 'berth-test-https-'));
    caFile = path.join(root, 'ca.pem');
    await writeFile(caFile, berth.ca!);
    env = berth.awsEnvironment();
  });

  afterAll(async () => {
    await berth?.dispose();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('serves HTTPS with a certificate for the advertised host and the bind address, chained to the bundle berth ca bundle prints', async () => {
    expect(berth.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(berth.output).toContain('--ca-bundle');
    const { status, body, certificate } = await get(`${berth.url}/certificates/global-bundle.pem`, { ca: berth.ca });
    expect(status).toBe(200); // readable without a signature
    expect(body).toBe(berth.ca);
    expect(certificate.subjectAltName).toContain('DNS:db.berth.test');
    expect(certificate.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(certificate.checkHost('db.berth.test')).toBe('db.berth.test');
    // Without berth's CA a client refuses it.
    await expect(get(`${berth.url}/certificates/global-bundle.pem`, {})).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
  });

  it('answers nothing in plain HTTP on its port', async () => {
    const answer = await plainHttpAnswer(Number(new URL(berth.url).port));
    expect(answer).not.toMatch(/HTTP\/1\.[01]/);
    expect(answer).not.toContain('__type');
  });

  it('works with the JS SDK', async () => {
    const client = berth.client();
    try {
      expect((await client.send(new GetRelationalDatabasesCommand({}))).relationalDatabases).toEqual([]);
      expect((await client.send(new GetRegionsCommand({}))).regions!.some((region) => region.name === 'us-east-1')).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('works with the AWS CLI (--ca-bundle), and is refused by it without the bundle', async (context) => {
    if (!(await hasTool('aws', ['--version']))) {
      if (CI) throw new Error('the AWS CLI is missing');
      return context.skip();
    }
    const aws = (...args: string[]) => execFileAsync('aws', ['lightsail', ...args, '--endpoint-url', berth.url, '--output', 'json'], { env });
    expect(JSON.parse((await aws('get-relational-databases', '--ca-bundle', caFile)).stdout)).toEqual({ relationalDatabases: [] });
    const refused = await aws('get-relational-databases').catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 255, stderr: expect.stringMatching(/SSL|certificate/i) });
  });

  it('works with boto3 (verify=)', async (context) => {
    if (!(await hasTool('python3', ['-c', 'import boto3']))) {
      if (CI) throw new Error('boto3 is missing');
      return context.skip();
    }
    const script = [
      'import boto3, json, sys',
      "client = boto3.client('lightsail', endpoint_url=sys.argv[1], verify=sys.argv[2])",
      "print(json.dumps([r['name'] for r in client.get_regions()['regions']]))",
    ].join('\n');
    const { stdout } = await execFileAsync('python3', ['-c', script, berth.url, caFile], { env });
    expect(JSON.parse(stdout)).toContain('us-east-1');
  });

  it("berth's own signed sub-commands take --ca-bundle", async () => {
    const run = (...args: string[]) =>
      execFileAsync(process.execPath, [BERTH_BIN, 'maintenance', 'run', 'nope', '--endpoint-url', berth.url, ...args], { env: { ...env, BERTH_ACCESS_KEY_ID: berth.accessKeyId, BERTH_SECRET_ACCESS_KEY: berth.secretAccessKey } })
        .then(() => '')
        .catch((error: { stderr: string }) => error.stderr);
    // berth answered (the database does not exist): the TLS connection was verified.
    expect(await run('--ca-bundle', caFile)).toMatch(/NotFoundException/);
    expect(await run()).toMatch(/self[- ]signed|unable to (get|verify)/i);
  });
});

describe('the API over HTTPS with the operator’s certificate', () => {
  let berth: BerthProcess | undefined;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'berth-test-https-own-'));
  });

  afterAll(async () => {
    await berth?.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it('serves the given certificate and key, and refuses to start with a key that is not the certificate’s', async () => {
    const make = (name: string) =>
      execFileAsync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(root, `${name}.key`), '-out', path.join(root, `${name}.crt`),
      ]);
    await make('one');
    await make('two');
    const started = await BerthProcess.start({ extraArgs: ['--tls-cert', path.join(root, 'one.crt'), '--tls-key', path.join(root, 'one.key')] }).catch((error: Error) => error);
    if (started instanceof Error) throw started;
    berth = started;
    expect(berth.url).toMatch(/^https:/);
    const own = await execFileAsync('cat', [path.join(root, 'one.crt')]);
    const { status, certificate } = await get(`${berth.url}/certificates/global-bundle.pem`, { ca: own.stdout });
    expect(status).toBe(200);
    expect(certificate.fingerprint256).toBe(new X509Certificate(own.stdout).fingerprint256);

    const mismatched = await BerthProcess.start({ extraArgs: ['--tls-cert', path.join(root, 'one.crt'), '--tls-key', path.join(root, 'two.key')] }).then(
      async (unexpected) => {
        await unexpected.dispose();
        return undefined;
      },
      (error: Error) => error.message,
    );
    expect(mismatched).toMatch(/--tls-cert .* and --tls-key .* are not a certificate and its key/);
    const alone = await BerthProcess.start({ extraArgs: ['--tls-cert', path.join(root, 'one.crt')] }).then(
      async (unexpected) => {
        await unexpected.dispose();
        return undefined;
      },
      (error: Error) => error.message,
    );
    expect(alone).toContain('--tls-cert and --tls-key go together');
  });
});

describe('the API certificate renews itself', () => {
  const clock = new ManualClock(new Date());
  let running: InProcessBerth;

  beforeAll(async () => {
    running = await InProcessBerth.start(clock, () => ['--tls']);
  });

  afterAll(async () => {
    await running?.dispose();
  });

  it('30 days before it expires, without dropping a held connection', async () => {
    const { api } = running.berth;
    const ca = (await execFileAsync(process.execPath, [BERTH_BIN, 'ca', 'bundle', '--data-dir', running.dataDir])).stdout;
    const held = new https.Agent({ ca, keepAlive: true, maxSockets: 1 });
    const url = `${running.berth.url}/certificates/global-bundle.pem`;
    try {
      const first = await get(url, { agent: held });
      const notAfter = new Date(first.certificate.validTo);
      expect(notAfter.getTime() - Date.now()).toBeGreaterThan(390 * 86_400_000);
      expect(await api.renewIfDue()).toBe(false); // not due

      clock.set(new Date(notAfter.getTime() - API_CERTIFICATE_RENEW_BEFORE_MS - 60_000));
      expect(await api.renewIfDue()).toBe(false);
      clock.set(new Date(notAfter.getTime() - API_CERTIFICATE_RENEW_BEFORE_MS + 60_000));
      expect(await api.renewIfDue()).toBe(true);

      // The held connection goes on with the certificate it was opened with ...
      const again = await get(url, { agent: held });
      expect(again.reusedSocket).toBe(true);
      expect(again.status).toBe(200);
      expect(again.certificate.serialNumber).toBe(first.certificate.serialNumber);
      // ... a new one gets the new certificate.
      const fresh = await get(url, { ca, agent: false });
      expect(fresh.certificate.serialNumber).not.toBe(first.certificate.serialNumber);
      expect(fresh.certificate.checkHost('localhost')).toBe('localhost');
    } finally {
      held.destroy();
    }
  });
});
