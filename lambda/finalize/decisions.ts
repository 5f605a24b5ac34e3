/**
 * Finalize's decisions, pure: how the old group, warm in Standby during the bake, is emptied.
 */
import type { GroupView } from '../../lib/contract/fleet-view';
import type { CaughtError, ReleasePlan, ReleaseState } from '../../lib/contract/release-state';
import { idsIn, missingSuspensions, servingOrStartingIds } from '../shared/decisions';

export interface FinalizeActions {
  /** InService or Pending in the old group (not in Standby): scaled in; Finalize waits for them to leave. */
  readonly serving: readonly string[];
  /** Still EnteringStandby (draining): cannot be handled yet, Finalize waits. */
  readonly enteringStandby: readonly string[];
  readonly terminate: readonly string[];
  /** Desired 0 and MinSize 0, unless already so. */
  readonly scaleToZero: boolean;
  readonly suspend: readonly string[];
}

/**
 * Whether Finalize keeps the lock for the afterFinalize hook: only when the execution's own
 * definition releases it after the hook (the state says so), and only for a release (a rollback
 * request runs no hook).
 */
export function keepsLockThroughHook(
  state: Pick<ReleaseState, 'afterFinalizeHook'>,
  plan: Pick<ReleasePlan, 'action'>,
): boolean {
  return state.afterFinalizeHook !== undefined && plan.action === 'release';
}

/** The id under which the afterFinalize hook's invocation is listed on the lock. */
export function hookInvocationId(executionArn: string): string {
  return `${executionArn}/afterFinalize-hook`;
}

/**
 * How long ReleaseLock waits before it releases the lock: until the hook's listed window ends when
 * its Task timed out (its invocation may still run), else not at all. Seconds, at most a minute
 * per Wait; 0 to release now.
 */
export function secondsBeforeRelease(
  error: Pick<CaughtError, 'HookMayStillRun'> | undefined,
  hookListedUntil: number | undefined,
  nowMs: number,
): number {
  if (!error?.HookMayStillRun || hookListedUntil === undefined || hookListedUntil <= nowMs) return 0;
  return Math.min(60, Math.ceil((hookListedUntil - nowMs) / 1000));
}

export function planFinalize(fromGroup: GroupView): FinalizeActions {
  return {
    serving: servingOrStartingIds(fromGroup),
    enteringStandby: idsIn(fromGroup, (s) => s === 'EnteringStandby'),
    terminate: idsIn(fromGroup, (s) => s === 'Standby'),
    scaleToZero: fromGroup.minSize !== 0 || fromGroup.desiredCapacity !== 0,
    suspend: missingSuspensions(fromGroup),
  };
}
