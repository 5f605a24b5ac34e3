/**
 * Auto Scaling groups and what they do on their own: keep capacity at desired, move instances
 * through their lifecycle (launch, InService, Standby, termination), replace unhealthy ones,
 * rebalance Availability Zones and react to alarms, unless the matching process is suspended.
 * The API layer (auto-scaling-api.ts) validates requests; this module acts on valid ones.
 */
import {
  countsTowardDesired,
  isPending,
  readVersionFromGroupTags,
  type Instance,
  type InstanceRegistry,
  type LifecycleState,
} from './instances';
import { sample, type RegionProfile } from './profile';
import type { SeededRandom } from './random';
import type { TickScheduler } from './scheduler';
import type { InstanceTimeline } from './instance-timeline';
import { TargetQuotaExceeded, type TargetGroups } from './target-group';
import {
  launchHooksOf,
  lifecycleHookProblems,
  type LaunchHook,
  type LaunchLifecycleActions,
  type LaunchTransitions,
  type LifecycleHookSpec,
} from './lifecycle-hooks';
import { PrivateAddresses } from './private-addresses';

export const SCALING_PROCESSES = [
  'Launch',
  'Terminate',
  'AddToLoadBalancer',
  'AlarmNotification',
  'AZRebalance',
  'HealthCheck',
  'InstanceRefresh',
  'ReplaceUnhealthy',
  'ScheduledActions',
] as const;
export type ScalingProcess = (typeof SCALING_PROCESSES)[number];

/** An instance that has no target to drain is Terminated this many seconds after Terminating. */
export const UNREGISTERED_TERMINATION_SECONDS = 5;
/** Terminated instances stay listed this long, then disappear from every API. */
export const TERMINATED_VISIBLE_SECONDS = 60;

export interface GroupTagSpec {
  readonly key: string;
  readonly value: string;
  readonly propagateAtLaunch: boolean;
}

export interface AutoScalingGroupSpec {
  readonly name: string;
  readonly minSize: number;
  readonly maxSize: number;
  /** @default 0 */
  readonly desiredCapacity?: number;
  readonly targetGroupArns: string[];
  readonly healthCheckType: 'EC2' | 'ELB';
  readonly healthCheckGracePeriodSeconds: number;
  readonly tags: GroupTagSpec[];
  /** Lifecycle hooks (launch ones only are simulated). docs/aws-model.md, "Lifecycle hooks". @default - none */
  readonly lifecycleHooks?: readonly LifecycleHookSpec[];
}

export interface GroupTag {
  value: string;
  propagateAtLaunch: boolean;
}

/** The sampled timings of instances (docs/aws-model.md, "Auto Scaling lifecycle" and "Standby"). */
export type Timings = Pick<
  RegionProfile,
  | 'instanceBootSeconds'
  | 'appStartSeconds'
  | 'tagLagSeconds'
  | 'exitStandbySeconds'
  | 'killedStandbyTerminationSeconds'
>;

/**
 * Something the group did on its own and reports in its activity history. Only failures and EC2
 * terminations are kept (what a reader of DescribeScalingActivities would look for).
 */
export interface GroupActivity {
  readonly time: number;
  readonly statusCode: 'Successful' | 'Failed';
  readonly description: string;
  readonly cause: string;
  readonly statusMessage?: string;
}

interface Rebalance {
  readonly fromAz: string;
  readonly toAz: string;
  readonly launched: Set<string>;
  readonly count: number;
}

export class AutoScalingGroup {
  public readonly arn: string;
  public readonly createdAt: number;
  public minSize: number;
  public maxSize: number;
  public desiredCapacity: number;
  public readonly targetGroupArns: readonly string[];
  public readonly healthCheckType: 'EC2' | 'ELB';
  public readonly healthCheckGracePeriodSeconds: number;
  /** Tag key → value, in insertion order. */
  public readonly tags = new Map<string, GroupTag>();
  /** Suspended process → suspension reason. */
  public readonly suspended = new Map<string, string>();
  /** Every instance still listed, in launch order. */
  public readonly instances = new Map<string, Instance>();
  public readonly stateCounts: Record<LifecycleState, number> = {
    Pending: 0,
    'Pending:Wait': 0,
    'Pending:Proceed': 0,
    InService: 0,
    EnteringStandby: 0,
    Standby: 0,
    Terminating: 0,
    Terminated: 0,
  };
  /** Pending + InService instances per AZ: what counts toward desired capacity. */
  public readonly activeByAz = new Map<string, number>();
  /** Instances launched by AZRebalance not yet offset by a termination. */
  public rebalanceSurplus = 0;
  public rebalance?: Rebalance;
  /** Alarm notifications the group acted on (or ignored, when suspended); `n` < 0 for a scale-in. */
  public readonly alarms: { time: number; n: number; applied: boolean }[] = [];
  /** Virtual ms of the last fault that impaired or terminated one of its instances. */
  public lastInstanceFaultAt?: number;
  /** Failed registrations and EC2 terminations, oldest first. */
  public readonly activities: GroupActivity[] = [];
  /** Its launch lifecycle hooks, defaults applied (empty: instances go straight to InService). */
  public readonly launchHooks: readonly LaunchHook[];

  constructor(
    public readonly name: string,
    spec: AutoScalingGroupSpec,
    public readonly availabilityZones: readonly string[],
    arnPrefix: string,
    now: number,
  ) {
    this.arn = `${arnPrefix}:autoScalingGroup:00000000-0000-4000-8000-${hash12(name)}:autoScalingGroupName/${name}`;
    this.createdAt = now;
    this.minSize = spec.minSize;
    this.maxSize = spec.maxSize;
    this.desiredCapacity = spec.desiredCapacity ?? 0;
    this.targetGroupArns = [...spec.targetGroupArns];
    this.healthCheckType = spec.healthCheckType;
    this.healthCheckGracePeriodSeconds = spec.healthCheckGracePeriodSeconds;
    for (const tag of spec.tags)
      this.tags.set(tag.key, { value: tag.value, propagateAtLaunch: tag.propagateAtLaunch });
    for (const az of availabilityZones) this.activeByAz.set(az, 0);
    this.launchHooks = launchHooksOf(spec.lifecycleHooks ?? []);
  }

  public isSuspended(process: ScalingProcess): boolean {
    return this.suspended.has(process);
  }

  /** Instances that count toward desired capacity (Pending, Pending:Wait, Pending:Proceed, InService). */
  public get activeCount(): number {
    return this.pendingCount + this.stateCounts.InService;
  }

  /** Pending, Pending:Wait and Pending:Proceed instances. */
  public get pendingCount(): number {
    return this.stateCounts.Pending + this.stateCounts['Pending:Wait'] + this.stateCounts['Pending:Proceed'];
  }
}

export class AutoScaling implements LaunchTransitions {
  public readonly groups = new Map<string, AutoScalingGroup>();
  /** The launch lifecycle actions (lifecycle-hooks.ts); set by the region. */
  public launchActions?: LaunchLifecycleActions;
  private readonly addresses = new PrivateAddresses();

  constructor(
    private readonly scheduler: TickScheduler,
    private readonly registry: InstanceRegistry,
    private readonly targetGroups: TargetGroups,
    private readonly timings: Timings,
    private readonly regionName: string,
    private readonly arnPrefix: string,
    /** Draws the per-instance timings (its own stream: instance IDs and check offsets keep theirs). */
    private readonly random: SeededRandom,
    /** Records each instance's milestones for the bench (read-only; instance-timeline.ts). */
    private readonly timeline?: InstanceTimeline,
  ) {}

  public createGroup(spec: AutoScalingGroupSpec): AutoScalingGroup {
    const problems: string[] = [];
    if (this.groups.has(spec.name)) problems.push(`group ${spec.name} already exists`);
    if (!(spec.minSize >= 0 && spec.minSize <= spec.maxSize)) {
      problems.push(`minSize (${spec.minSize}) must be >= 0 and <= maxSize (${spec.maxSize})`);
    }
    const desired = spec.desiredCapacity ?? 0;
    if (desired < spec.minSize || desired > spec.maxSize) {
      problems.push(`desiredCapacity (${desired}) must be within [${spec.minSize}, ${spec.maxSize}]`);
    }
    for (const arn of spec.targetGroupArns) {
      if (!this.targetGroups.get(arn)) problems.push(`target group ${arn} does not exist (create it first)`);
    }
    problems.push(...lifecycleHookProblems(spec.lifecycleHooks ?? []));
    if (problems.length > 0) throw new Error(`createAutoScalingGroup: ${problems.join('; ')}`);
    const azs = [`${this.regionName}a`, `${this.regionName}b`];
    const group = new AutoScalingGroup(spec.name, spec, azs, this.arnPrefix, this.scheduler.now());
    this.groups.set(spec.name, group);
    return group;
  }

  public setState(instance: Instance, next: LifecycleState): void {
    const group = this.groupOf(instance);
    const before = instance.lifecycleState;
    if (before === next) return;
    group.stateCounts[before] -= 1;
    group.stateCounts[next] += 1;
    const was = countsTowardDesired(before);
    const will = countsTowardDesired(next);
    if (was !== will) {
      const az = instance.availabilityZone;
      group.activeByAz.set(az, (group.activeByAz.get(az) ?? 0) + (will ? 1 : -1));
    }
    instance.lifecycleState = next;
  }

  /** Launches one instance (Pending), in `az` or in the AZ with the fewest active instances. */
  public launch(group: AutoScalingGroup, az?: string): Instance {
    const now = this.scheduler.now();
    const zone = az ?? this.shortestAz(group);
    const propagatedTags = [...group.tags.entries()]
      .filter(([, tag]) => tag.propagateAtLaunch)
      .map(([key, tag]) => ({ key, value: tag.value }));
    const instance: Instance = {
      id: this.registry.newId(),
      groupName: group.name,
      availabilityZone: zone,
      launchedAt: now,
      lifecycleState: 'Pending',
      healthStatus: 'Healthy',
      booted: false,
      appUp: false,
      killed: false,
      propagatedTags,
      tagsVisibleAt: now + sample(this.random, this.timings.tagLagSeconds) * 1000,
      registeredIn: new Set(),
      removed: false,
      privateIpAddress: this.addresses.next(Math.max(0, group.availabilityZones.indexOf(zone))),
    };
    group.instances.set(instance.id, instance);
    this.registry.add(instance);
    group.stateCounts.Pending += 1;
    group.activeByAz.set(zone, (group.activeByAz.get(zone) ?? 0) + 1);
    this.timeline?.record(instance, 'launched');
    this.scheduler.after(sample(this.random, this.timings.instanceBootSeconds), () =>
      this.enterService(instance),
    );
    return instance;
  }

  /** Keeps Pending + InService at desired (plus any AZRebalance surplus), every tick. */
  public reconcile(): void {
    for (const group of this.groups.values()) {
      const wanted = group.desiredCapacity + group.rebalanceSurplus;
      const active = group.activeCount;
      if (active < wanted && !group.isSuspended('Launch')) {
        for (let i = active; i < wanted; i++) this.launch(group);
      } else if (active > wanted && !group.isSuspended('Terminate')) {
        this.scaleIn(group, active - wanted);
      }
    }
  }

  public enterStandby(group: AutoScalingGroup, instances: Instance[], decrement: boolean): void {
    if (decrement) group.desiredCapacity -= instances.length;
    for (const instance of instances) {
      this.setState(instance, 'EnteringStandby');
      this.timeline?.record(instance, 'enterStandbyRequested');
      this.drain(instance, 1, () => {
        if (instance.lifecycleState !== 'EnteringStandby') return;
        this.setState(instance, 'Standby');
        if (instance.killed) this.scheduleEc2Termination(instance);
      });
    }
  }

  public exitStandby(group: AutoScalingGroup, instances: Instance[]): void {
    group.desiredCapacity += instances.length;
    for (const instance of instances) {
      this.setState(instance, 'Pending');
      this.timeline?.record(instance, 'exitStandbyRequested');
      this.scheduler.after(sample(this.random, this.timings.exitStandbySeconds), () =>
        this.enterService(instance),
      );
    }
  }

  /** Terminating → (draining) → Terminated → gone. Capacity is the caller's business. */
  public terminate(instance: Instance): void {
    if (instance.lifecycleState === 'Terminating' || instance.lifecycleState === 'Terminated') return;
    if (instance.lifecycleState === 'Pending:Wait') this.launchActions?.cancel(instance.id);
    this.setState(instance, 'Terminating');
    this.timeline?.record(instance, 'terminating');
    this.drain(instance, UNREGISTERED_TERMINATION_SECONDS, () => this.finishTermination(instance));
    const group = this.groupOf(instance);
    if (group.rebalance?.launched.has(instance.id)) this.continueRebalance(group);
  }

  /** A CPU alarm raising desired capacity by n (capped at max), unless AlarmNotification is suspended. */
  public alarmScaleOut(groupName: string, n: number): boolean {
    const group = this.requireGroup(groupName);
    const applied = !group.isSuspended('AlarmNotification');
    if (applied) group.desiredCapacity = Math.min(group.maxSize, group.desiredCapacity + n);
    group.alarms.push({ time: this.scheduler.now(), n, applied });
    return applied;
  }

  /**
   * A target-tracking scale-in: lowers desired capacity by n, never below MinSize, unless
   * AlarmNotification is suspended. The group then terminates the surplus (reconcile).
   */
  public alarmScaleIn(groupName: string, n: number): boolean {
    const group = this.requireGroup(groupName);
    const applied = !group.isSuspended('AlarmNotification');
    if (applied) {
      group.desiredCapacity = Math.min(
        group.desiredCapacity,
        Math.max(group.minSize, group.desiredCapacity - n),
      );
    }
    group.alarms.push({ time: this.scheduler.now(), n: -n, applied });
    return applied;
  }

  /** The instance dies: its app stops for good and its EC2 status checks fail. */
  public kill(instanceId: string): void {
    const instance = this.registry.get(instanceId);
    if (!instance) throw new Error(`killInstance: no instance ${instanceId}`);
    const wasKilled = instance.killed;
    instance.killed = true;
    instance.appUp = false;
    this.groupOf(instance).lastInstanceFaultAt = this.scheduler.now();
    if (!wasKilled && instance.lifecycleState === 'Standby') this.scheduleEc2Termination(instance);
  }

  /**
   * A Standby instance is not health-checked by its group, but an impaired one does not stay
   * forever: EC2 terminates it after a sampled delay (docs/aws-model.md, "Standby"). If it left
   * Standby meanwhile, the group's own health check deals with it instead.
   */
  private scheduleEc2Termination(instance: Instance): void {
    const seconds = sample(this.random, this.timings.killedStandbyTerminationSeconds);
    this.scheduler.after(seconds, () => {
      if (instance.lifecycleState !== 'Standby' || !instance.killed) return;
      const group = this.groupOf(instance);
      group.lastInstanceFaultAt = this.scheduler.now();
      group.activities.push({
        time: this.scheduler.now(),
        statusCode: 'Successful',
        description: `Terminating EC2 instance: ${instance.id}`,
        cause: `an instance in Standby was terminated by EC2 after its status checks failed (impaired)`,
      });
      this.terminate(instance);
    });
  }

  /**
   * Terminated by a person (TerminateInstanceInAutoScalingGroup without decrementing desired
   * capacity): the group replaces it only if it counted toward desired capacity.
   */
  public terminateByPerson(instanceId: string): void {
    const instance = this.registry.get(instanceId);
    if (!instance) throw new Error(`terminateInstance: no instance ${instanceId}`);
    const state = instance.lifecycleState;
    if (state === 'Terminating' || state === 'Terminated' || state === 'EnteringStandby') {
      throw new Error(`terminateInstance: ${instanceId} is ${state}, not InService, Pending or Standby`);
    }
    this.groupOf(instance).lastInstanceFaultAt = this.scheduler.now();
    this.terminate(instance);
  }

  /**
   * The group's periodic health check: InService instances past the grace period are marked
   * Unhealthy when killed (EC2 status) or, with ELB health checks, when a target group reports them
   * `unhealthy`; then replaced. Standby instances are never checked.
   */
  public healthSweep(): void {
    const now = this.scheduler.now();
    for (const group of this.groups.values()) {
      if (group.isSuspended('HealthCheck')) continue;
      const graceMs = group.healthCheckGracePeriodSeconds * 1000;
      const doomed: Instance[] = [];
      for (const instance of group.instances.values()) {
        if (instance.lifecycleState !== 'InService' || instance.healthStatus === 'Unhealthy') continue;
        if (now < (instance.inServiceAt ?? now) + graceMs) continue;
        let unhealthy = instance.killed;
        if (!unhealthy && group.healthCheckType === 'ELB') {
          for (const arn of instance.registeredIn) {
            if (this.targetGroups.stateOf(arn, instance.id) === 'unhealthy') unhealthy = true;
          }
        }
        if (unhealthy) doomed.push(instance);
      }
      for (const instance of doomed) {
        instance.healthStatus = 'Unhealthy';
        if (!group.isSuspended('ReplaceUnhealthy')) this.terminate(instance);
      }
    }
  }

  /**
   * AZRebalance: when a stable group's active instances differ by more than one between AZs, launch
   * in the short AZ first, then terminate as many in the long one.
   */
  public rebalanceZones(): void {
    for (const group of this.groups.values()) {
      if (group.rebalance) continue;
      if (group.isSuspended('AZRebalance') || group.isSuspended('Launch') || group.isSuspended('Terminate'))
        continue;
      if (group.pendingCount > 0 || group.activeCount !== group.desiredCapacity) continue;
      let long = group.availabilityZones[0];
      let short = group.availabilityZones[0];
      for (const az of group.availabilityZones) {
        if ((group.activeByAz.get(az) ?? 0) > (group.activeByAz.get(long) ?? 0)) long = az;
        if ((group.activeByAz.get(az) ?? 0) < (group.activeByAz.get(short) ?? 0)) short = az;
      }
      const gap = (group.activeByAz.get(long) ?? 0) - (group.activeByAz.get(short) ?? 0);
      if (gap <= 1) continue;
      // Rebalancing may exceed MaxSize by 10% (at least one instance) while it launches first.
      const room = group.maxSize + Math.max(1, Math.floor(group.maxSize / 10)) - group.activeCount;
      const count = Math.min(Math.floor(gap / 2), room);
      if (count <= 0) continue;
      const launched = new Set<string>();
      group.rebalanceSurplus += count;
      group.rebalance = { fromAz: long, toAz: short, launched, count };
      for (let i = 0; i < count; i++) launched.add(this.launch(group, short).id);
    }
  }

  public requireGroup(name: string): AutoScalingGroup {
    const group = this.groups.get(name);
    if (!group) throw new Error(`no Auto Scaling group ${name} in the simulated region`);
    return group;
  }

  private groupOf(instance: Instance): AutoScalingGroup {
    return this.requireGroup(instance.groupName);
  }

  /**
   * Pending → InService: the boot script reads the version once, then the instance registers. A
   * first boot in a group with launch hooks waits in Pending:Wait instead (docs/aws-model.md,
   * "Lifecycle hooks"): the boot script runs, nothing registers.
   */
  private enterService(instance: Instance): void {
    if (instance.lifecycleState !== 'Pending') return;
    const group = this.groupOf(instance);
    if (!instance.booted && group.launchHooks.length > 0) {
      if (!this.launchActions)
        throw new Error(`group ${group.name} has lifecycle hooks but the region has no lifecycle actions`);
      this.setState(instance, 'Pending:Wait');
      this.runBootScript(group, instance);
      this.launchActions.start(instance, group.launchHooks);
      return;
    }
    this.putInService(group, instance);
  }

  /** LaunchTransitions: every launch hook said CONTINUE. */
  public proceed(instance: Instance): void {
    if (instance.lifecycleState !== 'Pending:Wait') return;
    this.setState(instance, 'Pending:Proceed');
    this.timeline?.record(instance, 'proceeding');
  }

  /** LaunchTransitions: Pending:Proceed → InService, registered. */
  public enterServiceAfterHooks(instance: Instance): void {
    if (instance.lifecycleState !== 'Pending:Proceed') return;
    this.putInService(this.groupOf(instance), instance);
  }

  /** LaunchTransitions: a launch hook said ABANDON (or defaulted to it): terminated, and replaced. */
  public abandon(instance: Instance, reason: string): void {
    if (instance.lifecycleState !== 'Pending:Wait') return;
    const group = this.groupOf(instance);
    group.activities.push({
      time: this.scheduler.now(),
      statusCode: 'Failed',
      description: `Launching a new EC2 instance: ${instance.id}`,
      cause: `an instance was launched to keep the group at its desired capacity`,
      statusMessage: reason,
    });
    this.terminate(instance);
  }

  private putInService(group: AutoScalingGroup, instance: Instance): void {
    this.setState(instance, 'InService');
    instance.inServiceAt = this.scheduler.now();
    this.timeline?.record(instance, 'inService');
    if (!instance.booted) this.runBootScript(group, instance);
    if (!group.isSuspended('AddToLoadBalancer')) {
      for (const arn of group.targetGroupArns) this.registerTarget(group, arn, instance);
    }
    if (group.rebalance?.launched.has(instance.id)) this.continueRebalance(group);
  }

  /** The boot script, on the first boot only: reads the group's version tag and starts the app. */
  private runBootScript(group: AutoScalingGroup, instance: Instance): void {
    instance.booted = true;
    const read = readVersionFromGroupTags(group.tags);
    if (read.version !== undefined) {
      instance.version = read.version;
      this.scheduler.after(sample(this.random, this.timings.appStartSeconds), () => {
        if (instance.killed || instance.lifecycleState === 'Terminated') return;
        instance.appUp = true;
        this.timeline?.record(instance, 'appUp');
      });
    } else {
      instance.bootProblem = read.problem;
    }
  }

  /**
   * Registers an instance that entered service. Past a target quota the registration is refused
   * and, as assumed in docs/aws-model.md ("Quotas"), the group reports a failed activity and the
   * instance stays InService without a target (it never becomes healthy on the load balancer).
   */
  private registerTarget(group: AutoScalingGroup, arn: string, instance: Instance): void {
    try {
      this.targetGroups.register(arn, instance);
    } catch (error) {
      if (!(error instanceof TargetQuotaExceeded)) throw error;
      group.activities.push({
        time: this.scheduler.now(),
        statusCode: 'Failed',
        description: `Registering EC2 instance ${instance.id} with target group ${arn}`,
        cause: `instance ${instance.id} entered InService`,
        statusMessage: `${error.code}: ${error.message}`,
      });
    }
  }

  /** Deregisters from every target group; `done` runs when all have drained (or after `seconds` if none). */
  private drain(instance: Instance, seconds: number, done: () => void): void {
    const arns = [...instance.registeredIn];
    if (arns.length === 0) {
      this.scheduler.after(seconds, done);
      return;
    }
    let remaining = arns.length;
    for (const arn of arns) {
      this.targetGroups.deregister(arn, instance, () => {
        remaining -= 1;
        if (remaining === 0) done();
      });
    }
  }

  private finishTermination(instance: Instance): void {
    this.setState(instance, 'Terminated');
    instance.appUp = false;
    this.scheduler.after(TERMINATED_VISIBLE_SECONDS, () => {
      const group = this.groupOf(instance);
      group.instances.delete(instance.id);
      group.stateCounts.Terminated -= 1;
      this.registry.delete(instance.id);
      instance.removed = true;
    });
  }

  /**
   * Scale-in picks, one at a time, from the AZ with the most active instances (keeps AZs
   * balanced, like the Default termination policy); within it Pending instances first, then the
   * newest. (AWS's Default policy would then prefer the oldest launch template and the instance
   * closest to the next billing hour; the simulation has one launch template.)
   */
  private scaleIn(group: AutoScalingGroup, count: number): void {
    const byAz = new Map<string, Instance[]>();
    for (const instance of group.instances.values()) {
      if (!countsTowardDesired(instance.lifecycleState)) continue;
      const list = byAz.get(instance.availabilityZone) ?? [];
      list.push(instance);
      byAz.set(instance.availabilityZone, list);
    }
    for (const list of byAz.values()) list.sort(scaleInOrder);
    const taken = new Map<string, number>();
    for (let k = 0; k < count; k++) {
      let pick: string | undefined;
      let most = 0;
      for (const [az, list] of byAz) {
        const left = list.length - (taken.get(az) ?? 0);
        if (left > most || (left === most && left > 0)) {
          most = left;
          pick = az;
        }
      }
      if (!pick) return;
      const index = taken.get(pick) ?? 0;
      taken.set(pick, index + 1);
      this.terminate((byAz.get(pick) as Instance[])[index]);
    }
  }

  /** Once every instance AZRebalance launched is InService (or gone), terminate as many in the long AZ. */
  private continueRebalance(group: AutoScalingGroup): void {
    const plan = group.rebalance;
    if (!plan) return;
    for (const id of plan.launched) {
      const state = group.instances.get(id)?.lifecycleState;
      if (state !== undefined && isPending(state)) return;
    }
    group.rebalance = undefined;
    group.rebalanceSurplus -= plan.count;
    const victims = [...group.instances.values()]
      .filter(
        (i) =>
          i.availabilityZone === plan.fromAz && i.lifecycleState === 'InService' && !plan.launched.has(i.id),
      )
      .sort(scaleInOrder)
      .slice(0, plan.count);
    for (const victim of victims) this.terminate(victim);
  }

  private shortestAz(group: AutoScalingGroup): string {
    let best = group.availabilityZones[0];
    for (const az of group.availabilityZones) {
      if ((group.activeByAz.get(az) ?? 0) < (group.activeByAz.get(best) ?? 0)) best = az;
    }
    return best;
  }
}

/** Pending (Pending:Wait and Pending:Proceed included) first, then newest first, then by ID (deterministic). */
function scaleInOrder(a: Instance, b: Instance): number {
  const pa = isPending(a.lifecycleState) ? 0 : 1;
  const pb = isPending(b.lifecycleState) ? 0 : 1;
  if (pa !== pb) return pa - pb;
  if (a.launchedAt !== b.launchedAt) return b.launchedAt - a.launchedAt;
  return a.id < b.id ? 1 : -1;
}

function hash12(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    h1 = Math.imul(h1 ^ text.charCodeAt(i), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ text.charCodeAt(i), 0x5bd1e995) >>> 0;
  }
  return (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).slice(0, 12);
}
