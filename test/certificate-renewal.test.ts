/**
 * Server certificates renew themselves: on an injected clock, 30 days before
 * they expire, the primary's and the standby's certificates are replaced
 * under the same CA and reloaded without a restart; a connection held open
 * across the renewal carries on, new connections see the new certificate,
 * and the database records an event. A CA within a year of its own expiry
 * shows as a pending maintenance action.
 */
import { X509Certificate } from 'node:crypto';
import { spawn } from 'node:child_process';
import { GetRelationalDatabaseCommand } from '@aws-sdk/client-lightsail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_CERTIFICATE_RENEW_BEFORE_DAYS } from '../src/control/certificate-renewal.js';
import { createDatabase, eventMessages } from './helpers/databases.js';
import { openSession } from './helpers/ha.js';
import { InProcessBerth, ManualClock } from './helpers/in-process-berth.js';
import { ENGINE_BLUEPRINT, engineAvailable, type TestEngine } from './helpers/sql.js';
import { until } from './helpers/waiters.js';

const DAY_MS = 86_400_000;
const PASSWORD = 'Renewal-password-1';

/** The serial of the certificate a server presents to a new TLS connection (openssl, STARTTLS of the engine's protocol). */
function presentedSerial(engine: TestEngine, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = spawn('openssl', ['s_client', '-starttls', engine === 'postgres' ? 'postgres' : 'mysql', '-connect', `127.0.0.1:${port}`], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let output = '';
    client.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    client.stdin.end();
    const timer = setTimeout(() => client.kill('SIGKILL'), 10_000);
    client.on('error', reject);
    client.on('close', () => {
      clearTimeout(timer);
      const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(output)?.[0];
      if (!pem) reject(new Error(`no certificate from port ${port}: ${output.slice(0, 300)}`));
      else resolve(new X509Certificate(pem).serialNumber);
    });
  });
}

describe.each(['postgres', 'mysql'] as const)('server certificate renewal (%s)', (engine) => {
  const available = engineAvailable(engine);
  const clock = new ManualClock(new Date());
  let running: InProcessBerth;
  const name = `renew-${engine}`;

  const instancesOf = () => {
    const database = running.berth.store.databases.findByName({ accountId: running.berth.accountId, region: 'us-east-1' }, name)!;
    return running.berth.store.instances.of(database.id);
  };
  const storedSerial = (instanceId: string) => new X509Certificate(running.berth.store.certificates.get(instanceId)!.certificatePem).serialNumber;

  beforeAll(async () => {
    if (!available) return;
    running = await InProcessBerth.start(clock);
    await createDatabase(running.client, name, {
      relationalDatabaseBlueprintId: ENGINE_BLUEPRINT[engine],
      relationalDatabaseBundleId: 'micro_ha_2_0',
      masterUserPassword: PASSWORD,
    });
    await until('the standby to run', async () => (instancesOf().filter((instance) => instance.state === 'running').length === 2 ? true : undefined), 180_000, 250);
  }, 300_000);

  afterAll(async () => {
    await running?.dispose();
  });

  it.runIf(available)('renews the primary and the standby before expiry, with a held connection open', async () => {
    const { berth, client } = running;
    const database = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;
    const ca = berth.control.instances.allCas();
    const endpoint = { port: database.masterEndpoint!.port!, user: database.masterUsername!, database: database.masterDatabaseName!, password: PASSWORD };
    const instances = instancesOf();
    expect(instances.map((instance) => instance.role).sort()).toEqual(['primary', 'standby']);
    const before = new Map(instances.map((instance) => [instance.id, storedSerial(instance.id)]));
    for (const instance of instances) expect(await presentedSerial(engine, instance.port)).toBe(before.get(instance.id));

    const held = await openSession(engine, endpoint, ca);
    try {
      const pidQuery = engine === 'postgres' ? 'SELECT pg_backend_pid() AS pid' : 'SELECT CONNECTION_ID() AS pid';
      const [{ pid }] = (await held.query(pidQuery)) as [{ pid: unknown }];

      // Not due yet: nothing happens.
      expect(await berth.control.certificateRenewal.tick()).toEqual([]);
      const notAfter = running.berth.store.certificates.get(instances[0]!.id)!.notAfter * 1000;
      clock.set(new Date(notAfter - (SERVER_CERTIFICATE_RENEW_BEFORE_DAYS + 1) * DAY_MS));
      expect(await berth.control.certificateRenewal.tick()).toEqual([]);

      clock.set(new Date(notAfter - (SERVER_CERTIFICATE_RENEW_BEFORE_DAYS - 1) * DAY_MS));
      expect(await berth.control.certificateRenewal.tick()).toEqual([name]);

      for (const instance of instancesOf()) {
        const renewed = storedSerial(instance.id);
        expect(renewed, `${instance.role} was not renewed`).not.toBe(before.get(instance.id));
        // The server reloaded it: a new connection gets it.
        expect(await presentedSerial(engine, instance.port)).toBe(renewed);
      }
      // The held connection is the same session and still answers.
      const [{ pid: after }] = (await held.query(pidQuery)) as [{ pid: unknown }];
      expect(String(after)).toBe(String(pid));
      // And a new verify-full connection to the endpoint works.
      const fresh = await openSession(engine, endpoint, ca);
      await fresh.end();

      const messages = (await eventMessages(client, name, 60)).filter((message) => message.includes('was renewed'));
      expect(messages.some((message) => message.startsWith('The server certificate of the primary was renewed'))).toBe(true);
      expect(messages.some((message) => message.startsWith('The server certificate of the standby was renewed'))).toBe(true);
      expect((await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!.state).toBe('available');
    } finally {
      await held.end();
    }
  }, 180_000);

  it.runIf(available)('shows a CA within a year of its expiry as a pending maintenance action', async () => {
    const { berth, client } = running;
    const identifier = 'rds-ca-rsa2048-g1';
    const pem = await (await fetch(new URL(`/certificates/${identifier}.pem`, berth.url))).text();
    const expiresAt = new Date(new X509Certificate(pem).validTo);
    clock.set(new Date(expiresAt.getTime() - 366 * DAY_MS));
    const far = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;
    expect(far.pendingMaintenanceActions).toEqual([]);
    clock.set(new Date(expiresAt.getTime() - 200 * DAY_MS));
    const near = (await client.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: name }))).relationalDatabase!;
    expect(near.pendingMaintenanceActions).toEqual([
      {
        action: 'ca-certificate-rotation',
        description: expect.stringContaining(`The CA ${identifier} expires on ${expiresAt.toISOString()}`),
        currentApplyDate: expiresAt,
      },
    ]);
  });
});
