import { InvalidInputException } from './errors.js';
import model from './model/lightsail-inputs.json' with { type: 'json' };

/** A shape of the slimmed Lightsail input model (src/api/model/lightsail-inputs.json). */
export interface SlimShape {
  type: string;
  members?: Record<string, string>;
  member?: string;
  key?: string;
  value?: string;
  required?: string[];
  enum?: string[];
  min?: number;
  max?: number;
}

const shapes = model.shapes as Record<string, SlimShape>;
const operations = model.operations as Record<string, string | null>;

/** Values the newer JS SDK sends that botocore's model does not list yet. */
const EXTRA_ENUM_VALUES: Record<string, string[]> = {
  RelationalDatabaseMetricName: ['FreeableMemory', 'SwapUsage'],
  MetricName: ['FreeableMemory', 'SwapUsage', 'DiskQueueLength', 'DiskReadBytes', 'DiskReadOps', 'DiskTotalReadTime', 'DiskTotalWriteTime', 'DiskWriteBytes', 'DiskWriteOps'],
  RegionName: ['ap-east-1', 'eu-south-2', 'sa-east-1'],
};

const MAX_STRING_LENGTH = 64 * 1024;
const MAX_LIST_LENGTH = 1000;
/** Timestamps must fall between 1970 and 9999. */
const MAX_EPOCH_SECONDS = 253402300799;

export function isKnownOperation(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(operations, name);
}

/**
 * Checks a request body against the operation's input shape from the
 * Lightsail model: JSON types, required members, enums, numeric bounds.
 * Returns a copy holding only modelled members, with timestamps as Dates.
 * Nulls count as absent, as botocore and the Go SDK treat them.
 */
export function readInput(operation: string, body: unknown): Record<string, unknown> {
  const shapeName = operations[operation];
  if (!shapeName) return {};
  return readValue(shapeName, body, '') as Record<string, unknown>;
}

function describe(path: string): string {
  return path === '' ? 'The request body' : path;
}

function readValue(shapeName: string, value: unknown, path: string): unknown {
  const shape = shapes[shapeName];
  if (!shape) throw new Error(`Shape ${shapeName} is missing from the model`);
  switch (shape.type) {
    case 'structure':
      return readStructure(shape, value, path);
    case 'list':
      return readList(shape, value, path);
    case 'map':
      return readMap(shape, value, path);
    case 'string':
      return readString(shapeName, shape, value, path);
    case 'boolean':
      if (typeof value !== 'boolean') throw typeError(path, 'a boolean (true or false)', value);
      return value;
    case 'integer':
    case 'long':
      return readInteger(shape, value, path);
    case 'float':
    case 'double':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw typeError(path, 'a number', value);
      return value;
    case 'timestamp':
      return readTimestamp(value, path);
    default:
      throw new InvalidInputException(`${describe(path)} has an unsupported type.`);
  }
}

function readStructure(shape: SlimShape, value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw typeError(path, 'a JSON object', value);
  }
  const input = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [member, memberShape] of Object.entries(shape.members ?? {})) {
    const memberValue = Object.prototype.hasOwnProperty.call(input, member) ? input[member] : undefined;
    if (memberValue === undefined || memberValue === null) continue;
    out[member] = readValue(memberShape, memberValue, path === '' ? member : `${path}.${member}`);
  }
  for (const member of shape.required ?? []) {
    if (out[member] === undefined) {
      throw new InvalidInputException(`Missing required parameter: ${path === '' ? member : `${path}.${member}`}.`, {
        code: 'MissingParameter',
        tip: `Provide ${member}.`,
      });
    }
  }
  return out;
}

function readList(shape: SlimShape, value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw typeError(path, 'a JSON array', value);
  if (value.length > MAX_LIST_LENGTH) {
    throw new InvalidInputException(`${describe(path)} has ${value.length} items; at most ${MAX_LIST_LENGTH} are accepted.`);
  }
  return value.map((item, index) => {
    if (item === null || item === undefined) throw typeError(`${path}[${index}]`, 'a value', item);
    return readValue(shape.member!, item, `${path}[${index}]`);
  });
}

function readMap(shape: SlimShape, value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw typeError(path, 'a JSON object', value);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    readValue(shape.key!, key, `${path} key`);
    out[key] = readValue(shape.value!, item, `${path}.${key}`);
  }
  return out;
}

function readString(shapeName: string, shape: SlimShape, value: unknown, path: string): string {
  if (typeof value !== 'string') throw typeError(path, 'a string', value);
  if (value.length > MAX_STRING_LENGTH) {
    throw new InvalidInputException(`${describe(path)} is ${value.length} characters long; at most ${MAX_STRING_LENGTH} are accepted.`);
  }
  if (shape.enum) {
    const allowed = [...shape.enum, ...(EXTRA_ENUM_VALUES[shapeName] ?? [])];
    if (!allowed.includes(value)) {
      throw new InvalidInputException(`${describe(path)} '${truncate(value)}' is not valid; valid values: ${allowed.join(', ')}.`);
    }
  }
  return value;
}

function readInteger(shape: SlimShape, value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw typeError(path, 'an integer', value);
  if (shape.min !== undefined && value < shape.min) {
    throw new InvalidInputException(`${describe(path)} is ${value}; the minimum is ${shape.min}.`);
  }
  if (shape.max !== undefined && value > shape.max) {
    throw new InvalidInputException(`${describe(path)} is ${value}; the maximum is ${shape.max}.`);
  }
  return value;
}

function readTimestamp(value: unknown, path: string): Date {
  let seconds: number | undefined;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) seconds = Number(value);
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) seconds = ms / 1000;
  }
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_EPOCH_SECONDS) {
    throw typeError(path, 'a timestamp in epoch seconds (for example 1538424000)', value);
  }
  return new Date(seconds * 1000);
}

function typeError(path: string, expected: string, value: unknown): InvalidInputException {
  const actual = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  return new InvalidInputException(`${describe(path)} must be ${expected}, not ${actual}.`);
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
