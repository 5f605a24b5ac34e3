/**
 * CheckHealth (read-only): is the scaled-up group serving? Counts the group's current instances
 * every time, so an instance that died and was replaced by the group is simply followed. Polls
 * every `pollSeconds` for up to `pollBudgetSeconds` per invocation before handing back; stops at
 * once (LockLost) when its execution no longer holds the lock, and fails (VersionChanged) if the
 * group no longer carries the planned version.
 */
import { now } from '../shared/clock';
import { readServiceConfig } from '../shared/config';
import { plannedVersionVisible, recordTiming, requirePlan } from '../shared/decisions';
import { decideHealth, type HealthDecision } from './decisions';
import { readFleetSnapshot, tagReadTiming } from '../shared/fleet-calls';
import { assertLockHeld } from '../shared/lock';
import { pollWithinBudget } from '../shared/poll';
import type { ReleaseState } from '../../lib/contract/release-state';

export async function handler(state: ReleaseState): Promise<ReleaseState> {
  const config = readServiceConfig();
  const plan = requirePlan(state, 'CheckHealth');
  let decidedAt = now();
  const { value: decision } = await pollWithinBudget<HealthDecision>(
    async () => {
      await assertLockHeld(config.lockTableName, state.executionArn);
      const readAt = now();
      const snapshot = await readFleetSnapshot(config);
      const target = snapshot.groups[plan.targetColour];
      const visible = plannedVersionVisible(plan, target, tagReadTiming(state, readAt));
      decidedAt = now();
      const decided = decideHealth(plan, target, snapshot.targetHealth, decidedAt);
      // A read that may not show the tag yet never leads to the swap.
      const value =
        !visible && decided.next === 'swap' ? { ...decided, next: 'waitForHealth' as const } : decided;
      return { final: value.next !== 'waitForHealth', value };
    },
    { intervalMs: config.pollSeconds * 1000, budgetMs: config.pollBudgetSeconds * 1000 },
  );
  switch (decision.next) {
    case 'swap':
      return {
        ...state,
        next: 'swap',
        progress: decision.progress,
        waitSeconds: undefined,
        timings: recordTiming(state.timings, 'healthy', decidedAt),
      };
    case 'rollback':
      return { ...state, next: 'rollback', progress: decision.progress, rollback: decision.rollback };
    default:
      return {
        ...state,
        next: 'waitForHealth',
        progress: decision.progress,
        waitSeconds: config.pollSeconds,
      };
  }
}
