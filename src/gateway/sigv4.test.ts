import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { AccessDeniedException, UnauthenticatedException } from '../api/errors.js';
import { NodeSha256, SigV4Verifier, type SignedRequest } from './sigv4.js';

const KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

async function sign(options: {
  body?: string;
  region?: string;
  date?: number;
  secret?: string;
  extraHeaders?: Record<string, string>;
  applyChecksum?: boolean;
}): Promise<SignedRequest> {
  const body = options.body ?? '{}';
  const signer = new SignatureV4({
    credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: options.secret ?? KEY.secretAccessKey },
    region: options.region ?? 'us-east-1',
    service: 'lightsail',
    sha256: NodeSha256,
    applyChecksum: options.applyChecksum ?? false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 8080,
      path: '/',
      query: {},
      headers: {
        host: '127.0.0.1:8080',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Lightsail_20161128.GetRegions',
        ...options.extraHeaders,
      },
      body,
    },
    { signingDate: new Date(options.date ?? NOW) },
  );
  return { method: 'POST', url: '/', headers: signed.headers, body: Buffer.from(body) };
}

const verifier = new SigV4Verifier([KEY], () => NOW);

describe('SigV4Verifier', () => {
  it('accepts a botocore-style signature and reports the region of the scope', async () => {
    await expect(verifier.verify(await sign({ region: 'eu-west-2' }))).resolves.toMatchObject({ accessKeyId: KEY.accessKeyId, region: 'eu-west-2' });
  });

  it('accepts a JS-SDK-style signature that covers x-amz-content-sha256 and extra headers', async () => {
    const request = await sign({ applyChecksum: true, extraHeaders: { 'amz-sdk-invocation-id': 'abc', 'x-amz-user-agent': 'aws-sdk-js' } });
    expect(request.headers['x-amz-content-sha256']).toBeDefined();
    await expect(verifier.verify(request)).resolves.toMatchObject({ region: 'us-east-1' });
  });

  it('accepts requests up to 15 minutes off the server clock and refuses beyond', async () => {
    await expect(verifier.verify(await sign({ date: NOW - 14 * 60_000 }))).resolves.toBeDefined();
    await expect(verifier.verify(await sign({ date: NOW + 14 * 60_000 }))).resolves.toBeDefined();
    await expect(verifier.verify(await sign({ date: NOW - 16 * 60_000 }))).rejects.toMatchObject({ code: 'RequestTimeTooSkewed' });
    await expect(verifier.verify(await sign({ date: NOW + 16 * 60_000 }))).rejects.toBeInstanceOf(AccessDeniedException);
  });

  it('refuses a wrong secret, a changed body, a changed signed header, and an unknown key', async () => {
    await expect(verifier.verify(await sign({ secret: 'nope' }))).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });

    const body = await sign({ body: '{"a":1}' });
    await expect(verifier.verify({ ...body, body: Buffer.from('{"a":2}') })).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });

    const hashed = await sign({ body: '{"a":1}', applyChecksum: true });
    await expect(verifier.verify({ ...hashed, body: Buffer.from('{"a":2}') })).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });

    const target = await sign({});
    target.headers['x-amz-target'] = 'Lightsail_20161128.DeleteRelationalDatabase';
    await expect(verifier.verify(target)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });

    const other = new SigV4Verifier([{ accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' }], () => NOW);
    await expect(other.verify(await sign({}))).rejects.toMatchObject({ code: 'InvalidClientTokenId' });
  });

  it('refuses missing or malformed authorization as unauthenticated', async () => {
    const request = await sign({});
    await expect(verifier.verify({ ...request, headers: { ...request.headers, authorization: undefined } })).rejects.toBeInstanceOf(
      UnauthenticatedException,
    );
    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/lightsail/aws4_request, SignedHeaders=host, Signature=zz',
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + '0'.repeat(64),
    ]) {
      await expect(verifier.verify({ ...request, headers: { ...request.headers, authorization } })).rejects.toBeInstanceOf(UnauthenticatedException);
    }
    const undated = { ...request, headers: { ...request.headers, 'x-amz-date': undefined } };
    await expect(verifier.verify(undated)).rejects.toMatchObject({ code: 'IncompleteSignature' });
  });
});
