/** Snapshots of the simulated region, for timelines and invariants. */
import type { AutoScalingGroup } from './auto-scaling';
import type { HealthStatus, Instance, InstanceTag, LifecycleState } from './instances';
import type { TargetGroup, TargetState } from './target-group';
import type { TrafficStats } from './traffic';

export interface InstanceObservation {
  readonly id: string;
  readonly groupName: string;
  readonly availabilityZone: string;
  readonly lifecycleState: LifecycleState;
  readonly healthStatus: HealthStatus;
  /** The version its boot script read from the group tag; absent before boot or if refused. */
  readonly version?: string;
  /** Why the app never starts, if so. */
  readonly bootProblem?: string;
  /** The app answers requests. */
  readonly appUp: boolean;
  readonly killed: boolean;
  readonly launchedAt: number;
  readonly inServiceAt?: number;
  /** The instance's own copy of the propagated tags, as visible now (empty during the tag lag). */
  readonly tags: readonly InstanceTag[];
}

export interface GroupObservation {
  readonly name: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly healthCheckType: 'EC2' | 'ELB';
  readonly tags: readonly { key: string; value: string; propagateAtLaunch: boolean }[];
  readonly suspendedProcesses: readonly string[];
  readonly lifecycleCounts: Readonly<Record<LifecycleState, number>>;
  readonly instances: readonly InstanceObservation[];
  /** Virtual ms of the last fault that impaired or terminated one of its instances. */
  readonly lastInstanceFaultAt?: number;
}

export interface TargetObservation {
  readonly id: string;
  readonly state: TargetState;
  readonly reason?: string;
  /** The version the target's instance runs, if any. */
  readonly version?: string;
}

export interface TargetGroupObservation {
  readonly arn: string;
  readonly deregistrationDelaySeconds: number;
  readonly targets: readonly TargetObservation[];
  readonly stateCounts: Readonly<Record<TargetState, number>>;
}

export interface RegionObservation {
  /** Virtual ms. */
  readonly time: number;
  readonly groups: readonly GroupObservation[];
  readonly targetGroups: readonly TargetGroupObservation[];
  readonly requests: {
    readonly total: number;
    readonly served: Readonly<Record<string, number>>;
    readonly failed: Readonly<Record<string, number>>;
    readonly dropped: number;
  };
}

export function observeInstance(i: Instance, now: number): InstanceObservation {
  return {
    id: i.id,
    groupName: i.groupName,
    availabilityZone: i.availabilityZone,
    lifecycleState: i.lifecycleState,
    healthStatus: i.healthStatus,
    version: i.version,
    bootProblem: i.bootProblem,
    appUp: i.appUp,
    killed: i.killed,
    launchedAt: i.launchedAt,
    inServiceAt: i.inServiceAt,
    tags: now >= i.tagsVisibleAt ? i.propagatedTags.map((t) => ({ ...t })) : [],
  };
}

export function observeGroup(g: AutoScalingGroup, now: number): GroupObservation {
  return {
    name: g.name,
    minSize: g.minSize,
    maxSize: g.maxSize,
    desiredCapacity: g.desiredCapacity,
    healthCheckType: g.healthCheckType,
    tags: [...g.tags.entries()].map(([key, t]) => ({
      key,
      value: t.value,
      propagateAtLaunch: t.propagateAtLaunch,
    })),
    suspendedProcesses: [...g.suspended.keys()],
    lifecycleCounts: { ...g.stateCounts },
    instances: [...g.instances.values()].map((i) => observeInstance(i, now)),
    lastInstanceFaultAt: g.lastInstanceFaultAt,
  };
}

export function observeTargetGroup(tg: TargetGroup): TargetGroupObservation {
  const stateCounts: Record<TargetState, number> = { initial: 0, healthy: 0, unhealthy: 0, draining: 0 };
  const targets = [...tg.targets.values()].map((t) => {
    stateCounts[t.state] += 1;
    return { id: t.instance.id, state: t.state, reason: t.reason, version: t.instance.version };
  });
  return { arn: tg.arn, deregistrationDelaySeconds: tg.deregistrationDelaySeconds, targets, stateCounts };
}

export function observeRequests(stats: TrafficStats): RegionObservation['requests'] {
  return {
    total: stats.total,
    served: { ...stats.servedByVersion },
    failed: { ...stats.failedByVersion },
    dropped: stats.dropped,
  };
}
