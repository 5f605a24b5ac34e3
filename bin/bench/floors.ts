/**
 * The bench's floors (docs/aws-model.md, "Bench floors"): for one run, the part of a measured time
 * that AWS itself spent, computed from the instance milestones the simulated region recorded as it
 * sampled them (lib/rehearsal/region/instance-timeline.ts). Pure: events in, seconds out.
 */
import type { InstanceEvent, InstanceMilestone } from '../../lib/rehearsal/region/instance-timeline';

/** One instance's AWS-side path from the request that brings it into service to its first healthy check. */
export interface InstancePath {
  readonly instanceId: string;
  /** Virtual ms of the request (ExitStandby accepted, or launch). */
  readonly requestedAt: number;
  /** Virtual ms of its target's first `healthy` on the traffic target group after the request. */
  readonly healthyAt: number;
  /** Request → InService: the ExitStandby latency, or the boot. */
  readonly toInServiceSeconds: number;
  /** Registered → registration complete (`initial`, Elb.RegistrationInProgress). */
  readonly registrationSeconds: number;
  /** Registration complete → first counted passing check (the interval grid, and app start when it is later). */
  readonly toHealthySeconds: number;
  /** requestedAt → healthyAt. */
  readonly totalSeconds: number;
}

/** The floor of a run: its slowest instance path, and every path it was taken from. */
export interface Floor {
  readonly seconds: number;
  readonly slowest: InstancePath;
  readonly paths: readonly InstancePath[];
}

function firstAfter(
  events: readonly InstanceEvent[],
  milestone: InstanceMilestone,
  from: number,
  targetGroupArn?: string,
): InstanceEvent | undefined {
  return events.find(
    (e) =>
      e.milestone === milestone &&
      e.time >= from &&
      (targetGroupArn === undefined || e.targetGroupArn === targetGroupArn),
  );
}

/**
 * The path of one instance from its first `request` milestone at or after `from` to its first
 * `healthy` on `targetGroupArn` after that; undefined if it never got there.
 */
export function instancePath(
  events: readonly InstanceEvent[],
  instanceId: string,
  request: 'exitStandbyRequested' | 'launched',
  from: number,
  targetGroupArn: string,
): InstancePath | undefined {
  const own = events.filter((e) => e.instanceId === instanceId);
  const requested = firstAfter(own, request, from);
  if (!requested) return undefined;
  const inService = firstAfter(own, 'inService', requested.time);
  const registered = firstAfter(own, 'registered', requested.time, targetGroupArn);
  const complete = firstAfter(own, 'registrationComplete', requested.time, targetGroupArn);
  const healthy = firstAfter(own, 'healthy', requested.time, targetGroupArn);
  if (!inService || !registered || !complete || !healthy) return undefined;
  return {
    instanceId,
    requestedAt: requested.time,
    healthyAt: healthy.time,
    toInServiceSeconds: (inService.time - requested.time) / 1000,
    registrationSeconds: (complete.time - registered.time) / 1000,
    toHealthySeconds: (healthy.time - complete.time) / 1000,
    totalSeconds: (healthy.time - requested.time) / 1000,
  };
}

function slowestOf(paths: InstancePath[], what: string): Floor {
  if (paths.length === 0) throw new Error(`${what}: no instance reached healthy`);
  const slowest = paths.reduce((a, b) => (b.totalSeconds > a.totalSeconds ? b : a));
  return { seconds: slowest.totalSeconds, slowest, paths };
}

/**
 * Rollback floor: over the instances that left Standby after `decision` (ExitStandby accepted),
 * the longest ExitStandby accepted → first healthy on the traffic target group, i.e. ExitStandby
 * latency + registration delay + the wait for the first counted passing check on the interval
 * grid. Instances launched after the decision in the same group (a rollback that relaunches) are
 * counted from their launch. The rollback cannot be done before its slowest instance serves, even
 * if every call were made at the decision.
 */
export function rollbackFloor(
  events: readonly InstanceEvent[],
  decision: number,
  trafficTargetGroupArn: string,
): Floor {
  const restored = new Set(
    events
      .filter((e) => e.milestone === 'exitStandbyRequested' && e.time >= decision)
      .map((e) => e.groupName),
  );
  const ids = new Set(
    events
      .filter(
        (e) =>
          restored.has(e.groupName) &&
          e.time >= decision &&
          (e.milestone === 'exitStandbyRequested' || e.milestone === 'launched'),
      )
      .map((e) => e.instanceId),
  );
  const paths: InstancePath[] = [];
  for (const id of ids) {
    const path =
      instancePath(events, id, 'exitStandbyRequested', decision, trafficTargetGroupArn) ??
      instancePath(events, id, 'launched', decision, trafficTargetGroupArn);
    if (path) paths.push(path);
  }
  return slowestOf(paths, `rollback floor (groups ${[...restored].join(', ') || 'none'})`);
}

/**
 * Release floor: over the instances the new group launched after `from` that reached healthy, the
 * longest launch → first healthy on the traffic target group (boot + registration delay + app
 * start and the health checks until the first counted pass).
 */
export function releaseFloor(
  events: readonly InstanceEvent[],
  newGroup: string,
  from: number,
  trafficTargetGroupArn: string,
): Floor {
  const ids = new Set(
    events
      .filter((e) => e.groupName === newGroup && e.milestone === 'launched' && e.time >= from)
      .map((e) => e.instanceId),
  );
  const paths: InstancePath[] = [];
  for (const id of ids) {
    const path = instancePath(events, id, 'launched', from, trafficTargetGroupArn);
    if (path) paths.push(path);
  }
  return slowestOf(paths, `release floor of ${newGroup}`);
}

/**
 * Boot spread of a new fleet: the last of its instances to turn healthy (first serving) minus the
 * first, seconds. The load balancer routes to each from the second it turns healthy, so this is
 * how long AWS alone keeps the two versions side by side before the last new instance serves.
 */
export function bootSpreadSeconds(floor: Floor): number {
  const healthy = floor.paths.map((p) => p.healthyAt);
  return (Math.max(...healthy) - Math.min(...healthy)) / 1000;
}

/**
 * How far apart the instances `ids` reached `milestone` (the first time each did at or after
 * `from`, on `targetGroupArn` for a target milestone), seconds; 0 when fewer than two did.
 */
export function milestoneSpreadSeconds(
  events: readonly InstanceEvent[],
  ids: Iterable<string>,
  milestone: InstanceMilestone,
  from: number,
  targetGroupArn?: string,
): number {
  const times: number[] = [];
  for (const id of ids) {
    const own = events.filter((e) => e.instanceId === id);
    const reached = firstAfter(own, milestone, from, targetGroupArn);
    if (reached) times.push(reached.time);
  }
  return times.length < 2 ? 0 : (Math.max(...times) - Math.min(...times)) / 1000;
}

/**
 * The last time an instance of one of `groups` left `targetGroupArn`'s routing (its
 * `deregistering` milestone) at or after `from`; undefined if none did.
 */
export function lastLeftRouting(
  events: readonly InstanceEvent[],
  groups: ReadonlySet<string>,
  from: number,
  targetGroupArn: string,
): number | undefined {
  const left = events.filter(
    (e) =>
      e.milestone === 'deregistering' &&
      e.time >= from &&
      groups.has(e.groupName) &&
      e.targetGroupArn === targetGroupArn,
  );
  return left.length ? Math.max(...left.map((e) => e.time)) : undefined;
}
