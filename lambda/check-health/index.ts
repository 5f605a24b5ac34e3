/**
 * CheckHealth (read-only): is the scaled-up group serving? Counts the group's current instances
 * every time, so an instance that died and was replaced by the group is simply followed. Polls
 * every `pollSeconds` for up to `pollBudgetSeconds` per invocation before handing back.
 */
import { now } from '../shared/clock';
import { readServiceConfig } from '../shared/config';
import { decideHealth, recordTiming, requirePlan, type HealthDecision } from '../shared/decisions';
import { readFleetSnapshot } from '../shared/fleet';
import { pollWithinBudget } from '../shared/poll';
import type { ReleaseState } from '../shared/types';

export async function handler(state: ReleaseState): Promise<ReleaseState> {
  const config = readServiceConfig();
  const plan = requirePlan(state, 'CheckHealth');
  let decidedAt = now();
  const { value: decision } = await pollWithinBudget<HealthDecision>(
    async () => {
      const snapshot = await readFleetSnapshot(config);
      decidedAt = now();
      const value = decideHealth(plan, snapshot.groups[plan.targetColour], snapshot.targetHealth, decidedAt);
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
