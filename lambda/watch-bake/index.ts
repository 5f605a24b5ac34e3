/**
 * WatchBake (read-only): during the bake, polls the rollback alarms every `pollSeconds` for up to
 * `pollBudgetSeconds` per invocation. An alarm in ALARM sends the release to Rollback (the old
 * fleet is still warm in Standby); the end of the bake time sends it to Finalize.
 */
import { readAlarms } from '../shared/alarms';
import { decideBake, missingAlarms, type BakeDecision } from '../shared/bake';
import { now } from '../shared/clock';
import { readServiceConfig } from '../shared/config';
import { requirePlan } from '../shared/decisions';
import { assertLockHeld } from '../shared/lock';
import { pollWithinBudget } from '../shared/poll';
import type { ReleaseState } from '../../lib/contract/release-state';

export async function handler(state: ReleaseState): Promise<ReleaseState> {
  const config = readServiceConfig();
  const plan = requirePlan(state, 'WatchBake');
  let warned = false;
  const { value: decision } = await pollWithinBudget<BakeDecision>(
    async () => {
      // A stopped or superseded execution's bake stops here instead of polling on.
      await assertLockHeld(config.lockTableName, state.executionArn);
      const alarms = config.rollbackAlarmNames.length > 0 ? await readAlarms(config.rollbackAlarmNames) : [];
      const missing = missingAlarms(config.rollbackAlarmNames, alarms);
      if (missing.length > 0 && !warned) {
        // Not a reason to roll back, but the safety net is thinner than configured: say so.
        console.warn(`rollback alarms not found, not watched: ${missing.join(', ')}`);
        warned = true;
      }
      const value = decideBake(plan, state.timings, alarms, now());
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
