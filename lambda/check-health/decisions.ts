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
  type ValidationPassRecord,
} from '../../lib/contract/instance-validation';

export interface HealthDecision {
  readonly next: 'swap' | 'canary' | 'waitForHealth' | 'rollback';
  readonly progress: HealthProgress;
  readonly rollback?: RollbackInfo;
}

/** The instances the new group must serve with in this phase: the canary's, else the plan's. */
export function wantedInstances(plan: ReleasePlan, phase?: ReleasePhase): number {
  return phase === 'canary' && plan.canary ? plan.canary.instances : plan.capacity;
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
  const wanted = wantedInstances(plan, phase);
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

/**
 * Which validated instances held in `Pending:Wait` (pre-traffic validation) to let in now: all of
 * them together once they and the new group's InService instances make the planned capacity, so
 * the new version starts serving on its whole fleet within one health check instead of one
 * instance at a time over the boot spread. Before a held action can time out (half its
 * heartbeat timeout after the pass), they are let in anyway: the hold only shortens the
 * mixed-version window, it never costs an instance.
 */
export function heldToAdmit(input: {
  readonly plan: ReleasePlan;
  /** The release's phase: a canary's instances are let in once they make the canary. */
  readonly phase?: ReleasePhase;
  readonly target: GroupView;
  readonly passes: ReadonlyMap<string, ValidationPassRecord>;
  readonly now: number;
  readonly heartbeatTimeoutSeconds: number;
}): ValidationPassRecord[] {
  const { plan, target } = input;
  const validated = target.instances
    .filter((i) => i.lifecycleState === 'Pending:Wait')
    .map((i) => input.passes.get(i.id))
    .filter(
      (p): p is ValidationPassRecord =>
        p !== undefined && p.groupName === target.name && p.version === plan.version,
    );
  if (validated.length === 0) return [];
  const inService = target.instances.filter((i) => i.lifecycleState === 'InService').length;
  const full = inService + validated.length >= wantedInstances(plan, input.phase);
  const holdLimitMs = (input.heartbeatTimeoutSeconds * 1000) / 2;
  const overdue = validated.some((p) => input.now - p.at >= holdLimitMs);
  return full || overdue ? validated : [];
}
