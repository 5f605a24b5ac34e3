/**
 * Rollback's decisions, pure: which group is restored and with how many instances, how the other
 * is retired, one pass at a time, and where a converged rollback goes.
 */
import { REJECTED_ERROR } from '../../lib/contract/errors';
import { COLOURS, type Colour } from '../../lib/contract/tags';
import { activeInstances, isHealthy, targetHealthOf } from '../../lib/contract/fleet-health';
import type { CaughtError, RollbackInfo, SupersededIntent } from '../../lib/contract/release-state';
import type { FleetSnapshot, GroupView } from '../../lib/contract/fleet-view';
import type { ValidatedRequest } from '../../lib/contract/request';
import {
  chooseRestoreGroup,
  idsIn,
  isServingOrStarting,
  liveMinSize,
  missingSuspensions,
  otherColour,
  rollbackGoal,
} from '../shared/decisions';

/**
 * How many instances the restored group must serve with: the service's minimum, the size of the
 * fleet being retired (it matched the live fleet at the swap, and may have scaled since), what the
 * restored group has, and what an earlier pass already settled on; never above MaxSize.
 */
export function restoreCapacity(
  snapshot: FleetSnapshot,
  restoreColour: Colour,
  minCapacity: number,
  earlier = 0,
): number {
  const restore = snapshot.groups[restoreColour];
  const retired = snapshot.groups[otherColour(restoreColour)];
  const wanted = Math.max(
    minCapacity,
    retired.desiredCapacity,
    activeInstances(retired).length,
    activeInstances(restore).length,
    earlier,
  );
  return Math.max(1, Math.min(wanted, restore.maxSize));
}

export interface RestoreActions {
  readonly colour: Colour;
  readonly name: string;
  /** The version the restored group runs (its version tag). */
  readonly version?: string;
  /** Instances it must serve with before anything else is taken out of service. */
  readonly capacity: number;
  /** Some process is suspended: resume them all (the group is to serve). */
  readonly resume: boolean;
  /** Standby instances to return now (no more than MaxSize allows). */
  readonly exitStandby: readonly string[];
  /** Standby instances beyond MaxSize while the group is full: surplus, terminated. */
  readonly terminateSurplus: readonly string[];
  /** Still draining into Standby: they can exit on a later pass. */
  readonly enteringStandby: readonly string[];
  /** Raise desired capacity to this (launching the group's version) once nothing is left in Standby. */
  readonly desiredCapacity?: number;
  /** Set once every instance is back; undefined when nothing to change. */
  readonly minSize?: number;
  /**
   * Instances brought back from Standby that the load balancer reports `unhealthy` (impaired
   * while in Standby, where the group does not check them): terminated without decrement so the
   * group launches a replacement now rather than after its health-check grace period. Only those:
   * a freshly launched instance is unhealthy until its app has started.
   */
  readonly replace: readonly string[];
  readonly healthy: number;
  /** Nothing left in Standby and at least `capacity` instances InService and healthy. */
  readonly ready: boolean;
  /**
   * All back and at least `capacity` instances InService, not all healthy yet: only their next
   * health checks are awaited, which pass at a moment no read can predict.
   */
  readonly awaitingHealthChecks: boolean;
  readonly tagLive: boolean;
}

export interface RetireActions {
  readonly colour: Colour;
  readonly name: string;
  readonly suspend: readonly string[];
  /** MinSize 0 and desired 0 (scale-in deregisters and drains its InService instances). */
  readonly scaleToZero: boolean;
  /** The instances that scale-in removes (InService and Pending), for the summary. */
  readonly scaledIn: readonly string[];
  /** Standby instances are not removed by scale-in: terminated explicitly. */
  readonly terminate: readonly string[];
  readonly tagIdle: boolean;
  /** No non-leaving instance and desired 0 when the snapshot was taken. */
  readonly settled: boolean;
}

export interface RollbackActions {
  readonly restore?: RestoreActions;
  /** The groups taken out of service: the other group, or both when nothing is restored. */
  readonly retire: readonly RetireActions[];
  /**
   * Only once the restored group serves at capacity (or there is none), and no other invocation
   * may still be changing the fleet (the fence), are the others taken out.
   */
  readonly takeOutOfService: boolean;
  readonly converged: boolean;
}

export interface RollbackInput {
  readonly minCapacity: number;
  /** The restore capacity an earlier pass settled on. @default 0 */
  readonly earlierCapacity?: number;
  /** Another invocation (a stopped or superseded step) may still be calling AWS. */
  readonly othersActing: boolean;
  /** Instances this rollback has returned from Standby. @default none */
  readonly exitedStandby?: readonly string[];
}

export function planRollback(snapshot: FleetSnapshot, input: RollbackInput): RollbackActions {
  const restoreColour = chooseRestoreGroup(snapshot);
  const restore = restoreColour
    ? planRestore(
        snapshot.groups[restoreColour],
        snapshot,
        input.minCapacity,
        restoreCapacity(snapshot, restoreColour, input.minCapacity, input.earlierCapacity),
        new Set(input.exitedStandby ?? []),
      )
    : undefined;
  const takeOutOfService = (!restore || restore.ready) && !input.othersActing;
  const retire = COLOURS.filter((c) => c !== restoreColour).map((c) => planRetire(snapshot.groups[c]));
  return {
    restore,
    retire,
    takeOutOfService,
    converged: takeOutOfService && retire.every((r) => r.settled),
  };
}

function planRestore(
  group: GroupView,
  snapshot: FleetSnapshot,
  minCapacity: number,
  capacity: number,
  exitedStandby: ReadonlySet<string>,
): RestoreActions {
  const standby = idsIn(group, (s) => s === 'Standby');
  const enteringStandby = idsIn(group, (s) => s === 'EnteringStandby');
  // ExitStandby increments desired capacity and is refused above MaxSize (docs/aws-model.md). MaxSize is
  // the template's: exit what fits; a group already at MaxSize has no use for the rest.
  const room = Math.max(0, group.maxSize - group.desiredCapacity);
  const exitStandby = standby.slice(0, room);
  const terminateSurplus = room === 0 ? standby : [];
  const allBack =
    enteringStandby.length === 0 && exitStandby.length + terminateSurplus.length === standby.length;
  const desiredAfterExit = group.desiredCapacity + exitStandby.length;
  const desiredCapacity = allBack && desiredAfterExit < capacity ? capacity : undefined;
  const wantedMinSize = liveMinSize(minCapacity, desiredCapacity ?? desiredAfterExit);
  const inService = group.instances.filter((i) => i.lifecycleState === 'InService');
  const healthy = inService.filter((i) => isHealthy(i, snapshot.targetHealth)).length;
  return {
    colour: group.colour,
    name: group.name,
    version: group.tags.version,
    capacity,
    resume: group.suspendedProcesses.length > 0,
    exitStandby,
    terminateSurplus,
    enteringStandby,
    desiredCapacity,
    minSize: allBack && group.minSize !== wantedMinSize ? wantedMinSize : undefined,
    replace:
      healthy < capacity
        ? inService
            .filter(
              (i) => exitedStandby.has(i.id) && targetHealthOf(i.id, snapshot.targetHealth) === 'unhealthy',
            )
            .map((i) => i.id)
        : [],
    healthy,
    ready: allBack && healthy >= capacity,
    awaitingHealthChecks: allBack && inService.length >= capacity && healthy < capacity,
    tagLive: group.tags.role !== 'live',
  };
}

function planRetire(group: GroupView): RetireActions {
  const active = activeInstances(group);
  const scaleToZero = group.minSize !== 0 || group.desiredCapacity !== 0;
  return {
    colour: group.colour,
    name: group.name,
    suspend: missingSuspensions(group),
    scaleToZero,
    scaledIn: scaleToZero ? idsIn(group, isServingOrStarting) : [],
    terminate: idsIn(group, (s) => s === 'Standby'),
    tagIdle: group.tags.role !== 'idle',
    settled: active.length === 0 && group.desiredCapacity === 0,
  };
}

/**
 * How often a rollback looks again within one invocation while it waits (instances leaving
 * Standby, launching, draining). A rollback is what an operator is waiting for: every second,
 * not every health-check interval.
 */
export const ROLLBACK_POLL_MS = 1000;

/**
 * How often it looks while only the restored instances' health checks are awaited. Their pass is
 * the moment the other group may go, and no read can tell when it comes: four looks a second
 * (two Describe calls each, Auto Scaling and ELB) take the other group out within a quarter second
 * of it. This lasts at most the registration delay and one check interval (docs/aws-model.md).
 */
export const HEALTH_CHECK_WATCH_MS = 250;

/** Never looks again sooner than this (a fence whose deadline is about to pass). */
const MIN_PASS_GAP_MS = 50;

/**
 * When the next pass is worth making, from what this pass saw: soon while only health checks are
 * awaited, at the moment the fence clears when only another invocation's deadline holds the
 * retirement back, otherwise every ROLLBACK_POLL_MS. (A rollback whose reads were throttled
 * looks once a second, whatever it waits for: the handler's call.)
 */
export function nextRollbackPassInMs(
  actions: RollbackActions,
  fence: { readonly othersUntil: readonly number[]; readonly now: number },
): number {
  const restoreReady = !actions.restore || actions.restore.ready;
  if (restoreReady && fence.othersUntil.length > 0) {
    const clears = Math.min(...fence.othersUntil) - fence.now;
    return Math.min(ROLLBACK_POLL_MS, Math.max(MIN_PASS_GAP_MS, clears));
  }
  if (actions.restore?.awaitingHealthChecks) return HEALTH_CHECK_WATCH_MS;
  return ROLLBACK_POLL_MS;
}

/** The reason recorded when a step failed and its error was caught into `$.error`. */
export function rollbackForError(error: CaughtError | undefined): RollbackInfo {
  if (!error) return { reason: 'rollback without a recorded reason', automatic: true };
  let cause = error.Cause ?? '';
  // A Lambda error's Cause is a JSON document; its message is what an operator wants to read.
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') cause = parsed.errorMessage;
  } catch {
    // not JSON: keep it as it is
  }
  // A person's rejection at an approval gate reads as such ("release rejected by <who>: <why>").
  const reason =
    error.Error === REJECTED_ERROR ? `release ${cause}` : `step failed: ${error.Error}: ${cause}`;
  return { reason: reason.length > 2000 ? `${reason.slice(0, 1997)}...` : reason, automatic: true };
}

/** Where a converged rollback goes. */
export function nextAfterRollback(input: {
  readonly requestAction: ValidatedRequest['action'] | undefined;
  readonly rollback: RollbackInfo;
  readonly error: CaughtError | undefined;
  /** The version now live (the restored group's), if any. */
  readonly liveVersion: string | undefined;
  readonly superseded: SupersededIntent | undefined;
}): 'prepare' | 'failed' | 'rolledBack' {
  const { rollback, error } = input;
  if (rollback.automatic) return 'failed';
  const action = input.requestAction ?? 'release';
  // A recovery before a release: now plan the release.
  if (action === 'release' && !error) return 'prepare';
  // A rollback request whose goal is not live yet (the interrupted execution was a rollback that
  // re-releases the previous version, or a release that got as far as its finalize): Prepare
  // plans that re-release, so two rollbacks never undo each other.
  const goal = rollbackGoal(input.superseded);
  if (action === 'rollback' && !error && goal !== undefined && input.liveVersion !== goal) return 'prepare';
  return 'rolledBack';
}
