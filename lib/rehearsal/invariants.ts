/**
 * The invariants a release must keep, as pure functions over what the simulated region shows.
 * The rehearsal checks the traffic ones every virtual second; whenever nothing runs (no execution
 * running, no Lambda invocation in flight) it checks the settled ones and the outcome the last
 * execution reported, unless that execution was stopped (a stopped execution leaves the service
 * mid-way: only the traffic ones must hold then).
 */
export interface InstanceView {
  readonly id: string;
  readonly lifecycleState: string;
  /** The version its app runs (undefined while booting or when it could not read one). */
  readonly version?: string;
  /** Impaired by an injected fault: its app is down for good. @default false */
  readonly impaired?: boolean;
  /** Virtual ms of its launch. @default - unknown: never counted as a replacement */
  readonly launchedAt?: number;
}

export interface GroupView {
  readonly name: string;
  readonly colour?: string;
  readonly role?: string;
  readonly version?: string;
  readonly previousVersion?: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly suspendedProcesses: readonly string[];
  readonly instances: readonly InstanceView[];
  /** Virtual ms of the last injected fault that impaired or terminated one of its instances. @default - none */
  readonly lastInstanceFaultAt?: number;
}

export interface TargetView {
  readonly id: string;
  readonly state: string;
}

export interface ServiceView {
  readonly groups: readonly GroupView[];
  readonly targets: readonly TargetView[];
  readonly lockHeld: boolean;
}

/** Requests in one virtual second. */
export interface TrafficSecond {
  readonly time: number;
  readonly servedByVersion: Readonly<Record<string, number>>;
  readonly dropped: number;
}

const LEAVING = /^(Terminating|Terminated|Detach)/;

export function activeInstances(group: GroupView): InstanceView[] {
  return group.instances.filter((i) => !LEAVING.test(i.lifecycleState));
}

/** Zero dropped requests; no request served by a version outside the allowed ones. */
export function trafficViolations(second: TrafficSecond, allowedVersions: ReadonlySet<string>): string[] {
  const found: string[] = [];
  if (second.dropped > 0) found.push(`${second.dropped} request(s) dropped`);
  for (const [version, count] of Object.entries(second.servedByVersion)) {
    if (count > 0 && !allowedVersions.has(version)) {
      found.push(
        `${count} request(s) served by ${version}, not one of ${[...allowedVersions].join(', ') || 'none'}`,
      );
    }
  }
  return found;
}

/**
 * When no execution runs: one live group at most, serving one version; nothing left in Standby;
 * no MinSize pinned on the idle group; the lock released.
 */
export function settledViolations(view: ServiceView, minCapacity: number): string[] {
  const found: string[] = [];
  const live = view.groups.filter((g) => g.role === 'live');
  if (live.length > 1) found.push(`both groups are tagged live (${live.map((g) => g.name).join(', ')})`);
  const serving = view.groups.filter((g) => activeInstances(g).length > 0);
  if (serving.length > 1) found.push(`both groups have instances (${serving.map((g) => g.name).join(', ')})`);
  for (const group of view.groups) {
    const active = activeInstances(group);
    const standby = active.filter((i) => /Standby/.test(i.lifecycleState));
    if (standby.length > 0) found.push(`${group.name}: ${standby.length} instance(s) left in Standby`);
    if (active.length > 0 && group.role !== 'live') {
      found.push(
        `${group.name} has ${active.length} instance(s) but is tagged ${group.role ?? 'with no role'}`,
      );
    }
    // A Pending instance that never booted reads the tag once InService: it runs nothing yet.
    const booted = active.filter((i) => !(i.lifecycleState.startsWith('Pending') && i.version === undefined));
    const versions = new Set(booted.map((i) => i.version ?? 'nothing'));
    if (booted.length > 0 && (versions.size !== 1 || !versions.has(group.version ?? ''))) {
      found.push(`${group.name} runs ${[...versions].join(', ')} but is tagged ${group.version}`);
    }
    if (group.role !== 'live' && group.minSize > 0)
      found.push(`${group.name} is idle with MinSize ${group.minSize}`);
    if (group.role === 'live' && group.minSize > minCapacity) {
      found.push(`${group.name} MinSize ${group.minSize} is above the service's ${minCapacity}`);
    }
  }
  if (view.lockHeld) found.push('the release lock is still held');
  return found;
}

/** The version every active instance of the live group runs, if there is exactly one. */
export function liveVersion(view: ServiceView): string | undefined {
  const live = view.groups.find((g) => g.role === 'live' && activeInstances(g).length > 0);
  return live?.version;
}

const STANDBY = /Standby/;

function liveGroups(view: ServiceView): GroupView[] {
  return view.groups.filter((g) => g.role === 'live');
}

function inService(group: GroupView): InstanceView[] {
  return group.instances.filter((i) => i.lifecycleState === 'InService');
}

function isHealthyTarget(view: ServiceView, instanceId: string): boolean {
  return view.targets.some((t) => t.id === instanceId && t.state === 'healthy');
}

/**
 * Why the service shows a release (or rollback) left mid-way, as the harness sees it: a group
 * tagged standby, instances in Standby, a group that is not live with instances or desired
 * capacity, or instances with no live group. Empty when the service is at rest.
 */
export function midReleaseReasons(view: ServiceView): string[] {
  const reasons: string[] = [];
  const live = liveGroups(view);
  if (live.length > 1) reasons.push('both groups are tagged live');
  for (const group of view.groups) {
    const active = activeInstances(group);
    if (group.role === 'standby') reasons.push(`${group.name} is tagged standby`);
    const standby = active.filter((i) => STANDBY.test(i.lifecycleState));
    if (standby.length > 0) reasons.push(`${group.name} has ${standby.length} instance(s) in Standby`);
    if (group.role !== 'live' && (active.length > 0 || group.desiredCapacity > 0)) {
      reasons.push(
        `${group.name} is ${group.role ?? 'untagged'} with ${active.length} instance(s), desired ${group.desiredCapacity}`,
      );
    }
  }
  return reasons;
}

/**
 * The version the service serves at rest: not mid-release, one live group, and every InService
 * instance of it (at least one) running the version it is tagged with. Undefined otherwise.
 */
export function stableLiveVersion(view: ServiceView): string | undefined {
  if (midReleaseReasons(view).length > 0) return undefined;
  const [live] = liveGroups(view);
  if (!live?.version) return undefined;
  const serving = inService(live);
  if (serving.length === 0 || serving.some((i) => i.version !== live.version)) return undefined;
  return live.version;
}

/** The live group's processes are all resumed: a suspended AlarmNotification or Launch leaves it unable to scale or heal. */
export function suspendedProcessViolations(view: ServiceView): string[] {
  return liveGroups(view)
    .filter((g) => g.suspendedProcesses.length > 0)
    .map(
      (g) =>
        `the live group ${g.name} has suspended processes: ${[...g.suspendedProcesses].sort().join(', ')}`,
    );
}

/**
 * The live group serves with at least `required` healthy instances (InService, healthy on the
 * target group, not impaired). Once a fault hit the group, the instances it impaired, those
 * launched since that are not healthy yet, and those it is about to launch (desired capacity
 * above its active instances) count as recovering: the group is replacing them, no release can help.
 */
export function capacityViolations(view: ServiceView, required: number): string[] {
  const live = liveGroups(view);
  if (live.length !== 1) return [`no single live group to serve (${live.length} tagged live)`];
  const group = live[0];
  const active = activeInstances(group);
  const healthy = active.filter(
    (i) => i.lifecycleState === 'InService' && !i.impaired && isHealthyTarget(view, i.id),
  );
  const faultAt = group.lastInstanceFaultAt;
  const replacing = active.filter(
    (i) =>
      !healthy.includes(i) &&
      (i.impaired || (faultAt !== undefined && i.launchedAt !== undefined && i.launchedAt >= faultAt)),
  ).length;
  const toLaunch = faultAt === undefined ? 0 : Math.max(0, group.desiredCapacity - active.length);
  const recovering = replacing + toLaunch;
  if (healthy.length + recovering >= required) return [];
  return [
    `the live group ${group.name} serves with ${healthy.length} healthy instance(s)` +
      `${recovering > 0 ? ` (+${recovering} recovering from a fault)` : ''}, fewer than ${required}`,
  ];
}

/** What a finished execution says it did, to be compared with what serves. */
export type OutcomeClaim =
  /** SUCCEEDED, `summary.outcome` 'released': `version` serves. */
  | { readonly kind: 'released'; readonly execution: string; readonly version: string }
  /**
   * SUCCEEDED, `summary.outcome` 'rolled-back': `version` serves, and it is one of `restorable`,
   * the versions live before the release being rolled back (see `restorableVersions`).
   */
  | {
      readonly kind: 'rolled-back';
      readonly execution: string;
      readonly version: string;
      readonly restorable: readonly string[];
    }
  /** FAILED with ReleaseRolledBack: `version`, the one it was to release, does not serve. */
  | { readonly kind: 'release-rolled-back'; readonly execution: string; readonly version: string }
  /** FAILED with ReleaseInProgress: another execution ran while it did (`othersRan` says whether one did). */
  | { readonly kind: 'refused-in-progress'; readonly execution: string; readonly othersRan: boolean }
  /**
   * A rollback FAILED with InvalidRequest ("nothing to roll back to"): there was nothing to roll
   * back, so when it started alone no release had been interrupted: none left the service mid-way
   * (`midRelease`), none left the lock (`lockLeft`).
   */
  | {
      readonly kind: 'rollback-refused';
      readonly execution: string;
      readonly midRelease: boolean;
      readonly lockLeft: boolean;
      readonly racing: boolean;
    };

/**
 * The reported outcome is true: what it says serves is what the live group serves (the simulated
 * instances' versions), and a refusal had the reason it gives.
 */
export function outcomeViolations(claim: OutcomeClaim, view: ServiceView): string[] {
  if (claim.kind === 'refused-in-progress') {
    return claim.othersRan
      ? []
      : [`${claim.execution} was refused as ReleaseInProgress, but no other execution ran while it did`];
  }
  if (claim.kind === 'rollback-refused') {
    if (claim.racing || !(claim.midRelease || claim.lockLeft)) return [];
    const left = claim.midRelease ? 'a release left mid-way' : 'the lock a stopped execution left';
    return [`${claim.execution}, a rollback, was refused as InvalidRequest with ${left} to roll back`];
  }
  const live = liveGroups(view);
  const group = live.length === 1 ? live[0] : undefined;
  const serving = group ? inService(group) : [];
  const running = [...new Set(serving.map((i) => i.version ?? 'nothing'))].sort().join(', ') || 'nothing';
  const what = group
    ? `the live group ${group.name} runs ${running}`
    : `${live.length} groups are tagged live`;
  const says = `${claim.execution} reports ${claim.kind} ${claim.version || '(no version)'}`;
  if (claim.kind === 'release-rolled-back') {
    const still = serving.filter((i) => i.version === claim.version).length;
    if (!group || serving.length === 0) return [`${says}, but ${what}`];
    return still > 0
      ? [`${says}, but ${still} instance(s) of the live group still run ${claim.version}`]
      : [];
  }
  const found: string[] = [];
  if (!group || serving.length === 0 || serving.some((i) => i.version !== claim.version)) {
    found.push(`${says}, but ${what}`);
  }
  if (claim.kind === 'rolled-back' && !claim.restorable.includes(claim.version)) {
    found.push(
      `${says}, but the version live before the release it rolls back is ${claim.restorable.join(' or ') || 'none'}`,
    );
  }
  return found;
}

/** What the monitor knew when a rollback started, from which the versions it may restore follow. */
export interface RollbackContext {
  /** The versions the service served at rest, oldest first, each distinct from the one before. */
  readonly stableVersions: readonly string[];
  /** The service showed a release left mid-way (`midReleaseReasons`). */
  readonly midRelease: boolean;
  /**
   * The release lock was held, and by no running execution: a stopped one took it, and may have
   * done anything from nothing to all of its release. @default false
   */
  readonly lockLeft?: boolean;
  /** Another execution ran (or a Lambda was in flight) when it started, or one started while it ran. */
  readonly racing: boolean;
  /** A rollback started since the service was last at rest: it may be that rollback's release being rolled back. */
  readonly afterAnotherRollback: boolean;
  /**
   * What the rollbacks running when it started may restore: it joins them, rolling back the same
   * release (two rollbacks in a row never undo each other). @default - none ran
   */
  readonly joined?: readonly string[];
}

/**
 * The versions a rollback may restore: the version live before the release it rolls back. At
 * rest, that release is the one that made the last stable version live, so the one before it;
 * mid-release, the interrupted release never counted, so the last stable version. When it raced
 * another execution, a rollback left the service mid-way, or a stopped execution left the lock
 * with the service at rest (it did all of its release, or nothing), either one. Started while
 * rollbacks ran, what they may restore.
 */
export function restorableVersions(context: RollbackContext): string[] {
  if (context.joined && context.joined.length > 0) return [...context.joined];
  const versions = context.stableVersions;
  const last = versions.at(-1);
  const beforeLast = versions.at(-2);
  const either =
    context.racing ||
    (context.midRelease && context.afterAnotherRollback) ||
    (!context.midRelease && context.lockLeft === true);
  const chosen = either ? [last, beforeLast] : context.midRelease ? [last] : [beforeLast];
  return chosen.filter((v): v is string => v !== undefined);
}
