import type { GetOperationRequest, GetOperationsForResourceRequest, GetOperationsRequest, Operation } from '@aws-sdk/client-lightsail';
import { NotFoundException } from '../api/errors.js';
import type { RequestContext } from '../gateway/pipeline.js';
import { scopeOf, type ServiceContext } from './context.js';
import { decodePageToken, encodePageToken } from './pagination.js';
import { operationShape } from './shapes.js';

export function getOperation(context: ServiceContext, request: RequestContext, input: GetOperationRequest): { operation: Operation } {
  const operation = context.store.operations.get(scopeOf(request), input.operationId!);
  if (!operation) {
    throw new NotFoundException(`The operation does not exist: ${input.operationId!.slice(0, 64)}`, {
      tip: 'Check the operation id; operations are kept per Region.',
    });
  }
  return { operation: operationShape(operation) };
}

function pageOfOperations(context: ServiceContext, request: RequestContext, pageToken: string | undefined, resourceName?: string) {
  const before = decodePageToken(request.operation, pageToken);
  const page = context.store.operations.page(scopeOf(request), {
    before: before === undefined ? undefined : Number(before),
    resourceName,
    limit: context.pageSize,
  });
  return {
    operations: page.items.map(operationShape),
    nextPageToken: page.nextBefore === undefined ? undefined : encodePageToken(request.operation, page.nextBefore),
  };
}

/** Newest first, paged with pageToken/nextPageToken. */
export function getOperations(context: ServiceContext, request: RequestContext, input: GetOperationsRequest) {
  return pageOfOperations(context, request, input.pageToken);
}

export function getOperationsForResource(context: ServiceContext, request: RequestContext, input: GetOperationsForResourceRequest) {
  return pageOfOperations(context, request, input.pageToken, input.resourceName!);
}
