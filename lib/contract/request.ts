/**
 * Validation of the execution input, pure: what a release request may hold. Runs first in
 * Prepare, so a request that can never succeed fails before any AWS call that changes anything
 * (the lock included); the CLI runs it before it starts an execution, and the construct bounds
 * its props by the same limits.
 */
import type { ReleaseAction } from './release-state';
import { assertValidVersion, describeValue, InvalidRequestError } from './version';

export const REQUEST_KEYS = [
  'action',
  'version',
  'capacity',
  'healthTimeoutSeconds',
  'bakeSeconds',
  'requestedBy',
] as const;
export const RELEASE_ACTIONS: readonly ReleaseAction[] = ['release', 'rollback'];

export const HEALTH_TIMEOUT_LIMITS = { min: 60, max: 86_400 } as const;
export const BAKE_LIMITS = { min: 0, max: 86_400 } as const;

/** A request whose every field is known to be valid; `action` resolved to its default. */
export interface ValidatedRequest {
  readonly action: ReleaseAction;
  readonly version?: string;
  readonly capacity?: number;
  readonly healthTimeoutSeconds?: number;
  readonly bakeSeconds?: number;
  readonly requestedBy?: string;
}

/** Who started the execution (the CLI records the caller's ARN); printable, at most 256 characters. */
export const REQUESTED_BY_PATTERN = /^[\x20-\x7e]{1,256}$/;

export interface RequestLimits {
  /** MaxSize of each group. */
  readonly maxCapacity: number;
  /** The service's minimum: a live group never runs fewer. @default 1 */
  readonly minCapacity?: number;
}

export function validateRequest(input: unknown, limits: RequestLimits): ValidatedRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidRequestError(`request (${describeValue(input)}) must be a JSON object`);
  }
  const request = input as Record<string, unknown>;
  for (const key of Object.keys(request)) {
    if (!(REQUEST_KEYS as readonly string[]).includes(key)) {
      throw new InvalidRequestError(
        `request field ${describeValue(key)} is not allowed (allowed: ${REQUEST_KEYS.join(', ')})`,
      );
    }
  }

  const action = request.action ?? 'release';
  if (!RELEASE_ACTIONS.includes(action as ReleaseAction)) {
    throw new InvalidRequestError(
      `action (${describeValue(action)}) must be one of ${RELEASE_ACTIONS.join(', ')}`,
    );
  }
  // A release needs a version; a rollback does not, but one it is given must be valid too.
  const version =
    action === 'release' || request.version !== undefined
      ? assertValidVersion('version', request.version)
      : undefined;

  return {
    action: action as ReleaseAction,
    ...(version !== undefined ? { version } : {}),
    ...optionalInteger(request, 'capacity', Math.max(1, limits.minCapacity ?? 1), limits.maxCapacity),
    ...optionalInteger(request, 'healthTimeoutSeconds', HEALTH_TIMEOUT_LIMITS.min, HEALTH_TIMEOUT_LIMITS.max),
    ...optionalInteger(request, 'bakeSeconds', BAKE_LIMITS.min, BAKE_LIMITS.max),
    ...optionalRequestedBy(request.requestedBy),
  };
}

function optionalInteger(
  request: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): Record<string, number> {
  const value = request[field];
  if (value === undefined) return {};
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidRequestError(
      `${field} (${describeValue(value)}) must be an integer between ${min} and ${max}`,
    );
  }
  return { [field]: value };
}

function optionalRequestedBy(value: unknown): { requestedBy?: string } {
  if (value === undefined) return {};
  if (typeof value !== 'string' || !REQUESTED_BY_PATTERN.test(value)) {
    throw new InvalidRequestError(
      `requestedBy (${describeValue(value)}) must be 1 to 256 printable ASCII characters`,
    );
  }
  return { requestedBy: value };
}
