import {
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseSnapshotCommand,
  NotFoundException,
  type LightsailClient,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from './helpers/berth-process.js';
import { withMysql } from './helpers/mysql.js';
import { engineAvailable } from './helpers/sql.js';
import { TerraformWorkspace, findProviderMirror } from './helpers/terraform.js';

const PASSWORD = 'tf-maria-pass.1';

describe.skipIf(!engineAvailable('mysql'))('Terraform aws_lightsail_database with the MariaDB blueprint', () => {
  let berth: BerthProcess;
  let client: LightsailClient;
  let workspace: TerraformWorkspace | undefined;
  const variables = {
    blueprint_id: 'mariadb_10_11',
    master_username: 'tfadmin',
    skip_final_snapshot: 'false',
    final_snapshot_name: 'tfdb-final',
  };

  beforeAll(async () => {
    const mirror = await findProviderMirror();
    if (!mirror) return;
    berth = await BerthProcess.start();
    client = berth.client();
    workspace = await TerraformWorkspace.create('database', mirror, berth, PASSWORD);
    await workspace.expect(['init', '-no-color']);
  });

  afterAll(async () => {
    client?.destroy();
    await workspace?.dispose();
    await berth?.dispose();
  });

  it('applies, plans no changes, and destroys leaving the final snapshot', async (context) => {
    if (!workspace) return context.skip();
    await workspace.expect(['apply', '-auto-approve', '-no-color'], 0, variables);
    const outputs = await workspace.outputs();
    const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'tfdb' }));
    expect(relationalDatabase).toMatchObject({ state: 'available', engine: 'mysql', masterUsername: 'tfadmin' });
    const bundle = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
    await withMysql({ port: Number(outputs.port), user: 'tfadmin', database: 'app', password: PASSWORD }, bundle, (db) =>
      db.query('CREATE TABLE kept (n INT)'),
    );

    const plan = await workspace.run(['plan', '-detailed-exitcode', '-no-color'], variables);
    expect(plan.code, `${plan.stdout}\n${plan.stderr}`).toBe(0);

    await workspace.expect(['destroy', '-auto-approve', '-no-color'], 0, variables);
    await expect(client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'tfdb' }))).rejects.toBeInstanceOf(NotFoundException);
    const { relationalDatabaseSnapshot } = await client.send(new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: 'tfdb-final' }));
    expect(relationalDatabaseSnapshot).toMatchObject({ state: 'available', fromRelationalDatabaseName: 'tfdb', engine: 'mysql' });
  }, 600_000);
});
