/**
 * ScaleUp's decision, pure: how many instances of the new version the idle group gets now. A
 * release with a canary brings up the canary's instances first (phase `canary`) and the planned
 * capacity once the canary watch passed (phase `full`); without a canary, the planned capacity.
 */
import type { ReleasePhase, ReleasePlan } from '../../lib/contract/release-state';

export interface ScaleUpTarget {
  readonly desiredCapacity: number;
  /** The phase the release enters (absent without a canary). */
  readonly phase?: ReleasePhase;
}

export function decideScaleUp(plan: ReleasePlan, phase: ReleasePhase | undefined): ScaleUpTarget {
  if (!plan.canary) return { desiredCapacity: plan.capacity };
  if (phase === 'full') return { desiredCapacity: plan.capacity, phase: 'full' };
  return { desiredCapacity: plan.canary.instances, phase: 'canary' };
}

/**
 * Capacities the idle group may already have from this release: a re-run of the same ScaleUp
 * (its first attempt got as far as the resize), or, for the full scale-up, the canary before it.
 */
export function capacitiesOfThisRelease(plan: ReleasePlan, target: ScaleUpTarget): number[] {
  return plan.canary && target.phase === 'full'
    ? [plan.canary.instances, plan.capacity]
    : [target.desiredCapacity];
}
