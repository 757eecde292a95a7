import { readFile, stat } from 'node:fs/promises';
import { GetRelationalDatabaseCommand, GetRelationalDatabaseMasterUserPasswordCommand, RebootRelationalDatabaseCommand } from '@aws-sdk/client-lightsail';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH_BIN, BerthProcess } from './helpers/berth-process.js';
import { execFileAsync, hasTool } from './helpers/clients.js';
import { createDatabase } from './helpers/databases.js';
import { serverProcesses } from './helpers/consistency.js';
import { operationDone } from './helpers/waiters.js';

describe('the berth command as a newcomer meets it', () => {
  let berth: BerthProcess;

  beforeAll(async () => {
    berth = await BerthProcess.start({ generatedCredentials: true });
  });
  afterAll(async () => {
    await berth?.dispose();
  });

  it('prints its endpoint and a generated key pair kept in the data dir, readable by its owner only', async () => {
    expect(berth.output).toMatch(/berth listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(berth.accessKeyId).toMatch(/^AKBE[A-Z2-7]{16}$/);
    const credentials = await stat(path.join(berth.dataDir, 'credentials.json'));
    expect(credentials.mode & 0o777).toBe(0o600);
    const first = berth.accessKeyId;
    await berth.restart();
    expect(berth.accessKeyId).toBe(first);
  });

  it('prints an aws command line that works as printed', async (context) => {
    if (!(await hasTool('aws', ['--version']))) return context.skip();
    const line = /try:\s+(.+)$/m.exec(berth.output)![1]!;
    expect(line).toContain('aws lightsail get-relational-databases');
    const { stdout } = await execFileAsync('bash', ['-c', line], {
      env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    expect(JSON.parse(stdout)).toEqual({ relationalDatabases: [] });
  });

  it('prints the same CA bundle with berth ca bundle as it serves over HTTP', async () => {
    const served = await (await fetch(`${berth.url}/certificates/global-bundle.pem`)).text();
    const { stdout } = await execFileAsync(process.execPath, [BERTH_BIN, 'ca', 'bundle', '--data-dir', berth.dataDir]);
    expect(stdout).toBe(served);
    const one = await execFileAsync(process.execPath, [BERTH_BIN, 'ca', 'bundle', '--identifier', 'rds-ca-ecc384-g1', '--data-dir', berth.dataDir]);
    expect(one.stdout).toBe(await (await fetch(`${berth.url}/certificates/rds-ca-ecc384-g1.pem`)).text());
    await expect(execFileAsync(process.execPath, [BERTH_BIN, 'ca', 'bundle', '--identifier', 'nope', '--data-dir', berth.dataDir])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('rds-ca-rsa2048-g1'),
    });
  });

  it('explains its usage and refuses unknown flags', async () => {
    const help = await execFileAsync(process.execPath, [BERTH_BIN, 'serve', '--help']);
    expect(help.stdout).toContain('--advertise-host');
    await expect(execFileAsync(process.execPath, [BERTH_BIN, 'serve', '--bogus'])).rejects.toMatchObject({ code: 2 });
    await expect(execFileAsync(process.execPath, [BERTH_BIN, 'frobnicate'])).rejects.toMatchObject({ code: 2 });
  });

  it('shuts down on SIGTERM leaving databases running, or stopping them with --stop-databases-on-exit', async () => {
    const client = berth.client();
    const db = await createDatabase(client, 'outlives');
    client.destroy();
    const id = db.arn!.split('/')[1]!;
    expect(await berth.stop()).toBe(0);
    expect((await serverProcesses(berth)).has(id)).toBe(true);
    await berth.launch();
    const withStop = await BerthProcess.start({ extraArgs: ['--stop-databases-on-exit'] });
    try {
      const other = withStop.client();
      const created = await createDatabase(other, 'stopped-with-berth');
      other.destroy();
      expect(await withStop.stop()).toBe(0);
      expect((await serverProcesses(withStop)).has(created.arn!.split('/')[1]!)).toBe(false);
    } finally {
      await withStop.dispose();
    }
  });

  it('rotates the secret key only while berth is stopped, and every secret still opens after it', async () => {
    const rotate = () => execFileAsync(process.execPath, [BERTH_BIN, 'rotate-secret-key', '--data-dir', berth.dataDir]);
    const refused = (await rotate().catch((error: unknown) => error)) as { code?: number; stderr?: string };
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Another berth \(pid \d+\) is running with the data dir/);

    const client = berth.client();
    const { masterUserPassword } = await client.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: 'outlives' }));
    client.destroy();
    const keyFile = path.join(berth.dataDir, 'secret.key');
    const before = await readFile(keyFile);
    expect(await berth.stop()).toBe(0);
    const { stdout } = await rotate();
    expect(stdout).toMatch(/^sealed [1-9]\d* secrets under a new .*secret\.key\n$/);
    expect((await readFile(keyFile)).equals(before)).toBe(false);

    await berth.launch();
    const again = berth.client();
    try {
      const reread = await again.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: 'outlives' }));
      expect(reread.masterUserPassword).toBe(masterUserPassword);
      // A reboot writes the server's key, sealed in the store, out again: it opens under the new key.
      const { operations } = await again.send(new RebootRelationalDatabaseCommand({ relationalDatabaseName: 'outlives' }));
      expect((await operationDone(again, operations![0]!, 120_000)).status).toBe('Succeeded');
      expect((await again.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: 'outlives' }))).relationalDatabase!.state).toBe('available');
    } finally {
      again.destroy();
    }
  });
});
