/**
 * How a caller-supplied value is shown inside an error message: quoted,
 * truncated, with control and non-ASCII-printable characters escaped so a
 * message can never break a log line or a terminal.
 */

const MAX_SHOWN = 64;

/** `'value'`, truncated to 64 characters, with unprintable characters as `\uXXXX`. */
export function quote(value: string): string {
  const chars = [...value];
  const shown = chars.length > MAX_SHOWN ? chars.slice(0, MAX_SHOWN) : chars;
  const body = shown.map(escapeChar).join('');
  return `'${body}${chars.length > MAX_SHOWN ? `...' (${chars.length} characters)` : "'"}`;
}

function escapeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  // C0/C1 controls, DEL, line/paragraph separators, BOM, bidi controls.
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff ||
    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
    return `\\u${cp.toString(16).padStart(4, '0')}`;
  }
  if (ch === '\\') return '\\\\';
  if (ch === "'") return "\\'";
  return ch;
}

/** A short name of the JSON type of `value`, for "expected a string, got ..." messages. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'a boolean';
    case 'object': return 'an object';
    default: return typeof value;
  }
}
