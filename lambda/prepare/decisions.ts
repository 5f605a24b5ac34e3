/**
 * Prepare's decisions, pure: what state the service is in (classification) and what a request
 * leads to in it (a release plan, a recovery first, or a refusal).
 */
import { COLOURS, ROLES, TagKeys, type Colour } from '../../lib/contract/tags';
import { activeInstances } from '../../lib/contract/fleet-health';
import type {
  CanaryPlan,
  ReleasePlan,
  RollbackInfo,
  SupersededIntent,
} from '../../lib/contract/release-state';
import type { FleetSnapshot, GroupView } from '../../lib/contract/fleet-view';
import {
  InvalidRequestError,
  isValidVersion,
  VERSION_PATTERN_SOURCE,
  describeValue,
} from '../../lib/contract/version';
import type { ValidatedRequest } from '../../lib/contract/request';
import { UnexplainedStateError } from '../shared/errors';
import {
  chooseRestoreGroup,
  describeGroup,
  isInStandby,
  isServingOrStarting,
  otherColour,
  plural,
  rollbackGoal,
} from '../shared/decisions';

/** The lifecycle states the workflow knows how to handle in a non-leaving instance. */
function isHandledState(lifecycleState: string): boolean {
  return isServingOrStarting(lifecycleState) || isInStandby(lifecycleState);
}

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

export interface PrepareSettings {
  readonly groupNames: { readonly blue: string; readonly green: string };
  readonly maxCapacity: number;
  readonly defaultCapacity: number;
  readonly healthTimeoutSeconds: number;
  readonly bakeSeconds: number;
  /** The service's canary, when releases run one first. */
  readonly canary?: CanaryPlan;
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
    ...planCanary(action, from !== undefined, capacity, settings.canary),
  };
}

/**
 * A canary runs for a release beside a live fleet: not on a first release (no fleet serves the
 * rest of the requests, nothing to fall back to) nor for a rollback that relaunches the previous
 * version (it is going back to what served before). With a capacity no larger than the canary,
 * the canary would be the whole fleet: the release runs without one.
 */
export function planCanary(
  action: ValidatedRequest['action'],
  liveFleet: boolean,
  capacity: number,
  canary: CanaryPlan | undefined,
): { readonly canary?: CanaryPlan } {
  if (!canary || action !== 'release' || !liveFleet || canary.instances >= capacity) return {};
  return { canary: { instances: canary.instances, durationSeconds: canary.durationSeconds } };
}
