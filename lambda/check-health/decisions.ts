/**
 * CheckHealth's decision, pure: swap once the new group is healthy at the planned capacity, wait,
 * or roll back at the health deadline.
 */
import { assessGroupHealth } from '../../lib/contract/fleet-health';
import type { HealthProgress, ReleasePlan, RollbackInfo } from '../../lib/contract/release-state';
import type { FleetSnapshot, GroupView } from '../../lib/contract/fleet-view';

export interface HealthDecision {
  readonly next: 'swap' | 'waitForHealth' | 'rollback';
  readonly progress: HealthProgress;
  readonly rollback?: RollbackInfo;
}

export function decideHealth(
  plan: ReleasePlan,
  group: GroupView,
  targetHealth: FleetSnapshot['targetHealth'],
  nowMs: number,
): HealthDecision {
  const health = assessGroupHealth(group, targetHealth);
  const progress: HealthProgress = {
    healthy: health.healthy,
    wanted: plan.capacity,
    lifecycle: health.lifecycle,
  };
  if (health.healthy >= plan.capacity && health.allHealthy) return { next: 'swap', progress };
  if (plan.healthDeadline !== undefined && nowMs >= plan.healthDeadline) {
    return {
      next: 'rollback',
      progress,
      rollback: {
        reason: `health timeout: ${health.healthy} of ${plan.capacity} instances healthy after ${plan.healthTimeoutSeconds} s`,
        automatic: true,
      },
    };
  }
  return { next: 'waitForHealth', progress };
}
