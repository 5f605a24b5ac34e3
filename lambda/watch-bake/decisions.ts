/**
 * The canary watch, decided purely: while a few instances of the new version take their share of
 * traffic beside the live fleet, an alarm in ALARM or a canary instance that stopped serving rolls
 * the release back (the live fleet never stopped serving); the end of the canary's duration sends
 * the release on to its full scale-up.
 *
 * Reads lag (up to READ_SETTLE_MS): a read just after the canary turned healthy may still show it
 * `initial`. So an unhealthy canary counts only once reads started at least READ_SETTLE_MS apart
 * all showed a problem: the later one then reflects a moment after the first, which came after
 * CheckHealth saw the canary healthy.
 */
import type { AlarmView } from '../shared/alarms';
import { alarmRollback } from '../shared/bake';
import { InvalidStateError } from '../shared/errors';
import { activeInstances, isHealthy } from '../../lib/contract/fleet-health';
import type { FleetSnapshot, GroupView } from '../../lib/contract/fleet-view';
import type { CanaryPlan, ReleasePlan, RollbackInfo } from '../../lib/contract/release-state';

export type CanaryDecision =
  | { readonly next: 'scaleUp' }
  | {
      readonly next: 'canary';
      readonly remainingMs: number;
      /** Start of the first read of an unbroken run of reads showing a problem with the canary. */
      readonly troubleSince?: number;
    }
  | { readonly next: 'rollback'; readonly rollback: RollbackInfo };

/** What the watch knows besides the plan: the reads of this poll and what earlier polls saw. */
export interface CanaryReading {
  readonly alarms: readonly AlarmView[];
  readonly canaryGroup: GroupView;
  readonly targetHealth: FleetSnapshot['targetHealth'];
  /** Epoch ms this poll's reads started. */
  readonly readAt: number;
  /** From the previous poll's decision (`troubleSince`), if it saw a problem. */
  readonly troubleSince?: number;
  /** How long reads may lag writes (READ_SETTLE_MS). */
  readonly settleMs: number;
}

/** The plan's canary, or an error naming what is missing (the canary watch runs only with one). */
export function requireCanary(plan: ReleasePlan): CanaryPlan {
  if (!plan.canary)
    throw new InvalidStateError(
      `the canary watch of ${plan.version} needs a canary in the plan, and it has none`,
    );
  return plan.canary;
}

export function decideCanary(
  plan: ReleasePlan,
  timings: Readonly<Record<string, number>> | undefined,
  reading: CanaryReading,
): CanaryDecision {
  const canary = requireCanary(plan);
  const during = `the canary of ${plan.version}`;
  const alarmed = alarmRollback(reading.alarms, during);
  if (alarmed) return { next: 'rollback', rollback: alarmed };

  const startedAt = timings?.canaryHealthy;
  if (startedAt === undefined)
    throw new InvalidStateError(
      'the canary watch needs the time its instances were healthy, and the state has none',
    );
  const remainingMs = startedAt + canary.durationSeconds * 1000 - reading.readAt;

  const unhealthy = canaryProblems(reading.canaryGroup, reading.targetHealth, canary.instances);
  if (unhealthy.length > 0) {
    const troubleSince = reading.troubleSince ?? reading.readAt;
    if (reading.readAt - troubleSince >= reading.settleMs) {
      return {
        next: 'rollback',
        rollback: { reason: `${during} stopped serving: ${unhealthy.join('; ')}`, automatic: true },
      };
    }
    // Not over until the problem is confirmed or gone, even if the duration ran out meanwhile.
    return { next: 'canary', remainingMs: Math.max(remainingMs, 0), troubleSince };
  }
  return remainingMs <= 0 ? { next: 'scaleUp' } : { next: 'canary', remainingMs };
}

/**
 * What is wrong with the canary's instances: each that is not InService and healthy on the target
 * group, and a count below the canary's (an instance terminated and not yet replaced).
 */
export function canaryProblems(
  group: GroupView,
  targetHealth: FleetSnapshot['targetHealth'],
  wanted: number,
): string[] {
  const active = activeInstances(group);
  const problems = active
    .filter((instance) => !isHealthy(instance, targetHealth))
    .map(
      (instance) =>
        `${instance.id} is ${instance.lifecycleState}, ${targetHealth[instance.id] ?? 'not registered'} on the target group`,
    );
  const healthy = active.length - problems.length;
  if (healthy < wanted) problems.push(`${healthy} of ${wanted} canary instances healthy`);
  return problems;
}
