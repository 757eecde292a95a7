import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient, type Client } from '../console/api.js';
import { signRequest } from '../console/sigv4.js';
import { findConsoleDir } from '../src/gateway/console-routes.js';
import { NodeSha256 } from '../src/gateway/sigv4.js';
import { BerthProcess, REPO_ROOT } from './helpers/berth-process.js';
import { until } from './helpers/waiters.js';

const NAME = 'console-db1';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A GET with the request-target sent exactly as given (fetch would resolve dot segments first). */
function rawGet(base: string, target: string, method = 'GET'): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, path: target, method }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

function expectConsoleHeaders(response: RawResponse): void {
  expect(response.headers['content-security-policy']).toBe(CSP);
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['cache-control']).toBe('no-store');
}

/** One awsJson call signed by the console's signer, sent with fetch. */
async function signedFetch(berth: BerthProcess, operation: string, input: object, secretAccessKey = berth.secretAccessKey) {
  const body = JSON.stringify(input);
  const headers = await signRequest(
    { method: 'POST', url: `${berth.url}/`, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Lightsail_20161128.${operation}` }, body },
    { accessKeyId: berth.accessKeyId, secretAccessKey },
    { region: berth.region, service: 'lightsail' },
  );
  const response = await fetch(`${berth.url}/`, { method: 'POST', headers, body });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

describe('operator console', () => {
  let berth: BerthProcess;
  let client: Client;

  beforeAll(async () => {
    berth = await BerthProcess.start({ pageSize: 2 });
    client = createClient({ endpoint: berth.url, accessKeyId: berth.accessKeyId, secretAccessKey: berth.secretAccessKey, region: berth.region });
  });
  afterAll(async () => {
    await berth?.dispose();
  });

  it('signs exactly like the smithy signer the AWS SDK uses (path, query and headers)', async () => {
    const date = new Date('2026-03-04T05:06:07.089Z');
    const credentials = { accessKeyId: 'AKEXAMPLE', secretAccessKey: 'wJalr/K7MDENG+bPxRfiCY' };
    const body = '{"relationalDatabaseName":"db 1","ü":"✓"}';
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Lightsail_20161128.GetRegions', 'x-custom': '  a   b  ' };
    const ours = await signRequest(
      { method: 'POST', url: 'http://127.0.0.1:8080/a%20b/./c/?z=1&a=2&a=1&sp=x%20y&t=%7E*', headers, body },
      credentials,
      { region: 'eu-west-3', service: 'lightsail', date },
    );
    const smithy = new SignatureV4({ credentials, region: 'eu-west-3', service: 'lightsail', sha256: NodeSha256, uriEscapePath: true, applyChecksum: false });
    const reference = await smithy.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 8080,
        path: '/a%20b/c/',
        query: { z: '1', a: ['2', '1'], sp: 'x y', t: '~*' },
        headers: { ...headers, host: '127.0.0.1:8080', 'x-amz-content-sha256': ours['x-amz-content-sha256']! },
        body,
      },
      { signingDate: date },
    );
    expect(ours['x-amz-date']).toBe('20260304T050607Z');
    expect(ours.authorization).toBe(reference.headers.authorization);
    expect(ours.host).toBeUndefined();
  });

  it('makes real signed calls: GetRegions works, a wrong secret is refused with 403 SignatureDoesNotMatch', async () => {
    const regions = await signedFetch(berth, 'GetRegions', {});
    expect(regions.status).toBe(200);
    expect(regions.json.regions.map((region: { name: string }) => region.name)).toContain('us-east-1');

    const wrong = await signedFetch(berth, 'GetRegions', {}, `${berth.secretAccessKey}x`);
    expect(wrong.status).toBe(403);
    expect(wrong.json.__type).toBe('AccessDeniedException');
    expect(wrong.json.code).toBe('SignatureDoesNotMatch');

    const refused = createClient({ endpoint: berth.url, accessKeyId: berth.accessKeyId, secretAccessKey: 'not-the-secret', region: berth.region });
    const error = await refused.call('GetRelationalDatabases').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, type: 'AccessDeniedException', code: 'SignatureDoesNotMatch' });
    expect((error as ApiError).message).toMatch(/signature/i);
  });

  it('follows nextPageToken through every page (page size 2)', async () => {
    const bundles = await client.all('GetRelationalDatabaseBundles', {}, 'bundles');
    expect(bundles.length).toBeGreaterThan(2);
    expect(bundles.map((bundle) => bundle.bundleId)).toContain('micro_2_0');
    const firstPage = await client.call('GetRelationalDatabaseBundles', {});
    expect(firstPage.bundles).toHaveLength(2);
    expect(firstPage.nextPageToken).toEqual(expect.any(String));
    const blueprints = await client.all('GetRelationalDatabaseBlueprints', {}, 'blueprints');
    expect(blueprints.map((blueprint) => blueprint.blueprintId)).toContain('postgres_17');
  });

  it('creates a database through the signer and sees it, its events, operations and CA bundle', async () => {
    const created = await client.call('CreateRelationalDatabase', {
      relationalDatabaseName: NAME,
      relationalDatabaseBlueprintId: 'postgres_17',
      relationalDatabaseBundleId: 'micro_2_0',
      masterDatabaseName: 'app',
      masterUsername: 'appadmin',
    });
    expect(created.operations[0]).toMatchObject({ operationType: 'CreateRelationalDatabase', resourceName: NAME });

    const listed = await client.all('GetRelationalDatabases', {}, 'relationalDatabases');
    expect(listed.map((db) => db.name)).toContain(NAME);

    const db = await until('the database to be available', async () => {
      const all = await client.all('GetRelationalDatabases', {}, 'relationalDatabases');
      const found = all.find((candidate) => candidate.name === NAME);
      return found?.state === 'available' ? found : undefined;
    }, 150_000, 500);
    expect(db).toMatchObject({ engine: 'postgres', relationalDatabaseBlueprintId: 'postgres_17', relationalDatabaseBundleId: 'micro_2_0' });
    expect(db.masterEndpoint.port).toEqual(expect.any(Number));

    const events = await client.all('GetRelationalDatabaseEvents', { relationalDatabaseName: NAME, durationInMinutes: 1440 }, 'relationalDatabaseEvents');
    expect(events.length).toBeGreaterThan(0);
    const operations = await client.call('GetOperationsForResource', { resourceName: NAME });
    expect(operations.operations.map((op: { operationType: string }) => op.operationType)).toContain('CreateRelationalDatabase');
    const snapshots = await client.all('GetRelationalDatabaseSnapshots', {}, 'relationalDatabaseSnapshots');
    expect(Array.isArray(snapshots)).toBe(true);

    const bundle = await rawGet(berth.url, `/certificates/${db.caCertificateIdentifier}.pem`);
    expect(bundle.status).toBe(200);
    expect(bundle.body).toContain('-----BEGIN CERTIFICATE-----');

    const missing = await client.call('GetRelationalDatabase', { relationalDatabaseName: 'no-such-db' }).catch((caught: unknown) => caught);
    expect(missing).toMatchObject({ status: 404, type: 'NotFoundException', code: 'DoesNotExist' });

    const deleted = await client.call('DeleteRelationalDatabase', { relationalDatabaseName: NAME, skipFinalSnapshot: true });
    expect(deleted.operations[0]).toMatchObject({ operationType: 'DeleteRelationalDatabase' });
  });

  it('serves the page without a signature, with strict headers, same-origin assets and no data', async () => {
    const page = await rawGet(berth.url, '/console');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expectConsoleHeaders(page);
    expect(page.body).toMatch(/^<!doctype html>/i);
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i); // no inline script
    expect(page.body).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i); // no inline style or handler
    expect(page.body).not.toMatch(/https?:\/\/|\/\/[a-z]/i); // no external URL
    expect((await rawGet(berth.url, '/console/')).body).toBe(page.body);
    const head = await rawGet(berth.url, '/console', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');

    const references = [...page.body.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1]!);
    const assets = references.filter((reference) => !reference.startsWith('data:'));
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) expect(asset).toMatch(/^\/console\/(vendor\/)?[A-Za-z0-9.-]+\.(js|css)$/);

    // Follow the module graph: every import must be served too.
    const served = new Map<string, RawResponse>();
    const queue = [...assets];
    while (queue.length > 0) {
      const asset = queue.shift()!;
      if (served.has(asset)) continue;
      const response = await rawGet(berth.url, asset);
      expect(response.status, asset).toBe(200);
      expectConsoleHeaders(response);
      served.set(asset, response);
      if (asset.endsWith('.css')) {
        expect(response.headers['content-type']).toBe('text/css; charset=utf-8');
        expect(response.body).not.toMatch(/url\(|@import/);
      } else {
        expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
        expect(response.body).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
        for (const match of response.body.matchAll(/(?:from|import)\s+'(\.\/(?:vendor\/)?[A-Za-z0-9.-]+\.js)'/g)) {
          queue.push(new URL(match[1]!, `http://x${asset}`).pathname);
        }
      }
    }
    expect([...served.keys()]).toEqual(expect.arrayContaining([
      '/console/app.js', '/console/sigv4.js', '/console/api.js', '/console/console.css',
      '/console/tab-metrics.js', '/console/charts.js', '/console/vendor/uPlot.esm.js', '/console/vendor/uPlot.min.css',
    ]));
    // uPlot is served exactly as npm installed it.
    expect(served.get('/console/vendor/uPlot.esm.js')!.body).toBe(readFileSync(path.join(REPO_ROOT, 'node_modules/uplot/dist/uPlot.esm.js'), 'utf8'));

    for (const response of [page, ...served.values()]) {
      expect(response.body).not.toContain(NAME);
      expect(response.body).not.toContain(berth.accessKeyId);
      expect(response.body).not.toContain(berth.secretAccessKey);
    }
  });

  it('answers 404 for anything else under /console, without leaking files', async () => {
    const targets = [
      '/console/../package.json',
      '/console/%2e%2e/package.json',
      '/console/%2E%2E/%2E%2E/package.json',
      '/console/..%2fpackage.json',
      '/console/..%5cpackage.json',
      '/console/./app.js',
      '/console//app.js',
      '/console/nope.js',
      '/console/sigv4.d.ts',
      '/console/App.js',
      '/console/app.js/',
      '/console/%61pp.js',
      '/console/vendor/uPlot.d.ts',
      '/console/vendor/../app.js',
      '/console/vendor/uPlot.cjs.js',
      '/x/../console/app.js',
    ];
    for (const target of targets) {
      const response = await rawGet(berth.url, target);
      expect(response.status, target).toBe(404);
      expectConsoleHeaders(response);
      expect(response.body, target).toBe('Not found.\n');
    }
  });

  it('finds the console folder from the sources as from dist', () => {
    expect(findConsoleDir()).toBe(path.join(REPO_ROOT, 'console'));
  });
});
