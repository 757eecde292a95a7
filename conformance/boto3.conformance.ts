/**
 * boto3 / botocore against a real berth: conformance/python/boto3_lifecycle.py
 * drives the life cycle (paginators, polling, modelled exceptions, client-side
 * validation, psql for the data) and prints what it saw; this suite asserts it,
 * and cross-checks berth's own request log.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTool } from '../test/helpers/clients.js';
import { awsEnv, caBundle, requestsSeen, run, startConformanceBerth, type BerthProcess } from './helpers.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'python', 'boto3_lifecycle.py');

interface ErrorFields {
  type: string;
  code: string;
  message: string;
  sub_code?: string;
  tip?: string;
  docs?: string;
  status: number;
}

describe('boto3 (botocore 1.x) against berth', () => {
  let berth: BerthProcess;
  let available = false;
  let seen: Record<string, unknown> = {};
  let scriptOutput = '';

  /** What the script saw under `key`, failing with the script's own error when it stopped before recording it. */
  function saw<T>(key: string): T {
    const error = seen.error as { step: string; traceback: string } | undefined;
    if (!(key in seen)) throw new Error(`the boto3 script recorded no '${key}'${error ? ` (failed in ${error.step}:\n${error.traceback})` : `:\n${scriptOutput}`}`);
    return seen[key] as T;
  }

  beforeAll(async () => {
    available = (await hasTool('python3', ['-c', 'import boto3'])) && (await hasTool('psql', ['--version']));
    if (!available) return;
    berth = await startConformanceBerth(2);
    const caFile = path.join(path.dirname(berth.dataDir), 'ca-bundle.pem');
    await writeFile(caFile, await caBundle(berth));
    const result = await run('python3', [SCRIPT], {
      env: awsEnv(berth, { BERTH_URL: berth.url, BERTH_REGION: berth.region, BERTH_CA_FILE: caFile, PYTHONUNBUFFERED: '1' }),
      timeoutMs: 280_000,
    });
    scriptOutput = `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
    try {
      seen = JSON.parse(result.stdout) as Record<string, unknown>;
    } catch {
      seen = {};
    }
  }, 300_000);

  afterAll(async () => {
    await berth?.dispose();
  });

  it('ran the whole life cycle without an unexpected exception', (context) => {
    if (!available) return context.skip();
    expect(seen.error, scriptOutput).toBeUndefined();
    expect(saw('left')).toEqual({ databases: [], snapshots: [] });
  });

  it('has paginators for the list operations, none for GetOperationsForResource, and no waiters', (context) => {
    if (!available) return context.skip();
    expect(saw('waiters')).toEqual([]);
    expect(saw('can_paginate')).toEqual({
      get_relational_databases: true,
      get_relational_database_snapshots: true,
      get_operations: true,
      get_relational_database_events: true,
      get_operations_for_resource: false,
    });
    expect(saw<string[]>('default_postgres')).toHaveLength(1);
  });

  it('creates databases (polling get_operation) and reads datetimes and the master password', (context) => {
    if (!available) return context.skip();
    expect(saw('create_operations')).toEqual(
      ['py-one', 'py-two', 'py-three'].map((resourceName) => ({ operationType: 'CreateRelationalDatabase', status: 'Started', resourceName, isTerminal: false })),
    );
    expect(saw('create_status')).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(saw('db')).toEqual({
      state: 'available',
      engine: 'postgres',
      masterUsername: 'pyadmin',
      relationalDatabaseBlueprintId: saw<string[]>('default_postgres')[0],
      publiclyAccessible: false,
      tags: [{ key: 'suite', value: 'boto3' }],
    });
    const createdAt = saw<{ type: string; aware: boolean; age_seconds: number }>('created_at');
    expect(createdAt).toMatchObject({ type: 'datetime', aware: true });
    expect(createdAt.age_seconds).toBeGreaterThanOrEqual(-5);
    expect(createdAt.age_seconds).toBeLessThan(300);
    expect(saw('master_password_matches')).toBe(true);
  });

  it('walks get_relational_databases page by page, in full, and with MaxItems/StartingToken', (context) => {
    if (!available) return context.skip();
    expect(saw('db_pages')).toEqual([['py-one', 'py-three'], ['py-two']]);
    expect(saw('db_full')).toEqual(['py-one', 'py-three', 'py-two']);
    expect(saw('db_max_items_pages')).toEqual([['py-one'], ['py-three'], ['py-two']]);
  });

  it('updates windows (midnight wrap kept as sent) and tags idempotently', (context) => {
    if (!available) return context.skip();
    expect(saw('update_status')).toEqual(['Succeeded']);
    expect(saw('windows')).toEqual(['23:40-00:10', 'mon:01:00-mon:01:30']);
    expect(saw('tags')).toEqual([{ key: 'env', value: 'prod' }]);
  });

  it('snapshots and restores the snapshot and the latest restorable time, checked with psql (verify-full)', (context) => {
    if (!available) return context.skip();
    expect(saw('snapshot_operations')).toEqual([
      ['RelationalDatabaseSnapshot', 'py-one-snap', 'all'],
      ['RelationalDatabase', 'py-one', 'us-east-1a'],
    ]);
    expect(saw('snapshot_status')).toEqual(['Succeeded', 'Succeeded']);
    expect(saw('snapshot')).toEqual({
      name: 'py-one-snap',
      state: 'available',
      engine: 'postgres',
      fromRelationalDatabaseName: 'py-one',
      tags: [{ key: 'kind', value: 'manual' }],
    });
    expect(saw('snapshot_created_at_type')).toBe('datetime');
    expect(saw('restore_status')).toEqual(['Succeeded']);
    expect(saw('restored')).toEqual({ state: 'available', notes: ['before-snapshot'] });
    expect(saw('latest_restorable_type')).toBe('datetime');
    expect(saw('pitr_status')).toEqual(['Succeeded']);
    expect(saw('pitr')).toEqual({ state: 'available', notes: ['before-snapshot', 'after-snapshot', 'latest'] });
  });

  it('walks the events paginator over several pages, and reads metric data and log streams', (context) => {
    if (!available) return context.skip();
    const sizes = saw<number[]>('event_page_sizes');
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.every((size) => size >= 1 && size <= 2)).toBe(true);
    expect(saw<string[]>('event_messages')).toEqual(expect.arrayContaining([expect.stringMatching(/created/i), expect.stringContaining('py-one-snap')]));
    expect(saw('event_created_at_types')).toEqual(['datetime']);
    const metric = saw<{ name: string; points: number; units: string[]; timestamp_types: string[]; sample_counts_positive: boolean }>('metric');
    expect(metric.points).toBeGreaterThan(0);
    expect(metric).toMatchObject({ name: 'DatabaseConnections', units: ['Count'], timestamp_types: ['datetime'], sample_counts_positive: true });
    expect(saw('log_streams')).toContain('postgresql');
  });

  it('raises modelled exceptions carrying code, tip and docs', (context) => {
    if (!available) return context.skip();
    const notFound = saw<ErrorFields>('not_found');
    expect(notFound).toMatchObject({ type: 'NotFoundException', code: 'NotFoundException', sub_code: 'DoesNotExist', status: 404 });
    expect(notFound.message).toContain('py-missing');
    expect(notFound.tip).toEqual(expect.any(String));
    expect(notFound.docs).toMatch(/^https:\/\//);
    const invalid = saw<ErrorFields>('invalid_input');
    expect(invalid).toMatchObject({ type: 'InvalidInputException', code: 'InvalidInputException', status: 400 });
    expect(invalid.message).toMatch(/masterUsername/);
    expect(invalid.sub_code).toEqual(expect.any(String));
    expect(invalid.tip).toEqual(expect.any(String));
    expect(invalid.docs).toMatch(/^https:\/\//);
    expect(saw('snapshot_not_found')).toMatchObject({ type: 'NotFoundException', sub_code: 'DoesNotExist', status: 404 });
  });

  it('validates client-side (ParamValidationError) without sending anything; maxima are left to berth', (context) => {
    if (!available) return context.skip();
    const validation = saw<Record<string, string>>('param_validation');
    expect(validation.missing_required).toContain('Missing required parameter in input: "relationalDatabaseName"');
    expect(validation.wrong_type).toContain('Invalid type for parameter relationalDatabaseName');
    expect(validation.below_min).toContain('valid min value: 60');
    expect(validation.unknown_parameter).toContain('Unknown parameter in input: "bogus"');
    expect(saw<number>('requests_sent_before_validation')).toBeGreaterThan(10); // the before-send hook does see requests
    expect(saw('sent_during_validation')).toEqual([]);
    // berth's own log agrees: the operations only the invalid calls used never arrived.
    const operations = requestsSeen(berth).map((line) => line.operation);
    expect(operations).toContain('GetRelationalDatabase');
    expect(operations).not.toContain('RebootRelationalDatabase');
    expect(operations).not.toContain('StartRelationalDatabase');
    expect(saw('above_max')).toMatchObject({ type: 'InvalidInputException', status: 400 });
    const metricRequests = requestsSeen(berth).filter((line) => line.operation === 'GetRelationalDatabaseMetricData');
    expect(metricRequests.filter((line) => line.status === 400)).toHaveLength(1);
  });

  it('deletes with skipFinalSnapshot, a named final snapshot and the default one; walks the snapshots paginator', (context) => {
    if (!available) return context.skip();
    expect(saw('delete_skip')).toEqual({ types: ['DeleteRelationalDatabase'], status: ['Succeeded'] });
    expect(saw('deleted_db_lookup')).toBe('NotFoundException');
    expect(saw('snapshots_after_skip')).toEqual(['py-one-snap']);
    expect(saw('delete_named')).toEqual({
      ops: [
        ['DeleteRelationalDatabase', 'py-three'],
        ['CreateRelationalDatabaseSnapshot', 'py-three'],
        ['CreateRelationalDatabaseSnapshot', 'py-three-final'],
      ],
      status: ['Succeeded', 'Succeeded', 'Succeeded'],
    });
    expect(saw('named_final_snapshot')).toEqual({ state: 'available', from: 'py-three' });
    expect(saw('delete_default')).toEqual({ count: 3, status: ['Succeeded', 'Succeeded', 'Succeeded'] });
    const pages = saw<string[][]>('snapshot_pages');
    expect(pages.map((page) => page.length)).toEqual([2, 1]);
    expect(pages.flat()).toEqual(['py-one-snap', expect.stringMatching(/^py-restored-FinalSnapshot-\d{13}$/), 'py-three-final']);
  });

  it('walks get_operations newest first over every page, finding every operation it was handed', (context) => {
    if (!available) return context.skip();
    const operations = saw<{ pages: number; max_page_size: number; total: number; duplicates: number; missing: string[]; newest_first: boolean }>('operations');
    expect(operations.missing).toEqual([]);
    expect(operations.duplicates).toBe(0);
    expect(operations.newest_first).toBe(true);
    expect(operations.max_page_size).toBe(2);
    expect(operations.pages).toBe(Math.ceil(operations.total / 2));
    expect(operations.total).toBeGreaterThan(10);
    expect(saw('cleanup_status')).toEqual(['Succeeded']);
  });
});
