/**
 * Finalize: after the bake, the old group's Standby instances are terminated and the group is
 * left empty, idle and suspended; the lock is released.
 */
import { now } from '../shared/clock';
import { readServiceConfig } from '../shared/config';
import {
  activeInstances,
  durationSeconds,
  liveMinSize,
  planFinalize,
  recordTiming,
  requirePlan,
} from '../shared/decisions';
import {
  readFleetSnapshot,
  roleTag,
  setTags,
  suspendProcesses,
  terminateInstances,
  updateGroup,
} from '../shared/fleet';
import { assertLockHeld, releaseLock } from '../shared/lock';
import type { ReleaseState } from '../shared/types';

export async function handler(state: ReleaseState): Promise<ReleaseState> {
  const config = readServiceConfig();
  const plan = requirePlan(state, 'Finalize');
  await assertLockHeld(config.lockTableName, state.executionArn);

  const snapshot = await readFleetSnapshot(config, { targetHealth: false });
  const target = snapshot.groups[plan.targetColour];
  let terminatedInstanceIds = [...(state.terminatedInstanceIds ?? [])];

  if (plan.fromColour) {
    const from = snapshot.groups[plan.fromColour];
    // Idle FIRST: from here on a crash or a rollback never restores a half-terminated fleet
    // (the rollback keeps the new live group and empties this one).
    if (from.tags.role !== 'idle') await setTags(from.name, [roleTag('idle')]);
    const actions = planFinalize(from);
    if (actions.enteringStandby.length > 0) {
      return { ...state, next: 'finalize', waitSeconds: config.pollSeconds };
    }
    const result = await terminateInstances(actions.terminate, 'standby');
    terminatedInstanceIds = [...terminatedInstanceIds, ...result.terminated];
    await suspendProcesses(from.name, actions.suspend);
    if (actions.scaleToZero) await updateGroup(from.name, { minSize: 0, desiredCapacity: 0 });
  }

  const minSize = liveMinSize(config.minCapacity, target.desiredCapacity);
  if (target.minSize !== minSize) await updateGroup(target.name, { minSize });

  await releaseLock(config.lockTableName, state.executionArn);

  const at = now();
  const timings = recordTiming(state.timings, 'released', at);
  return {
    ...state,
    next: 'released',
    waitSeconds: undefined,
    terminatedInstanceIds,
    timings,
    summary: {
      outcome: plan.action === 'rollback' ? 'rolled-back' : 'released',
      version: plan.version,
      liveColour: plan.targetColour,
      liveGroupName: target.name,
      ...(plan.fromVersion !== undefined ? { previousVersion: plan.fromVersion } : {}),
      instanceIds: activeInstances(target).map((i) => i.id),
      terminatedInstanceIds,
      durationSeconds: durationSeconds(timings, at),
      timings,
    },
  };
}
