/**
 * Terraform `aws_lightsail_database` (hashicorp/aws 5.100.0, from the local
 * provider mirror) against a real berth. Two flows run side by side on one
 * berth (Terraform mostly sleeps: 5 s before its first poll, 3 s between):
 *
 * - lifecycle: create (backup retention off), in-place updates with apply_immediately = true
 *   (windows, public access, backup retention, password, tags changed and
 *   removed), an empty plan after every apply, destroy without a final snapshot;
 * - import: a database created through the API, `terraform import`, a plan
 *   that changes only what import cannot read back, apply, an empty plan,
 *   destroy leaving the final snapshot named in the configuration.
 */
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  CreateRelationalDatabaseCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseSnapshotCommand,
  GetRelationalDatabaseSnapshotsCommand,
  NotFoundException,
  type LightsailClient,
  type RelationalDatabase,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { withVerifiedClient, type Endpoint } from '../test/helpers/clients.js';
import { operationDone, until } from '../test/helpers/waiters.js';
import { REPO_ROOT } from '../test/helpers/berth-process.js';
import { caBundle, startConformanceBerth, tcpAccepts, type BerthProcess } from './helpers.js';
import { TerraformWorkspace, findProviderMirror, type PlanJson } from '../test/helpers/terraform.js';

const PASSWORD = 'tf-conformance.1';
const NEW_PASSWORD = 'tf-conformance.2';
const IMPORT_PASSWORD = 'tf-imported.1';

/**
 * What `terraform plan` wants to change right after `terraform import` of a
 * database whose every readable attribute matches the configuration: the
 * attributes the Lightsail API never returns, so import cannot know them.
 * - master_password: write-only (GetRelationalDatabase has no password);
 * - apply_immediately: a request flag, not a property of the database;
 * - skip_final_snapshot: import sets it to true (the provider's importer);
 * - final_snapshot_name: a delete-time argument, unknown to import.
 */
const IMPORT_CANNOT_KNOW = ['apply_immediately', 'final_snapshot_name', 'master_password', 'skip_final_snapshot'];

describe('Terraform aws_lightsail_database (hashicorp/aws 5.100.0) against berth', () => {
  let berth: BerthProcess;
  let client: LightsailClient;
  let bundle: string;
  let mirror: string | undefined;
  const workspaces: TerraformWorkspace[] = [];

  const getDb = async (name: string) => (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;
  const canLogIn = (endpoint: Endpoint) =>
    withVerifiedClient(endpoint, bundle, async (pg) => (await pg.query('SELECT current_user AS name')).rows[0].name as string).then(
      (name) => name,
      (error: Error) => `refused: ${error.message}`,
    );
  const workspace = async (name: string, password: string) => {
    const created = await TerraformWorkspace.create(name, mirror!, berth, password, path.join(REPO_ROOT, 'conformance', 'terraform'));
    workspaces.push(created);
    await created.expect(['init', '-no-color', '-input=false']);
    return created;
  };

  beforeAll(async () => {
    mirror = await findProviderMirror();
    if (!mirror) return;
    berth = await startConformanceBerth(2);
    client = berth.client();
    bundle = await caBundle(berth);
  });

  afterAll(async () => {
    client?.destroy();
    for (const created of workspaces) await created.dispose();
    await berth?.dispose();
  });

  it.concurrent('creates, updates in place, changes and removes tags, plans nothing after each apply, destroys without a final snapshot', async ({ expect, skip }) => {
    if (!mirror) return skip();
    const tf = await workspace('lifecycle', PASSWORD);
    const emptyPlan = async (variables: Record<string, string>) => {
      const plan = await tf.run(['plan', '-detailed-exitcode', '-no-color', '-input=false'], variables);
      expect(plan.code, `a second plan must be empty:\n${plan.stdout}\n${plan.stderr}`).toBe(0);
    };

    // 1. Create.
    await tf.expect(['apply', '-auto-approve', '-no-color', '-input=false']);
    let db: RelationalDatabase = await getDb('tf-main');
    expect(db).toMatchObject({
      state: 'available',
      relationalDatabaseBlueprintId: 'postgres_17',
      relationalDatabaseBundleId: 'micro_2_0',
      masterDatabaseName: 'app',
      masterUsername: 'tfadmin',
      preferredBackupWindow: '06:00-06:30',
      preferredMaintenanceWindow: 'tue:04:30-tue:05:00',
      publiclyAccessible: false,
      backupRetentionEnabled: false, // turned off by Terraform's create-time update
      location: { availabilityZone: 'us-east-1a' },
    });
    expect(db.latestRestorableTime).toBeUndefined();
    expect([...db.tags!].sort((a, b) => a.key!.localeCompare(b.key!))).toEqual([
      { key: 'env', value: 'a' },
      { key: 'team', value: 'db' },
    ]);
    const outputs = await tf.outputs();
    expect(outputs).toMatchObject({
      port: db.masterEndpoint!.port,
      address: 'localhost',
      arn: db.arn,
      engine: 'postgres',
      engine_version: db.engineVersion,
      ca_certificate_identifier: 'rds-ca-rsa2048-g1',
      ram_size: db.hardware!.ramSizeInGb,
      tags_all: { env: 'a', team: 'db' },
    });
    expect(Date.parse(String(outputs.created_at))).toBe(Math.floor(db.createdAt!.getTime() / 1000) * 1000);
    const port = db.masterEndpoint!.port!;
    const endpoint: Endpoint = { port, user: 'tfadmin', database: 'app', password: PASSWORD };
    expect(await canLogIn(endpoint)).toBe('tfadmin');
    expect(await tcpAccepts('127.0.0.2', port)).toBe(false);
    await emptyPlan({});

    // 2. In place: both windows, public access on, backup retention on, a new password,
    //    tag env changed and tag team removed.
    const updated = {
      preferred_backup_window: '22:10-22:40',
      preferred_maintenance_window: 'wed:03:00-wed:03:30',
      publicly_accessible: 'true',
      backup_retention_enabled: 'true',
      master_password: NEW_PASSWORD,
      tags: '{ env = "b" }',
    };
    const apply = await tf.expect(['apply', '-auto-approve', '-no-color', '-input=false'], 0, updated);
    expect(apply.stdout).toMatch(/0 added, 1 changed, 0 destroyed/);
    db = await getDb('tf-main');
    expect(db).toMatchObject({
      state: 'available',
      preferredBackupWindow: '22:10-22:40',
      preferredMaintenanceWindow: 'wed:03:00-wed:03:30',
      publiclyAccessible: true,
      backupRetentionEnabled: true,
      tags: [{ key: 'env', value: 'b' }],
      pendingModifiedValues: {},
    });
    expect(db.masterEndpoint!.port).toBe(port);
    // Retention on for real: an automatic backup is taken and a restorable time appears.
    await until('tf-main to report a latestRestorableTime', async () => (await getDb('tf-main')).latestRestorableTime, 60_000, 250);
    expect(await tcpAccepts('127.0.0.2', port)).toBe(true);
    expect(await canLogIn({ ...endpoint, password: NEW_PASSWORD })).toBe('tfadmin');
    expect(await canLogIn(endpoint)).toMatch(/^refused: .*password authentication failed/);
    await emptyPlan(updated);

    // 3. Back: public access off, backup retention off, every tag removed.
    const reverted = { ...updated, publicly_accessible: 'false', backup_retention_enabled: 'false', tags: '{}' };
    await tf.expect(['apply', '-auto-approve', '-no-color', '-input=false'], 0, reverted);
    db = await getDb('tf-main');
    expect(db).toMatchObject({ state: 'available', publiclyAccessible: false, backupRetentionEnabled: false, tags: [], pendingModifiedValues: {} });
    expect(db.latestRestorableTime).toBeUndefined();
    expect(await tcpAccepts('127.0.0.2', port)).toBe(false);
    await emptyPlan(reverted);

    // 4. Destroy with skip_final_snapshot = true: the database is gone and no snapshot is left.
    await tf.expect(['destroy', '-auto-approve', '-no-color', '-input=false'], 0, reverted);
    await expect(getDb('tf-main')).rejects.toBeInstanceOf(NotFoundException);
    const { relationalDatabaseSnapshots } = await client.send(new GetRelationalDatabaseSnapshotsCommand({}));
    expect(relationalDatabaseSnapshots!.filter((snapshot) => snapshot.fromRelationalDatabaseName === 'tf-main')).toEqual([]);
  }, 600_000);

  it.concurrent('imports a database created through the API, plans only what import cannot know, and destroys it leaving its final snapshot', async ({ expect, skip }) => {
    if (!mirror) return skip();
    const { operations } = await client.send(
      new CreateRelationalDatabaseCommand({
        relationalDatabaseName: 'tf-imported',
        relationalDatabaseBlueprintId: 'postgres_17',
        relationalDatabaseBundleId: 'micro_2_0',
        availabilityZone: 'us-east-1a',
        masterDatabaseName: 'app',
        masterUsername: 'tfadmin',
        masterUserPassword: IMPORT_PASSWORD,
        preferredBackupWindow: '07:00-07:30',
        preferredMaintenanceWindow: 'thu:08:00-thu:08:30',
        tags: [{ key: 'origin', value: 'api' }],
      }),
    );
    expect((await operationDone(client, operations![0]!, 120_000)).status).toBe('Succeeded');
    const created = await getDb('tf-imported');
    const tf = await workspace('import', IMPORT_PASSWORD);

    await tf.expect(['import', '-no-color', '-input=false', 'aws_lightsail_database.imported', 'tf-imported']);
    const state = await tf.stateOf('aws_lightsail_database.imported');
    expect(state).toMatchObject({
      id: 'tf-imported',
      relational_database_name: 'tf-imported',
      arn: created.arn,
      master_endpoint_port: created.masterEndpoint!.port,
      preferred_backup_window: '07:00-07:30',
      preferred_maintenance_window: 'thu:08:00-thu:08:30',
      backup_retention_enabled: true,
      publicly_accessible: false,
      skip_final_snapshot: true, // set by the provider's importer
      tags: { origin: 'api' },
    });

    const plan = await tf.run(['plan', '-detailed-exitcode', '-no-color', '-input=false', '-out=after-import.tfplan']);
    expect(plan.code, `${plan.stdout}\n${plan.stderr}`).toBe(2);
    const changes = (await tf.showPlan('after-import.tfplan')).resource_changes ?? [];
    expect(changes.map((change) => [change.address, change.change.actions])).toEqual([['aws_lightsail_database.imported', ['update']]]);
    expect(changedAttributes(changes[0]!.change)).toEqual(IMPORT_CANNOT_KNOW);

    await tf.expect(['apply', '-auto-approve', '-no-color', '-input=false', 'after-import.tfplan']);
    const afterApply = await getDb('tf-imported');
    expect(afterApply).toMatchObject({ state: 'available', arn: created.arn, tags: [{ key: 'origin', value: 'api' }], pendingModifiedValues: {} });
    expect(await canLogIn({ port: created.masterEndpoint!.port!, user: 'tfadmin', database: 'app', password: IMPORT_PASSWORD })).toBe('tfadmin');
    const again = await tf.run(['plan', '-detailed-exitcode', '-no-color', '-input=false']);
    expect(again.code, `a second plan must be empty:\n${again.stdout}\n${again.stderr}`).toBe(0);

    await tf.expect(['destroy', '-auto-approve', '-no-color', '-input=false']);
    await expect(getDb('tf-imported')).rejects.toBeInstanceOf(NotFoundException);
    const { relationalDatabaseSnapshot: final } = await client.send(
      new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: 'tf-imported-final' }),
    );
    expect(final).toMatchObject({
      name: 'tf-imported-final',
      state: 'available',
      fromRelationalDatabaseName: 'tf-imported',
      fromRelationalDatabaseArn: created.arn,
      fromRelationalDatabaseBlueprintId: 'postgres_17',
    });
  }, 600_000);
});

/** The attribute names a planned change touches: different before/after values, or values known only after apply. */
function changedAttributes(change: NonNullable<PlanJson['resource_changes']>[number]['change']): string[] {
  const before = change.before ?? {};
  const after = change.after ?? {};
  const unknown = change.after_unknown ?? {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((key) => unknown[key] === true || !isDeepStrictEqual(before[key] ?? null, after[key] ?? null))
    .sort();
}
