import { isHighlyAvailable } from '../control/ha/standbys.js';
import { validateResourceName } from '../domain/index.js';
import type { RequestContext } from '../gateway/pipeline.js';
import { requireDatabase, scopeOf, type ServiceContext } from './context.js';

const at = (seconds: number | undefined) => (seconds === undefined ? undefined : new Date(seconds * 1000));

/**
 * berth's own view of a database's instances (BerthAdmin_20261127.GetRelationalDatabaseHighAvailability):
 * where the primary and the standby run, the standby's health, replication
 * lag and whether commits wait for it, and the last failover. The Lightsail
 * API has no such shape; the console's HA tab reads it.
 */
export function getRelationalDatabaseHighAvailability(context: ServiceContext, request: RequestContext, input: Record<string, unknown>) {
  const name = validateResourceName(input.relationalDatabaseName, 'relationalDatabaseName');
  const database = requireDatabase(context, scopeOf(request), name);
  const record = context.store.primaries.get(database.id);
  const primary = context.instances.primary(database);
  const standby = context.instances.standby(database);
  const observed = context.replication.observation(database.id);
  const events = context.store.events.since(database.id, 0).filter((event) => event.message.startsWith('Failover '));
  const synchronous = standby !== undefined && record?.synchronousStandbyId === standby.id;
  return {
    highAvailability: {
      highlyAvailable: isHighlyAvailable(database),
      generation: record?.generation,
      primary: { availabilityZone: primary.availabilityZone, state: primary.state },
      standby: standby && {
        availabilityZone: standby.availabilityZone,
        state: standby.state,
        synchronous,
        ...(observed && observed.standbyId === standby.id
          ? { streaming: observed.streaming, lagBytes: observed.lagBytes, lagSeconds: observed.lagSeconds, observedAt: new Date(observed.at) }
          : {}),
      },
      failovers: events.map((event) => ({ at: at(event.createdAt), message: event.message })),
    },
  };
}
