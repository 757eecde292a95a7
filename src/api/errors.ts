/**
 * The exceptions of the Lightsail model, plus the awsJson front-end errors
 * (unknown operation, bad JSON, authentication) that sit in front of it.
 *
 * Every error carries the four modelled members: `message`, `code` (a
 * Lightsail sub-code such as `DoesNotExist`, not the exception name), `docs`
 * and `tip`. The HTTP status is the one of the Smithy model.
 */

export const DOCS_URL = 'https://lightsail.aws.amazon.com/ls/docs';

export interface ErrorDetails {
  code?: string;
  tip?: string;
  docs?: string;
}

export abstract class ApiError extends Error {
  abstract readonly type: string;
  abstract readonly status: number;
  readonly code: string;
  readonly tip: string;
  readonly docs: string;

  constructor(message: string, defaultCode: string, defaultTip: string, details: ErrorDetails = {}) {
    super(message);
    this.code = details.code ?? defaultCode;
    this.tip = details.tip ?? defaultTip;
    this.docs = details.docs ?? DOCS_URL;
  }

  /** The awsJson 1.1 error body. */
  toBody(): Record<string, string> {
    return { __type: this.type, code: this.code, docs: this.docs, message: this.message, tip: this.tip };
  }
}

export class InvalidInputException extends ApiError {
  readonly type = 'InvalidInputException';
  readonly status = 400;
  constructor(message: string, details?: ErrorDetails) {
    super(message, 'InvalidInput', 'Check the request parameters and try again.', details);
  }
}

export class NotFoundException extends ApiError {
  readonly type = 'NotFoundException';
  readonly status = 404;
  constructor(message: string, details?: ErrorDetails) {
    super(message, 'DoesNotExist', 'Check that the name is correct and that the resource exists in this Region.', details);
  }
}

export class OperationFailureException extends ApiError {
  readonly type = 'OperationFailureException';
  readonly status = 400;
  constructor(message: string, details?: ErrorDetails) {
    super(message, 'OperationFailure', 'Wait for the resource to reach a state that allows this operation, then try again.', details);
  }
}

export class AccessDeniedException extends ApiError {
  readonly type = 'AccessDeniedException';
  readonly status = 403;
  constructor(message: string, details?: ErrorDetails) {
    super(message, 'AccessDenied', 'Check your credentials and the signature of the request.', details);
  }
}

export class UnauthenticatedException extends ApiError {
  readonly type = 'UnauthenticatedException';
  readonly status = 401;
  constructor(message: string, details?: ErrorDetails) {
    super(message, 'Unauthenticated', 'Sign the request with SigV4 using the access key berth printed at start-up.', details);
  }
}

export class ServiceException extends ApiError {
  readonly type = 'ServiceException';
  readonly status = 500;
  constructor(message: string, details?: ErrorDetails) {
    super(message, 'InternalError', 'Retry the request. If the error persists, check the berth log for the request id.', details);
  }
}

/** awsJson front-end: the X-Amz-Target names no operation of the service. */
export class UnknownOperationException extends ApiError {
  readonly type = 'UnknownOperationException';
  readonly status = 400;
  constructor(message: string, details?: ErrorDetails) {
    super(message, 'UnknownOperation', 'Send X-Amz-Target: Lightsail_20161128.<Operation>.', details);
  }
}

/** awsJson front-end: the body is not a JSON object. */
export class SerializationException extends ApiError {
  readonly type = 'SerializationException';
  readonly status = 400;
  constructor(message: string, details?: ErrorDetails) {
    super(message, 'SerializationError', 'Send a JSON object body with Content-Type application/x-amz-json-1.1.', details);
  }
}

/** awsJson front-end: too many requests (here: failed signatures) from one address or access key; the SDKs back off and retry. */
export class ThrottlingException extends ApiError {
  readonly type = 'ThrottlingException';
  readonly status = 400;
  constructor(message: string, details?: ErrorDetails) {
    super(message, 'Throttling', 'Wait before sending the request again, and check the access key and secret it is signed with.', details);
  }
}

/** A Lightsail operation that berth knows from the model but does not serve. */
export function notImplemented(operation: string): InvalidInputException {
  return new InvalidInputException(
    `The operation ${operation} is part of the Lightsail API but berth does not implement it; berth serves the relational-database operations.`,
    { code: 'NotImplemented', tip: 'See the berth README for the list of supported operations.' },
  );
}
