/**
 * Authorization of users' requests as IAM does it for Lightsail: the action
 * `lightsail:<Operation>`, the ARN of the resource it acts on, and the
 * condition keys the Lightsail developer guide gives each operation
 * (request tags for creates, resource tags for changes of a resource).
 */
import { AccessDeniedException } from '../api/errors.js';
import type { AuthorizationInput, Authorizer } from '../gateway/pipeline.js';
import { contextValues, evaluate, type ContextValue } from '../iam/index.js';
import type { Scope } from '../store/index.js';
import type { ServiceContext } from './context.js';

interface Resource {
  arn: string;
  /** The resource's tags, when it exists. */
  tags?: Record<string, string>;
}

/** What an operation acts on, and which tags its conditions see. */
interface AccessTarget {
  resource: Resource;
  requestTags?: Array<{ key?: string; value?: string }>;
  /** Tag keys of the request (aws:TagKeys) when they are not those of requestTags (UntagResource). */
  tagKeys?: string[];
  /** Whether aws:ResourceTag/* is given (creates of a new resource see only request tags). */
  withResourceTags: boolean;
}

/** The operations that act on a named database and see its tags. */
const ON_DATABASE = new Set([
  'GetRelationalDatabase',
  'DeleteRelationalDatabase',
  'StartRelationalDatabase',
  'StopRelationalDatabase',
  'RebootRelationalDatabase',
  'UpdateRelationalDatabase',
  'UpdateRelationalDatabaseParameters',
  'GetRelationalDatabaseMasterUserPassword',
  'GetRelationalDatabaseEvents',
  'GetRelationalDatabaseMetricData',
  'GetRelationalDatabaseLogStreams',
  'GetRelationalDatabaseLogEvents',
  'GetRelationalDatabaseParameters',
]);
const ON_SNAPSHOT = new Set(['GetRelationalDatabaseSnapshot', 'DeleteRelationalDatabaseSnapshot']);
/**
 * berth's own read-only views of one database (the console's HA, backups and
 * parameters tabs): a policy may allow them as `berth:<Operation>` on the
 * database, by its tags. Every other admin operation is the root key's.
 */
export const USER_ADMIN_READS: ReadonlySet<string> = new Set([
  'GetRelationalDatabaseHighAvailability',
  'GetRelationalDatabaseBackups',
  'GetRelationalDatabasePendingParameters',
]);

type Input = Record<string, unknown>;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const tagList = (value: unknown) => (Array.isArray(value) ? (value as Array<{ key?: string; value?: string }>) : []);

export function accessControl(context: ServiceContext): Authorizer {
  const tagsOf = (id: string) => Object.fromEntries(context.store.tags.list(id).map((tag) => [tag.key, tag.value ?? '']));
  const resourceOf = (found: { id: string; arn: string } | undefined, scope: Scope, type: 'RelationalDatabase' | 'RelationalDatabaseSnapshot'): Resource =>
    found ? { arn: found.arn, tags: tagsOf(found.id) } : { arn: arnOf(scope, type) };
  const findDatabase = (scope: Scope, name: string | undefined) => (name === undefined ? undefined : context.store.databases.findByName(scope, name));
  const database = (scope: Scope, name: string | undefined): Resource => resourceOf(findDatabase(scope, name), scope, 'RelationalDatabase');
  const snapshot = (scope: Scope, name: string | undefined): Resource =>
    resourceOf(name === undefined ? undefined : context.store.snapshots.findByName(scope, name), scope, 'RelationalDatabaseSnapshot');
  /** A database of that name, else a snapshot (as TagResource finds its resource), looked up once. */
  const anyResource = (scope: Scope, name: string | undefined): Resource => {
    const found = findDatabase(scope, name);
    return found ? resourceOf(found, scope, 'RelationalDatabase') : snapshot(scope, name);
  };

  const targetOf = (operation: string, scope: Scope, input: Input): AccessTarget => {
    if (ON_DATABASE.has(operation) || USER_ADMIN_READS.has(operation)) return { resource: database(scope, text(input.relationalDatabaseName)), withResourceTags: true };
    if (ON_SNAPSHOT.has(operation)) return { resource: snapshot(scope, text(input.relationalDatabaseSnapshotName)), withResourceTags: true };
    switch (operation) {
      case 'CreateRelationalDatabase':
        return { resource: { arn: arnOf(scope, 'RelationalDatabase') }, requestTags: tagList(input.tags), withResourceTags: false };
      case 'CreateRelationalDatabaseSnapshot':
        return { resource: { arn: database(scope, text(input.relationalDatabaseName)).arn }, requestTags: tagList(input.tags), withResourceTags: false };
      case 'CreateRelationalDatabaseFromSnapshot': {
        const source = input.relationalDatabaseSnapshotName !== undefined
          ? snapshot(scope, text(input.relationalDatabaseSnapshotName))
          : database(scope, text(input.sourceRelationalDatabaseName));
        return { resource: source, requestTags: tagList(input.tags), withResourceTags: true };
      }
      case 'TagResource':
        return { resource: anyResource(scope, text(input.resourceName)), requestTags: tagList(input.tags), withResourceTags: true };
      case 'UntagResource':
        return {
          resource: anyResource(scope, text(input.resourceName)),
          tagKeys: (Array.isArray(input.tagKeys) ? input.tagKeys : []).filter((key): key is string => typeof key === 'string'),
          withResourceTags: true,
        };
      case 'GetOperationsForResource':
        return { resource: anyResource(scope, text(input.resourceName)), withResourceTags: true };
      default:
        return { resource: { arn: '*' }, withResourceTags: false };
    }
  };

  return (request: AuthorizationInput) => {
    const { principal, operation, accountId, region } = request;
    const action = request.admin ? `berth:${operation}` : `lightsail:${operation}`;
    const scope = { accountId, region };
    if (request.admin && !USER_ADMIN_READS.has(operation)) {
      throw denial(accountId, principal.userName, action, '*', 'because the admin operations of berth are for the root key only');
    }
    const target = targetOf(operation, scope, request.input);
    const values: Record<string, ContextValue | undefined> = {
      'aws:SourceIp': request.sourceIp,
      'aws:SecureTransport': String(request.secureTransport),
      'aws:CurrentTime': context.clock.now().toISOString(),
      'aws:EpochTime': String(Math.floor(context.clock.now().getTime() / 1000)),
      'aws:username': principal.userName,
    };
    if (target.withResourceTags) {
      for (const [key, value] of Object.entries(target.resource.tags ?? {})) values[`aws:ResourceTag/${key}`] = value;
    }
    if (target.requestTags) {
      for (const tag of target.requestTags) if (typeof tag.key === 'string') values[`aws:RequestTag/${tag.key}`] = tag.value ?? '';
      values['aws:TagKeys'] = target.requestTags.flatMap((tag) => (typeof tag.key === 'string' ? [tag.key] : []));
    }
    if (target.tagKeys) values['aws:TagKeys'] = target.tagKeys;
    const decision = evaluate(principal.policies, { action, resource: target.resource.arn, context: contextValues(values) });
    if (decision.effect === 'Allow') return;
    const why = decision.effect === 'ExplicitDeny'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${action} action`;
    throw denial(accountId, principal.userName, action, target.resource.arn, why);
  };
}

/** A resource that does not exist (yet) has no id: its ARN is the type's, which `*` and `<type>/*` match. */
function arnOf(scope: Scope, type: 'RelationalDatabase' | 'RelationalDatabaseSnapshot'): string {
  return `arn:aws:lightsail:${scope.region}:${scope.accountId}:${type}/*`;
}

function denial(accountId: string, userName: string, action: string, resource: string, why: string): AccessDeniedException {
  return new AccessDeniedException(
    `User: arn:aws:iam::${accountId}:user/${userName} is not authorized to perform: ${action} on resource: ${resource} ${why}.`,
    { code: 'AccessDenied', tip: 'Ask the operator of this berth to allow the action in your policy (berth users set-policy).' },
  );
}
