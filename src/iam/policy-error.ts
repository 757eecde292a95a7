/** A policy document was refused; the message says what is wrong and what is allowed. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

const MAX_QUOTED_LENGTH = 60;

/** A JSON-quoted string for an error message, shortened so a huge input cannot make a huge message. */
export function quote(text: string): string {
  const shortened = text.length > MAX_QUOTED_LENGTH ? `${text.slice(0, MAX_QUOTED_LENGTH)}…` : text;
  return JSON.stringify(shortened);
}

/** How a refused JSON value reads in a message: `"allow"`, `the number 5`, `an array`, `null`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(typeof value);
}

/** A JSON-path segment for an object key: `.Effect`, or `["aws:username"]` for keys that are not identifiers. */
export function keyPath(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${quote(key)}]`;
}

/** "A, B and C" */
export function listOf(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

const MAX_SUGGESTION_INPUT = 40;

/** ` Did you mean "Action"?` when `name` is a near miss (case or a typo or two) of a candidate, else ''. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  if (name.length > MAX_SUGGESTION_INPUT) return '';
  const lower = name.toLowerCase();
  const sameButCase = candidates.find((candidate) => candidate.toLowerCase() === lower);
  const close = sameButCase ?? candidates.find((candidate) => editDistance(candidate.toLowerCase(), lower) <= 2);
  return close === undefined ? '' : ` Did you mean ${quote(close)}?`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
