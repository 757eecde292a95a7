/** Which PostgreSQL blueprints this machine has, for the engine test suites (describeWhenAvailable). */
import { PostgresDriver } from './postgres-driver.js';

export const AVAILABLE_POSTGRES_BLUEPRINTS = new PostgresDriver({ rootDir: '/nonexistent' }).blueprints().map((b) => b.blueprintId);

/** undefined when `blueprintId` can run here, else why not. */
export function missingPostgres(blueprintId: string): string | undefined {
  return AVAILABLE_POSTGRES_BLUEPRINTS.includes(blueprintId) ? undefined : `${blueprintId}: the PostgreSQL binaries from npm are not installed`;
}
