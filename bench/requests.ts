import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { GetRelationalDatabaseCommand } from '@aws-sdk/client-lightsail';
import { BERTH_BIN, BerthProcess } from '../test/helpers/berth-process.js';
import { signedHeaders } from '../test/helpers/signed-request.js';
import { createDatabase } from './databases.js';
import { settle } from './settle.js';
import { median, percentile } from './stats.js';

const CONCURRENCY = 16;

interface Run {
  requests: number;
  errors: number;
  latencies: number[];
  seconds: number;
}

async function drive(seconds: number, once: () => Promise<boolean>): Promise<Run> {
  const run: Run = { requests: 0, errors: 0, latencies: [], seconds };
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const ok = await once().catch(() => false);
      run.latencies.push(performance.now() - started);
      run.requests += 1;
      if (!ok) run.errors += 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return run;
}

function report(label: string, run: Run): void {
  console.log(
    `${label}: ${(run.requests / run.seconds).toFixed(0)} req/s with ${CONCURRENCY} in flight, ` +
      `p50 ${percentile(run.latencies, 50).toFixed(2)} ms, p99 ${percentile(run.latencies, 99).toFixed(2)} ms, errors ${run.errors}`,
  );
}

interface Target {
  url: URL;
  key: { accessKeyId: string; secretAccessKey: string; region: string };
  agent: http.Agent;
  send: typeof http.request;
}

function signedGetOf(target: Target, name: string): () => Promise<boolean> {
  const body = JSON.stringify({ relationalDatabaseName: name });
  const { url, key, agent, send } = target;
  return async () => {
    const headers = await signedHeaders(key, url, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Lightsail_20161128.GetRelationalDatabase' }, body);
    return new Promise((resolve, reject) => {
      const request = send({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers, agent }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode === 200));
      });
      request.on('error', reject);
      request.end(body);
    });
  };
}

/** A policy like a team's: reads everywhere, changes on its own tag, a deny on passwords of others. */
const TEAM_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'lightsail:Get*', Resource: '*' },
    { Effect: 'Allow', Action: 'lightsail:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'payments' } } },
    { Effect: 'Deny', Action: 'lightsail:GetRelationalDatabaseMasterUserPassword', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceTag/team': 'payments' } } },
    { Effect: 'Deny', Action: 'lightsail:DeleteRelationalDatabase', Resource: '*' },
  ],
});

async function createPolicyUser(berth: BerthProcess): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const file = path.join(berth.dataDir, '..', 'bench-policy.json');
  await writeFile(file, TEAM_POLICY);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [BERTH_BIN, 'users', 'create', 'bench-user', '--json', '--policy-file', file, '--endpoint-url', berth.url],
    { env: { ...process.env, BERTH_ACCESS_KEY_ID: berth.accessKeyId, BERTH_SECRET_ACCESS_KEY: berth.secretAccessKey } },
  );
  return JSON.parse(stdout) as { accessKeyId: string; secretAccessKey: string };
}

const ROUNDS = 3;

/** Median req/s over rounds of each variant, run alternately so that drift of the machine hits them alike. */
async function alternate(seconds: number, variants: Record<string, () => Promise<boolean>>): Promise<Record<string, number>> {
  const rates: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, once] of Object.entries(variants)) {
      const run = await drive(seconds, once);
      report(`${name}, round ${round + 1}`, run);
      (rates[name] ??= []).push(run.requests / run.seconds);
    }
  }
  return Object.fromEntries(Object.entries(rates).map(([name, values]) => [name, median(values)]));
}

/**
 * Signed GetRelationalDatabase throughput from one client process: the root
 * key over plain HTTP (the reference) against a policy-bound user, then
 * plain HTTP against HTTPS (a second berth), each pair alternated for three
 * rounds and reported as medians and their ratio.
 */
export async function benchRequests(berth: BerthProcess, seconds: number): Promise<void> {
  const client = berth.client();
  await createDatabase(client, 'bench-rps', [{ key: 'team', value: 'payments' }]);
  await settle('rps: the new database\'s first backup');
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const root = { accessKeyId: berth.accessKeyId, secretAccessKey: berth.secretAccessKey, region: berth.region };
  const rootGet = signedGetOf({ url: new URL(berth.url), key: root, agent, send: http.request }, 'bench-rps');
  const user = await createPolicyUser(berth);
  const userGet = signedGetOf({ url: new URL(berth.url), key: { ...user, region: berth.region }, agent, send: http.request }, 'bench-rps');
  await drive(2, rootGet); // warm-up
  await drive(2, userGet);
  const policy = await alternate(seconds, { 'root key, HTTP': rootGet, 'policy-bound user (4 statements), HTTP': userGet });
  console.log(
    `signed GetRelationalDatabase medians: root key ${policy['root key, HTTP']!.toFixed(0)} req/s, policy-bound user ` +
      `${policy['policy-bound user (4 statements), HTTP']!.toFixed(0)} req/s: ${(policy['policy-bound user (4 statements), HTTP']! / policy['root key, HTTP']!).toFixed(2)} of the root key`,
  );

  report(
    'signed GetRelationalDatabase (@aws-sdk/client-lightsail)',
    await drive(seconds, async () => {
      const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'bench-rps' }));
      return relationalDatabase?.name === 'bench-rps';
    }),
  );
  client.destroy();

  const secure = await BerthProcess.start({ extraArgs: ['--tls', '--stop-databases-on-exit'] });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: secure.ca });
  try {
    const secureClient = secure.client();
    await createDatabase(secureClient, 'bench-rps');
    secureClient.destroy();
    await settle('rps: the HTTPS berth\'s first backup');
    const secureGet = signedGetOf(
      { url: new URL(secure.url), key: { accessKeyId: secure.accessKeyId, secretAccessKey: secure.secretAccessKey, region: secure.region }, agent: httpsAgent, send: https.request },
      'bench-rps',
    );
    await drive(2, secureGet);
    const transport = await alternate(seconds, { 'root key, HTTP': rootGet, 'root key, HTTPS (keep-alive, TLS 1.3)': secureGet });
    console.log(
      `signed GetRelationalDatabase medians: HTTP ${transport['root key, HTTP']!.toFixed(0)} req/s, HTTPS ` +
        `${transport['root key, HTTPS (keep-alive, TLS 1.3)']!.toFixed(0)} req/s: ${(transport['root key, HTTPS (keep-alive, TLS 1.3)']! / transport['root key, HTTP']!).toFixed(2)} of plain HTTP`,
    );
  } finally {
    agent.destroy();
    httpsAgent.destroy();
    await secure.dispose();
  }
}
