/**
 * CheckHealth (read-only): is the scaled-up group serving? Counts the group's current instances
 * every time, so an instance that died and was replaced by the group is simply followed. Polls
 * every second for up to `pollBudgetSeconds` per invocation before handing back; stops at
 * once (LockLost) when its execution no longer holds the lock, and fails (VersionChanged) if the
 * group no longer carries the planned version. With pre-traffic validation, a failure the
 * validator recorded for the new group's version rolls the release back, naming the instance, the
 * check and the answer.
 */
import { now } from '../shared/clock';
import { readServiceConfig, type ServiceConfig } from '../shared/config';
import { withFence, type Fence, type StepContext } from '../shared/fence';
import { admitValidated, readValidationPasses } from '../shared/lifecycle-actions';
import { plannedVersionVisible, recordTiming, requirePlan } from '../shared/decisions';
import { isHealthy } from '../../lib/contract/fleet-health';
import { decideHealth, decideValidationFailure, heldToAdmit, type HealthDecision } from './decisions';
import { readFleetSnapshot, tagReadTiming } from '../shared/fleet-calls';
import { assertLockHeld } from '../shared/lock';
import { pollWithinBudget } from '../shared/poll';
import { readValidationFailure } from '../shared/validation-failures';
import type { ReleasePhase, ReleasePlan, ReleaseState } from '../../lib/contract/release-state';
import type { GroupView } from '../../lib/contract/fleet-view';

/**
 * How often one invocation reads the group while it waits: every second, not every health-check
 * interval, so the swap follows the last new instance's first passing check within about a second
 * (the mixed-version window is then the new fleet's boot spread plus that). Three reads a second at
 * most (the lock, the group, its targets): a small share of the account's read rates even at the
 * harsh profile's (docs/aws-model.md, "Rate limits").
 */
const HEALTH_POLL_MS = 1000;

/**
 * The Wait between two invocations once one has spent its budget polling: one poll's length, so
 * the health wait is read every second throughout (a longer Wait would leave a blind spot of its
 * length once a minute; the transitions per minute are the same either way).
 */
const HANDBACK_WAIT_SECONDS = 1;

export async function handler(state: ReleaseState, context?: StepContext): Promise<ReleaseState> {
  const config = readServiceConfig();
  const plan = requirePlan(state, 'CheckHealth');
  if (!config.instanceValidation) return waitForHealth(state, config, plan);
  // With pre-traffic validation it lets the validated fleet in: a step that changes the fleet.
  return withFence(
    { tableName: config.lockTableName, executionArn: state.executionArn, step: 'check-health' },
    context,
    (fence) => waitForHealth(state, config, plan, fence),
  );
}

async function waitForHealth(
  state: ReleaseState,
  config: ServiceConfig,
  plan: ReleasePlan,
  fence?: Fence,
): Promise<ReleaseState> {
  let decidedAt = now();
  /** The new group's serving instances at the last read (the one the decision was made on). */
  let servingIds: string[] = [];
  const { value: decision } = await pollWithinBudget<HealthDecision>(
    async () => {
      await assertLockHeld(config.lockTableName, state.executionArn);
      const readAt = now();
      const snapshot = await readFleetSnapshot(config);
      const target = snapshot.groups[plan.targetColour];
      const visible = plannedVersionVisible(plan, target, tagReadTiming(state, readAt));
      decidedAt = now();
      servingIds = target.instances.filter((i) => isHealthy(i, snapshot.targetHealth)).map((i) => i.id);
      const health = decideHealth(plan, target, snapshot.targetHealth, decidedAt, state.phase);
      // With pre-traffic validation, a new instance that failed it rolls the release back at once
      // (Auto Scaling terminated it; its replacement would fail the same way).
      const failure = config.instanceValidation
        ? await readValidationFailure(config.lockTableName, plan.targetGroupName)
        : undefined;
      if (config.instanceValidation && fence) {
        const { heartbeatTimeoutSeconds } = config.instanceValidation;
        await admitHeld(config, { plan, phase: state.phase }, target, heartbeatTimeoutSeconds, fence);
      }
      const decided = decideValidationFailure(plan, failure, health.progress) ?? health;
      // A read that may not show the tag yet never leads to the swap (nor to the canary watch).
      const value =
        !visible && (decided.next === 'swap' || decided.next === 'canary')
          ? { ...decided, next: 'waitForHealth' as const }
          : decided;
      return { final: value.next !== 'waitForHealth', value };
    },
    {
      intervalMs: Math.min(HEALTH_POLL_MS, config.pollSeconds * 1000),
      budgetMs: config.pollBudgetSeconds * 1000,
    },
  );
  switch (decision.next) {
    case 'swap':
      return {
        ...state,
        next: 'swap',
        progress: decision.progress,
        waitSeconds: undefined,
        timings: recordTiming(state.timings, 'healthy', decidedAt),
        clearedFleet: {
          colour: plan.targetColour,
          instanceIds: servingIds,
          previousVersion: plan.fromVersion ?? '',
        },
      };
    case 'canary':
      // The canary's instances serve: its watch starts now (WatchBake in its canary phase).
      return {
        ...state,
        next: 'canary',
        progress: decision.progress,
        waitSeconds: undefined,
        timings: recordTiming(state.timings, 'canaryHealthy', decidedAt),
      };
    case 'rollback':
      return { ...state, next: 'rollback', progress: decision.progress, rollback: decision.rollback };
    default:
      return {
        ...state,
        next: 'waitForHealth',
        progress: decision.progress,
        waitSeconds: HANDBACK_WAIT_SECONDS,
      };
  }
}

/** Lets the validated instances held for this release in, once they make its fleet (heldToAdmit). */
async function admitHeld(
  config: ServiceConfig,
  release: { readonly plan: ReleasePlan; readonly phase?: ReleasePhase },
  target: GroupView,
  heartbeatTimeoutSeconds: number,
  fence: Fence,
): Promise<void> {
  const held = target.instances.filter((i) => i.lifecycleState === 'Pending:Wait').map((i) => i.id);
  if (held.length === 0) return;
  const passes = await readValidationPasses(config.lockTableName, held);
  const { plan } = release;
  const admit = heldToAdmit({
    plan,
    phase: release.phase,
    target,
    passes,
    now: now(),
    heartbeatTimeoutSeconds,
  });
  if (admit.length === 0) return;
  const admitted = await admitValidated(admit, fence.guard);
  console.log(`CheckHealth: let ${admitted.length} validated instance(s) of ${plan.version} in together`);
}
