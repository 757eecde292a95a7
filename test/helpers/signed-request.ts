import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../src/gateway/sigv4.js';

export interface SigningKey {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

const signers = new Map<string, SignatureV4>();

/** Signs an awsJson request the way botocore does (no content hash header) and returns the headers to send. */
export async function signedHeaders(
  key: SigningKey,
  url: URL,
  headers: Record<string, string>,
  body: string,
  signingDate?: Date,
): Promise<Record<string, string>> {
  const cacheKey = `${key.accessKeyId}\0${key.secretAccessKey}\0${key.region}`;
  let signer = signers.get(cacheKey);
  if (!signer) {
    signer = new SignatureV4({
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      region: key.region,
      service: 'lightsail',
      sha256: NodeSha256,
      applyChecksum: false,
    });
    signers.set(cacheKey, signer);
  }
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: {}, headers: { host: url.host, ...headers }, body },
    { signingDate },
  );
  return signed.headers;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

export interface RawRequestOptions {
  url: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  target?: string;
  body?: string;
  /** Sign, then change the body: the signature no longer covers what is sent. */
  tamperedBody?: string;
  headers?: Record<string, string>;
  signingDate?: Date;
  unsigned?: boolean;
}

/** A hand-made awsJson 1.1 request, signed like botocore signs (no content hash header). */
export async function rawRequest(options: RawRequestOptions): Promise<RawResponse> {
  const url = new URL(options.url);
  const body = options.body ?? '{}';
  const unsignedHeaders: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    ...(options.target === undefined ? {} : { 'x-amz-target': options.target }),
    ...options.headers,
  };
  const headers = options.unsigned
    ? unsignedHeaders
    : await signedHeaders(options, url, unsignedHeaders, body, options.signingDate);
  const { host: _host, ...sendHeaders } = headers;
  const response = await fetch(url, { method: 'POST', headers: sendHeaders, body: options.tamperedBody ?? body });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the caller asserts on text
  }
  return { status: response.status, headers: response.headers, text, json };
}
