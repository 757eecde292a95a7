import type { Operation, TagResourceRequest, UntagResourceRequest } from '@aws-sdk/client-lightsail';
import { InvalidInputException } from '../api/errors.js';
import { mergeTags, validateTagKeys, validateTags } from '../domain/index.js';
import type { RequestContext } from '../gateway/pipeline.js';
import type { Scope } from '../store/index.js';
import { notFound, scopeOf, type ServiceContext } from './context.js';
import { operationShape } from './shapes.js';

interface TaggableResource {
  id: string;
  name: string;
  arn: string;
  resourceType: 'RelationalDatabase' | 'RelationalDatabaseSnapshot';
  availabilityZone: string;
}

function findResource(context: ServiceContext, scope: Scope, name: string, arn: string | undefined): TaggableResource {
  const database = context.store.databases.findByName(scope, name);
  const snapshot = database ? undefined : context.store.snapshots.findByName(scope, name);
  const resource: TaggableResource | undefined = database
    ? { id: database.id, name: database.name, arn: database.arn, resourceType: 'RelationalDatabase', availabilityZone: database.availabilityZone }
    : snapshot && { id: snapshot.id, name: snapshot.name, arn: snapshot.arn, resourceType: 'RelationalDatabaseSnapshot', availabilityZone: 'all' };
  if (!resource) {
    throw notFound('resource', name, 'Tags apply to relational databases and their snapshots in this Region; check the resource name.');
  }
  if (arn !== undefined && arn !== resource.arn) {
    throw new InvalidInputException(`resourceArn ${arn.slice(0, 256)} is not the ARN of ${name} (${resource.arn}).`);
  }
  return resource;
}

function recordTagOperation(context: ServiceContext, scope: Scope, resource: TaggableResource, operationType: string): Operation {
  const operation = context.store.operations.create(scope, {
    resourceName: resource.name,
    resourceType: resource.resourceType,
    operationType,
    availabilityZone: resource.availabilityZone,
    status: 'Succeeded',
  });
  return operationShape(operation);
}

/** Upserts tags by key; sending the same tags twice is harmless (Terraform does). */
export function tagResource(context: ServiceContext, request: RequestContext, input: TagResourceRequest): { operations: Operation[] } {
  const scope = scopeOf(request);
  const resource = findResource(context, scope, input.resourceName!, input.resourceArn);
  const added = validateTags(input.tags);
  const operation = context.store.transaction(() => {
    mergeTags(context.store.tags.list(resource.id), added);
    context.store.tags.put(resource.id, added);
    return recordTagOperation(context, scope, resource, 'TagResource');
  });
  return { operations: [operation] };
}

export function untagResource(context: ServiceContext, request: RequestContext, input: UntagResourceRequest): { operations: Operation[] } {
  const scope = scopeOf(request);
  const resource = findResource(context, scope, input.resourceName!, input.resourceArn);
  const keys = validateTagKeys(input.tagKeys);
  const operation = context.store.transaction(() => {
    context.store.tags.remove(resource.id, keys);
    return recordTagOperation(context, scope, resource, 'UntagResource');
  });
  return { operations: [operation] };
}
