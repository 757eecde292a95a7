import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { GetRelationalDatabaseCommand } from '@aws-sdk/client-lightsail';
import type { BerthProcess } from '../test/helpers/berth-process.js';
import { signedHeaders } from '../test/helpers/signed-request.js';
import { createDatabase } from './databases.js';
import { settle } from './settle.js';
import { percentile } from './stats.js';

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

/** Signed GetRelationalDatabase throughput from one client process. */
export async function benchRequests(berth: BerthProcess, seconds: number): Promise<void> {
  const client = berth.client();
  await createDatabase(client, 'bench-rps');
  await settle('rps: the new database\'s first backup');
  const url = new URL(berth.url);
  const body = JSON.stringify({ relationalDatabaseName: 'bench-rps' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const signedGet = async (): Promise<boolean> => {
    const headers = await signedHeaders(
      { accessKeyId: berth.accessKeyId, secretAccessKey: berth.secretAccessKey, region: berth.region },
      url,
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Lightsail_20161128.GetRelationalDatabase' },
      body,
    );
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/', headers, agent },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode === 200));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  };
  await drive(2, signedGet); // warm-up
  report('signed GetRelationalDatabase (smithy signer + keep-alive http)', await drive(seconds, signedGet));
  report(
    'signed GetRelationalDatabase (@aws-sdk/client-lightsail)',
    await drive(seconds, async () => {
      const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'bench-rps' }));
      return relationalDatabase?.name === 'bench-rps';
    }),
  );
  agent.destroy();
  client.destroy();
}
