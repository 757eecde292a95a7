/**
 * What the engine drivers (postgres/postgres-driver.ts, mysql/mysql-driver.ts)
 * do the same way: errors that say what was being done, one queue of
 * operations per instance, the service user, blueprint versions, and the wait
 * for a reloaded certificate.
 */
import path from 'node:path';
import { pollUntil, SerialQueue } from '../supervisor/wait.js';
import type { EngineBlueprint, InstanceSpec } from './driver.js';
import { ensureServiceUser, type OsUser } from './os-user.js';

/** Run `work`, prefixing any error with what was being done. */
export async function step<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const error = err as Error;
    if (error.message.startsWith(what)) throw error;
    throw new Error(`${what}: ${error.message}`, { cause: err });
  }
}

/** Operations that change an instance run one at a time, in call order, per data dir. */
export class InstanceQueues {
  private readonly queues = new Map<string, SerialQueue>();

  run<T>(spec: Pick<InstanceSpec, 'dataDir'>, section: () => Promise<T>): Promise<T> {
    const key = path.resolve(spec.dataDir);
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = new SerialQueue()));
    return queue.run(section);
  }
}

/** Who runs the servers, asked for once: `osUser`, else the system user `berth` when root, else the current user. */
export function serviceUserOnce(osUser: OsUser | undefined): () => Promise<OsUser> {
  let user: Promise<OsUser> | undefined;
  return () => (user ??= osUser ? Promise.resolve(osUser) : ensureServiceUser());
}

/** The server version `blueprintId` runs, from the driver's blueprints. */
export function engineVersionOf(blueprints: readonly EngineBlueprint[], blueprintId: string): string {
  const blueprint = blueprints.find((b) => b.blueprintId === blueprintId);
  if (!blueprint) throw new Error(`blueprint ${blueprintId} is not available on this machine`);
  return blueprint.engineVersion;
}

/**
 * Wait until new connections get the certificate `expected` (SHA-256
 * fingerprint) from `presented()`; else throw saying what the server presents
 * instead, followed by `explain()`.
 */
export async function awaitPresentedCertificate(
  presented: () => Promise<string>, expected: string, timeoutMs: number, explain: () => Promise<string> = async () => '',
): Promise<void> {
  let seen = '';
  const loaded = await pollUntil(
    async () => (seen = await presented().catch(() => '')) === expected,
    { timeoutMs, intervalMs: 5 },
  );
  if (!loaded) {
    throw new Error(`the server still presents ${seen ? `certificate ${seen}` : 'no readable certificate'} instead of ${expected}${await explain()}`);
  }
}
