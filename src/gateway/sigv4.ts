import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { AccessDeniedException, UnauthenticatedException } from '../api/errors.js';

/** Requests signed more than this far from the server's clock are refused (replay window). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
export const SIGNING_SERVICE = 'lightsail';

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: string;
  /** Path and query as received, e.g. `/` or `/?a=b`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface VerifiedIdentity<K extends AccessKey = AccessKey> {
  accessKeyId: string;
  region: string;
  /** The accepted key the request was signed with. */
  key: K;
}

/** Finds the accepted key of an access key id (undefined: no such key). */
export type KeyLookup<K extends AccessKey> = (accessKeyId: string) => K | undefined;

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTHORIZATION_PATTERN =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request\s*,\s*SignedHeaders=([a-z0-9;\-_.]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;
const MAX_CACHED_SIGNERS = 1024;
const CLAIMED_KEY_PATTERN = /Credential=([^/,\s]{1,128})\//;
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** SHA-256 / HMAC-SHA-256 over node:crypto in the shape the smithy signer wants. */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }
  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array | string): void {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    this.hash = this.create();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The access key id a request says it is signed with, before anything is checked. */
export function claimedAccessKeyId(headers: SignedRequest['headers']): string | undefined {
  return CLAIMED_KEY_PATTERN.exec(header(headers, 'authorization') ?? '')?.[1];
}

function parseAuthorization(value: string | undefined): ParsedAuthorization {
  if (!value) {
    throw new UnauthenticatedException('Request is missing Authentication Token: sign it with AWS Signature Version 4.', {
      code: 'MissingAuthenticationToken',
    });
  }
  const match = AUTHORIZATION_PATTERN.exec(value.trim());
  if (!match) {
    throw new UnauthenticatedException(
      'Authorization header is malformed: expected AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/lightsail/aws4_request, SignedHeaders=<headers>, Signature=<hex>.',
      { code: 'IncompleteSignature' },
    );
  }
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
  return {
    accessKeyId: accessKeyId!,
    date: date!,
    region: region!,
    service: service!,
    signedHeaders: signedHeaders!.split(';'),
    signature: signature!,
  };
}

function parseAmzDate(value: string | undefined): Date {
  const match = value ? AMZ_DATE_PATTERN.exec(value) : null;
  if (!match) {
    throw new UnauthenticatedException('Request must carry an X-Amz-Date header in the form YYYYMMDDTHHMMSSZ.', {
      code: 'IncompleteSignature',
    });
  }
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

/**
 * Verifies AWS Signature Version 4 by re-signing the request with the
 * accepted secret through the smithy signer, restricted to the headers the
 * client signed, and comparing in constant time.
 */
export class SigV4Verifier<K extends AccessKey = AccessKey> {
  private readonly signers = new Map<string, { secretAccessKey: string; signer: SignatureV4 }>();
  private readonly lookup: KeyLookup<K>;

  constructor(
    keys: readonly K[] | KeyLookup<K>,
    private readonly now: () => number = Date.now,
  ) {
    this.lookup = typeof keys === 'function' ? keys : (accessKeyId) => keys.find((candidate) => candidate.accessKeyId === accessKeyId);
  }

  async verify(request: SignedRequest): Promise<VerifiedIdentity<K>> {
    const auth = parseAuthorization(header(request.headers, 'authorization'));
    const signingDate = parseAmzDate(header(request.headers, 'x-amz-date'));

    if (auth.service !== SIGNING_SERVICE) {
      throw new UnauthenticatedException(`Credential should be scoped to the service '${SIGNING_SERVICE}', not '${auth.service}'.`, {
        code: 'IncompleteSignature',
      });
    }
    if (!auth.signedHeaders.includes('host')) {
      throw new UnauthenticatedException('The host header must be signed.', { code: 'IncompleteSignature' });
    }
    const missing = auth.signedHeaders.filter((name) => header(request.headers, name) === undefined);
    if (missing.length > 0) {
      throw new UnauthenticatedException(`Signed headers are missing from the request: ${missing.join(', ')}.`, {
        code: 'IncompleteSignature',
      });
    }
    if (auth.date !== header(request.headers, 'x-amz-date')!.slice(0, 8)) {
      throw new UnauthenticatedException('The date in the credential scope does not match X-Amz-Date.', {
        code: 'IncompleteSignature',
      });
    }
    const skew = Math.abs(this.now() - signingDate.getTime());
    if (skew > MAX_CLOCK_SKEW_MS) {
      throw new AccessDeniedException(
        `Signature expired: the request was signed at ${signingDate.toISOString()}, more than 15 minutes from the server time ${new Date(this.now()).toISOString()}.`,
        { code: 'RequestTimeTooSkewed', tip: 'Correct the clock of the client (or of the berth host) and resend the request.' },
      );
    }

    const key = this.lookup(auth.accessKeyId);
    if (!key) {
      throw new AccessDeniedException('The security token included in the request is invalid: unknown access key id.', {
        code: 'InvalidClientTokenId',
      });
    }

    const declaredHash = header(request.headers, 'x-amz-content-sha256');
    if (declaredHash !== undefined && declaredHash !== 'UNSIGNED-PAYLOAD') {
      const actual = createHash('sha256').update(request.body).digest('hex');
      if (declaredHash !== actual) {
        throw new AccessDeniedException('The x-amz-content-sha256 header does not match the request body.', {
          code: 'SignatureDoesNotMatch',
        });
      }
    }

    const expected = await this.expectedSignature(key, auth, signingDate, request);
    const given = Buffer.from(auth.signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AccessDeniedException(
        'The request signature we calculated does not match the signature you provided. Check your secret access key and signing method.',
        { code: 'SignatureDoesNotMatch' },
      );
    }
    return { accessKeyId: key.accessKeyId, region: auth.region, key };
  }

  private async expectedSignature(
    key: AccessKey,
    auth: ParsedAuthorization,
    signingDate: Date,
    request: SignedRequest,
  ): Promise<Buffer> {
    const signer = this.signerFor(key, auth.region);
    const url = new URL(request.url, 'http://placeholder');
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const existing = query[name];
      query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) headers[name] = header(request.headers, name)!;
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: 'http:',
        hostname: 'placeholder',
        path: url.pathname,
        query,
        headers,
        body: request.body,
      },
      { signingDate, signableHeaders: new Set(auth.signedHeaders) },
    );
    const signature = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization ?? '')?.[1];
    return Buffer.from(signature ?? '', 'hex');
  }

  private signerFor(key: AccessKey, region: string): SignatureV4 {
    const cacheKey = `${key.accessKeyId}\u0000${region}`;
    const cached = this.signers.get(cacheKey);
    // A key id whose secret changed (a deleted key created again) gets a new signer.
    if (cached?.secretAccessKey === key.secretAccessKey) return cached.signer;
    const signer = new SignatureV4({
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      region,
      service: SIGNING_SERVICE,
      sha256: NodeSha256,
      uriEscapePath: true,
      applyChecksum: false,
    });
    // Regions come from the request: bound what a stream of made-up ones can hold.
    if (this.signers.size >= MAX_CACHED_SIGNERS) this.signers.clear();
    this.signers.set(cacheKey, { secretAccessKey: key.secretAccessKey, signer });
    return signer;
  }
}
