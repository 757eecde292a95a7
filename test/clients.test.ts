import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess, REPO_ROOT } from './helpers/berth-process.js';
import { execFileAsync, hasTool } from './helpers/clients.js';

describe('boto3 and the AWS CLI against berth', () => {
  let berth: BerthProcess;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    berth = await BerthProcess.start({ pageSize: 2 });
    env = berth.awsEnvironment();
  });
  afterAll(async () => {
    await berth?.dispose();
  });

  it('boto3 creates, waits, walks its paginator, gets modelled errors and deletes', async (context) => {
    if (!(await hasTool('python3', ['-c', 'import boto3']))) return context.skip();
    const { stdout } = await execFileAsync('python3', [path.join(REPO_ROOT, 'test/clients/boto3_smoke.py')], { env, timeout: 300_000 });
    const seen = JSON.parse(stdout) as Record<string, unknown>;
    expect(seen.create_status).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(seen.pages).toEqual([['py-one', 'py-three'], ['py-two']]);
    expect(seen.states).toEqual(['available']);
    expect(seen.created_at_type).toBe('datetime');
    expect(seen.password_length).toBe(32);
    expect(seen.not_found).toEqual({ code: 'NotFoundException', sub_code: 'DoesNotExist', tip: true, status: 404 });
    expect(seen.invalid_input).toMatch(/masterUsername/);
    expect(seen.delete_status).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(seen.left).toEqual([]);
  });

  it('the AWS CLI lists, reports errors with exit status 255, and creates', async (context) => {
    if (!(await hasTool('aws', ['--version']))) return context.skip();
    const aws = (...args: string[]) => execFileAsync('aws', ['lightsail', ...args, '--endpoint-url', berth.url, '--output', 'json'], { env });
    const listed = JSON.parse((await aws('get-relational-databases')).stdout);
    expect(listed).toEqual({ relationalDatabases: [] });
    const regions = JSON.parse((await aws('get-regions', '--include-relational-database-availability-zones')).stdout);
    expect(regions.regions.find((r: { name: string }) => r.name === 'us-east-1').relationalDatabaseAvailabilityZones).toHaveLength(3);
    const failure = await aws('get-relational-database', '--relational-database-name', 'nope').catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 255, stderr: expect.stringContaining('NotFoundException') });
    const created = JSON.parse(
      (
        await aws(
          'create-relational-database',
          '--relational-database-name', 'cli-db',
          '--relational-database-blueprint-id', 'postgres_16',
          '--relational-database-bundle-id', 'micro_2_0',
          '--master-database-name', 'app',
          '--master-username', 'cliadmin',
          '--preferred-maintenance-window', 'Tue:17:00-Tue:17:30',
        )
      ).stdout,
    );
    expect(created.operations[0]).toMatchObject({ operationType: 'CreateRelationalDatabase', status: 'Started' });
    expect(typeof created.operations[0].createdAt).toBe('number');
    const got = JSON.parse((await aws('get-relational-database', '--relational-database-name', 'cli-db')).stdout);
    expect(got.relationalDatabase.preferredMaintenanceWindow).toBe('Tue:17:00-Tue:17:30');
  });
});
