/**
 * Swap: the new group takes all traffic, the old one goes warm into Standby for the bake.
 *
 * Idempotent: the state machine re-runs it (after a Wait) until nothing of the old group still
 * serves, so each pass acts only on what the fresh snapshot shows. Fenced: every call is guarded
 * by the lock (see shared/fence.ts).
 */
import { now } from '../shared/clock';
import { readServiceConfig } from '../shared/config';
import {
  plannedVersionVisible,
  isInStandby,
  missingSuspensions,
  otherColour,
  recordTiming,
  requirePlan,
  servingOrStartingIds,
} from '../shared/decisions';
import { liveFleetSize, planSwap } from './decisions';
import { assessGroupHealth } from '../../lib/contract/fleet-health';
import { withFence, type StepContext } from '../shared/fence';
import {
  enterStandby,
  readFleetSnapshot,
  roleTag,
  setTags,
  suspendProcesses,
  terminateInstances,
  updateGroup,
  tagReadTiming,
} from '../shared/fleet-calls';
import { TagKeys } from '../../lib/contract/tags';
import type { ReleaseState } from '../../lib/contract/release-state';

export async function handler(state: ReleaseState, context?: StepContext): Promise<ReleaseState> {
  const config = readServiceConfig();
  const plan = requirePlan(state, 'Swap');
  return withFence(
    { tableName: config.lockTableName, executionArn: state.executionArn, step: 'swap' },
    context,
    async ({ guard }) => {
      const readAt = now();
      const snapshot = await readFleetSnapshot(config);
      const target = snapshot.groups[plan.targetColour];
      if (!plannedVersionVisible(plan, target, tagReadTiming(state, readAt))) {
        return { ...state, next: 'waitForHealth', waitSeconds: config.pollSeconds };
      }

      if (!plan.fromColour) {
        // First release: nothing served before, so nothing to put in Standby and nothing to bake.
        // An empty group left tagged live would make two live groups: it becomes idle first.
        const other = snapshot.groups[otherColour(plan.targetColour)];
        if (other.tags.role !== 'idle') await setTags(guard, other.name, [roleTag('idle')]);
        // Like every idle group: nothing may scale it behind the workflow's back.
        await suspendProcesses(guard, other.name, missingSuspensions(other));
        // No version to roll back to: an empty previous-version (a rollback request is then refused).
        await setTags(guard, target.name, [
          roleTag('live'),
          { key: TagKeys.previousVersion, value: '', propagateAtLaunch: false },
        ]);
        return {
          ...state,
          next: 'finalize',
          waitSeconds: undefined,
          timings: recordTiming(state.timings, 'swapped', now()),
        };
      }

      const from = snapshot.groups[plan.fromColour];
      // The live fleet may have scaled out during the health wait: the new group matches its size
      // before the old one leaves service, and is waited on again.
      const size = Math.min(liveFleetSize(from), target.maxSize);
      const swapStarted = from.instances.some((i) => isInStandby(i.lifecycleState));
      if (!swapStarted && target.desiredCapacity < size) {
        await updateGroup(guard, target.name, { desiredCapacity: size });
        const at = now();
        return {
          ...state,
          plan: {
            ...plan,
            capacity: size,
            healthDeadline: Math.max(plan.healthDeadline ?? 0, at + plan.healthTimeoutSeconds * 1000),
          },
          next: 'waitForHealth',
          waitSeconds: config.pollSeconds,
        };
      }

      const actions = planSwap(from);
      if (actions.enterStandby.length > 0) {
        // Last look before the old group stops serving: never swap to a group with nothing healthy.
        // A read that contradicts CheckHealth (it may lag, or an instance died since) sends the
        // release back to the health wait, which decides again with its deadline; nothing changed.
        const health = assessGroupHealth(target, snapshot.targetHealth);
        if (health.healthy === 0) {
          console.warn(
            `${plan.targetColour} (${target.name}) shows no healthy instance; not taking ${plan.fromColour} out of service yet`,
          );
          return { ...state, next: 'waitForHealth', waitSeconds: config.pollSeconds };
        }
      }

      // The old group becomes standby BEFORE the new one becomes live: a crash between the two
      // leaves one live group at most (standby + idle-with-instances, which the rollback handles).
      if (from.tags.role !== 'standby') await setTags(guard, from.name, [roleTag('standby')]);
      const fromVersion = plan.fromVersion ?? from.tags.version ?? '';
      if (target.tags.role !== 'live' || target.tags.previousVersion !== fromVersion) {
        await setTags(guard, target.name, [
          roleTag('live'),
          { key: TagKeys.previousVersion, value: fromVersion, propagateAtLaunch: false },
        ]);
      }

      await suspendProcesses(guard, from.name, actions.suspend);
      // Decrementing below MinSize is a ValidationError: MinSize goes to 0 first.
      if (actions.lowerMinSize) await updateGroup(guard, from.name, { minSize: 0 });
      await enterStandby(guard, from.name, actions.enterStandby);
      // Pending instances (a scale-out that started during the release) never served: terminate.
      const terminated = await terminateInstances(guard, actions.terminate, 'counted');

      // Anything that started after the snapshot (a late scale-out) is still serving: go round again.
      let remaining: string[] = [];
      if (actions.enterStandby.length > 0 || actions.terminate.length > 0 || actions.lowerMinSize) {
        const after = await readFleetSnapshot(config, { targetHealth: false });
        remaining = servingOrStartingIds(after.groups[plan.fromColour]);
      }
      const terminatedInstanceIds = [...(state.terminatedInstanceIds ?? []), ...terminated.terminated];
      if (remaining.length > 0) {
        return { ...state, next: 'swap', waitSeconds: config.pollSeconds, terminatedInstanceIds };
      }
      return {
        ...state,
        next: 'bake',
        waitSeconds: undefined,
        terminatedInstanceIds,
        timings: recordTiming(state.timings, 'swapped', now()),
      };
    },
  );
}
