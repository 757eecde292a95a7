/**
 * berth's admin operations for users, their access keys and policies, and
 * the audit trail. The pipeline lets only the root key call them.
 */
import { InvalidInputException, NotFoundException } from '../api/errors.js';
import { randomAccessKey } from '../gateway/credentials.js';
import { ROOT_USER_NAME } from '../gateway/identities.js';
import type { OperationHandler } from '../gateway/pipeline.js';
import { parsePolicy, PolicyError } from '../iam/index.js';
import type { UserRecord } from '../store/index.js';
import type { ServiceContext } from './context.js';

/** IAM's user names: 1 to 64 of letters, digits and + = , . @ _ - */
const USER_NAME_PATTERN = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
/** As IAM: at most two access keys per user, so one can replace the other. */
export const MAX_KEYS_PER_USER = 2;
const DEFAULT_AUDIT_LIMIT = 1000;
const MAX_AUDIT_LIMIT = 10_000;

type Input = Record<string, unknown>;

function userNameOf(input: Input): string {
  const name = input.userName;
  if (typeof name !== 'string' || !USER_NAME_PATTERN.test(name)) {
    throw new InvalidInputException(
      `userName must be 1 to 64 letters, digits or any of + = , . @ _ -; got ${name === undefined ? 'nothing' : JSON.stringify(name).slice(0, 80)}.`,
    );
  }
  return name;
}

/** The policy as sent (JSON text), checked now so a malformed one is refused when set, not at the first request. */
function policyOf(input: Input, required: boolean): string | undefined {
  const document = input.policyDocument;
  if (document === undefined && !required) return undefined;
  if (typeof document !== 'string') throw new InvalidInputException('policyDocument must be the policy as a JSON string.', { code: 'MalformedPolicyDocument' });
  try {
    parsePolicy(document);
  } catch (error) {
    if (error instanceof PolicyError) throw new InvalidInputException(`The policy is malformed: ${error.message}`, { code: 'MalformedPolicyDocument' });
    throw error;
  }
  return document;
}

function requireUser(context: ServiceContext, name: string): UserRecord {
  const user = context.store.users.find(name);
  if (!user) throw new NotFoundException(`The user does not exist: ${name}`, { tip: 'berth users list shows the users.' });
  return user;
}

function newKey(context: ServiceContext, userName: string) {
  const { accessKeyId, secretAccessKey } = randomAccessKey();
  const record = context.store.users.addKey(userName, accessKeyId, secretAccessKey);
  return { userName, accessKeyId: record.accessKeyId, secretAccessKey, createdAt: new Date(record.createdAt * 1000) };
}

function userShape(context: ServiceContext, user: UserRecord) {
  return {
    userName: user.name,
    createdAt: new Date(user.createdAt * 1000),
    accessKeyIds: context.store.users.keysOf(user.name).map((key) => key.accessKeyId),
    ...(user.policyJson === undefined ? {} : { policyDocument: user.policyJson }),
  };
}

/** Changes to users and keys take effect on the next request. */
function changing<T>(context: ServiceContext, work: () => T): T {
  try {
    return context.store.transaction(work);
  } finally {
    context.identities.invalidate();
  }
}

export function createUser(context: ServiceContext, input: Input) {
  const name = userNameOf(input);
  const policy = policyOf(input, false);
  if (name === ROOT_USER_NAME) throw new InvalidInputException(`The user name ${ROOT_USER_NAME} is the root key's.`, { code: 'ReservedName' });
  return changing(context, () => {
    if (context.store.users.find(name)) throw new InvalidInputException(`A user named ${name} already exists.`, { code: 'AlreadyExists' });
    const user = context.store.users.create(name, policy);
    return { user: userShape(context, user), accessKey: newKey(context, name) };
  });
}

export function deleteUser(context: ServiceContext, input: Input) {
  const name = userNameOf(input);
  return changing(context, () => {
    requireUser(context, name);
    context.store.users.delete(name);
    return {};
  });
}

export function putUserPolicy(context: ServiceContext, input: Input) {
  const name = userNameOf(input);
  const policy = policyOf(input, true);
  return changing(context, () => {
    requireUser(context, name);
    context.store.users.setPolicy(name, policy);
    return { user: userShape(context, context.store.users.find(name)!) };
  });
}

export function createAccessKey(context: ServiceContext, input: Input) {
  const name = userNameOf(input);
  return changing(context, () => {
    requireUser(context, name);
    if (context.store.users.keysOf(name).length >= MAX_KEYS_PER_USER) {
      throw new InvalidInputException(`The user ${name} has ${MAX_KEYS_PER_USER} access keys already, the most a user can have: delete one first.`, {
        code: 'LimitExceeded',
      });
    }
    return { accessKey: newKey(context, name) };
  });
}

export function deleteAccessKey(context: ServiceContext, input: Input) {
  const name = userNameOf(input);
  const accessKeyId = input.accessKeyId;
  if (typeof accessKeyId !== 'string' || accessKeyId.length === 0) throw new InvalidInputException('accessKeyId must be the id of one of the user\'s keys.');
  return changing(context, () => {
    requireUser(context, name);
    if (!context.store.users.keysOf(name).some((key) => key.accessKeyId === accessKeyId)) {
      throw new NotFoundException(`The user ${name} has no access key ${accessKeyId.slice(0, 128)}.`, { tip: 'berth keys list <user> shows its keys.' });
    }
    context.store.users.deleteKey(accessKeyId);
    return {};
  });
}

export function listAccessKeys(context: ServiceContext, input: Input) {
  const name = userNameOf(input);
  requireUser(context, name);
  return {
    accessKeys: context.store.users.keysOf(name).map((key) => ({ userName: name, accessKeyId: key.accessKeyId, createdAt: new Date(key.createdAt * 1000) })),
  };
}

function epochSecondsOf(value: unknown, member: string): number | undefined {
  if (value === undefined) return undefined;
  const time = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(time)) throw new InvalidInputException(`${member} must be a time (ISO 8601 or epoch seconds).`);
  return time / 1000;
}

export function getAuditEvents(context: ServiceContext, input: Input) {
  const limit = input.limit ?? DEFAULT_AUDIT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_LIMIT) {
    throw new InvalidInputException(`limit must be a whole number from 1 to ${MAX_AUDIT_LIMIT}.`);
  }
  for (const member of ['userName', 'resourceName'] as const) {
    if (input[member] !== undefined && typeof input[member] !== 'string') throw new InvalidInputException(`${member} must be a string.`);
  }
  const events = context.store.audit.list({
    userName: input.userName as string | undefined,
    resource: input.resourceName as string | undefined,
    since: epochSecondsOf(input.since, 'since'),
    until: epochSecondsOf(input.until, 'until'),
    limit,
  });
  return { auditEvents: events.map(({ at, ...event }) => ({ time: new Date(at * 1000), ...event })) };
}

export function userHandlers(context: ServiceContext): Array<[string, OperationHandler]> {
  return [
    ['CreateUser', (_request, input) => createUser(context, input)],
    ['ListUsers', () => ({ users: context.store.users.list().map((user) => userShape(context, user)) })],
    ['DeleteUser', (_request, input) => deleteUser(context, input)],
    ['PutUserPolicy', (_request, input) => putUserPolicy(context, input)],
    ['CreateAccessKey', (_request, input) => createAccessKey(context, input)],
    ['ListAccessKeys', (_request, input) => listAccessKeys(context, input)],
    ['DeleteAccessKey', (_request, input) => deleteAccessKey(context, input)],
    ['GetAuditEvents', (_request, input) => getAuditEvents(context, input)],
  ];
}
