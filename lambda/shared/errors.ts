/*
 * Errors a step throws on purpose. Step Functions sees `name` as the error name (`$.error.Error`);
 * the state machine routes on some of them (`LockLost`), operators read the rest.
 */

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Error of an execution whose release the workflow rolled back (its Cause is the reason). */
export const ROLLED_BACK_ERROR = 'ReleaseRolledBack';
/** The error `bluegreen reject` sends to an approval gate (SendTaskFailure): the release rolls back. */
export const REJECTED_ERROR = 'ReleaseRejected';

/** Another execution holds the release lock and is running; a release is refused. */
export class ReleaseInProgressError extends NamedError {
  constructor(message: string) {
    super('ReleaseInProgress', message);
  }
}

/** This execution no longer owns the lock (a rollback took it over): it must stop touching the fleet. */
export class LockLostError extends NamedError {
  constructor(message: string) {
    super('LockLost', message);
  }
}

/** The groups are in a state the workflow did not create and will not guess about. */
export class UnexplainedStateError extends NamedError {
  constructor(message: string) {
    super('UnexplainedState', message);
  }
}

/** ScaleUp found instances in the group it was about to fill. */
export class IdleGroupNotEmptyError extends NamedError {
  constructor(message: string) {
    super('IdleGroupNotEmpty', message);
  }
}

/** Swap found no healthy instance in the group about to take all traffic. */
export class TargetNotHealthyError extends NamedError {
  constructor(message: string) {
    super('TargetNotHealthy', message);
  }
}

/** The group being released no longer carries the planned version tag: its instances may not run it. */
export class VersionChangedError extends NamedError {
  constructor(message: string) {
    super('VersionChanged', message);
  }
}

/** A rollback could not bring the version to restore back by its deadline; what serves is named. */
export class RollbackIncompleteError extends NamedError {
  constructor(message: string) {
    super('RollbackIncomplete', message);
  }
}

/** An Auto Scaling group named in the configuration does not exist. */
export class GroupNotFoundError extends NamedError {
  constructor(message: string) {
    super('GroupNotFound', message);
  }
}

/** The state handed to a step lacks what an earlier step should have put there. */
export class InvalidStateError extends NamedError {
  constructor(message: string) {
    super('InvalidState', message);
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
