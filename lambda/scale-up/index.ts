/**
 * ScaleUp: point the idle group at the new version and give it the planned capacity.
 * The version tag propagates at launch, so every new instance boots the new version.
 */
import { now } from '../shared/clock';
import { readServiceConfig } from '../shared/config';
import { activeInstances, liveMinSize, recordTiming, requirePlan } from '../shared/decisions';
import { IdleGroupNotEmptyError } from '../shared/errors';
import { readFleetSnapshot, resumeProcesses, roleTag, setTags, updateGroup } from '../shared/fleet';
import { assertLockHeld } from '../shared/lock';
import { TagKeys } from '../shared/tags';
import type { ReleaseState } from '../shared/types';

export async function handler(state: ReleaseState): Promise<ReleaseState> {
  const config = readServiceConfig();
  const plan = requirePlan(state, 'ScaleUp');
  await assertLockHeld(config.lockTableName, state.executionArn);

  const snapshot = await readFleetSnapshot(config, { targetHealth: false });
  const target = snapshot.groups[plan.targetColour];
  const active = activeInstances(target);
  // A re-run of this very step (its first attempt got as far as the resize) finds its own
  // instances: same version tag, same desired capacity. Anything else in the group is not ours.
  const ownEarlierAttempt =
    target.tags.version === plan.version &&
    target.tags.role === 'idle' &&
    target.desiredCapacity === plan.capacity;
  if (active.length > 0 && !ownEarlierAttempt) {
    throw new IdleGroupNotEmptyError(
      `${plan.targetColour} (${target.name}) should be empty before a release but has ${active.length} instance(s): ` +
        active.map((i) => `${i.id} ${i.lifecycleState}`).join(', '),
    );
  }

  await setTags(target.name, [
    { key: TagKeys.version, value: plan.version, propagateAtLaunch: true },
    roleTag('idle'),
  ]);
  await resumeProcesses(target.name);
  await updateGroup(target.name, {
    minSize: liveMinSize(config.minCapacity, plan.capacity),
    desiredCapacity: plan.capacity,
  });

  const at = now();
  return {
    ...state,
    plan: { ...plan, healthDeadline: at + plan.healthTimeoutSeconds * 1000 },
    next: 'waitForHealth',
    waitSeconds: config.pollSeconds,
    timings: recordTiming(state.timings, 'scaledUp', at),
  };
}
