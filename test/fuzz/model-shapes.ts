/**
 * Access to the Lightsail input model (src/api/model/lightsail-inputs.json),
 * plus the shape of berth's own admin operation, and the X-Amz-Target of
 * each operation.
 */
import model from '../../src/api/model/lightsail-inputs.json' with { type: 'json' };
import type { SlimShape } from '../../src/api/input.js';

export type Shape = SlimShape;

export const TARGET_PREFIX = 'Lightsail_20161128.';
export const ADMIN_TARGET_PREFIX = 'BerthAdmin_20261127.';
export const ADMIN_OPERATION = 'RunPendingMaintenance';

const ADMIN_SHAPE = 'berth#RunPendingMaintenanceRequest';
const SHAPES: Record<string, Shape> = {
  ...(model.shapes as Record<string, Shape>),
  // Not in the Lightsail model: the admin handler checks its input itself.
  [ADMIN_SHAPE]: { type: 'structure', required: ['relationalDatabaseName'], members: { relationalDatabaseName: 'ResourceName' } },
};
const OPERATIONS = model.operations as Record<string, string | null>;

export function shape(name: string): Shape {
  const found = SHAPES[name];
  if (!found) throw new Error(`shape ${name} is not in the model`);
  return found;
}

export function inputShapeName(operation: string): string {
  if (operation === ADMIN_OPERATION) return ADMIN_SHAPE;
  const name = OPERATIONS[operation];
  if (!name) throw new Error(`operation ${operation} has no input shape`);
  return name;
}

export function targetOf(operation: string): string {
  return operation === ADMIN_OPERATION ? `${ADMIN_TARGET_PREFIX}${operation}` : `${TARGET_PREFIX}${operation}`;
}
