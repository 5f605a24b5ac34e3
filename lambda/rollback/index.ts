/**
 * Rollback: a convergence step, re-run (within one invocation, then after a Wait) until the fleet
 * is back to one live group.
 *
 * Each pass reads a fresh snapshot and does only what it shows is still needed, so it is safe to
 * re-run after any crash, from any point of a release. It restores the group to keep (T: the
 * standby group with its warm instances, else the live group), and only once T serves does it
 * take the other group (O) out of service. It never leaves two live groups, an instance stranded
 * in Standby, or a MinSize pinned on the idle group.
 */
import { now } from '../shared/clock';
import { readServiceConfig, type ServiceConfig } from '../shared/config';
import {
  activeInstances,
  durationSeconds,
  nextAfterRollback,
  planRollback,
  recordTiming,
  rollbackForError,
} from '../shared/decisions';
import {
  exitStandby,
  readFleetSnapshot,
  resumeProcesses,
  roleTag,
  setTags,
  suspendProcesses,
  terminateInstances,
  updateGroup,
} from '../shared/fleet';
import { assertLockHeld, releaseLock } from '../shared/lock';
import { rollbackMetricRecord } from '../shared/metrics';
import { pollWithinBudget } from '../shared/poll';
import type { ReleaseState } from '../shared/types';

/**
 * How often a rollback looks again within one invocation while it waits (instances leaving
 * Standby, the restored group turning healthy). A rollback is what an operator is waiting for:
 * a pass every second, not every health-check interval, takes the new group out of service
 * within a second of the old one passing its check.
 */
const ROLLBACK_POLL_MS = 1000;

export async function handler(state: ReleaseState): Promise<ReleaseState> {
  const config = readServiceConfig();
  let current = state;
  const { value } = await pollWithinBudget(
    async () => {
      current = await convergeOnce(current, config);
      return { final: current.next !== 'rollback', value: current };
    },
    {
      intervalMs: Math.min(ROLLBACK_POLL_MS, config.pollSeconds * 1000),
      budgetMs: config.pollBudgetSeconds * 1000,
    },
  );
  return value;
}

/** One idempotent pass: read the fleet, do what it shows is still needed. */
async function convergeOnce(state: ReleaseState, config: ServiceConfig): Promise<ReleaseState> {
  await assertLockHeld(config.lockTableName, state.executionArn);
  const rollback = state.rollback ?? rollbackForError(state.error);

  const snapshot = await readFleetSnapshot(config);
  const actions = planRollback(snapshot, config.minCapacity);
  const terminated: string[] = [];

  const restore = actions.restore;
  if (restore) {
    if (restore.resume) await resumeProcesses(restore.name);
    // Instances still EnteringStandby are draining and cannot exit yet: a later pass exits them.
    await exitStandby(restore.name, restore.exitStandby);
    terminated.push(...(await terminateInstances(restore.terminateSurplus, 'standby')).terminated);
    if (restore.minSize !== undefined) await updateGroup(restore.name, { minSize: restore.minSize });
  }

  if (actions.takeOutOfService) {
    for (const retire of actions.retire) {
      await suspendProcesses(retire.name, retire.suspend);
      if (retire.scaleToZero) await updateGroup(retire.name, { minSize: 0, desiredCapacity: 0 });
      terminated.push(...(await terminateInstances(retire.terminate, 'standby')).terminated);
      if (retire.tagIdle) await setTags(retire.name, [roleTag('idle')]);
    }
    // Idle before live: never two live groups.
    if (restore?.tagLive) await setTags(restore.name, [roleTag('live')]);
  }

  const terminatedInstanceIds = [...(state.terminatedInstanceIds ?? []), ...terminated];
  if (!actions.converged) {
    return { ...state, rollback, next: 'rollback', waitSeconds: config.pollSeconds, terminatedInstanceIds };
  }

  const next = nextAfterRollback(state.request?.action, rollback, state.error);
  if (next === 'prepare') {
    // A recovery before a release: keep the lock, Prepare (which finds it ours) plans the release.
    return { ...state, rollback, next, waitSeconds: undefined, terminatedInstanceIds };
  }
  await releaseLock(config.lockTableName, state.executionArn);
  const at = now();
  // Once per rollback (this is its last pass): CloudWatch counts it from the log line.
  console.log(rollbackMetricRecord(config.serviceTag, at));
  const timings = recordTiming(state.timings, 'rolledBack', at);
  const kept = restore ? snapshot.groups[restore.colour] : undefined;
  return {
    ...state,
    rollback,
    next,
    waitSeconds: undefined,
    terminatedInstanceIds,
    timings,
    summary: {
      outcome: 'rolled-back',
      version: kept?.tags.version ?? '',
      ...(kept ? { liveColour: kept.colour, liveGroupName: kept.name } : {}),
      instanceIds: kept ? activeInstances(kept).map((i) => i.id) : [],
      terminatedInstanceIds,
      durationSeconds: durationSeconds(timings, at),
      timings,
    },
  };
}
