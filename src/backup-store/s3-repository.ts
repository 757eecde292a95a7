/**
 * A backup store in S3 or an S3-compatible object store (`s3://bucket/prefix`,
 * with `endpoint` for anything but AWS itself). Credentials come from the
 * SDK's default chain (environment, profile, config files, instance role);
 * berth never holds them. Files go up in 8 MiB parts, four at a time, as a
 * multipart upload that is aborted when it fails, so no partial object is
 * ever visible. Failures that make the store unusable (unreachable, no such
 * bucket, access denied) become BackupStoreErrors that say which it is.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BackupStoreError, byKey, MissingObjectError, type BackupRepository, type StoredObject } from './repository.js';

export interface S3RepositoryOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/`; '' for the whole bucket. */
  prefix: string;
  /** `http(s)://host[:port]` of an S3-compatible store; AWS S3 when absent. */
  endpoint?: string;
  region?: string;
}

const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;
const READ_CHUNK_BYTES = 1024 * 1024;
const CONNECT_TIMEOUT_MS = 5_000;
/** A connection that moves no byte for this long is given up (and the request retried). */
const IDLE_TIMEOUT_MS = 60_000;
/** The most keys one DeleteObjects request takes. */
const DELETE_BATCH = 1000;
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);
const DENIED_CODES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'ExpiredToken', 'InvalidToken']);

export class S3Repository implements BackupRepository {
  readonly description: string;
  readonly bucket: string;
  readonly prefix: string;
  /** For messages: where requests go. */
  readonly endpoint: string;
  private readonly client: S3Client;

  constructor(options: S3RepositoryOptions) {
    const region = options.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
    if (options.endpoint !== undefined) assertEndpoint(options.endpoint);
    this.bucket = options.bucket;
    this.prefix = options.prefix.replace(/^\/+|\/+$/g, '');
    this.endpoint = options.endpoint ?? `https://s3.${region}.amazonaws.com`;
    this.description = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''} (${options.endpoint ? `endpoint ${options.endpoint}` : `region ${region}`})`;
    this.client = new S3Client({
      region,
      maxAttempts: 3,
      // An idle bound, not a total one: an 8 MiB part or a large download may
      // rightly take minutes on a slow link. (requestTimeout only logs a warning
      // in this SDK unless throwOnRequestTimeout is set, and then bounds the whole request.)
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: IDLE_TIMEOUT_MS },
      ...(options.endpoint && {
        endpoint: options.endpoint,
        forcePathStyle: true,
        // Many S3-compatible stores reject the SDK's default trailing checksums;
        // sealed objects carry their own authentication tag anyway.
        requestChecksumCalculation: 'WHEN_REQUIRED' as const,
        responseChecksumValidation: 'WHEN_REQUIRED' as const,
      }),
    });
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  async check(): Promise<void> {
    await this.request('look up the bucket', () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
    const probe = `.berth-probe-${randomBytes(8).toString('hex')}`;
    const content = randomBytes(32);
    await this.putBytes(probe, content);
    try {
      const read = await this.getBytes(probe);
      if (!read?.equals(content)) throw new BackupStoreError(`${this.description}: the probe object ${this.objectKey(probe)} does not read back as written`);
      const listed = await this.list(probe);
      if (!listed.some((object) => object.key === probe)) throw new BackupStoreError(`${this.description}: listing does not show the probe object ${this.objectKey(probe)}`);
    } catch (error) {
      await this.delete([probe]).catch(() => undefined);
      throw error;
    }
    await this.delete([probe]);
  }

  async putFile(key: string, sourceFile: string): Promise<void> {
    const source = await fs.open(sourceFile, 'r'); // a missing source fails here, as the local error it is
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.objectKey(key), Body: source.createReadStream({ highWaterMark: READ_CHUNK_BYTES }) },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    try {
      await this.request(`upload ${key}`, () => upload.done());
    } finally {
      await source.close().catch(() => undefined); // the stream may have closed it
    }
  }

  async putBytes(key: string, bytes: Buffer): Promise<void> {
    await this.request(`upload ${key}`, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: bytes })));
  }

  async getFile(key: string, targetFile: string): Promise<void> {
    const body = await this.openObject(key);
    const target = createWriteStream(targetFile, { flags: 'wx', mode: 0o600 });
    let created = false;
    target.once('open', () => (created = true));
    try {
      await pipeline(body, target);
    } catch (error) {
      if (created) await fs.rm(targetFile, { force: true });
      throw error;
    }
  }

  async openObject(key: string): Promise<Readable> {
    const response = await this.download(key);
    if (!response) throw new MissingObjectError(key, this.description);
    const { description } = this;
    let received = 0;
    const checked = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        done(null, chunk);
      },
      flush(done) {
        if (response.length !== undefined && received !== response.length) {
          done(new BackupStoreError(`${description}: the download of ${key} ended after ${received} of ${response.length} bytes`));
        } else done();
      },
    });
    // A broken connection is the store's failure, named as such.
    response.body.once('error', (error) => checked.destroy(this.explain(error, `download ${key}`)));
    checked.once('close', () => response.body.destroy()); // a reader that gives up frees the connection
    return response.body.pipe(checked);
  }

  async getBytes(key: string): Promise<Buffer | undefined> {
    const response = await this.download(key);
    if (!response) return undefined;
    const chunks: Buffer[] = [];
    await this.request(`download ${key}`, async () => {
      for await (const chunk of response.body) chunks.push(chunk as Buffer);
    });
    return Buffer.concat(chunks);
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const strip = this.objectKey('').length;
    const objects: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.request('list objects', () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.objectKey(prefix), ContinuationToken: token })),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) objects.push({ key: object.Key.slice(strip), size: object.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects.sort(byKey); // some S3-compatible stores (s3rver) list in their own order
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      const result = await this.request('delete objects', () =>
        this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((key) => ({ Key: this.objectKey(key) })), Quiet: true } }),
        ),
      );
      const failed = (result.Errors ?? []).filter((error) => error.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new BackupStoreError(`${this.description}: ${failed.length} objects could not be deleted, ${first.Key} among them: ${first.Code} ${first.Message ?? ''}`.trim());
      }
    }
  }

  private objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /** The object's body, or undefined when there is none. */
  private async download(key: string): Promise<{ body: Readable; length: number | undefined } | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { body: response.Body as Readable, length: response.ContentLength };
    } catch (error) {
      const { name, status } = errorFacts(error);
      if (name === 'NoSuchKey' || (status === 404 && name !== 'NoSuchBucket')) return undefined;
      throw this.explain(error, `download ${key}`);
    }
  }

  private async request<T>(action: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.explain(error, action);
    }
  }

  /** What a failed request means for the store. */
  private explain(error: unknown, action: string): Error {
    if (error instanceof BackupStoreError) return error;
    const { name, code, status, message } = errorFacts(error);
    if ((code && UNREACHABLE_CODES.has(code)) || name === 'TimeoutError') return new BackupStoreError(`cannot reach ${this.endpoint}: ${message}`);
    if (name === 'NoSuchBucket' || (action === 'look up the bucket' && status === 404)) {
      return new BackupStoreError(`bucket ${this.bucket} does not exist at ${this.endpoint}`);
    }
    const credentials = 'check the AWS credentials (environment, profile or config)';
    if (name === 'CredentialsProviderError') return new BackupStoreError(`access to bucket ${this.bucket} denied: no AWS credentials found; ${credentials}`);
    if (status === 403 || DENIED_CODES.has(name)) {
      // answers to HEAD requests have no body, so no error code
      const shown = DENIED_CODES.has(name) ? name : `HTTP ${status}`;
      return new BackupStoreError(`access to bucket ${this.bucket} denied: ${shown}; ${credentials}`);
    }
    if (status !== undefined) return new BackupStoreError(`${this.description}: cannot ${action}: ${name} (HTTP ${status}): ${message}`);
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The parts of an SDK or network error that say what went wrong. */
function errorFacts(error: unknown): { name: string; code: string | undefined; status: number | undefined; message: string } {
  const e = error as { name?: string; code?: string; Code?: string; message?: string; errors?: unknown[]; $metadata?: { httpStatusCode?: number } };
  // a connection to a name with several addresses fails with an AggregateError of one error per address
  const first = (e.errors?.[0] ?? {}) as { code?: string; message?: string };
  return {
    name: e.Code ?? e.name ?? 'Error',
    code: e.code ?? first.code,
    status: e.$metadata?.httpStatusCode,
    message: e.message || first.message || String(error),
  };
}

function assertEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`invalid S3 endpoint ${JSON.stringify(endpoint)}: expected http(s)://host[:port]`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`invalid S3 endpoint ${endpoint}: expected http(s)://host[:port]`);
}
