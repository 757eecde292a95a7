/**
 * Restore drills against a real berth: `berth backup verify <name>` restores
 * the newest automatic backup into a scratch server, which must start and
 * answer a query, and removes it; a damaged backup fails the drill, naming
 * the file, while the database goes on serving. Results are events and
 * Prometheus metrics.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetRelationalDatabaseCommand, type LightsailClient } from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedCall } from '../src/cli/signed-call.js';
import type { DrillResult } from '../src/control/backup-drills.js';
import { ADMIN_TARGET_PREFIX } from '../src/gateway/pipeline.js';
import { BERTH_BIN, BerthProcess } from './helpers/berth-process.js';
import { execFileAsync } from './helpers/clients.js';
import { createDatabase, eventMessages } from './helpers/databases.js';
import { processesUsing } from './helpers/processes.js';
import { ENGINE_BLUEPRINT, engineAvailable } from './helpers/sql.js';

describe.each((['postgres', 'mysql'] as const).filter(engineAvailable))('restore drills (%s)', (engine) => {
  let berth: BerthProcess;
  let client: LightsailClient;
  let databaseId: string;
  const name = `drilled-${engine}`;

  const verify = async () =>
    ((await signedCall(
      { endpoint: berth.url, region: berth.region, key: { accessKeyId: berth.accessKeyId, secretAccessKey: berth.secretAccessKey } },
      `${ADMIN_TARGET_PREFIX}VerifyRelationalDatabaseBackup`,
      { relationalDatabaseName: name },
    )) as { verification: DrillResult }).verification;
  const metric = async (metricName: string) => {
    const text = await (await fetch(`${berth.url}/metrics`)).text();
    const match = new RegExp(`${metricName}\\{database="${name}",region="us-east-1"\\} (\\S+)`).exec(text);
    return match ? Number(match[1]) : undefined;
  };
  /** No scratch server is left: no drill directory, no process running out of one. */
  const noScratchLeft = async () => {
    const dirs = (await readdir(path.join(berth.dataDir, 'databases'))).filter((entry) => entry.startsWith('drill-'));
    expect(dirs).toEqual([]);
    expect(await processesUsing(path.join(berth.dataDir, 'databases', 'drill-'))).toEqual([]);
  };

  beforeAll(async () => {
    berth = await BerthProcess.start({ extraArgs: ['--backup-check-interval-ms', '3600000'] });
    client = berth.client();
    const db = await createDatabase(client, name, { masterUserPassword: 'Drill-pass-1', relationalDatabaseBlueprintId: ENGINE_BLUEPRINT[engine] });
    databaseId = db.arn!.split('/').at(-1)!;
  });

  afterAll(async () => {
    client?.destroy();
    await berth?.dispose();
  });

  it('restores the newest backup into a scratch server that starts and answers, then removes it (berth backup verify)', async () => {
    const { stdout } = await execFileAsync(process.execPath, [BERTH_BIN, 'backup', 'verify', name, '--endpoint-url', berth.url, '--region', berth.region], {
      env: { ...process.env, BERTH_ACCESS_KEY_ID: berth.accessKeyId, BERTH_SECRET_ACCESS_KEY: berth.secretAccessKey },
    });
    const { verification } = JSON.parse(stdout) as { verification: DrillResult };
    expect(verification).toMatchObject({ database: name, ok: true });
    expect(verification.consistentAt).toMatch(/^\d{4}-/);
    expect((await eventMessages(client, name)).some((m) => /^Backup verified: the automatic backup of .* was restored into a scratch server/.test(m))).toBe(true);
    expect(await metric('berth_backup_verification_ok')).toBe(1);
    expect(await metric('berth_backup_verification_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 120);
    await noScratchLeft();
  });

  it('fails the drill of a damaged backup, naming the file; the database goes on serving', async () => {
    const backupsDir = path.join(berth.dataDir, 'backups', databaseId);
    const [backupId] = await readdir(backupsDir);
    const manifest = JSON.parse(await readFile(path.join(backupsDir, backupId!, 'manifest.json'), 'utf8')) as { files: Array<{ path: string; size: number }> };
    const victim = manifest.files.filter((file) => file.size > 0).sort((a, b) => b.size - a.size)[0]!;
    const file = path.join(backupsDir, backupId!, victim.path);
    const bytes = await readFile(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(file, bytes);
    expect((await stat(file)).size).toBe(victim.size);

    const verification = await verify();
    expect(verification.ok).toBe(false);
    expect(verification.error).toContain(victim.path);
    expect((await eventMessages(client, name)).some((m) => m.startsWith('Backup verification failed:') && m.includes(victim.path))).toBe(true);
    expect(await metric('berth_backup_verification_ok')).toBe(0);
    await noScratchLeft();
    const { relationalDatabase } = await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }));
    expect(relationalDatabase!.state).toBe('available');
  });

  it('answers a drill of a database that does not exist with NotFound', async () => {
    await expect(
      signedCall(
        { endpoint: berth.url, region: berth.region, key: { accessKeyId: berth.accessKeyId, secretAccessKey: berth.secretAccessKey } },
        `${ADMIN_TARGET_PREFIX}VerifyRelationalDatabaseBackup`,
        { relationalDatabaseName: 'no-such-db' },
      ),
    ).rejects.toThrow(/does not exist/);
  });
});
