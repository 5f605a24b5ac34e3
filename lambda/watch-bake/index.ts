/**
 * WatchBake (read-only) watches the rollback alarms while a release is exposed to traffic, in two
 * phases of the release:
 * - the bake: polls the rollback alarms every `pollSeconds` for up to `pollBudgetSeconds` per
 *   invocation. An alarm in ALARM sends the release to Rollback (the old fleet is still warm in
 *   Standby); the end of the bake time sends it to Finalize.
 * - the canary (`phase: 'canary'`, the WatchCanary state): the same alarms, and the canary's
 *   instances staying healthy. An alarm or an unhealthy canary (confirmed by reads READ_SETTLE_MS
 *   apart) sends the release to Rollback (the live fleet never stopped serving); the end of the
 *   canary's duration sends it to the full ScaleUp.
 */
import { readAlarms, type AlarmView } from '../shared/alarms';
import { decideBake, missingAlarms, type BakeDecision } from '../shared/bake';
import { now } from '../shared/clock';
import { readServiceConfig, type ServiceConfig } from '../shared/config';
import { recordTiming, requirePlan } from '../shared/decisions';
import { readFleetSnapshot } from '../shared/fleet-calls';
import { assertLockHeld, READ_SETTLE_MS } from '../shared/lock';
import { pollWithinBudget } from '../shared/poll';
import { canaryMetricRecord } from '../shared/metrics';
import { isHealthy } from '../../lib/contract/fleet-health';
import { decideCanary, type CanaryDecision } from './decisions';
import type { ReleasePlan, ReleaseState } from '../../lib/contract/release-state';

export async function handler(state: ReleaseState): Promise<ReleaseState> {
  const config = readServiceConfig();
  if (state.phase === 'canary') return watchCanary(state, config, requirePlan(state, 'WatchCanary'));
  const plan = requirePlan(state, 'WatchBake');
  const readWatched = alarmReader(config);
  const { value: decision } = await pollWithinBudget<BakeDecision>(
    async () => {
      // A stopped or superseded execution's bake stops here instead of polling on.
      await assertLockHeld(config.lockTableName, state.executionArn);
      const value = decideBake(plan, state.timings, await readWatched(), now());
      return {
        final: value.next !== 'bake',
        value,
        nextCheckInMs: value.next === 'bake' ? value.remainingMs : undefined,
      };
    },
    { intervalMs: config.pollSeconds * 1000, budgetMs: config.pollBudgetSeconds * 1000 },
  );
  switch (decision.next) {
    case 'rollback':
      return { ...state, next: 'rollback', rollback: decision.rollback, waitSeconds: undefined };
    case 'finalize':
      return { ...state, next: 'finalize', waitSeconds: undefined };
    default:
      return { ...state, next: 'bake', waitSeconds: undefined };
  }
}

async function watchCanary(
  state: ReleaseState,
  config: ServiceConfig,
  plan: ReleasePlan,
): Promise<ReleaseState> {
  const readWatched = alarmReader(config);
  let decidedAt = now();
  let troubleSince = state.canaryTroubleSince;
  const { value: decision } = await pollWithinBudget<CanaryDecision>(
    async () => {
      // A stopped or superseded execution's canary watch stops here instead of polling on.
      await assertLockHeld(config.lockTableName, state.executionArn);
      const readAt = now();
      const [alarms, snapshot] = await Promise.all([readWatched(), readFleetSnapshot(config)]);
      decidedAt = now();
      const canaryGroup = snapshot.groups[plan.targetColour];
      const serving = canaryGroup.instances.filter((i) => isHealthy(i, snapshot.targetHealth)).length;
      console.log(canaryMetricRecord(config.serviceTag, decidedAt, serving));
      const value = decideCanary(plan, state.timings, {
        alarms,
        canaryGroup,
        targetHealth: snapshot.targetHealth,
        readAt,
        troubleSince,
        settleMs: READ_SETTLE_MS,
      });
      troubleSince = value.next === 'canary' ? value.troubleSince : undefined;
      return {
        final: value.next !== 'canary',
        value,
        nextCheckInMs:
          value.next === 'canary' && value.troubleSince === undefined ? value.remainingMs : undefined,
      };
    },
    { intervalMs: config.pollSeconds * 1000, budgetMs: config.pollBudgetSeconds * 1000 },
  );
  switch (decision.next) {
    case 'rollback':
      return { ...state, next: 'rollback', rollback: decision.rollback, waitSeconds: undefined };
    case 'scaleUp':
      // The canary passed: ScaleUp brings up the planned capacity next.
      return {
        ...state,
        next: 'scaleUp',
        phase: 'full',
        canaryTroubleSince: undefined,
        waitSeconds: undefined,
        timings: recordTiming(state.timings, 'canaryPassed', decidedAt),
      };
    default:
      return { ...state, next: 'canary', canaryTroubleSince: decision.troubleSince, waitSeconds: undefined };
  }
}

/** Reads the configured rollback alarms; says once per invocation when some no longer exist. */
function alarmReader(config: ServiceConfig): () => Promise<AlarmView[]> {
  let warned = false;
  return async () => {
    const alarms = config.rollbackAlarmNames.length > 0 ? await readAlarms(config.rollbackAlarmNames) : [];
    const missing = missingAlarms(config.rollbackAlarmNames, alarms);
    if (missing.length > 0 && !warned) {
      // Not a reason to roll back, but the safety net is thinner than configured: say so.
      console.warn(`rollback alarms not found, not watched: ${missing.join(', ')}`);
      warned = true;
    }
    return alarms;
  };
}
