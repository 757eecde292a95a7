// AWS Signature Version 4 over WebCrypto (HMAC-SHA256, SHA-256).
// No DOM: runs in a browser tab and under Node 20 (globalThis.crypto.subtle).
// The secret never leaves this module's callers: only signatures are sent.

const ALGORITHM = 'AWS4-HMAC-SHA256';
const encoder = new TextEncoder();

function subtle() {
  const api = globalThis.crypto?.subtle;
  if (!api) {
    throw new Error(
      'WebCrypto (crypto.subtle) is unavailable: browsers offer it only in secure contexts. ' +
        'Open the console through http://127.0.0.1 or http://localhost (e.g. an SSH tunnel) or over HTTPS.',
    );
  }
  return api;
}

function bytes(data) {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

export function toHex(buffer) {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Lower-case hex SHA-256 of a string (UTF-8) or bytes. */
export async function sha256Hex(data) {
  return toHex(await subtle().digest('SHA-256', bytes(data)));
}

/** HMAC-SHA256 of `data` under `key` (string or bytes); resolves an ArrayBuffer. */
export async function hmacSha256(key, data) {
  const cryptoKey = await subtle().importKey('raw', bytes(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return subtle().sign('HMAC', cryptoKey, bytes(data));
}

/** The signing key: HMAC chain over date, region, service and "aws4_request". */
export async function deriveSigningKey(secretAccessKey, dateStamp, region, service) {
  const dateKey = await hmacSha256(`AWS4${secretAccessKey}`, dateStamp);
  const regionKey = await hmacSha256(new Uint8Array(dateKey), region);
  const serviceKey = await hmacSha256(new Uint8Array(regionKey), service);
  return hmacSha256(new Uint8Array(serviceKey), 'aws4_request');
}

/** 2015-08-30T12:36:00.000Z → 20150830T123600Z */
export function amzDate(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ */
export function uriEncode(value) {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The canonical URI of a (percent-encoded) path for services other than S3:
 * dot segments resolved, empty segments dropped, each segment encoded again.
 */
export function canonicalUri(pathname) {
  const segments = [];
  for (const segment of pathname.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(segment));
  }
  const trailing = segments.length > 0 && pathname.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

/** Query pairs encoded, then sorted by name and value. */
export function canonicalQuery(searchParams) {
  const pairs = [];
  for (const [name, value] of searchParams) pairs.push([uriEncode(name), uriEncode(value)]);
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function canonicalHeaderValue(value) {
  return String(value).trim().replace(/\s+/g, ' ');
}

/**
 * Signs one HTTP request.
 *   request:     { method, url (absolute string or URL), headers: { name: value }, body: string }
 *   credentials: { accessKeyId, secretAccessKey }
 *   scope:       { region, service, date?: Date }
 * Resolves the headers to send: the given ones plus x-amz-date,
 * x-amz-content-sha256 and authorization. Every given header and host (from
 * the URL, as fetch sends it) is signed; host itself is not returned, since
 * browsers refuse to set it.
 */
export async function signRequest(request, credentials, scope) {
  const url = new URL(request.url);
  const body = request.body ?? '';
  const date = scope.date ?? new Date();
  const timestamp = amzDate(date);
  const dateStamp = timestamp.slice(0, 8);
  const payloadHash = await sha256Hex(body);

  const toSend = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (name.toLowerCase() !== 'host') toSend[name.toLowerCase()] = String(value);
  }
  toSend['x-amz-date'] = timestamp;
  toSend['x-amz-content-sha256'] = payloadHash;

  const signed = { ...toSend, host: url.host };
  const names = Object.keys(signed).sort();
  const canonicalHeaders = names.map((name) => `${name}:${canonicalHeaderValue(signed[name])}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(url.searchParams),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');

  const credentialScope = `${dateStamp}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, timestamp, credentialScope, await sha256Hex(canonicalRequest)].join('\n');
  const key = await deriveSigningKey(credentials.secretAccessKey, dateStamp, scope.region, scope.service);
  const signature = toHex(await hmacSha256(new Uint8Array(key), stringToSign));

  toSend.authorization =
    `${ALGORITHM} Credential=${credentials.accessKeyId}/${credentialScope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return toSend;
}
