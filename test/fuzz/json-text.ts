/**
 * JSON text for generated request bodies. Values are plain JSON values plus
 * `Raw` tokens written verbatim, so a body can carry what JSON.stringify
 * cannot produce (1e400, -0, 60.0, 123456789012345678901234567890, or invalid
 * tokens such as NaN). Own keys named `__proto__` are written like any other.
 */

export class Raw {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `Raw(${this.text.length > 60 ? `${this.text.slice(0, 60)}…(${this.text.length} chars)` : this.text})`;
  }
}

/** Sets an own, enumerable property, even `__proto__` (an assignment would change the prototype instead). */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function toJsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((item) => toJsonText(item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => `${JSON.stringify(key)}:${toJsonText(item)}`)
      .join(',')}}`;
  }
  // Strings (lone surrogates come out escaped as \udxxx), numbers (NaN/Infinity become null), booleans, null.
  return JSON.stringify(value);
}

/** A short, printable description of a body for failure messages. */
export function preview(text: string | Buffer, max = 600): string {
  const s = typeof text === 'string' ? text : text.toString('latin1');
  return s.length > max ? `${JSON.stringify(s.slice(0, max))}…(${s.length} chars in all)` : JSON.stringify(s);
}
