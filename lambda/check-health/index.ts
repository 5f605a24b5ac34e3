/**
 * CheckHealth (read-only): is the scaled-up group serving? Counts the group's current instances
 * every time, so an instance that died and was replaced by the group is simply followed.
 */
import { now } from '../shared/clock';
import { readServiceConfig } from '../shared/config';
import { decideHealth, recordTiming, requirePlan } from '../shared/decisions';
import { readFleetSnapshot } from '../shared/fleet';
import type { ReleaseState } from '../shared/types';

export async function handler(state: ReleaseState): Promise<ReleaseState> {
  const config = readServiceConfig();
  const plan = requirePlan(state, 'CheckHealth');
  const snapshot = await readFleetSnapshot(config);
  const at = now();
  const decision = decideHealth(plan, snapshot.groups[plan.targetColour], snapshot.targetHealth, at);
  switch (decision.next) {
    case 'swap':
      return {
        ...state,
        next: 'swap',
        progress: decision.progress,
        waitSeconds: undefined,
        timings: recordTiming(state.timings, 'healthy', at),
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
