/**
 * Error names of the release workflow. A step throws an error whose `name` Step Functions records
 * as the error (`$.error.Error`); the state machine routes on some (`LockLost`,
 * `RollbackIncomplete`), the CLI and the notifications read others, operators read them all.
 * The classes a step throws are in lambda/shared/errors.ts. One constant per name, so a handler
 * bundle carries only the names it uses.
 */

/** The request can never succeed; refused before any AWS call that changes anything. */
export const INVALID_REQUEST_ERROR = 'InvalidRequest';
/** Another execution holds the release lock and is running. */
export const RELEASE_IN_PROGRESS_ERROR = 'ReleaseInProgress';
/** This execution no longer owns the lock (a rollback took it over): it stops touching the fleet. */
export const LOCK_LOST_ERROR = 'LockLost';
/** The groups are in a state the workflow did not create and will not guess about. */
export const UNEXPLAINED_STATE_ERROR = 'UnexplainedState';
/** ScaleUp found instances in the group it was about to fill. */
export const IDLE_GROUP_NOT_EMPTY_ERROR = 'IdleGroupNotEmpty';
/** Swap found no healthy instance in the group about to take all traffic. */
export const TARGET_NOT_HEALTHY_ERROR = 'TargetNotHealthy';
/** The group being released no longer carries the planned version tag. */
export const VERSION_CHANGED_ERROR = 'VersionChanged';
/** A rollback could not restore the previous version by its deadline: retried, it would only fail again. */
export const ROLLBACK_INCOMPLETE_ERROR = 'RollbackIncomplete';
/** An Auto Scaling group named in the configuration does not exist. */
export const GROUP_NOT_FOUND_ERROR = 'GroupNotFound';
/** The state handed to a step lacks what an earlier step should have put there. */
export const INVALID_STATE_ERROR = 'InvalidState';

/** Error of an execution whose release the workflow rolled back (its Cause is the reason). */
export const ROLLED_BACK_ERROR = 'ReleaseRolledBack';
/** The error `bluegreen reject` sends to an approval gate (SendTaskFailure): the release rolls back. */
export const REJECTED_ERROR = 'ReleaseRejected';
/** Error of an execution that stopped because another one (a rollback) took the service over. */
export const SUPERSEDED_ERROR = 'Superseded';
