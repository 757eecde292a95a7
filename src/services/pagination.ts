import { InvalidInputException } from '../api/errors.js';

/**
 * Opaque page tokens: base64url JSON of where the next page starts. A token
 * is tied to the operation that issued it, so it cannot be replayed elsewhere.
 */
export function encodePageToken(operation: string, position: string | number): string {
  return Buffer.from(JSON.stringify({ o: operation, p: position }), 'utf8').toString('base64url');
}

export function decodePageToken(operation: string, token: unknown): string | number | undefined {
  if (token === undefined) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { o?: unknown; p?: unknown };
    if (decoded.o === operation && (typeof decoded.p === 'string' || typeof decoded.p === 'number')) return decoded.p;
  } catch {
    // fall through to the error below
  }
  throw new InvalidInputException(`The pageToken is not valid for ${operation}: pass the nextPageToken of a previous ${operation} response.`, {
    code: 'InvalidPageToken',
  });
}

/** Pages an in-memory list (small catalogues) with an index token. */
export function pageOf<T>(operation: string, items: readonly T[], token: unknown, pageSize: number): { items: T[]; nextPageToken?: string } {
  const start = token === undefined ? 0 : Number(decodePageToken(operation, token));
  if (!Number.isInteger(start) || start < 0 || start > items.length) {
    throw new InvalidInputException(`The pageToken is not valid for ${operation}.`, { code: 'InvalidPageToken' });
  }
  const page = items.slice(start, start + pageSize);
  const next = start + page.length;
  return next < items.length ? { items: page, nextPageToken: encodePageToken(operation, next) } : { items: page };
}
