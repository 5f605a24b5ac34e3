/**
 * Finalize: after the bake, verify the new fleet serves the released version, then terminate the
 * old group's Standby instances, leave that group empty, idle and suspended, and release the lock.
 * With an afterFinalize hook, a release keeps the lock until the hook has answered, so no other
 * release starts while it runs (e.g. a contract migration); the state machine then invokes this
 * function again with `next: 'releaseLock'`, and it releases the lock and nothing else.
 *
 * The verification comes first: while the new group is not serving at capacity the warm old
 * fleet is kept (Finalize waits, and past its deadline fails into the rollback).
 */
import { now } from '../shared/clock';
import { readServiceConfig, type ServiceConfig } from '../shared/config';
import { activeInstances, isHealthy } from '../../lib/contract/fleet-health';
import {
  plannedVersionVisible,
  durationSeconds,
  liveMinSize,
  recordTiming,
  requirePlan,
} from '../shared/decisions';
import { hookInvocationId, keepsLockThroughHook, planFinalize, secondsBeforeRelease } from './decisions';
import { TargetNotHealthyError } from '../shared/errors';
import { CLOCK_SKEW_MARGIN_MS, withFence, type StepContext } from '../shared/fence';
import {
  readFleetSnapshot,
  roleTag,
  setTags,
  suspendProcesses,
  terminateInstances,
  updateGroup,
  tagReadTiming,
} from '../shared/fleet-calls';
import { enterInFlight, releaseLock } from '../shared/lock';
import { isRetryableError } from '../../lib/contract/retry';
import type { ReleasePlan, ReleaseState } from '../../lib/contract/release-state';

export async function handler(state: ReleaseState, context?: StepContext): Promise<ReleaseState> {
  const config = readServiceConfig();
  const plan = requirePlan(state, 'Finalize');
  const releasingLock = state.next === 'releaseLock';
  // Finalize released it already when it kept nothing for a hook (a rollback request's plan).
  if (releasingLock && !keepsLockThroughHook(state, plan)) return { ...state, next: 'released' };
  try {
    return releasingLock
      ? await releaseAfterHook(state, config, context)
      : await finalize(state, plan, config, context);
  } catch (error) {
    // Throttling or contention that outlasted a call's retries: past the bake the old fleet may
    // already be leaving, so rolling back is no longer the safe way out; the same pass (idempotent)
    // is run again.
    if (!isRetryableError(error)) throw error;
    const again = releasingLock ? 'releaseLock' : 'finalize';
    console.warn(`${again} interrupted, trying again: ${String(error)}`);
    return { ...state, next: again, waitSeconds: config.pollSeconds };
  }
}

async function finalize(
  state: ReleaseState,
  plan: ReleasePlan,
  config: ServiceConfig,
  context: StepContext | undefined,
): Promise<ReleaseState> {
  return withFence(fenceOf(state, config), context, async ({ guard, invocationId, settle }) => {
    const readAt = now();
    const snapshot = await readFleetSnapshot(config);
    const target = snapshot.groups[plan.targetColour];
    let terminatedInstanceIds = [...(state.terminatedInstanceIds ?? [])];

    // Verified from AWS before anything is torn down or reported.
    if (!plannedVersionVisible(plan, target, tagReadTiming(state, readAt))) {
      return { ...state, next: 'finalize', waitSeconds: config.pollSeconds };
    }
    const serving = target.instances.filter((i) => isHealthy(i, snapshot.targetHealth));
    const required = liveMinSize(config.minCapacity, plan.capacity);
    if (serving.length < required) {
      const deadline = state.finalizeDeadline ?? now() + plan.healthTimeoutSeconds * 1000;
      if (now() >= deadline) {
        throw new TargetNotHealthyError(
          `${plan.targetColour} (${target.name}) serves ${plan.version} on ${serving.length} healthy instance(s), fewer than ${required}`,
        );
      }
      return { ...state, next: 'finalize', waitSeconds: config.pollSeconds, finalizeDeadline: deadline };
    }

    if (plan.fromColour) {
      const from = snapshot.groups[plan.fromColour];
      // Idle FIRST: from here on a crash or a rollback never restores a half-terminated fleet
      // (the rollback keeps the new live group and empties this one).
      if (from.tags.role !== 'idle') await setTags(guard, from.name, [roleTag('idle')]);
      const actions = planFinalize(from);
      if (actions.enteringStandby.length > 0) {
        return { ...state, next: 'finalize', waitSeconds: config.pollSeconds };
      }
      const result = await terminateInstances(guard, actions.terminate, 'standby');
      terminatedInstanceIds = [...terminatedInstanceIds, ...result.terminated];
      await suspendProcesses(guard, from.name, actions.suspend);
      if (actions.scaleToZero) await updateGroup(guard, from.name, { minSize: 0, desiredCapacity: 0 });
      // An old-version instance still serving or starting (a replacement launched before the
      // group was suspended) leaves by scale-in; success is reported once a read shows it gone.
      if (actions.serving.length > 0) {
        return { ...state, next: 'finalize', waitSeconds: config.pollSeconds, terminatedInstanceIds };
      }
    }

    const minSize = liveMinSize(config.minCapacity, target.desiredCapacity);
    if (target.minSize !== minSize) await updateGroup(guard, target.name, { minSize });

    await settle();
    if (!keepsLockThroughHook(state, plan)) {
      await releaseLock(config.lockTableName, state.executionArn, invocationId);
    } else {
      await listHookInvocation(state, config);
    }

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
        ...(plan.canary ? { canary: plan.canary } : {}),
      },
    };
  });
}

/**
 * After the afterFinalize hook answered (or failed): release the lock, fenced like every step, so
 * a lock another execution took over meanwhile is left alone (LockLost: superseded).
 */
async function releaseAfterHook(
  state: ReleaseState,
  config: ServiceConfig,
  context: StepContext | undefined,
): Promise<ReleaseState> {
  // Finalize settled before the hook; nothing was changed since.
  return withFence(fenceOf(state, config), context, async ({ invocationId, inspect }) => {
    const { lock } = await inspect();
    const hook = lock.inFlight.find((i) => i.id === hookInvocationId(state.executionArn));
    const waitSeconds = secondsBeforeRelease(state.error, hook?.until, now());
    if (waitSeconds > 0) return { ...state, next: 'releaseLock', waitSeconds };
    await releaseLock(config.lockTableName, state.executionArn, invocationId);
    return { ...state, next: 'released' };
  });
}

/**
 * Lists the afterFinalize hook's coming invocation on the lock for its function's whole timeout:
 * should this execution stop, or the hook's Task time out, a next release waits for it (Lambda
 * does not cancel a running invocation).
 */
async function listHookInvocation(state: ReleaseState, config: ServiceConfig): Promise<void> {
  const windowMs = (state.afterFinalizeHook?.windowSeconds ?? 0) * 1000;
  await enterInFlight(
    config.lockTableName,
    {
      id: hookInvocationId(state.executionArn),
      execution: state.executionArn,
      step: 'afterFinalize',
      until: now() + windowMs + CLOCK_SKEW_MARGIN_MS,
    },
    now(),
  );
}

function fenceOf(state: ReleaseState, config: ServiceConfig) {
  return { tableName: config.lockTableName, executionArn: state.executionArn, step: 'finalize' };
}
