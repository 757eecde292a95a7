// A small client of berth's signed API (AWS JSON 1.1 at POST /), signed in
// the caller with ./sigv4.js. No DOM: usable from the console and from Node.

import { signRequest } from './sigv4.js';

export const TARGET_PREFIX = 'Lightsail_20161128.';
export const SERVICE = 'lightsail';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** Guard against a server that keeps answering with a next page. */
const MAX_PAGES = 200;

/** An error answer of the API, with the members berth sends (never swallowed). */
export class ApiError extends Error {
  constructor({ status, type, code, message, tip, requestId }) {
    super(message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    this.code = code;
    this.tip = tip;
    this.requestId = requestId;
  }
}

/**
 * options: { accessKeyId, secretAccessKey, region, endpoint? }
 * endpoint defaults to the page's origin: the console calls the berth that served it.
 */
export function createClient(options) {
  const endpoint = new URL('/', options.endpoint ?? globalThis.location.origin).href;
  const credentials = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey };
  const scope = { region: options.region, service: SERVICE };

  /** `operation`: a Lightsail operation name, or a whole target (berth's own admin operations: `BerthAdmin_20261127.…`). */
  async function call(operation, input = {}) {
    const body = JSON.stringify(input);
    const target = operation.includes('.') ? operation : TARGET_PREFIX + operation;
    const headers = await signRequest(
      { method: 'POST', url: endpoint, headers: { 'content-type': CONTENT_TYPE, 'x-amz-target': target }, body },
      credentials,
      { ...scope, date: new Date() },
    );
    let response;
    try {
      response = await fetch(endpoint, { method: 'POST', headers, body, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
    } catch (error) {
      throw new ApiError({ status: 0, type: 'NetworkError', code: 'NetworkError', message: `${operation}: ${error?.message ?? error}` });
    }
    const text = await response.text();
    let parsed;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok || parsed === undefined) {
      throw new ApiError({
        status: response.status,
        type: parsed?.__type ?? `HTTP ${response.status}`,
        code: parsed?.code ?? '',
        message: parsed?.message ?? (text.slice(0, 500) || response.statusText),
        tip: parsed?.tip,
        requestId: response.headers.get('x-amzn-requestid') ?? undefined,
      });
    }
    return parsed;
  }

  /** Every item of a paged list: follows nextPageToken until the last page. */
  async function all(operation, input, listKey) {
    const items = [];
    let pageToken;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const output = await call(operation, pageToken === undefined ? input : { ...input, pageToken });
      items.push(...(output[listKey] ?? []));
      pageToken = output.nextPageToken;
      if (!pageToken) return items;
    }
    throw new ApiError({ status: 0, type: 'ConsoleError', code: 'TooManyPages', message: `${operation} returned more than ${MAX_PAGES} pages.` });
  }

  return { call, all, region: options.region, accessKeyId: options.accessKeyId };
}
