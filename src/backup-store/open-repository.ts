/**
 * A backup store from its URL, as an operator writes it in berth's
 * configuration: `file:///absolute/path` for a directory, `s3://bucket[/prefix]`
 * for S3 or, with an endpoint, an S3-compatible store.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileRepository } from './file-repository.js';
import type { BackupRepository } from './repository.js';
import { S3Repository } from './s3-repository.js';

export type BackupStoreLocation = { kind: 'file'; path: string } | { kind: 's3'; bucket: string; prefix: string };

export interface OpenRepositoryOptions {
  /** `http(s)://host[:port]` of an S3-compatible store; only for s3:// stores. */
  endpoint?: string;
  region?: string;
}

const FORMS = 'a backup store is file:///absolute/path or s3://bucket[/prefix]';
const BUCKET_RULES = '3 to 63 characters: lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no two dots in a row';
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseBackupStoreUrl(url: string): BackupStoreLocation {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'file') return parseFileUrl(url);
  if (scheme === 's3') return parseS3Url(url);
  const problem = scheme === undefined ? 'not a URL' : `unsupported scheme ${scheme}:`;
  throw new Error(`invalid backup store ${JSON.stringify(url)}: ${problem}; ${FORMS}`);
}

export function openRepository(url: string, options: OpenRepositoryOptions = {}): BackupRepository {
  const location = parseBackupStoreUrl(url);
  if (location.kind === 'file') {
    if (options.endpoint !== undefined) {
      throw new Error(`an S3 endpoint (${options.endpoint}) was given for the backup store ${url}, which is a directory; endpoints are for s3:// stores`);
    }
    return new FileRepository(location.path);
  }
  return new S3Repository({ bucket: location.bucket, prefix: location.prefix, endpoint: options.endpoint, region: options.region });
}

function parseFileUrl(url: string): BackupStoreLocation {
  const invalid = (problem: string) => new Error(`invalid backup store ${JSON.stringify(url)}: ${problem}; ${FORMS}`);
  if (!/^file:\/\/\//i.test(url)) throw invalid('a file:// store needs an absolute path, written with three slashes (file:///mnt/backups)');
  let parsed: URL;
  let file: string;
  try {
    parsed = new URL(url);
    file = fileURLToPath(parsed);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  if (parsed.search || parsed.hash) throw invalid('a file:// store takes no query (?) or fragment (#)');
  return { kind: 'file', path: path.resolve(file) };
}

function parseS3Url(url: string): BackupStoreLocation {
  const invalid = (problem: string) => new Error(`invalid backup store ${JSON.stringify(url)}: ${problem}; ${FORMS}`);
  if (!/^s3:\/\//i.test(url)) throw invalid('an s3 store is written s3://bucket[/prefix]');
  const rest = url.slice('s3://'.length);
  if (/[?#]/.test(rest)) throw invalid('an s3:// store takes no query (?) or fragment (#); give the endpoint and region as options');
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  if (bucket === '') throw invalid('no bucket name');
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) throw invalid(`${JSON.stringify(bucket)} is not a valid bucket name (${BUCKET_RULES})`);
  if (prefix !== '' && prefix.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw invalid(`the prefix ${JSON.stringify(prefix)} has an empty, "." or ".." path segment`);
  }
  return { kind: 's3', bucket, prefix };
}
