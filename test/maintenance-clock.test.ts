import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  GetRelationalDatabaseCommand,
  LightsailClient,
  UpdateRelationalDatabaseCommand,
} from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBerth, type RunningBerth } from '../src/app.js';
import { parseServeArgs } from '../src/config.js';
import { createLogger } from '../src/util/logger.js';
import { TEST_DIR_PREFIX } from './helpers/berth-process.js';
import { killProcessesUsing } from './helpers/processes.js';
import { createDatabase } from './helpers/databases.js';
import { until } from './helpers/waiters.js';

class ManualClock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

describe('the maintenance scheduler on an injected clock', () => {
  // 2026-11-29 is a Sunday.
  const clock = new ManualClock(new Date('2026-11-29T04:00:00Z'));
  let rootDir: string;
  let berth: RunningBerth;
  let client: LightsailClient;

  const describeDb = async (name: string) =>
    (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;

  async function createWith(name: string, preferredMaintenanceWindow: string) {
    await createDatabase(client, name, { preferredBackupWindow: '12:00-12:30', preferredMaintenanceWindow });
    const { operations: deferred } = await client.send(
      new UpdateRelationalDatabaseCommand({ relationalDatabaseName: name, caCertificateIdentifier: 'rds-ca-ecc384-g1' }),
    );
    expect(deferred![0]!.status).toBe('Succeeded');
  }

  async function rotated(name: string) {
    return until(`maintenance of ${name}`, async () => {
      const db = await describeDb(name);
      return db.state === 'available' && db.caCertificateIdentifier === 'rds-ca-ecc384-g1' ? db : undefined;
    });
  }

  beforeAll(async () => {
    rootDir = await mkdtemp(path.join(os.tmpdir(), TEST_DIR_PREFIX));
    await chmod(rootDir, 0o711);
    const first = 20_000 + Math.floor(Math.random() * 40_000);
    const env = { BERTH_ACCESS_KEY_ID: 'AKCLOCKTEST', BERTH_SECRET_ACCESS_KEY: 'clock-secret' };
    const config = parseServeArgs(
      ['--port', '0', '--data-dir', path.join(rootDir, 'data'), '--database-ports', `${first}-${first + 99}`, '--maintenance-interval-ms', '3600000', '--stop-databases-on-exit'],
      env,
    );
    berth = await startBerth(config, createLogger('error'), { clock, env });
    client = new LightsailClient({
      endpoint: berth.url,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKCLOCKTEST', secretAccessKey: 'clock-secret' },
    });
  });

  afterAll(async () => {
    client?.destroy();
    await berth?.close();
    await killProcessesUsing(rootDir);
    await rm(rootDir, { recursive: true, force: true });
  });

  it('applies nothing before the window and the deferred rotation once the clock is inside it', async () => {
    await createWith('sunday-db', 'sun:05:00-sun:05:30');
    const pending = await describeDb('sunday-db');
    expect(pending.pendingMaintenanceActions![0]!.currentApplyDate).toEqual(new Date('2026-11-29T05:00:00Z'));

    expect(berth.maintenance.tick()).toEqual([]);
    clock.set('2026-11-29T05:30:00Z'); // the end is exclusive
    expect(berth.maintenance.tick()).toEqual([]);
    expect((await describeDb('sunday-db')).caCertificateIdentifier).toBe('rds-ca-rsa2048-g1');

    clock.set('2026-11-29T05:29:59Z');
    expect(berth.maintenance.tick()).toEqual(['sunday-db']);
    const db = await rotated('sunday-db');
    expect(db.pendingMaintenanceActions).toEqual([]);
    expect(berth.maintenance.tick()).toEqual([]);
  });

  it('handles a window that wraps the end of the week', async () => {
    clock.set('2026-11-29T12:00:00Z');
    await createWith('weekend-db', 'sun:23:45-mon:00:15');
    expect((await describeDb('weekend-db')).pendingMaintenanceActions![0]!.currentApplyDate).toEqual(new Date('2026-11-29T23:45:00Z'));
    clock.set('2026-11-29T23:44:59Z');
    expect(berth.maintenance.tick()).toEqual([]);
    clock.set('2026-11-30T00:10:00Z'); // Monday, still inside the window that began on Sunday
    expect(berth.maintenance.tick()).toEqual(['weekend-db']);
    await rotated('weekend-db');
  });
});
