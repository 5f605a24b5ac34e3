/**
 * The invariants a release must keep, as pure functions over what the simulated region shows.
 * The rehearsal checks the traffic ones every virtual second and the settled ones whenever no
 * execution is running.
 */
export interface InstanceView {
  readonly id: string;
  readonly lifecycleState: string;
  /** The version its app runs (undefined while booting or when it could not read one). */
  readonly version?: string;
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
    const versions = new Set(active.map((i) => i.version));
    if (active.length > 0 && (versions.size !== 1 || !versions.has(group.version))) {
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
