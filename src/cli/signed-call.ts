import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { defaultDataDir } from '../config.js';
import { NodeSha256, SIGNING_SERVICE, type AccessKey } from '../gateway/sigv4.js';
import { readFileOrUndefined } from '../util/files.js';

export interface CallTarget {
  endpoint: string;
  region: string;
  key: AccessKey;
  /** PEM of the CAs an HTTPS endpoint's certificate is checked against (default: Node's). */
  ca?: string | undefined;
}

export const CALL_OPTIONS = {
  'endpoint-url': { type: 'string' },
  region: { type: 'string' },
  'data-dir': { type: 'string' },
  'ca-bundle': { type: 'string' },
} as const;

/**
 * Where and as whom a berth sub-command talks to a running berth:
 * --endpoint-url / BERTH_ENDPOINT_URL, --region / AWS_REGION, and the key
 * from BERTH_* or AWS_* variables, else from <data-dir>/credentials.json.
 */
export async function resolveCallTarget(values: { 'endpoint-url'?: string; region?: string; 'data-dir'?: string; 'ca-bundle'?: string }): Promise<CallTarget> {
  const env = process.env;
  const endpoint = values['endpoint-url'] ?? env.BERTH_ENDPOINT_URL ?? 'http://127.0.0.1:8080';
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? env.BERTH_REGION ?? 'us-east-1';
  const caFile = values['ca-bundle'] ?? env.AWS_CA_BUNDLE;
  const ca = caFile === undefined ? undefined : await readFile(caFile, 'utf8').catch((error: Error) => {
    throw new Error(`--ca-bundle ${caFile} cannot be read: ${error.message}`);
  });
  const accessKeyId = env.BERTH_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.BERTH_SECRET_ACCESS_KEY ?? env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) return { endpoint, region, ca, key: { accessKeyId, secretAccessKey } };
  const file = path.join(path.resolve(values['data-dir'] ?? defaultDataDir()), 'credentials.json');
  const stored = await readFileOrUndefined(file);
  if (!stored) {
    throw new Error(`No credentials: set BERTH_ACCESS_KEY_ID and BERTH_SECRET_ACCESS_KEY (or AWS_*), or pass --data-dir of the berth (${file} not found).`);
  }
  return { endpoint, region, ca, key: JSON.parse(stored.toString('utf8')) as AccessKey };
}

/** One signed awsJson call; resolves the parsed body, rejects with the error message berth sent. */
export async function signedCall(target: CallTarget, amzTarget: string, input: object): Promise<unknown> {
  const url = new URL(target.endpoint);
  const body = JSON.stringify(input);
  const signer = new SignatureV4({ credentials: target.key, region: target.region, service: SIGNING_SERVICE, sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': amzTarget },
    body,
  });
  const response = await post(new URL('/', url), signed.headers, body, target.ca);
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    // not JSON: the status says what happened
  }
  if (response.status < 200 || response.status > 299) throw new Error(`${String(parsed.__type ?? response.status)}: ${String(parsed.message ?? response.body.slice(0, 200))}`);
  return parsed;
}

/** One POST over HTTP or HTTPS (checked against `ca` when given; Node's fetch takes no CA of its own). */
function post(url: URL, headers: Record<string, string>, body: string, ca: string | undefined): Promise<{ status: number; body: string }> {
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const request = send(url, { method: 'POST', headers, ...(ca !== undefined ? { ca } : {}) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}
