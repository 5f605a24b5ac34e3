/**
 * Retry of AWS calls that failed for a reason that passes: throttling, Auto Scaling's
 * `ResourceContention` (HTTP 500, docs/aws-model.md) and transient service faults. Everything else is
 * rethrown unchanged at once: a ValidationError will not get better by asking again.
 *
 * One rule for every caller: the step handlers, the CLI and the state machine's own Retry of
 * Prepare (which retries the same error names).
 */
import { isThrottlingError, type ThrottlePacer } from './pacer';

/** Error names (the SDK v3 `name`) that mean "try again later". */
export const RETRYABLE_ERROR_NAMES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ResourceContention',
  // The SDK names the error class after the wire code ResourceContention.
  'ResourceContentionFault',
  'ProvisionedThroughputExceededException',
  'ServiceUnavailable',
  'InternalFailure',
  // DynamoDB's name for an HTTP 500.
  'InternalServerError',
  // The SDK's own name for a call that got no answer in time (it may still have taken effect:
  // every step is idempotent under a retry of a call that did).
  'TimeoutError',
]);

/**
 * Twelve calls with full-jitter backoff capped at 10 s ride out about a minute of throttling: a
 * step that gives up sends the release into a rollback, which costs far more than waiting.
 */
export const DEFAULT_ATTEMPTS = 12;

export interface RetryOptions {
  /** Calls in all, the first included. @default 12 */
  readonly attempts?: number;
  /** Delay cap of the first retry; doubles each retry. @default 200 */
  readonly baseDelayMs?: number;
  /** Upper bound of any one delay. @default 10000 */
  readonly maxDelayMs?: number;
  /** Source of randomness for the jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Spaces every attempt by the pace the family's throttling allows. @default - not paced */
  readonly pacer?: ThrottlePacer;
}

export function isRetryableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof name === 'string' && RETRYABLE_ERROR_NAMES.has(name)) return true;
  // A 500/503 without a modelled name is a service fault too (e.g. an HTML error page from a proxy).
  const status = $metadata?.httpStatusCode;
  return (
    (status === 500 || status === 503) &&
    (typeof name !== 'string' || name === 'Error' || name === 'Unknown' || name === 'UnknownError')
  );
}

/** Exponential backoff with full jitter: a random delay in [0, min(cap, base * 2^retry)). */
export function backoffDelayMs(retry: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 10_000;
  const random = options.random ?? Math.random;
  return Math.floor(random() * Math.min(cap, base * 2 ** retry));
}

/** Runs `call`, retrying retryable errors with backoff; the last error is rethrown as it came. */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? DEFAULT_ATTEMPTS);
  const pacer = options.pacer;
  for (let attempt = 1; ; attempt++) {
    try {
      await pacer?.ready();
      const result = await call();
      pacer?.succeeded();
      return result;
    } catch (error) {
      if (pacer && isThrottlingError(error)) pacer.throttled();
      if (attempt >= attempts || !isRetryableError(error)) throw error;
      await sleep(backoffDelayMs(attempt - 1, options));
    }
  }
}

/** Waits on the global timers, which the rehearsal's virtual clock replaces. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
