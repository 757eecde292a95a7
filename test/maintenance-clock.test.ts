import { GetRelationalDatabaseCommand, UpdateRelationalDatabaseCommand, type LightsailClient } from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBerth } from '../src/app.js';
import { InProcessBerth, ManualClock } from './helpers/in-process-berth.js';
import { createDatabase } from './helpers/databases.js';
import { until } from './helpers/waiters.js';

describe('the maintenance scheduler on an injected clock', () => {
  // 2026-11-29 is a Sunday.
  const clock = new ManualClock(new Date('2026-11-29T04:00:00Z'));
  let running: InProcessBerth;
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
    running = await InProcessBerth.start(clock);
    berth = running.berth;
    client = running.client;
  });

  afterAll(async () => {
    await running?.dispose();
  });

  it('applies nothing before the window and the deferred rotation once the clock is inside it', async () => {
    await createWith('sunday-db', 'sun:05:00-sun:05:30');
    const pending = await describeDb('sunday-db');
    expect(pending.pendingMaintenanceActions![0]!.currentApplyDate).toEqual(new Date('2026-11-29T05:00:00Z'));

    expect(berth.control.maintenance.tick()).toEqual([]);
    clock.set('2026-11-29T05:30:00Z'); // the end is exclusive
    expect(berth.control.maintenance.tick()).toEqual([]);
    expect((await describeDb('sunday-db')).caCertificateIdentifier).toBe('rds-ca-rsa2048-g1');

    clock.set('2026-11-29T05:29:59Z');
    expect(berth.control.maintenance.tick()).toEqual(['sunday-db']);
    const db = await rotated('sunday-db');
    expect(db.pendingMaintenanceActions).toEqual([]);
    expect(berth.control.maintenance.tick()).toEqual([]);
  });

  it('handles a window that wraps the end of the week', async () => {
    clock.set('2026-11-29T12:00:00Z');
    await createWith('weekend-db', 'sun:23:45-mon:00:15');
    expect((await describeDb('weekend-db')).pendingMaintenanceActions![0]!.currentApplyDate).toEqual(new Date('2026-11-29T23:45:00Z'));
    clock.set('2026-11-29T23:44:59Z');
    expect(berth.control.maintenance.tick()).toEqual([]);
    clock.set('2026-11-30T00:10:00Z'); // Monday, still inside the window that began on Sunday
    expect(berth.control.maintenance.tick()).toEqual(['weekend-db']);
    await rotated('weekend-db');
  });
});
