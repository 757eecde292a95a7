import { describe, expect, it } from 'vitest';
import { FileRepository } from './file-repository.js';
import { openRepository, parseBackupStoreUrl } from './open-repository.js';
import { S3Repository } from './s3-repository.js';

const FORMS = 'a backup store is file:///absolute/path or s3://bucket[/prefix]';

describe('backup store URLs', () => {
  it('parses directories', () => {
    expect(parseBackupStoreUrl('file:///mnt/backups')).toEqual({ kind: 'file', path: '/mnt/backups' });
    expect(parseBackupStoreUrl('file:///mnt/backups/')).toEqual({ kind: 'file', path: '/mnt/backups' });
    expect(parseBackupStoreUrl('FILE:///mnt/with%20space/x')).toEqual({ kind: 'file', path: '/mnt/with space/x' });
  });

  it('parses buckets with and without a prefix', () => {
    expect(parseBackupStoreUrl('s3://berth-backups')).toEqual({ kind: 's3', bucket: 'berth-backups', prefix: '' });
    expect(parseBackupStoreUrl('s3://berth-backups/')).toEqual({ kind: 's3', bucket: 'berth-backups', prefix: '' });
    expect(parseBackupStoreUrl('s3://my.bucket-1/prod/berth/')).toEqual({ kind: 's3', bucket: 'my.bucket-1', prefix: 'prod/berth' });
    expect(parseBackupStoreUrl(`s3://${'a'.repeat(63)}`)).toMatchObject({ bucket: 'a'.repeat(63) });
    expect(parseBackupStoreUrl('s3://abc')).toMatchObject({ bucket: 'abc' });
  });

  it('says what was given and what is allowed for anything else', () => {
    const cases: Array<[string, string]> = [
      ['relative/path', 'not a URL'],
      ['/mnt/backups', 'not a URL'],
      ['', 'not a URL'],
      ['http://example.com/backups', 'unsupported scheme http:'],
      ['gs://bucket', 'unsupported scheme gs:'],
      ['file://mnt/backups', 'needs an absolute path, written with three slashes'],
      ['file:/mnt/backups', 'needs an absolute path, written with three slashes'],
      ['file:///mnt/a%2Fb', 'must not include encoded / characters'],
      ['file:///mnt/backups?x=1', 'takes no query'],
      ['s3://', 'no bucket name'],
      ['s3:///prefix', 'no bucket name'],
      ['s3:bucket', 'is written s3://bucket[/prefix]'],
      ['s3://bucket/a//b', 'has an empty, "." or ".." path segment'],
      ['s3://bucket/a/../b', 'has an empty, "." or ".." path segment'],
      ['s3://bucket?region=eu-west-1', 'takes no query'],
    ];
    for (const [url, problem] of cases) {
      const error = (() => {
        try {
          parseBackupStoreUrl(url);
        } catch (e) {
          return e as Error;
        }
        throw new Error(`${url} was accepted`);
      })();
      expect(error.message).toContain(`invalid backup store ${JSON.stringify(url)}: `);
      expect(error.message).toContain(problem);
      expect(error.message).toContain(FORMS);
    }
  });

  it('states the bucket name rules', () => {
    for (const bucket of ['Upper', 'ab', 'a'.repeat(64), 'under_score', '-leading', 'trailing-', 'two..dots', 'sp ace']) {
      expect(() => parseBackupStoreUrl(`s3://${bucket}/x`)).toThrow(
        `${JSON.stringify(bucket)} is not a valid bucket name (3 to 63 characters: lowercase letters, digits, dots and hyphens`,
      );
    }
  });
});

describe('opening a backup store', () => {
  it('opens a directory or a bucket', () => {
    const file = openRepository('file:///mnt/backups');
    expect(file).toBeInstanceOf(FileRepository);
    expect(file.description).toBe('file:///mnt/backups');

    const s3 = openRepository('s3://berth-backups/prod', { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1' });
    expect(s3).toBeInstanceOf(S3Repository);
    expect(s3.description).toBe('s3://berth-backups/prod (endpoint http://127.0.0.1:9000)');
    (s3 as S3Repository).close();

    const aws = openRepository('s3://berth-backups', { region: 'eu-west-1' }) as S3Repository;
    expect(aws.description).toBe('s3://berth-backups (region eu-west-1)');
    expect(aws.endpoint).toBe('https://s3.eu-west-1.amazonaws.com');
    aws.close();
  });

  it('refuses an endpoint for a directory, and an endpoint that is not an http(s) URL', () => {
    expect(() => openRepository('file:///mnt/backups', { endpoint: 'http://127.0.0.1:9000' })).toThrow(
      'an S3 endpoint (http://127.0.0.1:9000) was given for the backup store file:///mnt/backups, which is a directory',
    );
    expect(() => openRepository('s3://berth-backups', { endpoint: 'localhost:9000' })).toThrow('invalid S3 endpoint localhost:9000');
    expect(() => openRepository('s3://berth-backups', { endpoint: 'not a url' })).toThrow('invalid S3 endpoint "not a url"');
  });
});
