import { GetRelationalDatabaseCommand, NotFoundException, type LightsailClient } from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from './helpers/berth-process.js';
import { withVerifiedClient } from './helpers/clients.js';
import { highAvailability } from './helpers/ha.js';
import { TerraformWorkspace, findProviderMirror } from './helpers/terraform.js';
import { until } from './helpers/waiters.js';

const PASSWORD = 'terraform-pass.123';

describe('Terraform aws_lightsail_database (hashicorp/aws 5.100.0) against berth', () => {
  let berth: BerthProcess;
  let client: LightsailClient;
  let workspace: TerraformWorkspace | undefined;
  let mirror: string | undefined;

  beforeAll(async () => {
    mirror = await findProviderMirror();
    if (!mirror) return;
    berth = await BerthProcess.start({ extraArgs: ['--public-listen-addresses', '127.0.0.2'] });
    client = berth.client();
    workspace = await TerraformWorkspace.create('database', mirror, berth, PASSWORD);
    await workspace.expect(['init', '-no-color']);
  });

  afterAll(async () => {
    client?.destroy();
    await workspace?.dispose();
    await berth?.dispose();
  });

  it('applies a PostgreSQL database that really serves, updates it in place, plans no changes, then destroys it', async (context) => {
    if (!workspace) return context.skip();
    await workspace.expect(['apply', '-auto-approve', '-no-color']);
    const outputs = await workspace.outputs();
    expect(outputs.address).toBe('localhost');
    expect(outputs.ca_certificate_identifier).toBe('rds-ca-rsa2048-g1');

    const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'tfdb' }));
    expect(relationalDatabase).toMatchObject({
      state: 'available',
      masterUsername: 'appadmin',
      preferredMaintenanceWindow: 'tue:04:30-tue:05:00',
      tags: [{ key: 'env', value: 'a' }],
    });
    const bundle = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
    const user = await withVerifiedClient(
      { port: Number(outputs.port), user: 'appadmin', database: 'app', password: PASSWORD },
      bundle,
      async (db) => (await db.query('SELECT current_user AS name')).rows[0].name,
    );
    expect(user).toBe('appadmin');

    const plan = await workspace.run(['plan', '-detailed-exitcode', '-no-color']);
    expect(plan.code, `${plan.stdout}\n${plan.stderr}`).toBe(0);

    // In-place update with apply_immediately = true: windows, public access, backups, password, tags.
    const changed = {
      preferred_backup_window: '22:10-22:40',
      publicly_accessible: 'true',
      backup_retention_enabled: 'false',
      master_password: 'terraform-pass.456',
      tag_env: 'b',
    };
    await workspace.expect(['apply', '-auto-approve', '-no-color'], 0, changed);
    const updated = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'tfdb' }))).relationalDatabase!;
    expect(updated).toMatchObject({
      state: 'available',
      preferredBackupWindow: '22:10-22:40',
      publiclyAccessible: true,
      backupRetentionEnabled: false,
      tags: [{ key: 'env', value: 'b' }],
      pendingModifiedValues: {},
    });
    const endpoint = { port: Number(outputs.port), user: 'appadmin', database: 'app', password: 'terraform-pass.456' };
    await withVerifiedClient(endpoint, bundle, (db) => db.query('SELECT 1'));
    const again = await workspace.run(['plan', '-detailed-exitcode', '-no-color'], changed);
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    await workspace.expect(['destroy', '-auto-approve', '-no-color'], 0, changed);
    await expect(client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'tfdb' }))).rejects.toBeInstanceOf(NotFoundException);
  }, 600_000);

  // The provider once failed on HA bundles (terraform-provider-aws #26137, #28590).
  it('applies a high-availability bundle with a synchronous standby, plans no changes, then destroys it', async (context) => {
    if (!workspace) return context.skip();
    const ha = { bundle_id: 'micro_ha_2_0' };
    await workspace.expect(['apply', '-auto-approve', '-no-color'], 0, ha);
    const database = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'tfdb' }))).relationalDatabase!;
    expect(database).toMatchObject({ state: 'available', relationalDatabaseBundleId: 'micro_ha_2_0', secondaryAvailabilityZone: 'us-east-1b' });
    const view = await until('a synchronous standby', async () => {
      const current = await highAvailability(berth, 'tfdb');
      return current.standby?.synchronous ? current : undefined;
    }, 120_000, 200);
    expect(view.standby?.availabilityZone).toBe('us-east-1b');
    const plan = await workspace.run(['plan', '-detailed-exitcode', '-no-color'], ha);
    expect(plan.code, `${plan.stdout}\n${plan.stderr}`).toBe(0);
    await workspace.expect(['destroy', '-auto-approve', '-no-color'], 0, ha);
    await expect(client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'tfdb' }))).rejects.toBeInstanceOf(NotFoundException);
  }, 600_000);
});
