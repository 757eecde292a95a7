import { InvalidInputException } from '../api/errors.js';
import type { EngineDriver, InstanceSpec } from '../engines/driver.js';
import type { DatabaseRecord } from '../store/index.js';
import type { ServiceContext } from './context.js';

/** The engine behind a database, for the calls that read what only the engine knows. */
export function observe(context: ServiceContext, database: DatabaseRecord): { engine: EngineDriver; spec: InstanceSpec } {
  const driver = context.engines.driver(database.engine);
  if (!driver) throw new InvalidInputException(`The ${database.engine} engine of ${database.name} is not available on this berth host.`);
  return { engine: driver, spec: context.instances.spec(database) };
}
