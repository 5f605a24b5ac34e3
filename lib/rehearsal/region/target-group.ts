/**
 * ALB target groups: registration, health checks with thresholds, draining for the
 * deregistration delay, and the set of targets the load balancer routes to (fail-open included).
 */
import type { InstanceTimeline } from './instance-timeline';
import type { Instance } from './instances';
import { sample, type RegionProfile } from './profile';
import type { SeededRandom } from './random';
import { TickBuckets, type TickScheduler } from './scheduler';

export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'draining';

/** What one health check saw: a 200, no answer at all, or an error status from a running app. */
export type ProbeResult = 'pass' | 'no-response' | 'error-response';

export interface TargetGroupSpec {
  readonly arn: string;
  readonly healthCheckIntervalSeconds: number;
  readonly healthCheckTimeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly deregistrationDelaySeconds: number;
  /** @default 80 */
  readonly port?: number;
}

export class Target {
  public state: TargetState = 'initial';
  public reason?: string = 'Elb.RegistrationInProgress';
  public description?: string = 'Target registration is in progress';
  /** Consecutive passes while unhealthy. */
  public passes = 0;
  /** Consecutive failures. */
  public fails = 0;
  /** Set when deregistration finished: the target is gone. */
  public removed = false;
  /** Registration still in progress: no health check counts and no load balancer node routes to it. */
  public registering = true;
  constructor(
    public readonly instance: Instance,
    public readonly registeredAt: number,
  ) {}
}

export interface Routable {
  readonly targets: readonly Target[];
  /** True when no target is healthy and the load balancer routes to all of them anyway. */
  readonly failOpen: boolean;
}

export class TargetGroup {
  public readonly arn: string;
  public readonly name: string;
  public readonly port: number;
  public readonly intervalSeconds: number;
  public readonly timeoutSeconds: number;
  public readonly healthyThreshold: number;
  public readonly unhealthyThreshold: number;
  /** Applies to deregistrations that start after it changes. */
  public deregistrationDelaySeconds: number;
  /** Registered targets (draining included), in registration order. */
  public readonly targets = new Map<string, Target>();
  private routing?: Routable;

  constructor(spec: TargetGroupSpec) {
    validateSpec(spec);
    this.arn = spec.arn;
    this.name = spec.arn.match(/:targetgroup\/([^/]+)/)?.[1] ?? spec.arn;
    this.port = spec.port ?? 80;
    this.intervalSeconds = spec.healthCheckIntervalSeconds;
    this.timeoutSeconds = spec.healthCheckTimeoutSeconds;
    this.healthyThreshold = spec.healthyThreshold;
    this.unhealthyThreshold = spec.unhealthyThreshold;
    this.deregistrationDelaySeconds = spec.deregistrationDelaySeconds;
  }

  /**
   * Healthy targets. If there are none and every registered target (not draining, registration
   * complete) is `unhealthy`, all of them (fail-open); a target still `initial` is neither, so
   * while any is, nothing is routed (docs/aws-model.md, "Target groups").
   */
  public routable(): Routable {
    if (!this.routing) {
      const live = [...this.targets.values()].filter((t) => t.state !== 'draining' && !t.registering);
      const healthy = live.filter((t) => t.state === 'healthy');
      const allUnhealthy = live.length > 0 && live.every((t) => t.state === 'unhealthy');
      this.routing =
        healthy.length > 0
          ? { targets: healthy, failOpen: false }
          : { targets: allUnhealthy ? live : [], failOpen: allUnhealthy };
    }
    return this.routing;
  }

  /** @internal */
  public routingChanged(): void {
    this.routing = undefined;
  }
}

/** A registration refused because a target quota is reached (AWS error code TooManyTargets). */
export class TargetQuotaExceeded extends Error {
  public readonly code = 'TooManyTargets';
}

/** What the region's profile decides for target groups (docs/aws-model.md). */
export interface TargetGroupBehaviour {
  readonly profile: Pick<
    RegionProfile,
    | 'registrationSeconds'
    | 'drainEarlyWhenIdle'
    | 'inFlightRequestSeconds'
    | 'targetsPerTargetGroup'
    | 'targetsPerLoadBalancer'
  >;
  /** Draws registration and in-flight durations (a stream of its own, so check offsets keep theirs). */
  readonly random: SeededRandom;
  /** Whether the load balancer currently sends requests to this group's routable targets. */
  readonly carriesTraffic: (group: TargetGroup) => boolean;
  /** Records registration, first healthy and draining per instance (read-only; instance-timeline.ts). */
  readonly timeline?: InstanceTimeline;
}

export class TargetGroups {
  private readonly groups = new Map<string, TargetGroup>();
  private readonly checks = new TickBuckets<{ group: TargetGroup; target: Target }>();

  constructor(
    private readonly scheduler: TickScheduler,
    private readonly random: SeededRandom,
    private readonly probe: (instance: Instance) => ProbeResult,
    private readonly behaviour: TargetGroupBehaviour,
  ) {}

  public create(spec: TargetGroupSpec): TargetGroup {
    if (this.groups.has(spec.arn)) throw new Error(`target group ${spec.arn} already exists`);
    const group = new TargetGroup(spec);
    this.groups.set(spec.arn, group);
    return group;
  }

  public get(arn: string): TargetGroup | undefined {
    return this.groups.get(arn);
  }

  public list(): TargetGroup[] {
    return [...this.groups.values()];
  }

  public stateOf(arn: string, instanceId: string): TargetState | undefined {
    return this.groups.get(arn)?.targets.get(instanceId)?.state;
  }

  /**
   * Registers the instance (`initial`, Elb.RegistrationInProgress). Registration is asynchronous:
   * after a sampled delay (docs/aws-model.md, "registration") the target is Elb.InitialHealthChecking
   * and its first check comes at a seeded offset within one interval. Throws TargetQuotaExceeded
   * past the targets-per-group or per-load-balancer quota (docs/aws-model.md, "Quotas").
   */
  public register(arn: string, instance: Instance): void {
    const group = this.require(arn);
    const existing = group.targets.get(instance.id);
    if (existing) {
      if (existing.state === 'draining') throw new Error(`${instance.id} is still draining from ${arn}`);
      return;
    }
    this.checkQuota(group);
    const target = new Target(instance, this.scheduler.now());
    group.targets.set(instance.id, target);
    instance.registeredIn.add(arn);
    this.behaviour.timeline?.record(instance, 'registered', arn);
    const delay = sample(this.behaviour.random, this.behaviour.profile.registrationSeconds);
    if (delay === 0) {
      target.registering = false;
      this.behaviour.timeline?.record(instance, 'registrationComplete', arn);
      group.routingChanged();
      this.scheduleFirstCheck(group, target);
      return;
    }
    group.routingChanged();
    this.scheduler.after(delay, () => {
      if (target.removed || target.state === 'draining') return;
      target.registering = false;
      target.reason = 'Elb.InitialHealthChecking';
      target.description = 'Initial health checks in progress';
      this.behaviour.timeline?.record(instance, 'registrationComplete', arn);
      group.routingChanged();
      this.scheduleFirstCheck(group, target);
    });
  }

  /** How many targets are registered (draining included) in every group: the load balancer's count. */
  public totalTargets(): number {
    let n = 0;
    for (const group of this.groups.values()) n += group.targets.size;
    return n;
  }

  /**
   * Deregisters: the target drains (no new requests), then is gone and `onDrained` runs. How long
   * it drains: docs/aws-model.md, "Deregistration" (`drainSeconds`).
   */
  public deregister(arn: string, instance: Instance, onDrained: () => void): void {
    const group = this.require(arn);
    const target = group.targets.get(instance.id);
    if (!target || target.state === 'draining') {
      this.scheduler.after(0, onDrained);
      return;
    }
    const drainSeconds = this.drainSeconds(group, target);
    target.state = 'draining';
    target.reason = 'Target.DeregistrationInProgress';
    target.description = 'Target deregistration is in progress';
    this.behaviour.timeline?.record(instance, 'deregistering', arn);
    group.routingChanged();
    this.scheduler.after(drainSeconds, () => {
      target.removed = true;
      group.targets.delete(instance.id);
      instance.registeredIn.delete(arn);
      group.routingChanged();
      onDrained();
    });
  }

  /** Runs the health checks due at `tick`. */
  public runChecks(tick: number): void {
    for (const { group, target } of this.checks.take(tick)) {
      if (target.removed || target.state === 'draining') continue;
      this.apply(group, target, this.probe(target.instance));
      this.checks.add(tick + group.intervalSeconds, { group, target });
    }
  }

  /**
   * The full deregistration delay, or (when the profile drains early) as long as the requests in
   * flight take: none when the load balancer was not sending the target any.
   */
  private drainSeconds(group: TargetGroup, target: Target): number {
    const delay = group.deregistrationDelaySeconds;
    const { profile, random, carriesTraffic } = this.behaviour;
    if (!profile.drainEarlyWhenIdle) return delay;
    const inFlight = carriesTraffic(group) && group.routable().targets.includes(target);
    return inFlight ? Math.min(delay, sample(random, profile.inFlightRequestSeconds)) : 0;
  }

  private scheduleFirstCheck(group: TargetGroup, target: Target): void {
    const offsetSeconds = 1 + this.random.int(group.intervalSeconds);
    this.checks.add(this.scheduler.tickAt(this.scheduler.now() + offsetSeconds * 1000), { group, target });
  }

  private checkQuota(group: TargetGroup): void {
    const { targetsPerTargetGroup, targetsPerLoadBalancer } = this.behaviour.profile;
    if (group.targets.size >= targetsPerTargetGroup) {
      throw new TargetQuotaExceeded(
        `You've reached the limit on the number of targets per target group (${targetsPerTargetGroup}) for ${group.name}`,
      );
    }
    if (this.totalTargets() >= targetsPerLoadBalancer) {
      throw new TargetQuotaExceeded(
        `You've reached the limit on the number of targets per load balancer (${targetsPerLoadBalancer})`,
      );
    }
  }

  private apply(group: TargetGroup, target: Target, result: ProbeResult): void {
    const before = target.state;
    if (result === 'pass') {
      target.fails = 0;
      if (target.state === 'initial') {
        // A newly registered target needs one passing check (docs/aws-model.md, "Target groups").
        target.state = 'healthy';
      } else if (target.state === 'unhealthy') {
        target.passes += 1;
        if (target.passes >= group.healthyThreshold) target.state = 'healthy';
      }
    } else {
      target.passes = 0;
      target.fails += 1;
      if (target.state !== 'unhealthy' && target.fails >= group.unhealthyThreshold)
        target.state = 'unhealthy';
    }
    if (target.state === 'healthy') {
      target.passes = 0;
      target.reason = undefined;
      target.description = undefined;
    } else if (target.state === 'initial') {
      target.reason = 'Elb.InitialHealthChecking';
      target.description = 'Initial health checks in progress';
    } else if (target.state === 'unhealthy' && result !== 'pass') {
      target.reason = result === 'no-response' ? 'Target.Timeout' : 'Target.ResponseCodeMismatch';
      target.description =
        result === 'no-response' ? 'Request timed out' : 'Health checks failed with these codes: [500]';
    }
    if (target.state !== before) group.routingChanged();
    if (target.state === 'healthy' && before !== 'healthy')
      this.behaviour.timeline?.record(target.instance, 'healthy', group.arn);
  }

  private require(arn: string): TargetGroup {
    const group = this.groups.get(arn);
    if (!group) throw new Error(`no target group ${arn} in the simulated region`);
    return group;
  }
}

/** The ranges AWS accepts (docs/aws-model.md, "Target groups": interval 5–300, thresholds 2–10, delay 0–3600). */
function validateSpec(spec: TargetGroupSpec): void {
  const problems: string[] = [];
  const check = (name: keyof TargetGroupSpec, min: number, max: number): void => {
    const value = spec[name] as number;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${String(name)} (${value}) must be a whole number in [${min}, ${max}]`);
    }
  };
  check('healthCheckIntervalSeconds', 5, 300);
  check('healthCheckTimeoutSeconds', 2, 120);
  check('healthyThreshold', 2, 10);
  check('unhealthyThreshold', 2, 10);
  check('deregistrationDelaySeconds', 0, 3600);
  if (spec.healthCheckTimeoutSeconds >= spec.healthCheckIntervalSeconds) {
    problems.push(
      `healthCheckTimeoutSeconds (${spec.healthCheckTimeoutSeconds}) must be less than healthCheckIntervalSeconds (${spec.healthCheckIntervalSeconds})`,
    );
  }
  if (problems.length > 0) throw new Error(`target group ${spec.arn}: ${problems.join('; ')}`);
}
