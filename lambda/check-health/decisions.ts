/**
 * CheckHealth's decision, pure: swap once the new group is healthy at the planned capacity (or,
 * in a canary phase, start the canary watch once the canary's instances are healthy), wait, or
 * roll back at the health deadline or on a failed pre-traffic validation.
 */
import { assessGroupHealth } from '../../lib/contract/fleet-health';
import type {
  HealthProgress,
  ReleasePhase,
  ReleasePlan,
  RollbackInfo,
} from '../../lib/contract/release-state';
import type { FleetSnapshot, GroupView } from '../../lib/contract/fleet-view';
import {
  describeValidationFailure,
  type ValidationFailureRecord,
} from '../../lib/contract/instance-validation';

export interface HealthDecision {
  readonly next: 'swap' | 'canary' | 'waitForHealth' | 'rollback';
  readonly progress: HealthProgress;
  readonly rollback?: RollbackInfo;
}

export function decideHealth(
  plan: ReleasePlan,
  group: GroupView,
  targetHealth: FleetSnapshot['targetHealth'],
  nowMs: number,
  phase?: ReleasePhase,
): HealthDecision {
  const health = assessGroupHealth(group, targetHealth);
  const canary = phase === 'canary' && plan.canary ? plan.canary : undefined;
  const wanted = canary ? canary.instances : plan.capacity;
  const progress: HealthProgress = { healthy: health.healthy, wanted, lifecycle: health.lifecycle };
  if (health.healthy >= wanted && health.allHealthy) return { next: canary ? 'canary' : 'swap', progress };
  if (plan.healthDeadline !== undefined && nowMs >= plan.healthDeadline) {
    return {
      next: 'rollback',
      progress,
      rollback: {
        reason:
          `health timeout: ${health.healthy} of ${wanted} ${canary ? 'canary ' : ''}instances healthy ` +
          `after ${plan.healthTimeoutSeconds} s`,
        automatic: true,
      },
    };
  }
  return { next: 'waitForHealth', progress };
}

/**
 * A validation failure recorded for the new group's version since this release scaled it up:
 * the release rolls back, its reason naming the instance, the check and the answer. One earlier
 * than the scale-up (a previous release of the same version) or of another version is history.
 */
export function decideValidationFailure(
  plan: ReleasePlan,
  failure: ValidationFailureRecord | undefined,
  progress: HealthProgress,
): HealthDecision | undefined {
  if (!failure || plan.healthDeadline === undefined) return undefined;
  const scaledUpAt = plan.healthDeadline - plan.healthTimeoutSeconds * 1000;
  if (failure.groupName !== plan.targetGroupName || failure.version !== plan.version) return undefined;
  if (failure.at < scaledUpAt) return undefined;
  return {
    next: 'rollback',
    progress,
    rollback: { reason: describeValidationFailure(failure), automatic: true },
  };
}
