// Types of the parts of details.js the tests call; not served.
import type { Client } from './api.js';
export const HIGH_AVAILABILITY_OPERATION: string;
export function isHighlyAvailableBundle(bundleId: string | undefined): boolean;
export function fetchDetails(client: Client, name: string, bundleId?: string): Promise<{
  highAvailability: Record<string, any> | undefined;
  events: Array<Record<string, any>>;
  operations: Array<Record<string, any>>;
  moreOperations: boolean;
  snapshots: Array<Record<string, any>>;
}>;
export function highAvailabilityRows(view: Record<string, any>): Array<[string, string | undefined]>;
