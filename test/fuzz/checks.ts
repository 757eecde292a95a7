/**
 * What every response of the hostile-input suite must satisfy, and what the
 * store may look like afterwards.
 */
import { diffStates, type StoreState, type StoreView } from './store-view.js';
import type { Expectation } from './model-cases.js';
import { header, type WireResponse } from './wire.js';
import { preview } from './json-text.js';

/** The exceptions of the Lightsail model that are client faults (ServiceException is a 500, never acceptable here). */
export const MODELLED_CLIENT_ERRORS = [
  'AccessDeniedException',
  'AccountSetupInProgressException',
  'InvalidInputException',
  'NotFoundException',
  'OperationFailureException',
  'RegionSetupInProgressException',
  'UnauthenticatedException',
] as const;
export const FRONT_END_ERRORS = ['UnknownOperationException', 'SerializationException'] as const;
export const AUTH_ERRORS = ['UnauthenticatedException', 'AccessDeniedException'] as const;
/** What a correctly signed request may answer. */
export const SIGNED_ERRORS = ['InvalidInputException', 'NotFoundException', 'OperationFailureException', ...FRONT_END_ERRORS] as const;

export class PropertyViolation extends Error {}

export interface ResponseRules {
  /** Error types allowed in this case. */
  errors: readonly string[];
  /** May it answer 200? */
  success: boolean;
  /** Node's HTTP parser may refuse the request itself (400/431 without a JSON body): malformed HTTP, oversized headers. */
  transport?: boolean;
  /** Strings the server must not reveal: its data dir, the repository, ... */
  secrets: readonly string[];
  /** What was sent, for the failure message. */
  sent: string;
  /** Skip the server-path check on a 200 (GetRelationalDatabaseLogEvents: covered by its own test). */
  pathsInSuccess?: boolean;
}

/** A stack frame: `at fn (/path/file.js:12:3)` or `at /path/file.ts:12`. */
const STACK_FRAME = /\bat (?:[^\s()]+ )?\(?(?:file:\/\/)?\/[^\s()"]*\.(?:[cm]?js|ts):\d+/;
const SERVER_PATHS = /\/(?:node_modules|dist\/src|src\/(?:gateway|services|api|store|control|engines|domain))\//;

export function checkResponse(response: WireResponse, rules: ResponseRules): { type?: string; json?: Record<string, unknown> } {
  const fail = (problem: string): never => {
    throw new PropertyViolation(
      `${problem}\n  sent: ${rules.sent}\n  got: ${response.status} ${JSON.stringify(Object.fromEntries(response.headers))} ${preview(response.text, 1500)}`,
    );
  };
  if (response.status >= 500) fail(`a ${response.status} answer`);
  if (response.status < 200) fail(`no proper status (${response.status})`);
  if (STACK_FRAME.test(response.text)) fail('a stack trace on the wire');
  if (SERVER_PATHS.test(response.text)) fail('a server source path on the wire');
  if (!(response.status === 200 && rules.pathsInSuccess)) {
    for (const secret of rules.secrets) if (secret && response.text.includes(secret)) fail(`the server path ${secret} on the wire`);
  }

  const isJson = header(response, 'content-type') === 'application/x-amz-json-1.1';
  if (!isJson) {
    if (rules.transport && (response.status === 400 || response.status === 431 || response.status === 413) && response.text.length === 0) return {};
    fail('an answer that is not application/x-amz-json-1.1');
  }
  if (!header(response, 'x-amzn-requestid')) fail('no x-amzn-RequestId');
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch {
    fail('a body that is not JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('a body that is not a JSON object');
  const body = json as Record<string, unknown>;
  if (response.status === 200) {
    if (!rules.success) fail('a success for a request that must be refused');
    if ('__type' in body) fail('a 200 carrying __type');
    return { json: body };
  }
  const type = body.__type;
  if (typeof type !== 'string') fail('an error without __type');
  if (![...MODELLED_CLIENT_ERRORS, ...FRONT_END_ERRORS].includes(type as never)) fail(`error type ${String(type)} is neither modelled nor a front-end error`);
  if (!rules.errors.includes(type as string)) fail(`error type ${String(type)}, expected one of ${rules.errors.join(', ')}`);
  for (const member of ['message', 'code', 'tip', 'docs']) {
    if (typeof body[member] !== 'string') fail(`error member ${member} is not a string`);
  }
  if (!/^https:\/\//.test(body.docs as string)) fail('docs is not a URL');
  if (header(response, 'x-amzn-errortype') !== type) fail(`x-amzn-ErrorType ${header(response, 'x-amzn-errortype')} differs from __type ${String(type)}`);
  const expectedStatus: Record<string, number> = {
    InvalidInputException: 400,
    NotFoundException: 404,
    OperationFailureException: 400,
    AccessDeniedException: 403,
    UnauthenticatedException: 401,
    UnknownOperationException: 400,
    SerializationException: 400,
  };
  const status = expectedStatus[type as string];
  if (status !== undefined && status !== response.status) fail(`${String(type)} with HTTP ${response.status}, the model says ${status}`);
  return { type: type as string, json: body };
}

/**
 * The store after a request: unchanged, unless the request succeeded and its
 * operation documents a change (TagResource/UntagResource: the tags of that
 * resource and one Succeeded operation record).
 */
export function checkStore(
  view: StoreView,
  before: StoreState,
  after: StoreState,
  outcome: { status: number; expectation: Expectation; operation: string; bodyText: string; region: string; sent: string },
): void {
  const fail = (problem: string): never => {
    throw new PropertyViolation(`${problem}\n  sent: ${outcome.sent}\n  status: ${outcome.status}`);
  };
  const tagging = outcome.status === 200 && (outcome.expectation === 'tag' || outcome.expectation === 'untag');
  if (!tagging) {
    const diff = diffStates(before, after);
    if (diff.length > 0) fail(`the store changed on a ${outcome.status === 200 ? 'read' : 'refused request'}:\n    ${diff.join('\n    ')}`);
    return;
  }
  const input = JSON.parse(outcome.bodyText) as { resourceName: string; tags?: Array<{ key: string; value?: string | null }>; tagKeys?: string[] };
  const id = view.resourceIds().get(`${outcome.region}/${input.resourceName}`);
  if (!id) fail(`tagging succeeded on ${input.resourceName}, which the store does not have`);
  const current = new Map(before.tags.filter((tag) => tag.resourceId === id).map((tag) => [tag.key, tag.value]));
  if (outcome.expectation === 'tag') for (const tag of input.tags ?? []) current.set(tag.key, tag.value ?? null);
  else for (const key of input.tagKeys ?? []) current.delete(key);
  const expectedTags = [
    ...before.tags.filter((tag) => tag.resourceId !== id),
    ...[...current].map(([key, value]) => ({ resourceId: id!, key, value })),
  ]
    .map((tag) => JSON.stringify([tag.resourceId, tag.key, tag.value]))
    .sort();
  const actualTags = after.tags.map((tag) => JSON.stringify([tag.resourceId, tag.key, tag.value])).sort();
  if (JSON.stringify(expectedTags) !== JSON.stringify(actualTags)) {
    fail(`tags after ${outcome.operation}: expected ${JSON.stringify(expectedTags).slice(0, 1500)}, found ${JSON.stringify(actualTags).slice(0, 1500)}`);
  }
  const rest = diffStates({ ...before, tags: [], operations: { ...before.operations, digest: [] } }, { ...after, tags: [], operations: { ...after.operations, digest: [] } });
  if (rest.length > 0) fail(`${outcome.operation} changed more than tags:\n    ${rest.join('\n    ')}`);
  const missing = before.operations.digest.filter((row) => !after.operations.digest.includes(row));
  if (missing.length > 0) fail(`${outcome.operation} changed existing operations: ${missing.join(', ')}`);
  const added = view.operationsAfter(before.operations.maxSeq);
  if (added.length !== 1 || after.operations.count !== before.operations.count + 1) {
    fail(`${outcome.operation} recorded ${added.length} operations: ${JSON.stringify(added)}`);
  }
  const [operation] = added;
  if (operation!.operation_type !== outcome.operation || operation!.resource_name !== input.resourceName || operation!.status !== 'Succeeded') {
    fail(`${outcome.operation} recorded ${JSON.stringify(operation)}`);
  }
}
