/**
 * A raw HTTP/1.1 client over node:net for the hostile-input suite: it writes
 * exactly the bytes it is given (duplicate headers, non-ASCII header bytes,
 * chunked bodies, lies in Content-Length...), signs with SigV4 when asked,
 * and reads the response until the server closes the connection. Loopback
 * only: it refuses any other host.
 */
import net from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../src/gateway/sigv4.js';

export interface WireKey {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface WireRequest {
  method?: string;
  path?: string;
  /** Header lines in order; a name may repeat. Values are sent as latin1 bytes (see latin1OfUtf8). */
  headers: Array<[string, string]>;
  body?: Buffer;
  /** Send the body with Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean;
  /** Leave out Content-Length (and chunking): only for GET-like probes. */
  noLength?: boolean;
  /** Declare this Content-Length instead of the real one. */
  declaredLength?: number;
  /** Write only this many bytes of the body, then destroy the socket (a client that hangs up). */
  hangUpAfterBodyBytes?: number;
  /** Read nothing until the whole request is written, as urllib3/botocore and http.client do. */
  readAfterWrite?: boolean;
  timeoutMs?: number;
}

export interface WireResponse {
  status: number;
  headers: Map<string, string[]>;
  text: string;
  /** Milliseconds from the first byte written to the end of the response. */
  durationMs: number;
  /** A socket error seen after (or instead of) a complete response, e.g. EPIPE while the server refused a body. */
  socketError?: string;
}

export class NoResponseError extends Error {}

/** The header value a server decoding latin1 sees for the UTF-8 bytes of `text` (how Node exposes non-ASCII header bytes). */
export function latin1OfUtf8(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export function header(response: WireResponse, name: string): string | undefined {
  return response.headers.get(name.toLowerCase())?.[0];
}

const signers = new Map<string, SignatureV4>();

/**
 * SigV4 over the header lines as the server will read them (lower-cased names;
 * a repeated name is signed with the values joined by ", ", as Node joins them).
 * Returns the authorization and x-amz-date lines to add.
 */
export async function signLines(
  key: WireKey,
  hostHeader: string,
  lines: Array<[string, string]>,
  body: Buffer,
  options: { signingDate?: Date; service?: string } = {},
): Promise<Array<[string, string]>> {
  const service = options.service ?? 'lightsail';
  const cacheKey = `${key.accessKeyId}\0${key.secretAccessKey}\0${key.region}\0${service}`;
  let signer = signers.get(cacheKey);
  if (!signer) {
    signer = new SignatureV4({
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      region: key.region,
      service,
      sha256: NodeSha256,
      uriEscapePath: true,
      applyChecksum: false,
    });
    signers.set(cacheKey, signer);
  }
  const headers: Record<string, string> = { host: hostHeader };
  for (const [name, value] of lines) {
    const lower = name.toLowerCase();
    // Node keeps the first of these and drops the rest; other repeats are joined.
    if (lower === 'content-type' || lower === 'content-length' || lower === 'authorization' || lower === 'host') {
      headers[lower] ??= value;
    } else {
      headers[lower] = headers[lower] === undefined ? value : `${headers[lower]}, ${value}`;
    }
  }
  const [hostname, port] = hostHeader.split(':');
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: hostname!, port: Number(port), path: '/', query: {}, headers, body },
    { signingDate: options.signingDate },
  );
  return [
    ['x-amz-date', signed.headers['x-amz-date']!],
    ['authorization', signed.headers.authorization!],
  ];
}

function assertLoopback(url: URL): void {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`refusing to send fuzz traffic to ${url.host}`);
}

/** Sends one request on a fresh connection (Connection: close) and reads the whole response. */
export function send(baseUrl: string, request: WireRequest): Promise<WireResponse> {
  const url = new URL(baseUrl);
  assertLoopback(url);
  const body = request.body ?? Buffer.alloc(0);
  const lines: string[] = [`${request.method ?? 'POST'} ${request.path ?? '/'} HTTP/1.1`];
  let hasHost = false;
  for (const [name, value] of request.headers) {
    if (name.toLowerCase() === 'host') hasHost = true;
    // Characters beyond latin1 go out as their UTF-8 bytes, as a real client would send them.
    lines.push(`${name}: ${/[^\u0000-\u00ff]/.test(value) ? latin1OfUtf8(value) : value}`);
  }
  if (!hasHost) lines.unshift(lines.shift()!, `host: ${url.host}`);
  if (request.chunked) lines.push('transfer-encoding: chunked');
  else if (!request.noLength) lines.push(`content-length: ${request.declaredLength ?? body.length}`);
  lines.push('connection: close');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  let payload: Buffer;
  if (request.chunked) {
    const parts: Buffer[] = [];
    const chunkSize = 64 * 1024;
    for (let offset = 0; offset < body.length; offset += chunkSize) {
      const chunk = body.subarray(offset, offset + chunkSize);
      parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`, 'latin1'), chunk, Buffer.from('\r\n', 'latin1'));
    }
    parts.push(Buffer.from('0\r\n\r\n', 'latin1'));
    payload = Buffer.concat(parts);
  } else {
    payload = body;
  }
  if (request.hangUpAfterBodyBytes !== undefined) payload = payload.subarray(0, request.hangUpAfterBodyBytes);
  const timeoutMs = request.timeoutMs ?? 20_000;

  return new Promise<WireResponse>((resolve, reject) => {
    const started = performance.now();
    const received: Buffer[] = [];
    let socketError: string | undefined;
    let settled = false;
    const socket = net.connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) });
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new NoResponseError(`no complete response within ${timeoutMs} ms (server hang?)`));
    }, timeoutMs);
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const raw = Buffer.concat(received);
      const parsed = parseResponse(raw);
      if (!parsed) {
        reject(new NoResponseError(`no parsable HTTP response (${raw.length} bytes${socketError ? `, socket error ${socketError}` : ''}): ${JSON.stringify(raw.subarray(0, 200).toString('latin1'))}`));
        return;
      }
      resolve({ ...parsed, durationMs: performance.now() - started, ...(socketError ? { socketError } : {}) });
    };
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      // A complete response with Content-Length: no need to wait for the close.
      const parsed = parseResponse(Buffer.concat(received), true);
      if (parsed) {
        finish();
        socket.destroy();
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socketError = error.code ?? error.message;
      finish();
    });
    socket.on('close', finish);
    socket.on('connect', () => {
      if (request.readAfterWrite) socket.pause();
      socket.write(head);
      socket.write(payload, () => {
        if (request.readAfterWrite) socket.resume();
      });
      if (request.hangUpAfterBodyBytes !== undefined) {
        // Give the bytes a moment to leave, then hang up without waiting for an answer.
        setTimeout(() => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          socket.destroy();
          resolve({ status: 0, headers: new Map(), text: '', durationMs: performance.now() - started });
        }, 20);
      }
    });
  });
}

/** Parses status line, headers and (Content-Length delimited, or until close) body; undefined when incomplete. */
function parseResponse(input: Buffer, requireComplete = false): Omit<WireResponse, 'durationMs'> | undefined {
  let raw = input;
  // Skip interim responses (100 Continue).
  while (/^HTTP\/1\.[01] 1\d\d /.test(raw.subarray(0, 16).toString('latin1'))) {
    const interimEnd = raw.indexOf('\r\n\r\n');
    if (interimEnd < 0) return undefined;
    raw = raw.subarray(interimEnd + 4);
  }
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
  if (!status) return undefined;
  const headers = new Map<string, string[]>();
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  let body = raw.subarray(end + 4);
  const length = headers.get('content-length')?.[0];
  if (length !== undefined) {
    if (body.length < Number(length)) {
      if (requireComplete) return undefined;
    } else {
      body = body.subarray(0, Number(length));
    }
  } else if (requireComplete) {
    return undefined;
  }
  return { status: Number(status[1]), headers, text: body.toString('utf8') };
}
