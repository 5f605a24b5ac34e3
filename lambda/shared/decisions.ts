/**
 * The decisions of the release workflow, as pure functions: snapshot data in, decisions out.
 * The handlers only read AWS, call these, and carry out what they return; so everything that
 * matters can be tested without mocks, and the rehearsal exercises the very same code.
 */
import { InvalidStateError, REJECTED_ERROR, UnexplainedStateError, VersionChangedError } from './errors';
import { COLOURS, PROCESSES_SUSPENDED_WHEN_NOT_LIVE, ROLES, TagKeys, type Colour } from './tags';
import type {
  CaughtError,
  FleetSnapshot,
  GroupView,
  HealthProgress,
  InstanceView,
  ReleasePlan,
  RollbackInfo,
  TargetHealthState,
} from './types';
import { InvalidRequestError, isValidVersion, VERSION_PATTERN_SOURCE, describeValue } from './version';
import type { SupersededIntent } from './lock';
import type { ValidatedRequest } from './request';

// ---------------------------------------------------------------------------------------------
// Instances
// ---------------------------------------------------------------------------------------------

/** Instances on their way out of the group: ignored when counting what a group has. */
export function isLeaving(lifecycleState: string): boolean {
  return /^(Terminating|Terminated|Detaching|Detached)/.test(lifecycleState);
}

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

/** The lifecycle states the workflow knows how to handle in a non-leaving instance. */
function isHandledState(lifecycleState: string): boolean {
  return isServingOrStarting(lifecycleState) || isInStandby(lifecycleState);
}

/** The group's instances that are not leaving: what "the group has" means everywhere. */
export function activeInstances(group: GroupView): InstanceView[] {
  return group.instances.filter((i) => !isLeaving(i.lifecycleState));
}

function idsIn(group: GroupView, predicate: (lifecycleState: string) => boolean): string[] {
  return group.instances.filter((i) => predicate(i.lifecycleState)).map((i) => i.id);
}

export function otherColour(colour: Colour): Colour {
  return colour === 'blue' ? 'green' : 'blue';
}

function describeGroup(group: GroupView): string {
  return `${group.colour} (${group.name})`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------------------------

export type Classification =
  /** Nothing runs: the next release is a first release. */
  | { readonly kind: 'empty' }
  /** One live group serving, the other empty: a release can start. */
  | { readonly kind: 'stable'; readonly live: Colour; readonly idle: Colour }
  /** A previous execution stopped mid-way: the rollback convergence must run first. */
  | { readonly kind: 'interrupted'; readonly reasons: readonly string[] }
  /** A state the workflow never creates: refuse, and say why. */
  | { readonly kind: 'unexplained'; readonly reasons: readonly string[] };

export function classifyService(snapshot: FleetSnapshot): Classification {
  const groups = COLOURS.map((colour) => snapshot.groups[colour]);

  const unexplained: string[] = [];
  const roleOf = (g: GroupView): string | undefined => (g.tags.role === '' ? undefined : g.tags.role);
  for (const group of groups) {
    const role = roleOf(group);
    if (role !== undefined && !(ROLES as readonly string[]).includes(role)) {
      unexplained.push(
        `${describeGroup(group)} has ${TagKeys.role} ${describeValue(role)}; expected ${ROLES.join(', ')} or no tag`,
      );
    }
    const active = activeInstances(group);
    if (active.length > 0 && !isValidVersion(group.tags.version)) {
      unexplained.push(
        `${describeGroup(group)} has ${plural(active.length, 'instance')} but its ${TagKeys.version} tag ` +
          `(${describeValue(group.tags.version)}) does not match ${VERSION_PATTERN_SOURCE}`,
      );
    }
    for (const instance of active) {
      if (!isHandledState(instance.lifecycleState)) {
        unexplained.push(
          `instance ${instance.id} in ${describeGroup(group)} is ${instance.lifecycleState}, a lifecycle state the workflow does not handle`,
        );
      }
    }
  }
  for (const role of ['live', 'standby'] as const) {
    if (groups.every((g) => roleOf(g) === role)) {
      unexplained.push(`both groups are tagged ${TagKeys.role}=${role}`);
    }
  }
  if (unexplained.length > 0) return { kind: 'unexplained', reasons: unexplained };

  const interrupted: string[] = [];
  for (const group of groups) {
    if (roleOf(group) === 'standby') {
      interrupted.push(`${describeGroup(group)} is tagged ${TagKeys.role}=standby: a swap did not finish`);
    }
  }
  const live = groups.filter((g) => roleOf(g) === 'live');
  const liveGroup = live.length === 1 ? live[0] : undefined;
  if (!liveGroup) {
    for (const group of groups) {
      const count = activeInstances(group).length;
      if (count > 0)
        interrupted.push(`no group is live but ${describeGroup(group)} has ${plural(count, 'instance')}`);
      else if (group.desiredCapacity > 0) {
        interrupted.push(
          `no group is live but ${describeGroup(group)} has desired capacity ${group.desiredCapacity}`,
        );
      }
    }
    return interrupted.length > 0 ? { kind: 'interrupted', reasons: interrupted } : { kind: 'empty' };
  }

  const otherGroup = snapshot.groups[otherColour(liveGroup.colour)];
  const otherCount = activeInstances(otherGroup).length;
  if (otherCount > 0) {
    interrupted.push(`${describeGroup(otherGroup)} is not live but has ${plural(otherCount, 'instance')}`);
  } else if (otherGroup.desiredCapacity > 0) {
    interrupted.push(
      `${describeGroup(otherGroup)} is not live but has desired capacity ${otherGroup.desiredCapacity}`,
    );
  }
  const inStandby = liveGroup.instances.filter((i) => isInStandby(i.lifecycleState)).length;
  if (inStandby > 0) {
    interrupted.push(
      `${describeGroup(liveGroup)} is live but has ${plural(inStandby, 'instance')} in Standby`,
    );
  }
  if (interrupted.length > 0) return { kind: 'interrupted', reasons: interrupted };

  // A live-tagged group without instances serves nothing: a first release follows.
  if (activeInstances(liveGroup).length === 0) return { kind: 'empty' };
  return { kind: 'stable', live: liveGroup.colour, idle: otherGroup.colour };
}

// ---------------------------------------------------------------------------------------------
// Prepare
// ---------------------------------------------------------------------------------------------

export interface PrepareSettings {
  readonly groupNames: { readonly blue: string; readonly green: string };
  readonly maxCapacity: number;
  readonly defaultCapacity: number;
  readonly healthTimeoutSeconds: number;
  readonly bakeSeconds: number;
}

export interface PrepareInput {
  readonly request: ValidatedRequest;
  readonly snapshot: FleetSnapshot;
  /** Must not be `unexplained` (Prepare refuses that before deciding). */
  readonly classification: Classification;
  /**
   * Another execution still runs with the lock, or a step invocation of another owner may still be
   * acting on the fleet (the fence): a rollback then converges first instead of planning a release.
   */
  readonly othersActing: boolean;
  /** What the execution this one took the lock from was doing. */
  readonly superseded?: SupersededIntent;
  readonly recoveries: number;
  readonly settings: PrepareSettings;
}

export type PrepareDecision =
  | { readonly next: 'scaleUp'; readonly plan: ReleasePlan }
  | {
      readonly next: 'rollback';
      readonly rollback: RollbackInfo;
      readonly recoveries: number;
      /** The version of the group the convergence will keep (its version tag), if any. */
      readonly restoreVersion?: string;
    };

/** How many times Prepare sends an execution to reconcile before it gives up. */
export const MAX_RECOVERIES = 2;

export function decidePrepare(input: PrepareInput): PrepareDecision {
  const decision = decideRequest(input);
  if (decision.next !== 'rollback') return decision;
  const keep = chooseRestoreGroup(input.snapshot);
  return { ...decision, restoreVersion: keep ? input.snapshot.groups[keep].tags.version : undefined };
}

function decideRequest(input: PrepareInput): PrepareDecision {
  const { request, classification, snapshot, settings } = input;
  if (classification.kind === 'unexplained') {
    throw new UnexplainedStateError(`refusing to act: ${classification.reasons.join('; ')}`);
  }

  if (request.action === 'rollback') {
    if (classification.kind === 'interrupted' || input.othersActing) {
      if (input.recoveries >= MAX_RECOVERIES) {
        throw new UnexplainedStateError(
          `rollback did not converge after ${plural(input.recoveries, 'attempt')}: ${describeReasons(classification)}`,
        );
      }
      return {
        next: 'rollback',
        rollback: { reason: 'rollback requested', automatic: false },
        recoveries: input.recoveries + 1,
      };
    }
    if (classification.kind === 'empty') {
      throw new InvalidRequestError('nothing to roll back to: no group is live');
    }
    const live = snapshot.groups[classification.live];
    // The interrupted execution's goal is already live (it changed nothing, or a recovery
    // restored it): confirm by converging, which reports what serves; never roll back further.
    const goal = rollbackGoal(input.superseded);
    if (goal !== undefined && live.tags.version === goal) {
      return {
        next: 'rollback',
        rollback: { reason: `rollback requested: ${goal} is live`, automatic: false },
        recoveries: input.recoveries,
      };
    }
    const previous = live.tags.previousVersion;
    if (!isValidVersion(previous)) {
      throw new InvalidRequestError(
        `nothing to roll back to: the live group ${describeGroup(live)} has no valid ${TagKeys.previousVersion} tag (${describeValue(previous)})`,
      );
    }
    return {
      next: 'scaleUp',
      plan: planRelease('rollback', previous, classification, snapshot, request, settings),
    };
  }

  const version = request.version;
  if (version === undefined) throw new InvalidRequestError('version (undefined) is required for a release');
  if (classification.kind === 'interrupted' || input.othersActing) {
    if (input.recoveries >= MAX_RECOVERIES) {
      throw new UnexplainedStateError(
        `recovery did not converge after ${plural(input.recoveries, 'attempt')}: ${describeReasons(classification)}`,
      );
    }
    return {
      next: 'rollback',
      rollback: { reason: `recovering an interrupted release before releasing ${version}`, automatic: false },
      recoveries: input.recoveries + 1,
    };
  }
  return {
    next: 'scaleUp',
    plan: planRelease('release', version, classification, snapshot, request, settings),
  };
}

function describeReasons(classification: Classification): string {
  return 'reasons' in classification ? classification.reasons.join('; ') : 'another step may still be acting';
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

function planRelease(
  action: ValidatedRequest['action'],
  version: string,
  classification: Extract<Classification, { kind: 'empty' | 'stable' }>,
  snapshot: FleetSnapshot,
  request: ValidatedRequest,
  settings: PrepareSettings,
): ReleasePlan {
  const from = classification.kind === 'stable' ? snapshot.groups[classification.live] : undefined;
  const targetColour: Colour = from ? otherColour(from.colour) : 'blue';

  let capacity: number;
  let capacitySource: string;
  if (request.capacity !== undefined) {
    capacity = request.capacity;
    capacitySource = 'requested';
  } else if (from && from.desiredCapacity > 0) {
    capacity = from.desiredCapacity;
    capacitySource = `the live group's desired capacity`;
  } else {
    capacity = settings.defaultCapacity;
    capacitySource = `the service's default capacity`;
  }
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > settings.maxCapacity) {
    throw new InvalidRequestError(
      `capacity (${capacity}, ${capacitySource}) must be an integer between 1 and ${settings.maxCapacity}`,
    );
  }

  return {
    action,
    version,
    targetColour,
    targetGroupName: settings.groupNames[targetColour],
    ...(from ? { fromColour: from.colour, fromGroupName: from.name, fromVersion: from.tags.version } : {}),
    capacity,
    healthTimeoutSeconds: request.healthTimeoutSeconds ?? settings.healthTimeoutSeconds,
    bakeSeconds: request.bakeSeconds ?? settings.bakeSeconds,
  };
}

// ---------------------------------------------------------------------------------------------
// Health
// ---------------------------------------------------------------------------------------------

export function targetHealthOf(
  instanceId: string,
  targetHealth: FleetSnapshot['targetHealth'],
): TargetHealthState {
  return targetHealth[instanceId] ?? 'unused';
}

/** Serving: InService in its group and passing the load balancer's health check. */
export function isHealthy(instance: InstanceView, targetHealth: FleetSnapshot['targetHealth']): boolean {
  return instance.lifecycleState === 'InService' && targetHealthOf(instance.id, targetHealth) === 'healthy';
}

export interface GroupHealth {
  /** Non-leaving instances. */
  readonly active: number;
  readonly healthy: number;
  /** Every non-leaving instance is healthy (vacuously true when there are none). */
  readonly allHealthy: boolean;
  /** Count per lifecycle state, leaving instances included. */
  readonly lifecycle: Record<string, number>;
}

/** Always the group's current instances: an instance that died and was replaced is simply not there. */
export function assessGroupHealth(
  group: GroupView,
  targetHealth: FleetSnapshot['targetHealth'],
): GroupHealth {
  const active = activeInstances(group);
  const healthy = active.filter((i) => isHealthy(i, targetHealth)).length;
  const lifecycle: Record<string, number> = {};
  for (const instance of group.instances) {
    lifecycle[instance.lifecycleState] = (lifecycle[instance.lifecycleState] ?? 0) + 1;
  }
  return { active: active.length, healthy, allHealthy: healthy === active.length, lifecycle };
}

export interface HealthDecision {
  readonly next: 'swap' | 'waitForHealth' | 'rollback';
  readonly progress: HealthProgress;
  readonly rollback?: RollbackInfo;
}

export function decideHealth(
  plan: ReleasePlan,
  group: GroupView,
  targetHealth: FleetSnapshot['targetHealth'],
  nowMs: number,
): HealthDecision {
  const health = assessGroupHealth(group, targetHealth);
  const progress: HealthProgress = {
    healthy: health.healthy,
    wanted: plan.capacity,
    lifecycle: health.lifecycle,
  };
  if (health.healthy >= plan.capacity && health.allHealthy) return { next: 'swap', progress };
  if (plan.healthDeadline !== undefined && nowMs >= plan.healthDeadline) {
    return {
      next: 'rollback',
      progress,
      rollback: {
        reason: `health timeout: ${health.healthy} of ${plan.capacity} instances healthy after ${plan.healthTimeoutSeconds} s`,
        automatic: true,
      },
    };
  }
  return { next: 'waitForHealth', progress };
}

/**
 * The group being released must still carry the planned version tag: instances read it at boot,
 * so a tag changed under the release (it never is while the lock fences every writer) would put
 * another version into service. Checked before the swap and before success is reported.
 */
export function assertPlannedVersion(plan: ReleasePlan, group: GroupView): void {
  if (group.tags.version !== plan.version) {
    throw new VersionChangedError(
      `${describeGroup(group)} is tagged ${TagKeys.version}=${describeValue(group.tags.version)}, not the planned ${plan.version}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Swap
// ---------------------------------------------------------------------------------------------

export interface SwapActions {
  /** MinSize must drop to 0 before any decrementing call (below MinSize is a ValidationError). */
  readonly lowerMinSize: boolean;
  /** InService instances: to Standby, warm for a rollback during the bake. */
  readonly enterStandby: readonly string[];
  /** Pending instances never served (e.g. a scale-out during the release): terminated. */
  readonly terminate: readonly string[];
  /** Of the three non-live processes, those not suspended yet. */
  readonly suspend: readonly string[];
}

export function planSwap(fromGroup: GroupView): SwapActions {
  const enterStandby = idsIn(fromGroup, (s) => s === 'InService');
  const terminate = idsIn(fromGroup, isPending);
  return {
    lowerMinSize: fromGroup.minSize > 0,
    enterStandby,
    terminate,
    suspend: missingSuspensions(fromGroup),
  };
}

/**
 * The live fleet's size as the swap starts (every instance it has, Standby included on a re-run):
 * the new group must match it before the old one leaves service, even if it scaled out during
 * the health wait.
 */
export function liveFleetSize(fromGroup: GroupView): number {
  return activeInstances(fromGroup).length;
}

/** Instances still serving or about to (InService or Pending*): Swap is not done while any remain. */
export function servingOrStartingIds(group: GroupView): string[] {
  return idsIn(group, isServingOrStarting);
}

/** Of the processes suspended on a group that does not serve, those not suspended yet. */
export function missingSuspensions(group: GroupView): string[] {
  return PROCESSES_SUSPENDED_WHEN_NOT_LIVE.filter((p) => !group.suspendedProcesses.includes(p));
}

// ---------------------------------------------------------------------------------------------
// Finalize
// ---------------------------------------------------------------------------------------------

export interface FinalizeActions {
  /** InService or Pending in the old group (not in Standby): scaled in; Finalize waits for them to leave. */
  readonly serving: readonly string[];
  /** Still EnteringStandby (draining): cannot be handled yet, Finalize waits. */
  readonly enteringStandby: readonly string[];
  readonly terminate: readonly string[];
  /** Desired 0 and MinSize 0, unless already so. */
  readonly scaleToZero: boolean;
  readonly suspend: readonly string[];
}

export function planFinalize(fromGroup: GroupView): FinalizeActions {
  return {
    serving: servingOrStartingIds(fromGroup),
    enteringStandby: idsIn(fromGroup, (s) => s === 'EnteringStandby'),
    terminate: idsIn(fromGroup, (s) => s === 'Standby'),
    scaleToZero: fromGroup.minSize !== 0 || fromGroup.desiredCapacity !== 0,
    suspend: missingSuspensions(fromGroup),
  };
}

/** MinSize of a live group: the service's minimum, never above what it runs. */
export function liveMinSize(minCapacity: number, desiredCapacity: number): number {
  return Math.min(minCapacity, desiredCapacity);
}

// ---------------------------------------------------------------------------------------------
// Rollback
// ---------------------------------------------------------------------------------------------

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
