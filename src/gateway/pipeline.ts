import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ApiError,
  InvalidInputException,
  SerializationException,
  ServiceException,
  UnknownOperationException,
  notImplemented,
} from '../api/errors.js';
import { isKnownOperation, readInput } from '../api/input.js';
import { JSON_CONTENT_TYPE, toWire } from '../protocol/json.js';
import type { AuditTrail } from './audit-trail.js';
import type { FailureThrottle } from './failure-throttle.js';
import type { KnownKey, Principal } from './identities.js';
import type { RequestLog } from './request-log.js';
import { claimedAccessKeyId, type KeyLookup, type SigV4Verifier } from './sigv4.js';

export type { Principal } from './identities.js';

export const TARGET_PREFIX = 'Lightsail_20161128.';
/** berth's own signed operations (pending maintenance now...), beside Lightsail's. */
export const ADMIN_TARGET_PREFIX = 'BerthAdmin_20261127.';
export const MAX_BODY_BYTES = 1024 * 1024;
/** An oversized body is read and dropped up to this size, so the client gets its answer; beyond, the socket is cut. */
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

export interface RequestContext {
  requestId: string;
  accountId: string;
  region: string;
  operation: string;
  principal: Principal;
}

export type OperationHandler = (context: RequestContext, input: Record<string, unknown>) => Promise<object> | object;

/** What a public route answers; `headers` are added to the response (e.g. the console's security headers). */
export interface PublicResponse {
  status: number;
  contentType: string;
  body: string;
  headers?: Readonly<Record<string, string>>;
}

/**
 * Plain GET routes served without authentication (certificate bundles, health, console).
 * `path` is the normalised pathname; `target` the request-target as received (dot segments not resolved).
 */
export type PublicRoute = (path: string, target: string) => Promise<PublicResponse | undefined>;

/** What an authorization decision sees of a request whose signature and input have been checked. */
export interface AuthorizationInput {
  principal: Principal;
  operation: string;
  admin: boolean;
  accountId: string;
  region: string;
  input: Record<string, unknown>;
  sourceIp: string;
  secureTransport: boolean;
}

/** Throws AccessDeniedException when the principal may not make the request. */
export type Authorizer = (request: AuthorizationInput) => void;

export interface PipelineOptions {
  verifier: SigV4Verifier<KnownKey>;
  keys: KeyLookup<KnownKey>;
  throttle: FailureThrottle;
  authorize: Authorizer;
  audit: AuditTrail;
  accountId: string;
  isValidRegion(region: string): string | undefined;
  handlers: ReadonlyMap<string, OperationHandler>;
  /** Inputs of admin operations are not in the Lightsail model: their handlers check them. */
  adminHandlers: ReadonlyMap<string, OperationHandler>;
  publicRoutes: PublicRoute;
  log: RequestLog;
}

interface Target {
  name: string;
  admin: boolean;
  handler: OperationHandler;
}

/** One request on its way down the pipeline: each step adds what it has learnt. */
export interface Exchange {
  readonly requestId: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly sourceIp: string;
  /** The operation's name once the target is read, '-' before. */
  operation: string;
  region?: string;
  body?: Buffer;
  /** The key id the Authorization header names, checked or not. */
  claimedAccessKeyId?: string;
  /** Who signed it, from the signature check onwards. */
  principal?: Principal;
  target?: Target;
  input?: Record<string, unknown>;
  /** What was answered. */
  status: number;
  errorType?: string;
}

/** A step of the pipeline; it returns true once it has answered, and the steps after it are skipped. */
type Step = (exchange: Exchange) => Promise<boolean | void> | boolean | void;

class BodyTooLarge extends Error {
  constructor(readonly drained: boolean) {
    super('request body too large');
  }
}

/** The client went away before sending its whole request: nobody to answer. */
class ClientClosedRequest extends Error {}

/** Certificate bundles, health, metrics and the console: GET without a signature. */
const servePublicRoutes = (routes: PublicRoute): Step => async (exchange) => {
  const { req, res } = exchange;
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const target = req.url ?? '/';
  const route = await routes(new URL(target, 'http://localhost').pathname, target);
  if (!route) return false;
  exchange.status = route.status;
  res.writeHead(route.status, { ...route.headers, 'Content-Type': route.contentType, 'Content-Length': Buffer.byteLength(route.body) });
  res.end(req.method === 'HEAD' ? undefined : route.body);
  return true;
};

const requirePost: Step = ({ req }) => {
  if (req.method !== 'POST') {
    throw new UnknownOperationException(`${req.method} ${req.url} is not an operation: send POST / with an X-Amz-Target header.`);
  }
};

const readRequestBody: Step = async (exchange) => {
  exchange.body = await readBody(exchange.req);
};

/** The signature; an address or key id that keeps failing it is throttled before it is checked. */
const authenticate = (verifier: SigV4Verifier<KnownKey>, keys: KeyLookup<KnownKey>, throttle: FailureThrottle): Step => async (exchange) => {
  const { req, sourceIp } = exchange;
  const claimed = claimedAccessKeyId(req.headers);
  throttle.check(sourceIp, claimed, claimed !== undefined && keys(claimed) !== undefined);
  exchange.claimedAccessKeyId = claimed;
  try {
    const identity = await verifier.verify({ method: req.method!, url: req.url ?? '/', headers: req.headers, body: exchange.body! });
    exchange.principal = identity.key.principal;
    exchange.region = identity.region;
  } catch (error) {
    throttle.recordFailure(sourceIp, claimed);
    throw error;
  }
};

const checkRegion = (isValidRegion: (region: string) => string | undefined): Step => (exchange) => {
  const regionError = isValidRegion(exchange.region!);
  if (regionError) {
    exchange.region = undefined;
    throw new InvalidInputException(regionError, { code: 'InvalidRegion' });
  }
};

const resolveOperation = (handlers: ReadonlyMap<string, OperationHandler>, adminHandlers: ReadonlyMap<string, OperationHandler>): Step => (exchange) => {
  const { name, admin } = resolveTarget(exchange.req.headers['x-amz-target'], adminHandlers);
  exchange.operation = name;
  const handler = admin ? adminHandlers.get(name) : handlers.get(name);
  if (!handler) throw notImplemented(name);
  exchange.target = { name, admin, handler };
};

/** JSON, then the Lightsail model (admin inputs are checked by their handlers). */
const parseInput: Step = (exchange) => {
  const parsed = parseJson(exchange.body!) as Record<string, unknown>;
  exchange.input = exchange.target!.admin ? parsed : readInput(exchange.operation, parsed);
};

/** Admin operations are the root key's; everything else is as the user's policies say. */
const authorize = (authorizer: Authorizer, accountId: string): Step => (exchange) => {
  const { principal, target, req } = exchange;
  if (principal!.root) return;
  authorizer({
    principal: principal!,
    operation: exchange.operation,
    admin: target!.admin,
    accountId,
    region: exchange.region!,
    input: exchange.input!,
    sourceIp: exchange.sourceIp,
    secureTransport: 'encrypted' in req.socket && req.socket.encrypted === true,
  });
};

const invoke = (accountId: string): Step => async (exchange) => {
  const { requestId, operation, region, principal, target, input } = exchange;
  const output = await target!.handler({ requestId, accountId, region: region!, operation, principal: principal! }, input!);
  sendJson(exchange.res, 200, toWire(output));
  return true;
};

/**
 * The request pipeline: an ordered list of small steps, each of which may
 * answer and end it; an error from any step is answered as a modelled API
 * error, and every request is logged once, whatever happened.
 */
export function createPipeline(options: PipelineOptions) {
  const steps: readonly Step[] = [
    servePublicRoutes(options.publicRoutes),
    requirePost,
    readRequestBody,
    authenticate(options.verifier, options.keys, options.throttle),
    checkRegion(options.isValidRegion),
    resolveOperation(options.handlers, options.adminHandlers),
    parseInput,
    authorize(options.authorize, options.accountId),
    invoke(options.accountId),
  ];
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const exchange: Exchange = { requestId: randomUUID(), req, res, sourceIp: req.socket.remoteAddress ?? '-', operation: '-', status: 200 };
    res.setHeader('x-amzn-RequestId', exchange.requestId);
    try {
      for (const step of steps) if (await step(exchange)) break;
    } catch (error) {
      answerError(exchange, error, options.log);
    } finally {
      const { requestId, operation, region, status, errorType } = exchange;
      options.log.request({ requestId, operation, region, status, errorType, durationMs: Number(process.hrtime.bigint() - started) / 1e6 });
      audit(options, exchange);
    }
  };
}

function audit(options: PipelineOptions, exchange: Exchange): void {
  const { requestId, operation, region, principal, target, input, sourceIp, status, errorType } = exchange;
  try {
    options.audit.record({
      requestId,
      operation,
      resolved: target !== undefined,
      region,
      userName: principal?.userName,
      accessKeyId: principal?.accessKeyId ?? exchange.claimedAccessKeyId,
      sourceIp,
      input,
      status,
      errorType,
    });
  } catch (error) {
    options.log.error('could not write the audit trail', { requestId, error });
  }
}

function answerError(exchange: Exchange, error: unknown, log: RequestLog): void {
  const { res } = exchange;
  if (error instanceof ClientClosedRequest) {
    exchange.status = 499;
    res.destroy();
    return;
  }
  const apiError = toApiError(error, exchange.requestId, log);
  exchange.status = apiError.status;
  exchange.errorType = apiError.type;
  if (error instanceof BodyTooLarge && !error.drained) res.setHeader('Connection', 'close');
  res.setHeader('x-amzn-ErrorType', apiError.type);
  sendJson(res, apiError.status, apiError.toBody());
}

function resolveTarget(target: string | string[] | undefined, admin: ReadonlyMap<string, OperationHandler>): Pick<Target, 'name' | 'admin'> {
  const value = Array.isArray(target) ? target[0] : target;
  if (!value) {
    throw new UnknownOperationException('Missing X-Amz-Target header: send X-Amz-Target: Lightsail_20161128.<Operation>.');
  }
  if (value.startsWith(ADMIN_TARGET_PREFIX)) {
    const name = value.slice(ADMIN_TARGET_PREFIX.length);
    if (!admin.has(name)) throw new UnknownOperationException(`berth has no admin operation named '${name.slice(0, 128)}'.`);
    return { name, admin: true };
  }
  if (!value.startsWith(TARGET_PREFIX)) {
    throw new UnknownOperationException(`Unknown target '${value.slice(0, 128)}': targets start with ${TARGET_PREFIX}.`);
  }
  const name = value.slice(TARGET_PREFIX.length);
  if (!isKnownOperation(name)) {
    throw new UnknownOperationException(`Lightsail has no operation named '${name.slice(0, 128)}'.`);
  }
  return { name, admin: false };
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new SerializationException('The request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SerializationException('The request body must be a JSON object.');
  }
  return value;
}

/** Once a body is known to be too large, the refusal waits until the client stops sending for this long. */
const DRAIN_IDLE_MS = 1000;

/**
 * Reads the body up to the limit. A larger one is refused, but only once the
 * client has finished sending (or paused, or passed a cap): a client that
 * writes everything before it reads, even with Connection: close, then gets
 * the error instead of a reset connection.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let tooLarge = declared > MAX_BODY_BYTES;
    let idle: NodeJS.Timeout | undefined;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      outcome();
    };
    const refuseWhenQuiet = () => {
      clearTimeout(idle);
      idle = setTimeout(() => settle(() => reject(new BodyTooLarge(false))), DRAIN_IDLE_MS);
    };
    if (declared > MAX_DRAINED_BYTES) settle(() => reject(new BodyTooLarge(false)));
    else if (tooLarge) refuseWhenQuiet();
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAINED_BYTES) settle(() => reject(new BodyTooLarge(false)));
      else if (size > MAX_BODY_BYTES) tooLarge = true;
      if (tooLarge) refuseWhenQuiet();
      else chunks.push(chunk);
    });
    req.on('end', () => settle(() => (tooLarge ? reject(new BodyTooLarge(true)) : resolve(Buffer.concat(chunks)))));
    req.on('close', () => {
      if (!req.complete) settle(() => reject(new ClientClosedRequest()));
    });
    req.on('error', () => settle(() => reject(new ClientClosedRequest())));
  });
}

function toApiError(error: unknown, requestId: string, log: RequestLog): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof BodyTooLarge) {
    return new InvalidInputException(`The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.`, {
      code: 'RequestEntityTooLarge',
    });
  }
  log.error('unhandled error', { requestId, error });
  return new ServiceException(`An internal error occurred (request id ${requestId}).`);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': JSON_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
