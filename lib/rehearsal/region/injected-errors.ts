/**
 * The error an injected call failure delivers, as the handler would receive it: a service error
 * (errors.ts) or, for `TimeoutError`, the SDK's own client-side timeout, which carries no HTTP
 * status because no response arrived.
 */
import { serviceError, type ServiceName } from './errors';

/** The SDK's timeout after the request was sent (@smithy/node-http-handler names it so). */
export const CLIENT_TIMEOUT = 'TimeoutError';

export function injectedError(
  service: ServiceName,
  code: string,
  message?: string,
  httpStatusCode?: number,
): Error & { readonly name: string } {
  if (code === CLIENT_TIMEOUT) return clientTimeoutError(message);
  // DynamoDB names its HTTP 500 InternalServerError; the query-protocol services InternalFailure.
  const serviceCode = service === 'DynamoDB' && code === 'InternalFailure' ? 'InternalServerError' : code;
  return serviceError(service, serviceCode, message, httpStatusCode);
}

/** A timeout while waiting for the response: the request may have been applied. */
export function clientTimeoutError(message?: string): Error {
  const error = new Error(
    message ?? 'the request socket timed out after 30000 ms of inactivity (simulated client timeout).',
  );
  error.name = CLIENT_TIMEOUT;
  return Object.assign(error, { $simulated: true });
}
