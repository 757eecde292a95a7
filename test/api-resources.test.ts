import {
  CreateRelationalDatabaseCommand,
  GetOperationCommand,
  GetOperationsCommand,
  GetOperationsForResourceCommand,
  GetRegionsCommand,
  GetRelationalDatabaseBlueprintsCommand,
  GetRelationalDatabaseBundlesCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabasesCommand,
  InvalidInputException,
  NotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  type LightsailClient,
  type Operation,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from './helpers/berth-process.js';
import { operationDone } from './helpers/waiters.js';

const PAGE_SIZE = 2;
const NAMES = ['alpha-db', 'bravo-db', 'charlie-db'];

describe('resources, catalogues and pagination', () => {
  let berth: BerthProcess;
  let client: LightsailClient;
  const createOperations: Operation[] = [];

  beforeAll(async () => {
    berth = await BerthProcess.start({ pageSize: PAGE_SIZE });
    client = berth.client();
    for (const [index, name] of NAMES.entries()) {
      const { operations } = await client.send(
        new CreateRelationalDatabaseCommand({
          relationalDatabaseName: name,
          relationalDatabaseBlueprintId: index === 0 ? 'postgres_16' : 'postgres_17',
          relationalDatabaseBundleId: index === 2 ? 'micro_ha_2_0' : 'micro_2_0',
          availabilityZone: index === 1 ? 'us-east-1b' : undefined,
          masterDatabaseName: 'app',
          masterUsername: 'appuser',
          preferredBackupWindow: ['23:45-00:15', '12:00-12:30', undefined][index],
          preferredMaintenanceWindow: ['Sat:10:00-sat:10:30', 'sun:23:30-MON:00:30', undefined][index],
        }),
      );
      createOperations.push(operations![0]!);
    }
    for (const operation of createOperations) expect((await operationDone(client, operation)).status).toBe('Succeeded');
  });
  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
  });

  it('pages GetRelationalDatabases with tokens a paginator can walk', async () => {
    const first = await client.send(new GetRelationalDatabasesCommand({}));
    expect(first.relationalDatabases!.map((db) => db.name)).toEqual(NAMES.slice(0, PAGE_SIZE));
    expect(first.nextPageToken).toEqual(expect.any(String));
    const second = await client.send(new GetRelationalDatabasesCommand({ pageToken: first.nextPageToken }));
    expect(second.relationalDatabases!.map((db) => db.name)).toEqual(NAMES.slice(PAGE_SIZE));
    expect(second.nextPageToken).toBeUndefined();

    const walked: RelationalDatabase[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new GetRelationalDatabasesCommand({ pageToken: token }));
      walked.push(...page.relationalDatabases!);
      token = page.nextPageToken;
    } while (token);
    expect(walked.map((db) => db.name)).toEqual(NAMES);
    expect(walked.every((db) => db.state === 'available')).toBe(true);
  });

  it('rejects a page token it did not issue', async () => {
    await expect(client.send(new GetRelationalDatabasesCommand({ pageToken: 'garbage' }))).rejects.toBeInstanceOf(InvalidInputException);
  });

  it('keeps windows exactly as sent, including ones that wrap midnight and the week', async () => {
    const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'alpha-db' }));
    expect(relationalDatabase).toMatchObject({
      preferredBackupWindow: '23:45-00:15',
      preferredMaintenanceWindow: 'Sat:10:00-sat:10:30',
      relationalDatabaseBlueprintId: 'postgres_16',
    });
    expect(relationalDatabase!.engineVersion).toMatch(/^16\./);
    const bravo = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'bravo-db' }))).relationalDatabase!;
    expect(bravo.preferredMaintenanceWindow).toBe('sun:23:30-MON:00:30');
  });

  it('places databases in the requested zone and gives HA bundles a secondary zone', async () => {
    const bravo = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'bravo-db' }))).relationalDatabase!;
    expect(bravo.location).toEqual({ availabilityZone: 'us-east-1b', regionName: 'us-east-1' });
    expect(bravo.secondaryAvailabilityZone).toBeUndefined();
    const charlie = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'charlie-db' }))).relationalDatabase!;
    expect(charlie.relationalDatabaseBundleId).toBe('micro_ha_2_0');
    expect(charlie.secondaryAvailabilityZone).toMatch(/^us-east-1[bc]$/);
    const ports = new Set([bravo.masterEndpoint!.port, charlie.masterEndpoint!.port]);
    expect(ports.size).toBe(2);
  });

  it('scopes every resource by region', async () => {
    const other = berth.client({ region: 'eu-west-1' });
    try {
      expect((await other.send(new GetRelationalDatabasesCommand({}))).relationalDatabases).toEqual([]);
      await expect(other.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'alpha-db' }))).rejects.toBeInstanceOf(NotFoundException);
      await expect(other.send(new GetOperationCommand({ operationId: createOperations[0]!.id }))).rejects.toBeInstanceOf(NotFoundException);
      expect((await other.send(new GetOperationsCommand({}))).operations).toEqual([]);
    } finally {
      other.destroy();
    }
  });

  it('lists operations newest first, pages them, and filters by resource', async () => {
    const walked: Operation[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new GetOperationsCommand({ pageToken: token }));
      walked.push(...page.operations!);
      token = page.nextPageToken;
    } while (token);
    const createIds = createOperations.map((operation) => operation.id);
    expect(walked.filter((operation) => createIds.includes(operation.id)).map((operation) => operation.id)).toEqual([...createIds].reverse());
    expect(walked.every((operation) => operation.status === 'Succeeded' && operation.isTerminal)).toBe(true);
    const statusChanged = walked[0]!.statusChangedAt!.getTime();
    expect(statusChanged).toBeGreaterThanOrEqual(walked[0]!.createdAt!.getTime());

    const forAlpha = await client.send(new GetOperationsForResourceCommand({ resourceName: 'alpha-db' }));
    expect(forAlpha.operations!.map((operation) => operation.id)).toEqual([createOperations[0]!.id]);
    expect(forAlpha.nextPageCount).toBeUndefined();
    await expect(client.send(new GetOperationCommand({ operationId: 'no-such-operation' }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it('tags idempotently, untags, and enforces the tag rules', async () => {
    const tag = () => client.send(new TagResourceCommand({ resourceName: 'bravo-db', tags: [{ key: 'env', value: 'b' }, { key: 'solo' }] }));
    const first = await tag();
    expect(first.operations![0]).toMatchObject({ operationType: 'TagResource', status: 'Succeeded', isTerminal: true, resourceName: 'bravo-db' });
    await tag();
    const tagged = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'bravo-db' }))).relationalDatabase!;
    expect(tagged.tags).toEqual([{ key: 'env', value: 'b' }, { key: 'solo' }]);

    await client.send(new UntagResourceCommand({ resourceName: 'bravo-db', tagKeys: ['env', 'absent'] }));
    const untagged = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'bravo-db' }))).relationalDatabase!;
    expect(untagged.tags).toEqual([{ key: 'solo' }]);

    await expect(client.send(new TagResourceCommand({ resourceName: 'nobody', tags: [{ key: 'a', value: 'b' }] }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    const tooMany = Array.from({ length: 50 }, (_, index) => ({ key: `k${index}`, value: 'v' }));
    await expect(client.send(new TagResourceCommand({ resourceName: 'bravo-db', tags: tooMany }))).rejects.toMatchObject({
      name: 'InvalidInputException',
      message: expect.stringContaining('50'),
    });
    const still = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'bravo-db' }))).relationalDatabase!;
    expect(still.tags).toEqual([{ key: 'solo' }]);
  });

  it('lists blueprints with exactly one engine default, and bundles with their HA twins', async () => {
    const { blueprints } = await client.send(new GetRelationalDatabaseBlueprintsCommand({}));
    const postgres = blueprints!.filter((blueprint) => (blueprint.engine as string) === 'postgres');
    expect(postgres.map((blueprint) => blueprint.blueprintId)).toEqual(expect.arrayContaining(['postgres_16', 'postgres_17']));
    expect(postgres.filter((blueprint) => blueprint.isEngineDefault)).toHaveLength(1);

    const active: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await client.send(new GetRelationalDatabaseBundlesCommand({ pageToken }));
      active.push(...page.bundles!.map((bundle) => bundle.bundleId!));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(active.sort()).toEqual(
      ['large_2_0', 'large_ha_2_0', 'medium_2_0', 'medium_ha_2_0', 'micro_2_0', 'micro_ha_2_0', 'small_2_0', 'small_ha_2_0'].sort(),
    );
    const withInactive = await client.send(new GetRelationalDatabaseBundlesCommand({ includeInactive: true }));
    expect(withInactive.nextPageToken).toBeDefined();
  });

  it('lists regions, with database zones only when asked', async () => {
    const plain = await client.send(new GetRegionsCommand({}));
    const virginia = plain.regions!.find((region) => region.name === 'us-east-1')!;
    expect(virginia).toMatchObject({ displayName: 'Virginia', continentCode: 'NA', availabilityZones: [], relationalDatabaseAvailabilityZones: [] });
    const zoned = await client.send(new GetRegionsCommand({ includeRelationalDatabaseAvailabilityZones: true }));
    const zones = zoned.regions!.find((region) => region.name === 'us-east-1')!.relationalDatabaseAvailabilityZones;
    expect(zones).toContainEqual({ zoneName: 'us-east-1a', state: 'available' });
  });

  it('serves the CA bundles without authentication', async () => {
    const global = await fetch(`${berth.url}/certificates/global-bundle.pem`);
    expect(global.status).toBe(200);
    expect((await global.text()).match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    for (const id of ['rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1', 'rds-ca-ecc384-g1']) {
      const one = await fetch(`${berth.url}/certificates/${id}.pem`);
      expect(one.status).toBe(200);
      expect((await one.text()).match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    }
    expect((await fetch(`${berth.url}/certificates/rds-ca-unknown.pem`)).status).toBe(404);
  });
});
