/**
 * AWS JSON 1.1 value encoding: timestamps as epoch seconds (JSON numbers with
 * millisecond precision), absent members omitted rather than null.
 */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return epochSeconds(value);
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (member === undefined || member === null) continue;
      out[key] = toWire(member);
    }
    return out;
  }
  return value;
}

export function epochSeconds(date: Date): number {
  return Math.round(date.getTime()) / 1000;
}

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
