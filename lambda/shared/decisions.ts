/**
 * The decisions several release steps take alike, as pure functions: what an instance's lifecycle
 * state means, which processes a group that does not serve keeps suspended, the planned version
 * check, the group a rollback restores, and the state's timings. Each step's own decisions are in
 * `lambda/<step>/decisions.ts`; the handlers only read AWS, call these, and carry out what they
 * return, so everything that matters can be tested without mocks, and the rehearsal exercises
 * the very same code.
 */
import { COLOURS, TagKeys, type Colour } from '../../lib/contract/tags';
import { activeInstances } from '../../lib/contract/fleet-health';
import type { ReleasePlan, SupersededIntent } from '../../lib/contract/release-state';
import type { FleetSnapshot, GroupView } from '../../lib/contract/fleet-view';
import { describeValue, isValidVersion } from '../../lib/contract/version';
import { InvalidStateError, VersionChangedError } from './errors';

/**
 * Scaling processes suspended on a group that does not serve: they would launch or terminate
 * instances behind the workflow's back (docs/aws-model.md: capacity and drift). `Launch` too: an
 * old-fleet instance terminated during the swap or the bake must not be replaced by one that
 * serves the old version next to the new (a rollback resumes every process before it relaunches).
 */
export const PROCESSES_SUSPENDED_WHEN_NOT_LIVE = [
  'AlarmNotification',
  'ScheduledActions',
  'AZRebalance',
  'Launch',
] as const;

// ---------------------------------------------------------------------------------------------
// Instances
// ---------------------------------------------------------------------------------------------

export function isPending(lifecycleState: string): boolean {
  return lifecycleState.startsWith('Pending');
}

/** Pending* and InService: instances that serve or are about to. */
export function isServingOrStarting(lifecycleState: string): boolean {
  return lifecycleState === 'InService' || isPending(lifecycleState);
}

export function isInStandby(lifecycleState: string): boolean {
  return lifecycleState === 'Standby' || lifecycleState === 'EnteringStandby';
}

export function idsIn(group: GroupView, predicate: (lifecycleState: string) => boolean): string[] {
  return group.instances.filter((i) => predicate(i.lifecycleState)).map((i) => i.id);
}

export function otherColour(colour: Colour): Colour {
  return colour === 'blue' ? 'green' : 'blue';
}

export function describeGroup(group: GroupView): string {
  return `${group.colour} (${group.name})`;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------------------------

/** Instances still serving or about to (InService or Pending*): Swap is not done while any remain. */
export function servingOrStartingIds(group: GroupView): string[] {
  return idsIn(group, isServingOrStarting);
}

/** Of the processes suspended on a group that does not serve, those not suspended yet. */
export function missingSuspensions(group: GroupView): string[] {
  return PROCESSES_SUSPENDED_WHEN_NOT_LIVE.filter((p) => !group.suspendedProcesses.includes(p));
}

/** MinSize of a live group: the service's minimum, never above what it runs. */
export function liveMinSize(minCapacity: number, desiredCapacity: number): number {
  return Math.min(minCapacity, desiredCapacity);
}

/** When a read of the released group is taken, and when its version tag was written. */
export interface TagReadTiming {
  /** Epoch ms the read started. */
  readonly readAt: number;
  /** Epoch ms ScaleUp had written the version tag by (`timings.scaledUp`), if it did. */
  readonly taggedAt?: number;
  /** How long a read may lag a write (READ_SETTLE_MS). */
  readonly settleMs: number;
}

/**
 * The group being released must still carry the planned version tag: instances read it at boot,
 * so a tag changed under the release (it never is while the lock fences every writer) would put
 * another version into service. Checked before the swap and before success is reported.
 * Returns false for a read that may still lag ScaleUp's tag write (taken within `settleMs` of it):
 * it proves nothing either way, and the caller decides nothing on it. Throws VersionChanged when a
 * settled read shows another version.
 */
export function plannedVersionVisible(plan: ReleasePlan, group: GroupView, timing: TagReadTiming): boolean {
  if (group.tags.version === plan.version) return true;
  if (timing.taggedAt !== undefined && timing.readAt < timing.taggedAt + timing.settleMs) return false;
  throw new VersionChangedError(
    `${describeGroup(group)} is tagged ${TagKeys.version}=${describeValue(group.tags.version)}, not the planned ${plan.version}`,
  );
}

/**
 * What a rollback request must end with, given the execution it took over: the version live
 * before an interrupted release, or the version an interrupted rollback was restoring. Undefined
 * when nothing was interrupted (then the live group's previous version is the goal).
 */
export function rollbackGoal(superseded: SupersededIntent | undefined): string | undefined {
  if (!superseded) return undefined;
  return superseded.action === 'rollback' ? superseded.version : superseded.fromVersion;
}

/**
 * The group to restore: the `standby` group (its warm instances come back; if they are gone, it
 * launches its own version again, which its version tag still names), else the `live` group if
 * it has or wants instances, else none (nothing was serving: every group is emptied).
 */
export function chooseRestoreGroup(snapshot: FleetSnapshot): Colour | undefined {
  const groups = COLOURS.map((c) => snapshot.groups[c]);
  const standby = groups.find(
    (g) => g.tags.role === 'standby' && (activeInstances(g).length > 0 || isValidVersion(g.tags.version)),
  );
  if (standby) return standby.colour;
  const live = groups.find(
    (g) => g.tags.role === 'live' && (activeInstances(g).length > 0 || g.desiredCapacity > 0),
  );
  return live?.colour;
}

// ---------------------------------------------------------------------------------------------
// State helpers
// ---------------------------------------------------------------------------------------------

/** Records when a step first completed; a re-run keeps the first time. */
export function recordTiming(
  timings: Record<string, number> | undefined,
  step: string,
  nowMs: number,
): Record<string, number> {
  return { ...timings, [step]: timings?.[step] ?? nowMs };
}

export function durationSeconds(timings: Record<string, number>, nowMs: number): number {
  const start = timings.prepared ?? nowMs;
  return Math.max(0, Math.round((nowMs - start) / 1000));
}

/** The plan Prepare made; a later step without one was started wrongly. */
export function requirePlan(state: { readonly plan?: ReleasePlan }, step: string): ReleasePlan {
  if (!state.plan)
    throw new InvalidStateError(`${step} needs the plan made by Prepare, and the state has none`);
  return state.plan;
}
