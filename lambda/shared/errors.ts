/*
 * Errors a step throws on purpose. Step Functions sees `name` as the error name (`$.error.Error`);
 * their names are part of the release contract (lib/contract/errors.ts).
 */

import {
  GROUP_NOT_FOUND_ERROR,
  IDLE_GROUP_NOT_EMPTY_ERROR,
  INVALID_STATE_ERROR,
  LOCK_LOST_ERROR,
  RELEASE_IN_PROGRESS_ERROR,
  ROLLBACK_INCOMPLETE_ERROR,
  TARGET_NOT_HEALTHY_ERROR,
  UNEXPLAINED_STATE_ERROR,
  VERSION_CHANGED_ERROR,
} from '../../lib/contract/errors';

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Another execution holds the release lock and is running; a release is refused. */
export class ReleaseInProgressError extends NamedError {
  constructor(message: string) {
    super(RELEASE_IN_PROGRESS_ERROR, message);
  }
}

/** This execution no longer owns the lock (a rollback took it over): it must stop touching the fleet. */
export class LockLostError extends NamedError {
  constructor(message: string) {
    super(LOCK_LOST_ERROR, message);
  }
}

/** The groups are in a state the workflow did not create and will not guess about. */
export class UnexplainedStateError extends NamedError {
  constructor(message: string) {
    super(UNEXPLAINED_STATE_ERROR, message);
  }
}

/** ScaleUp found instances in the group it was about to fill. */
export class IdleGroupNotEmptyError extends NamedError {
  constructor(message: string) {
    super(IDLE_GROUP_NOT_EMPTY_ERROR, message);
  }
}

/** Swap found no healthy instance in the group about to take all traffic. */
export class TargetNotHealthyError extends NamedError {
  constructor(message: string) {
    super(TARGET_NOT_HEALTHY_ERROR, message);
  }
}

/** The group being released no longer carries the planned version tag: its instances may not run it. */
export class VersionChangedError extends NamedError {
  constructor(message: string) {
    super(VERSION_CHANGED_ERROR, message);
  }
}

/** A rollback could not bring the version to restore back by its deadline; what serves is named. */
export class RollbackIncompleteError extends NamedError {
  constructor(message: string) {
    super(ROLLBACK_INCOMPLETE_ERROR, message);
  }
}

/** An Auto Scaling group named in the configuration does not exist. */
export class GroupNotFoundError extends NamedError {
  constructor(message: string) {
    super(GROUP_NOT_FOUND_ERROR, message);
  }
}

/** The state handed to a step lacks what an earlier step should have put there. */
export class InvalidStateError extends NamedError {
  constructor(message: string) {
    super(INVALID_STATE_ERROR, message);
  }
}

/** The `name` of an SDK (or any) error, or undefined. */
export function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
