import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { BerthProcess } from '../test/helpers/berth-process.js';
import { createDatabase } from '../test/helpers/databases.js';
import { signedHeaders } from '../test/helpers/signed-request.js';
import { percentile } from '../bench/stats.js';

/** 200 concurrent clients mixing reads and writes for `seconds`; only modelled 4xx errors are acceptable. */
export async function soakLoad(berth: BerthProcess, clients: number, seconds: number): Promise<void> {
  const client = berth.client();
  for (const name of ['load-a', 'load-b']) await createDatabase(client, name);
  client.destroy();
  const url = new URL(berth.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const key = { accessKeyId: berth.accessKeyId, secretAccessKey: berth.secretAccessKey, region: berth.region };
  const calls: Array<[string, (i: number) => object]> = [
    ['GetRelationalDatabase', (i) => ({ relationalDatabaseName: i % 2 ? 'load-a' : 'load-b' })],
    ['GetRelationalDatabases', () => ({})],
    ['GetOperations', () => ({})],
    ['GetRelationalDatabaseBundles', () => ({})],
    ['TagResource', (i) => ({ resourceName: 'load-a', tags: [{ key: `k${i % 40}`, value: String(i) }] })],
    ['UntagResource', (i) => ({ resourceName: 'load-a', tagKeys: [`k${(i + 7) % 40}`] })],
    ['UpdateRelationalDatabase', (i) => ({ relationalDatabaseName: 'load-b', preferredBackupWindow: `0${i % 9}:00-0${i % 9}:30` })],
  ];
  const latencies: number[] = [];
  const outcomes = new Map<string, number>();
  const deadline = performance.now() + seconds * 1000;
  let sequence = 0;
  const send = async (): Promise<string> => {
    const i = sequence++;
    const [operation, input] = calls[i % calls.length]!;
    const body = JSON.stringify(input(i));
    const headers = await signedHeaders(key, url, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Lightsail_20161128.${operation}` }, body);
    return new Promise((resolve) => {
      const request = http.request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers, agent, timeout: 30_000 }, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status === 200) resolve('200');
          else if (status < 500) resolve(`${status} ${(JSON.parse(text) as { __type?: string }).__type ?? 'unmodelled'}`);
          else resolve(`${status} server error`);
        });
      });
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error) => resolve(`network ${error.message}`));
      request.end(body);
    });
  };
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        const outcome = await send();
        latencies.push(performance.now() - started);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    }),
  );
  agent.destroy();
  const bad = [...outcomes.entries()].filter(([outcome]) => !/^(200|4\d\d [A-Za-z]+Exception)$/.test(outcome));
  console.log(
    `load: ${clients} concurrent clients for ${seconds} s: ${latencies.length} requests (${(latencies.length / seconds).toFixed(0)}/s), ` +
      `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`,
  );
  if (bad.length > 0) throw new Error(`errors beyond modelled ones: ${JSON.stringify(bad)}`);
}
