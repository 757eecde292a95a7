import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LightsailClient } from '@aws-sdk/client-lightsail';
import { startBerth, type RunningBerth } from '../../src/app.js';
import { parseServeArgs } from '../../src/config.js';
import type { Clock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import { TEST_DIR_PREFIX } from './berth-process.js';
import { killProcessesUsing } from './processes.js';

/** A clock a test moves by hand. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string | Date): void {
    this.current = new Date(iso);
  }
}

/**
 * berth started inside the test process on an injected clock, for the
 * schedulers (maintenance, backups) whose ticks the test calls itself.
 */
export class InProcessBerth {
  private constructor(
    readonly berth: RunningBerth,
    readonly client: LightsailClient,
    readonly dataDir: string,
    readonly rootDir: string,
  ) {}

  /** `extraArgs(rootDir)`: more `berth serve` options, which may place files in the test's own directory. */
  static async start(clock: Clock, extraArgs: (rootDir: string) => string[] = () => []): Promise<InProcessBerth> {
    const rootDir = await mkdtemp(path.join(os.tmpdir(), TEST_DIR_PREFIX));
    await chmod(rootDir, 0o711);
    const first = 20_000 + Math.floor(Math.random() * 40_000);
    const env = { BERTH_ACCESS_KEY_ID: 'AKINPROCESS', BERTH_SECRET_ACCESS_KEY: 'in-process-secret' };
    const hour = '3600000';
    const dataDir = path.join(rootDir, 'data');
    const config = parseServeArgs(
      ['--port', '0', '--data-dir', dataDir, '--database-ports', `${first}-${first + 99}`, '--stop-databases-on-exit',
        '--maintenance-interval-ms', hour, '--backup-check-interval-ms', hour, '--archive-interval-ms', hour, ...extraArgs(rootDir)],
      env,
    );
    try {
      const berth = await startBerth(config, createLogger('error'), { clock, env });
      const client = new LightsailClient({
        endpoint: berth.url,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: { accessKeyId: env.BERTH_ACCESS_KEY_ID, secretAccessKey: env.BERTH_SECRET_ACCESS_KEY },
      });
      return new InProcessBerth(berth, client, dataDir, rootDir);
    } catch (error) {
      await killProcessesUsing(rootDir);
      await rm(rootDir, { recursive: true, force: true });
      throw error;
    }
  }

  async dispose(): Promise<void> {
    this.client.destroy();
    try {
      await this.berth.close();
    } finally {
      await killProcessesUsing(this.rootDir);
      await rm(this.rootDir, { recursive: true, force: true });
    }
  }
}
