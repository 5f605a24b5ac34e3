/**
 * ScaleUp: point the idle group at the new version and give it the planned capacity.
 * The version tag propagates at launch, so every new instance boots the new version. Every call
 * is fenced (see shared/fence.ts): once another execution holds the lock, no write of this one
 * lands after its guard.
 */
import { now, sleep } from '../shared/clock';
import { readServiceConfig } from '../shared/config';
import { activeInstances } from '../../lib/contract/fleet-health';
import { liveMinSize, recordTiming, requirePlan } from '../shared/decisions';
import { IdleGroupNotEmptyError } from '../shared/errors';
import { withFence, type StepContext } from '../shared/fence';
import { readFleetSnapshot, resumeProcesses, roleTag, setTags, updateGroup } from '../shared/fleet-calls';
import { TagKeys } from '../../lib/contract/tags';
import { capacitiesOfThisRelease, decideScaleUp } from './decisions';
import type { ReleaseState } from '../../lib/contract/release-state';

/** Reads of a group that should be empty before ScaleUp refuses (reads lag writes). */
const EMPTY_GROUP_READS = 3;
const EMPTY_GROUP_READ_INTERVAL_MS = 2_000;

export async function handler(state: ReleaseState, context?: StepContext): Promise<ReleaseState> {
  const config = readServiceConfig();
  const plan = requirePlan(state, 'ScaleUp');
  const scaleTo = decideScaleUp(plan, state.phase);
  return withFence(
    { tableName: config.lockTableName, executionArn: state.executionArn, step: 'scale-up' },
    context,
    async ({ guard }) => {
      // A re-run of this very step (its first attempt got as far as the resize) finds its own
      // instances: same version tag, same desired capacity; so does the full scale-up after a
      // canary (the canary's instances stay and serve). Anything else in the group is not ours.
      const ours = (group: typeof target) =>
        group.tags.version === plan.version &&
        group.tags.role === 'idle' &&
        capacitiesOfThisRelease(plan, scaleTo).includes(group.desiredCapacity);
      // Reads may lag a recovery's terminations: look again a few times before refusing. The full
      // scale-up after a canary expects the canary's instances there: no reason to look again.
      const expected = (group: typeof target) => scaleTo.phase === 'full' && ours(group);
      let target = (await readFleetSnapshot(config, { targetHealth: false })).groups[plan.targetColour];
      for (
        let read = 1;
        read < EMPTY_GROUP_READS && activeInstances(target).length > 0 && !expected(target);
        read++
      ) {
        await sleep(EMPTY_GROUP_READ_INTERVAL_MS);
        target = (await readFleetSnapshot(config, { targetHealth: false })).groups[plan.targetColour];
      }
      const active = activeInstances(target);
      if (active.length > 0 && !ours(target)) {
        throw new IdleGroupNotEmptyError(
          `${plan.targetColour} (${target.name}) should be empty before a release but has ${active.length} instance(s): ` +
            active.map((i) => `${i.id} ${i.lifecycleState}`).join(', '),
        );
      }

      await setTags(guard, target.name, [
        { key: TagKeys.version, value: plan.version, propagateAtLaunch: true },
        roleTag('idle'),
      ]);
      await resumeProcesses(guard, target.name);
      await updateGroup(guard, target.name, {
        minSize: liveMinSize(config.minCapacity, scaleTo.desiredCapacity),
        desiredCapacity: scaleTo.desiredCapacity,
      });

      const at = now();
      return {
        ...state,
        plan: { ...plan, healthDeadline: at + plan.healthTimeoutSeconds * 1000 },
        next: 'waitForHealth',
        waitSeconds: config.pollSeconds,
        ...(scaleTo.phase ? { phase: scaleTo.phase } : {}),
        timings: recordTiming(state.timings, 'scaledUp', at),
      };
    },
  );
}
