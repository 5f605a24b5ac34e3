/**
 * Rollback: a convergence step, re-run (within one invocation, then after a Wait) until the fleet
 * is back to one live group.
 *
 * Each pass reads a fresh snapshot and does only what it shows is still needed, so it is safe to
 * re-run after any crash, from any point of a release. It restores the group to keep (the standby
 * group with its warm instances, relaunching its version when they are short or gone; else the
 * live group) at once, and only once that group serves at capacity AND no other invocation may
 * still be acting on the fleet (the fence: a stopped execution's step) does it take the other
 * group out of service. It never leaves two live groups, an instance stranded in Standby, or a
 * MinSize pinned on the idle group; past its deadline it fails loudly and retires nothing.
 */
import { now } from '../shared/clock';
import { readServiceConfig, type ServiceConfig } from '../shared/config';
import { durationSeconds, recordTiming } from '../shared/decisions';
import {
  nextAfterRollback,
  nextRollbackPassInMs,
  planRollback,
  ROLLBACK_POLL_MS,
  rollbackForError,
  type RollbackActions,
} from './decisions';
import { isHealthy } from '../../lib/contract/fleet-health';
import { RollbackIncompleteError } from '../shared/errors';
import { withFence, type Fence, type StepContext } from '../shared/fence';
import {
  exitStandby,
  readFleetSnapshot,
  resumeProcesses,
  roleTag,
  setTags,
  suspendProcesses,
  terminateInstances,
  updateGroup,
} from '../shared/fleet-calls';
import { releaseLock } from '../shared/lock';
import { rollbackMetricRecord } from '../shared/metrics';
import { pollWithinBudget } from '../shared/poll';
import { isRetryableError } from '../../lib/contract/retry';
import { ThrottlePacer } from '../../lib/contract/pacer';
import type { FleetSnapshot } from '../../lib/contract/fleet-view';
import type { ReleaseState } from '../../lib/contract/release-state';

/** Time a rollback may take beyond the health timeout (draining, relaunching) before it gives up. */
const ROLLBACK_GRACE_SECONDS = 600;

export async function handler(state: ReleaseState, context?: StepContext): Promise<ReleaseState> {
  const config = readServiceConfig();
  return withFence(
    { tableName: config.lockTableName, executionArn: state.executionArn, step: 'rollback' },
    context,
    async (fence) => {
      let current: ReleaseState = {
        ...state,
        rollbackDeadline:
          state.rollbackDeadline ?? now() + (config.healthTimeoutSeconds + ROLLBACK_GRACE_SECONDS) * 1000,
      };
      // Fleet reads are paced once throttled; a paced or interrupted rollback looks once a second.
      const reads = new ThrottlePacer();
      let interrupted = false;
      const { value } = await pollWithinBudget(
        async () => {
          let nextCheckInMs: number | undefined;
          try {
            const pass = await convergeOnce(current, config, fence, reads);
            current = pass.state;
            if (!interrupted && reads.currentGapMs === 0) nextCheckInMs = pass.nextPassInMs;
          } catch (error) {
            // Throttling or contention that outlasted a call's retries: the rollback is what must
            // not give up, so it looks again on the next pass, until its own deadline.
            if (!isRetryableError(error) || now() >= (current.rollbackDeadline ?? 0)) throw error;
            console.warn(`rollback pass interrupted, trying again: ${String(error)}`);
            interrupted = true;
            current = { ...current, next: 'rollback', waitSeconds: config.pollSeconds };
          }
          return { final: current.next !== 'rollback', value: current, nextCheckInMs };
        },
        {
          intervalMs: Math.min(ROLLBACK_POLL_MS, config.pollSeconds * 1000),
          budgetMs: config.pollBudgetSeconds * 1000,
        },
      );
      return value;
    },
  );
}

interface Pass {
  readonly state: ReleaseState;
  /** When the next pass is worth making (see nextRollbackPassInMs). */
  readonly nextPassInMs?: number;
}

/** One idempotent pass: read the fleet, do what it shows is still needed. */
async function convergeOnce(
  state: ReleaseState,
  config: ServiceConfig,
  fence: Fence,
  reads: ThrottlePacer,
): Promise<Pass> {
  const { guard } = fence;
  const rollback = state.rollback ?? rollbackForError(state.error);
  // The fence and the fleet, read at once: an invocation that acted before the fleet read is
  // still listed (ended ones stay READ_SETTLE_MS), whichever read answers first.
  const [{ others }, snapshot] = await Promise.all([
    fence.inspect(),
    readFleetSnapshot(config, { retry: { pacer: reads } }),
  ]);
  const actions = planRollback(snapshot, {
    minCapacity: config.minCapacity,
    earlierCapacity: state.restoreCapacity,
    othersActing: others.length > 0,
    exitedStandby: state.exitedStandby,
  });
  const terminated: string[] = [];

  const restore = actions.restore;
  if (restore) {
    // Instances still EnteringStandby are draining and cannot exit yet: a later pass exits them.
    // ExitStandby first: it is what brings the old version back (on the critical path); the
    // processes the group kept suspended (Launch among them) are resumed before it relaunches.
    await exitStandby(guard, restore.name, restore.exitStandby);
    if (restore.resume) await resumeProcesses(guard, restore.name);
    terminated.push(...(await terminateInstances(guard, restore.terminateSurplus, 'standby')).terminated);
    if (restore.desiredCapacity !== undefined || restore.minSize !== undefined) {
      await updateGroup(guard, restore.name, {
        desiredCapacity: restore.desiredCapacity,
        minSize: restore.minSize,
      });
    }
    terminated.push(...(await terminateInstances(guard, restore.replace, 'replace')).terminated);
  }

  if (actions.takeOutOfService) {
    for (const retire of actions.retire) {
      // Scale-in first: it is what takes the group out of the target group (on the critical
      // path). Suspending its processes a call later leaves nothing to relaunch: at desired 0 a
      // scaling action in between is undone by the next pass, which re-checks until settled.
      if (retire.scaleToZero) {
        await updateGroup(guard, retire.name, { minSize: 0, desiredCapacity: 0 });
        terminated.push(...retire.scaledIn);
      }
      await suspendProcesses(guard, retire.name, retire.suspend);
      terminated.push(...(await terminateInstances(guard, retire.terminate, 'standby')).terminated);
      if (retire.tagIdle) await setTags(guard, retire.name, [roleTag('idle')]);
    }
    // Idle before live: never two live groups.
    if (restore?.tagLive) await setTags(guard, restore.name, [roleTag('live')]);
  }

  const terminatedInstanceIds = [...new Set([...(state.terminatedInstanceIds ?? []), ...terminated])];
  const progressed: ReleaseState = {
    ...state,
    rollback,
    terminatedInstanceIds,
    restoreCapacity: restore?.capacity ?? state.restoreCapacity,
    exitedStandby: [...(state.exitedStandby ?? []), ...(restore?.exitStandby ?? [])],
  };
  if (!actions.converged) {
    if (now() >= (state.rollbackDeadline ?? Infinity)) {
      throw new RollbackIncompleteError(describeIncomplete(actions, snapshot, others.length));
    }
    const nextPassInMs = nextRollbackPassInMs(actions, {
      othersUntil: others.map((o) => o.until),
      now: now(),
    });
    return { state: { ...progressed, next: 'rollback', waitSeconds: config.pollSeconds }, nextPassInMs };
  }

  const next = nextAfterRollback({
    requestAction: state.request?.action,
    rollback,
    error: state.error,
    liveVersion: restore?.version,
    superseded: state.superseded,
  });
  if (next === 'prepare') {
    // Prepare (which finds the lock ours) plans what comes next: the release, or the re-release
    // a rollback request still owes.
    return { state: { ...progressed, next, waitSeconds: undefined } };
  }
  await fence.settle();
  await releaseLock(config.lockTableName, state.executionArn, fence.invocationId);
  const at = now();
  // Once per rollback (this is its last pass): CloudWatch counts it from the log line.
  console.log(rollbackMetricRecord(config.serviceTag, at));
  const timings = recordTiming(state.timings, 'rolledBack', at);
  const kept = restore ? snapshot.groups[restore.colour] : undefined;
  const rolledBack: ReleaseState = {
    ...progressed,
    next,
    waitSeconds: undefined,
    timings,
    summary: {
      outcome: 'rolled-back',
      version: kept?.tags.version ?? '',
      ...(kept ? { liveColour: kept.colour, liveGroupName: kept.name } : {}),
      // What serves, as verified by this pass: InService and healthy on the target group.
      instanceIds: kept
        ? kept.instances.filter((i) => isHealthy(i, snapshot.targetHealth)).map((i) => i.id)
        : [],
      terminatedInstanceIds,
      durationSeconds: durationSeconds(timings, at),
      timings,
    },
  };
  return { state: rolledBack };
}

/** What serves and what is missing, for the operator reading a failed rollback. */
function describeIncomplete(actions: RollbackActions, snapshot: FleetSnapshot, othersActing: number): string {
  const restore = actions.restore;
  const serving = Object.values(snapshot.groups)
    .map((g) => {
      const healthy = g.instances.filter((i) => isHealthy(i, snapshot.targetHealth)).length;
      return `${g.colour} (${g.name}) ${g.tags.version ?? '-'}: ${healthy} healthy`;
    })
    .join('; ');
  const missing = restore
    ? `${restore.colour} ${restore.version ?? '-'} has ${restore.healthy} of ${restore.capacity} healthy`
    : 'nothing to restore';
  const fence = othersActing > 0 ? `; ${othersActing} step(s) of another execution may still be acting` : '';
  return `rollback did not converge by its deadline: ${missing}${fence}. Serving now: ${serving}. Nothing was taken out of service.`;
}
