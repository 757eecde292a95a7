import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startS3Server, type S3TestServer } from '../../test/helpers/s3-server.js';
import { FileRepository } from './file-repository.js';
import { BackupStoreError, MissingObjectError, type BackupRepository } from './repository.js';
import { S3Repository } from './s3-repository.js';

let work = '';

beforeEach(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), `berth-test-${process.env.BERTH_TEST_RUN ?? 'adhoc'}-repository-`));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fs.rm(work, { recursive: true, force: true });
});

const local = (name: string) => path.join(work, name);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function inBatches<T>(items: readonly T[], size: number, task: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += size) await Promise.all(items.slice(start, start + size).map(task));
}

/** The same behaviour from every implementation; `open` gives a fresh, empty store for each test. */
function repositoryConformance(open: () => Promise<BackupRepository>) {
  let store: BackupRepository;

  beforeEach(async () => {
    store = await open();
  });

  it('stores bytes and reads them back, a later put replacing the object', async () => {
    await store.putBytes('catalog/us-east-1/snapshots/a.json', Buffer.from('{"v":1}'));
    expect((await store.getBytes('catalog/us-east-1/snapshots/a.json'))?.toString()).toBe('{"v":1}');
    await store.putBytes('catalog/us-east-1/snapshots/a.json', Buffer.from('{"v":2}'));
    expect((await store.getBytes('catalog/us-east-1/snapshots/a.json'))?.toString()).toBe('{"v":2}');
    await store.putBytes('empty', Buffer.alloc(0));
    expect(await store.getBytes('empty')).toEqual(Buffer.alloc(0));
  });

  it('stores a file and writes it back to a new local file', async () => {
    await fs.writeFile(local('source'), 'file content\n');
    await store.putFile('data/snapshots/s1/base/PG_VERSION', local('source'));
    await store.getFile('data/snapshots/s1/base/PG_VERSION', local('target'));
    expect(await fs.readFile(local('target'), 'utf8')).toBe('file content\n');
    expect(await store.list('data/')).toEqual([{ key: 'data/snapshots/s1/base/PG_VERSION', size: 13 }]);
  });

  it('stores and reads back a 20 MB file', async () => {
    const content = randomBytes(20 * 1024 * 1024 + 7);
    await fs.writeFile(local('big'), content);
    await store.putFile('data/big', local('big'));
    await store.getFile('data/big', local('big-back'));
    expect(sha256(await fs.readFile(local('big-back')))).toBe(sha256(content));
    expect(await store.list('data/big')).toEqual([{ key: 'data/big', size: content.length }]);
    // and as a stream, as a restore reads it
    const streamed: Buffer[] = [];
    for await (const chunk of await store.openObject('data/big')) streamed.push(chunk as Buffer);
    expect(sha256(Buffer.concat(streamed))).toBe(sha256(content));
  });

  it('lists the objects under a prefix, sorted by key, with their sizes', async () => {
    const keys = ['b/2', 'a/1', 'a/sub/3', 'ab', 'a.x'];
    for (const key of keys) await store.putBytes(key, Buffer.from(key));
    const listed = async (prefix: string) => (await store.list(prefix)).map((object) => object.key);
    expect(await listed('a/')).toEqual(['a/1', 'a/sub/3']);
    expect(await listed('a')).toEqual(['a.x', 'a/1', 'a/sub/3', 'ab']);
    expect(await listed('a/s')).toEqual(['a/sub/3']);
    expect(await listed('')).toEqual(['a.x', 'a/1', 'a/sub/3', 'ab', 'b/2']);
    expect(await listed('zzz')).toEqual([]);
    expect(await store.list('a/sub/')).toEqual([{ key: 'a/sub/3', size: 7 }]);
  });

  it('lists and deletes more than 1000 objects', async () => {
    const keys = Array.from({ length: 1203 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
    await inBatches(keys, 50, (key) => store.putBytes(key, Buffer.from(key.slice(-3))));
    await store.putBytes('other', Buffer.from('x'));
    const listed = await store.list('many/');
    expect(listed.map((object) => object.key)).toEqual(keys);
    expect(listed.every((object) => object.size === 3)).toBe(true);
    await store.delete(keys);
    expect(await store.list('')).toEqual([{ key: 'other', size: 1 }]);
  });

  it('deletes objects, keys that do not exist being no error', async () => {
    for (const key of ['x/1', 'x/2', 'y']) await store.putBytes(key, Buffer.from(key));
    await store.delete(['x/1', 'nope', 'x/nope/deeper']);
    expect((await store.list('')).map((object) => object.key)).toEqual(['x/2', 'y']);
    await store.delete(['x/1']);
    await store.delete([]);
    expect(await store.getBytes('x/1')).toBeUndefined();
    expect((await store.getBytes('x/2'))?.toString()).toBe('x/2');
  });

  it('reads a missing object as undefined bytes, and as a MissingObjectError for a file or a stream', async () => {
    expect(await store.getBytes('catalog/none.json')).toBeUndefined();
    const error = await store.getFile('data/none', local('target')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingObjectError);
    expect((error as MissingObjectError).key).toBe('data/none');
    expect((error as Error).message).toContain(store.description);
    await expect(fs.access(local('target'))).rejects.toThrow();
    const streamError = await store.openObject('data/none').catch((e: unknown) => e);
    expect(streamError).toBeInstanceOf(MissingObjectError);
    expect((streamError as MissingObjectError).key).toBe('data/none');
  });

  it('leaves no object when a put of a file fails', async () => {
    await expect(store.putFile('data/k', local('no-such-source'))).rejects.toMatchObject({ code: 'ENOENT' });
    await fs.mkdir(local('a-directory'));
    await expect(store.putFile('data/k', local('a-directory'))).rejects.toThrow(); // opens, then fails to read
    expect(await store.list('')).toEqual([]);
    expect(await store.getBytes('data/k')).toBeUndefined();
  });

  it('passes its check, leaving nothing behind', async () => {
    await expect(store.check()).resolves.toBeUndefined();
    expect(await store.list('')).toEqual([]);
  });
}

describe('FileRepository', () => {
  repositoryConformance(async () => new FileRepository(path.join(work, 'store')));

  it('creates its directory (0700) on check, and refuses a path that is a regular file', async () => {
    const root = local('new/store');
    await new FileRepository(root).check();
    expect((await fs.stat(root)).mode & 0o777).toBe(0o700);

    await fs.writeFile(local('plain-file'), 'x');
    for (const where of [local('plain-file'), local('plain-file/below')]) {
      const error = await new FileRepository(where).check().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackupStoreError);
      expect((error as Error).message).toMatch(/is not a directory/);
    }
  });

  it('refuses keys that would leave its directory', async () => {
    const store = new FileRepository(local('store'));
    for (const key of ['../escape', 'a/../../b', '/abs', 'a//b', 'a/.x.berth-tmp']) {
      await expect(store.putBytes(key, Buffer.from('x'))).rejects.toThrow(/invalid object key/);
    }
    await expect(fs.access(local('escape'))).rejects.toThrow();
  });

  it('keeps temp files out of listings and removes directories a delete empties', async () => {
    const store = new FileRepository(local('store'));
    await store.putBytes('a/b/c', Buffer.from('1'));
    await store.putBytes('a/d', Buffer.from('2'));
    await fs.writeFile(local('store/a/.c.0123.berth-tmp'), 'half written');
    expect((await store.list('')).map((object) => object.key)).toEqual(['a/b/c', 'a/d']);
    await store.delete(['a/b/c']);
    expect((await fs.readdir(local('store/a'))).sort()).toEqual(['.c.0123.berth-tmp', 'd']);
    expect((await fs.stat(local('store/a/d'))).mode & 0o777).toBe(0o600);
  });
});

describe('S3Repository on s3rver', () => {
  let server: S3TestServer;
  const opened: S3Repository[] = [];
  const repository = (options: Partial<ConstructorParameters<typeof S3Repository>[0]> = {}) => {
    const store = new S3Repository({ bucket: server.bucket, prefix: `t-${randomBytes(6).toString('hex')}`, endpoint: server.endpoint, ...options });
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    server = await startS3Server();
  });

  afterEach(() => {
    for (const store of opened.splice(0)) store.close();
  });

  afterAll(async () => {
    await server?.stop();
  });

  repositoryConformance(async () => repository());

  it('keeps objects under its prefix, and in the bucket root without one', async () => {
    const client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true });
    try {
      const prefixed = repository({ prefix: 'team/berth/' });
      const bare = repository({ prefix: '' });
      await prefixed.putBytes('catalog/x.json', Buffer.from('1'));
      await bare.putBytes('root-object', Buffer.from('2'));
      const keys = (await client.send(new ListObjectsV2Command({ Bucket: server.bucket }))).Contents?.map((object) => object.Key);
      expect(keys).toEqual(expect.arrayContaining(['team/berth/catalog/x.json', 'root-object']));
      expect(await prefixed.list('')).toEqual([{ key: 'catalog/x.json', size: 1 }]);
      expect(prefixed.description).toBe(`s3://${server.bucket}/team/berth (endpoint ${server.endpoint})`);
      await bare.delete(['root-object']);
      await prefixed.delete(['catalog/x.json']);
    } finally {
      client.destroy();
    }
  });

  it('uploads large files in 8 MiB parts and pages through listings', async () => {
    const send = vi.spyOn(S3Client.prototype, 'send');
    const commands = () => send.mock.calls.map(([command]) => command.constructor.name);
    const store = repository();
    await fs.writeFile(local('big'), randomBytes(20 * 1024 * 1024));
    await store.putFile('big', local('big'));
    expect(commands().filter((name) => name === 'UploadPartCommand')).toHaveLength(3);
    expect(commands()).toContain('CompleteMultipartUploadCommand');

    send.mockClear();
    const keys = Array.from({ length: 1001 }, (_, i) => `k/${String(i).padStart(4, '0')}`);
    await inBatches(keys, 50, (key) => store.putBytes(key, Buffer.from('x')));
    send.mockClear();
    expect(await store.list('k/')).toHaveLength(1001);
    expect(commands()).toEqual(['ListObjectsV2Command', 'ListObjectsV2Command']);
    send.mockClear();
    await store.delete(keys);
    expect(commands()).toEqual(['DeleteObjectsCommand', 'DeleteObjectsCommand']);
    expect(await store.list('')).toEqual([{ key: 'big', size: 20 * 1024 * 1024 }]);
  });

  it('fails its check with "does not exist" for a bucket that is not there', async () => {
    const error = await repository({ bucket: 'no-such-bucket' }).check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupStoreError);
    expect((error as Error).message).toBe(`bucket no-such-bucket does not exist at ${server.endpoint}`);
  });

  // s3rver checks access key ids but not V4 signatures, so the wrong credential is the key id
  it('fails its check with "denied" when the credentials are wrong', async () => {
    const saved = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = 'AKNOTAKEY';
    try {
      const error = await repository().check().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackupStoreError);
      expect((error as Error).message).toMatch(
        new RegExp(`^access to bucket ${server.bucket} denied: [\\w ]+; check the AWS credentials \\(environment, profile or config\\)$`),
      );
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved;
    }
  });

  it('fails its check with "cannot reach" when nothing listens at the endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await unusedPort()}`;
    const error = await repository({ endpoint }).check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupStoreError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot reach ${endpoint}: .*ECONNREFUSED`));
  });
});

/** A port on 127.0.0.1 that nothing listens on (one the kernel just handed out and took back). */
async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
