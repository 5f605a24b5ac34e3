/**
 * Swap's decisions, pure: what the old live group's instances become as it leaves service.
 */
import { activeInstances } from '../../lib/contract/fleet-health';
import type { GroupView } from '../../lib/contract/fleet-view';
import { idsIn, isPending, missingSuspensions } from '../shared/decisions';

export interface SwapActions {
  /** MinSize must drop to 0 before any decrementing call (below MinSize is a ValidationError). */
  readonly lowerMinSize: boolean;
  /** InService instances: to Standby, warm for a rollback during the bake. */
  readonly enterStandby: readonly string[];
  /** Pending instances never served (e.g. a scale-out during the release): terminated. */
  readonly terminate: readonly string[];
  /** Of the three non-live processes, those not suspended yet. */
  readonly suspend: readonly string[];
}

export function planSwap(fromGroup: GroupView): SwapActions {
  const enterStandby = idsIn(fromGroup, (s) => s === 'InService');
  const terminate = idsIn(fromGroup, isPending);
  return {
    lowerMinSize: fromGroup.minSize > 0,
    enterStandby,
    terminate,
    suspend: missingSuspensions(fromGroup),
  };
}

/**
 * The live fleet's size as the swap starts (every instance it has, Standby included on a re-run):
 * the new group must match it before the old one leaves service, even if it scaled out during
 * the health wait.
 */
export function liveFleetSize(fromGroup: GroupView): number {
  return activeInstances(fromGroup).length;
}
