/**
 * The simulated AWS region: answers the SDK v3 calls of the release handlers in-process, on a
 * virtual clock, modelling every behaviour listed in docs/aws-model.md. Unknown commands, parameters and
 * condition expressions throw `not simulated: ...`; nothing is pretended.
 */
import type { VirtualClock } from '../virtual-clock';
import { Alarms, type AlarmState, type TargetErrorRateAlarmSpec } from './alarms';
import { AutoScaling, type AutoScalingGroupSpec, type GroupActivity } from './auto-scaling';
import { AutoScalingApi } from './auto-scaling-api';
import { resolveApiHarshness, type ApiHarshness } from './api-harshness';
import { CallLog } from './call-log';
import { CallObservers, type CallObserver } from './call-observer';
import { checkParams, type CommandInput, type CommandTable } from './commands';
import {
  isSimulatedServiceError,
  notSimulated,
  serviceError,
  simulatedRequestId,
  type ServiceName,
} from './errors';
import { Executions, type ExecutionDirectory } from './executions';
import { CallerIdentity } from './identity';
import { Notifications, type PublishedMessage } from './notifications';
import { Stacks, type StackSpec } from './stacks';
import { TaskTokens } from './task-tokens';
import { Faults } from './faults';
import { InstanceTimeline } from './instance-timeline';
import { InstanceRegistry, type Instance } from './instances';
import { Ec2Api } from './ec2-api';
import { InstanceChecks } from './instance-checks';
import { LaunchValidationEvidence, type UnvalidatedServing } from './launch-validation';
import {
  LaunchLifecycleActions,
  type LifecycleActionNotice,
  type LifecycleActionView,
} from './lifecycle-hooks';
import { LifecycleHooksApi } from './lifecycle-hooks-api';
import { LoadBalancingApi } from './load-balancing-api';
import { LockTables, type Item } from './lock-table';
import { injectedError } from './injected-errors';
import { ObjectStore } from './objects';
import { RateLimits } from './rate-limits';
import { StaleReads } from './stale-reads';
import { observeGroup, observeRequests, observeTargetGroup, type RegionObservation } from './observation';
import {
  profileProblems,
  resolveProfile,
  withFixedTimings,
  type ProfileName,
  type RegionProfile,
} from './profile';
import { SeededRandom } from './random';
import { TICK_MS, TickScheduler } from './scheduler';
import { TargetGroups, type ProbeResult, type TargetGroupSpec } from './target-group';
import { TrafficRouter, TrafficStats, type RequestOutcome } from './traffic';

export interface RegionOptions {
  readonly clock: VirtualClock;
  /** Seeds instance IDs, health-check offsets, sampled timings and probabilistic faults. @default 1 */
  readonly seed?: number;
  /**
   * How harsh the region is: sampled timings and quotas (docs/aws-model.md).
   * @default 'typical'
   */
  readonly profile?: ProfileName | RegionProfile;
  /** Pending → InService after launch, fixed for every instance. @default - sampled from the profile */
  readonly instanceBootSeconds?: number;
  /** After InService until the app answers, fixed. @default - sampled from the profile */
  readonly appStartSeconds?: number;
  /** The instance's own copy of propagated tags appears this long after launch, fixed. @default - sampled from the profile */
  readonly tagLagSeconds?: number;
  /** Standby → Pending → InService after ExitStandby, fixed. @default - sampled from the profile */
  readonly exitStandbySeconds?: number;
  /** Requests per virtual second sent to the load balancer. @default 20 */
  readonly requestsPerSecond?: number;
  /** How often each group runs its health check (and AZRebalance). @default 10 */
  readonly asgHealthCheckSeconds?: number;
  /** Availability Zones are `<regionName>a` and `<regionName>b`. @default 'us-east-1' */
  readonly regionName?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** The target group the listener forwards to. @default - the first target group created */
  readonly trafficTargetGroupArn?: string;
  /**
   * Rate limits, ambiguous failures and stale reads (api-harshness.ts); fields not given are
   * the profile's (`profile.api`). @default - the profile's API harshness
   */
  readonly api?: Partial<ApiHarshness>;
}

type RegionDefaults = {
  readonly seed: number;
  readonly requestsPerSecond: number;
  readonly asgHealthCheckSeconds: number;
  readonly regionName: string;
  readonly accountId: string;
};

export const REGION_DEFAULTS: RegionDefaults = {
  seed: 1,
  requestsPerSecond: 20,
  asgHealthCheckSeconds: 10,
  regionName: 'us-east-1',
  accountId: '123456789012',
};

export class SimulatedRegion {
  public readonly faults: Faults;
  public readonly calls = new CallLog();
  private readonly callObservers = new CallObservers();
  public readonly traffic = new TrafficStats();
  public readonly regionName: string;
  /** The profile in effect (explicit fixed timings applied): docs/aws-model.md. */
  public readonly profile: RegionProfile;
  /** Task tokens of the callback pattern (approval gates); SendTaskSuccess/SendTaskFailure answer them. */
  public readonly taskTokens: TaskTokens;
  /** Who every caller is (STS GetCallerIdentity). */
  public readonly callerIdentity: CallerIdentity;
  /** The API harshness in effect: rate limits, ambiguous failures, stale reads. */
  public readonly api: ApiHarshness;
  /** The account's token buckets. */
  public readonly rateLimits: RateLimits;
  /** Each instance's milestones as the region sampled them (read-only, for the bench's floors). */
  public readonly timeline: InstanceTimeline;
  /** Calls that record a view for stale reads once they took effect. */
  private readonly recordViews: () => void;
  /**
   * Direct HTTP requests to an instance's private address from inside the VPC, answered as its app
   * would; `answerBadly` makes a version or an instance answer a path badly. docs/aws-model.md, "Lifecycle hooks".
   */
  public readonly instanceChecks: InstanceChecks;
  /** The launch lifecycle actions of groups with launch hooks (lifecycle-hooks.ts). */
  private readonly launchActions: LaunchLifecycleActions;
  private readonly launchValidation: LaunchValidationEvidence;

  private readonly clock: VirtualClock;
  private readonly scheduler: TickScheduler;
  private readonly registry: InstanceRegistry;
  private readonly targetGroups: TargetGroups;
  private readonly autoScaling: AutoScaling;
  private readonly lockTables: LockTables;
  private readonly objects: ObjectStore;
  private readonly executions: Executions;
  private readonly stacks: Stacks;
  private readonly notifications: Notifications;
  private readonly alarms: Alarms;
  private readonly router: TrafficRouter;
  private readonly handlers: Record<ServiceName, CommandTable>;
  private readonly asgHealthCheckSeconds: number;
  private readonly ticker: { cancel(): void };
  private trafficTargetGroupArn?: string;

  constructor(options: RegionOptions) {
    const o = { ...REGION_DEFAULTS, ...withoutUndefined(options) };
    validateOptions(o);
    this.clock = options.clock;
    this.regionName = o.regionName;
    this.asgHealthCheckSeconds = o.asgHealthCheckSeconds;
    this.trafficTargetGroupArn = options.trafficTargetGroupArn;
    this.profile = withFixedTimings(resolveProfile(options.profile), options);
    const problems = profileProblems(this.profile);
    if (problems.length > 0) throw new Error(`SimulatedRegion: ${problems.join('; ')}`);
    const now = (): number => this.clock.now();
    const random = new SeededRandom(o.seed);
    this.api = resolveApiHarshness({ ...this.profile.api, ...withoutUndefined(options.api ?? {}) });
    this.rateLimits = new RateLimits(this.api, now);
    const stale = new StaleReads(random.fork(7), this.api.staleReadWindowMs, now);

    this.scheduler = new TickScheduler(this.clock);
    this.timeline = new InstanceTimeline(now);
    this.registry = new InstanceRegistry(random.fork(1));
    this.targetGroups = new TargetGroups(this.scheduler, random.fork(2), (i) => this.probe(i), {
      profile: this.profile,
      random: random.fork(5),
      carriesTraffic: (group) => o.requestsPerSecond > 0 && group.arn === this.trafficTargetGroupArn,
      timeline: this.timeline,
    });
    this.autoScaling = new AutoScaling(
      this.scheduler,
      this.registry,
      this.targetGroups,
      this.profile,
      o.regionName,
      `arn:aws:autoscaling:${o.regionName}:${o.accountId}`,
      random.fork(4),
      this.timeline,
    );
    // Streams 8 and 9 are drawn only by lifecycle hooks and direct checks: regions without them
    // draw exactly what they drew before.
    this.launchActions = new LaunchLifecycleActions(
      this.scheduler,
      random.fork(8),
      this.profile.pendingProceedSeconds,
    );
    this.launchActions.connect(this.autoScaling);
    this.autoScaling.launchActions = this.launchActions;
    this.launchValidation = new LaunchValidationEvidence(
      (name) => (this.autoScaling.groups.get(name)?.launchHooks.length ?? 0) > 0,
      this.launchActions.validation,
    );
    this.faults = new Faults(
      random.fork(3),
      {
        killInstance: (id) => this.autoScaling.kill(id),
        terminateInstance: (id) => this.autoScaling.terminateByPerson(id),
        scaleOut: (group, n) => this.autoScaling.alarmScaleOut(group, n),
        scaleIn: (group, n) => this.autoScaling.alarmScaleIn(group, n),
        setDeregistrationDelay: (arn, seconds) => {
          const tg = this.targetGroups.get(arn);
          if (!tg) throw new Error(`setDeregistrationDelay: no target group ${arn}`);
          if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
            throw new Error(
              `setDeregistrationDelay: seconds (${seconds}) must be a whole number in [0, 3600]`,
            );
          }
          tg.deregistrationDelaySeconds = seconds;
        },
      },
      { probability: this.api.ambiguousFailureProbability, errors: this.api.ambiguousErrors },
      random.fork(6),
    );
    this.lockTables = new LockTables(now, {
      unprocessedKeyProbability: this.api.unprocessedKeyProbability,
      random: random.fork(10),
    });
    this.objects = new ObjectStore(now);
    this.taskTokens = new TaskTokens(o.accountId);
    this.callerIdentity = new CallerIdentity(o.accountId);
    this.executions = new Executions(now, this.taskTokens, stale);
    this.stacks = new Stacks(now, o.regionName, o.accountId);
    this.notifications = new Notifications(now);
    this.alarms = new Alarms(now, `arn:aws:cloudwatch:${o.regionName}:${o.accountId}`);
    this.router = new TrafficRouter(this.traffic, o.requestsPerSecond, (i) => this.requestOutcome(i));
    const autoScalingApi = new AutoScalingApi(this.autoScaling, this.registry, now, stale);
    const loadBalancingApi = new LoadBalancingApi(this.targetGroups, this.registry, stale);
    this.recordViews = () => {
      if (!stale.enabled) return;
      autoScalingApi.recordView();
      loadBalancingApi.recordView();
      this.executions.recordView();
    };
    this.instanceChecks = new InstanceChecks(
      {
        instanceAt: (address) => this.instanceAt(address),
        appPortOf: (instance) => this.appPortOf(instance),
        isUnhealthyVersion: (version) => this.faults.isUnhealthyVersion(version),
        errorFractionOf: (version) => this.faults.errorFractionOf(version),
      },
      random.fork(9),
      this.profile.instanceCheckLatencyMs,
    );
    this.handlers = {
      AutoScaling: {
        ...autoScalingApi.commands(),
        ...new LifecycleHooksApi(this.autoScaling, this.launchActions).commands(),
      },
      EC2: new Ec2Api(this.registry, o.accountId).commands(),
      ElasticLoadBalancingV2: loadBalancingApi.commands(),
      DynamoDB: this.lockTables.commands(),
      S3: this.objects.commands(),
      SFN: this.executions.commands(),
      CloudFormation: this.stacks.commands(),
      STS: this.callerIdentity.commands(),
      CloudWatch: this.alarms.commands(),
    };
    this.ticker = this.clock.every(TICK_MS, () => this.tick());
  }

  // ---- setup (from the synthesized template) ----

  public createTargetGroup(spec: TargetGroupSpec): void {
    this.targetGroups.create(spec);
    this.trafficTargetGroupArn ??= spec.arn;
  }

  public createAutoScalingGroup(spec: AutoScalingGroupSpec): void {
    this.autoScaling.createGroup(spec);
  }

  public createTable(name: string, partitionKey: string): void {
    this.lockTables.createTable(name, partitionKey);
  }

  /** @param size bytes; @default 1024 */
  public putObject(bucket: string, key: string, size?: number): void {
    this.objects.putObject(bucket, key, size);
  }

  /** A CloudWatch alarm that exists in the region (state OK until set). */
  public defineAlarm(name: string): void {
    this.alarms.define(name);
  }

  /** The target group's 5xx-rate alarm, evaluated from the simulated traffic. */
  public defineTargetErrorRateAlarm(spec: TargetErrorRateAlarmSpec): void {
    this.alarms.defineTargetErrorRate(spec);
  }

  /** Sets an alarm's state, as CloudWatch would after evaluating its metric (an injected alarm). */
  public setAlarmState(name: string, state: AlarmState, reason = `set to ${state} by the rehearsal`): void {
    this.alarms.setState(name, state, reason);
  }

  public setExecutionDirectory(directory: ExecutionDirectory): void {
    this.executions.setDirectory(directory);
  }

  /** A deployed stack: DescribeStacks answers with its name and outputs. */
  public createStack(spec: StackSpec): void {
    this.stacks.create(spec);
  }

  /** An SNS Publish made by the state machine's SNS integration; returns the MessageId. */
  public publish(topicArn: string, message: string, subject?: string): string {
    return this.notifications.publish(topicArn, message, subject);
  }

  /** Every message published so far (what subscribers would have received). */
  public publishedMessages(): readonly PublishedMessage[] {
    return this.notifications.list();
  }

  // ---- the API ----

  /**
   * Answers one SDK v3 call. `service`: AutoScaling | ElasticLoadBalancingV2 | DynamoDB | S3 | SFN;
   * `command` without the `Command` suffix. Resolves (or rejects) without real or virtual delay.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  public async send(service: string, command: string, input: unknown): Promise<any> {
    const table = this.handlers[service as ServiceName] as CommandTable | undefined;
    const spec = table && Object.prototype.hasOwnProperty.call(table, command) ? table[command] : undefined;
    if (!spec) throw notSimulated(`${service}.${command}`);
    const args = (input ?? {}) as CommandInput;
    checkParams(service, command, spec, args);
    const entry = { time: this.clock.now(), service, command, mutating: spec.mutating };
    const observed = this.callObservers.before(entry.time, service, command, spec.mutating);
    const throttled = this.rateLimits.admit(service, command, spec.mutating);
    if (throttled) {
      const error = serviceError(
        service as ServiceName,
        throttled.code,
        throttled.message,
        throttled.status ?? 400,
      );
      this.calls.record({ ...entry, outcome: error.name, injected: false });
      this.callObservers.after(observed, error.name);
      throw error;
    }
    const fault = this.faults.failureFor(service, command, spec.mutating);
    if (fault && !fault.tookEffect) {
      const error = injectedError(service as ServiceName, fault.error, fault.message, fault.httpStatusCode);
      this.calls.record({ ...entry, outcome: error.name, injected: true });
      this.callObservers.after(observed, error.name);
      throw error;
    }
    let output: Record<string, unknown>;
    try {
      output = spec.run(args);
    } catch (error) {
      if (isSimulatedServiceError(error)) {
        this.calls.record({ ...entry, outcome: error.name, injected: false });
        this.callObservers.after(observed, error.name);
      }
      throw error;
    }
    if (spec.mutating) this.recordViews();
    if (fault) {
      // Ambiguous: the call took effect, and the caller is told it failed all the same.
      const error = injectedError(service as ServiceName, fault.error, fault.message, fault.httpStatusCode);
      this.calls.record({ ...entry, outcome: error.name, injected: true });
      this.callObservers.after(observed, error.name);
      throw error;
    }
    this.calls.record({ ...entry, outcome: 'ok', injected: false });
    this.callObservers.after(observed, 'ok');
    return {
      ...(withoutUndefined(output) as Record<string, unknown>),
      $metadata: { httpStatusCode: 200, requestId: simulatedRequestId(), attempts: 1, totalRetryDelay: 0 },
    };
  }

  /**
   * Tells `observer` of every call from now on, just before it takes effect and just after (its
   * answer not yet delivered). Returns the function that stops it.
   */
  public observeCalls(observer: CallObserver): () => void {
    return this.callObservers.add(observer);
  }

  // ---- observation ----

  public observe(): RegionObservation {
    const now = this.clock.now();
    return {
      time: now,
      groups: [...this.autoScaling.groups.values()].map((g) => observeGroup(g, now)),
      targetGroups: this.targetGroups.list().map((tg) => observeTargetGroup(tg)),
      requests: observeRequests(this.traffic),
    };
  }

  /** What a group did on its own and reports as activities: failed registrations, EC2 terminations. */
  public activitiesOf(groupName: string): readonly GroupActivity[] {
    return this.autoScaling.requireGroup(groupName).activities;
  }

  /**
   * The instance's launch lifecycle actions while it waits in Pending:Wait: hook, token (what the
   * lifecycle notification would carry) and timeout deadline (virtual ms). Empty when not waiting.
   */
  public lifecycleActionsOf(instanceId: string): LifecycleActionView[] {
    return this.launchActions.actionsOf(instanceId).map((a) => ({
      hookName: a.hook.name,
      token: a.token,
      deadline: a.deadline,
      result: a.result,
    }));
  }

  /**
   * Calls `listener` with each launch lifecycle action as it starts, with what Auto Scaling's
   * lifecycle notification carries; returns the function that stops it. Nothing is delivered by
   * the region itself: the rehearsal delivers to the template's EventBridge rule.
   */
  public observeLifecycleActions(listener: (action: LifecycleActionNotice) => void): () => void {
    return this.launchActions.onStart((action) =>
      listener({
        groupName: action.instance.groupName,
        instanceId: action.instance.id,
        hookName: action.hook.name,
        token: action.token,
        startedAt: action.startedAt,
        ...(action.hook.notificationMetadata !== undefined
          ? { notificationMetadata: action.hook.notificationMetadata }
          : {}),
      }),
    );
  }

  /**
   * Instances of groups with launch lifecycle hooks that took user requests through the load
   * balancer without every hook completed with CONTINUE by a caller (empty without hooks).
   */
  public unvalidatedServing(): UnvalidatedServing[] {
    return this.launchValidation.unvalidatedServing();
  }

  /** The current items of a lock table. */
  public scanTable(name: string): Item[] {
    return this.lockTables.scan(name);
  }

  /** Stops the region's clock ticker (nothing happens in it afterwards). */
  public dispose(): void {
    this.ticker.cancel();
  }

  // ---- one virtual second ----

  private tick(): void {
    const tick = this.scheduler.tick + 1;
    this.scheduler.runTick(tick);
    this.autoScaling.reconcile();
    this.targetGroups.runChecks(tick);
    if (tick % this.asgHealthCheckSeconds === 0) {
      this.autoScaling.healthSweep();
      this.autoScaling.rebalanceZones();
      this.autoScaling.reconcile();
    }
    const trafficGroup = this.trafficTargetGroupArn
      ? this.targetGroups.get(this.trafficTargetGroupArn)
      : undefined;
    this.router.routeSecond(this.clock.now(), trafficGroup);
    this.alarms.evaluate(this.traffic.perSecond);
    this.recordViews();
  }

  /** The listed instance with this private address (a scan: direct checks are few). */
  private instanceAt(address: string): Instance | undefined {
    for (const group of this.autoScaling.groups.values()) {
      for (const instance of group.instances.values())
        if (instance.privateIpAddress === address) return instance;
    }
    return undefined;
  }

  /** The app listens on the port its group's target groups check (80 when none says). */
  private appPortOf(instance: Instance): number {
    const group = this.autoScaling.requireGroup(instance.groupName);
    const arn = group.targetGroupArns[0];
    return (arn !== undefined ? this.targetGroups.get(arn)?.port : undefined) ?? 80;
  }

  private probe(instance: Instance): ProbeResult {
    if (!instance.appUp || instance.killed) return 'no-response';
    if (this.faults.isUnhealthyVersion(instance.version)) return 'error-response';
    return 'pass';
  }

  private requestOutcome(instance: Instance): RequestOutcome {
    this.launchValidation.routed(instance, this.clock.now());
    if (instance.killed) return { kind: 'dropped', fault: true };
    if (!instance.appUp || instance.version === undefined) return { kind: 'dropped' };
    if (this.faults.isUnhealthyVersion(instance.version))
      return { kind: 'failed', version: instance.version };
    return {
      kind: 'served',
      version: instance.version,
      errorFraction: this.faults.errorFractionOf(instance.version),
    };
  }
}

function validateOptions(o: RegionDefaults & { clock?: unknown }): void {
  const problems: string[] = [];
  const wholeAtLeast = (name: keyof RegionDefaults, min: number): void => {
    const value = o[name] as number;
    if (!Number.isInteger(value) || value < min)
      problems.push(`${name} (${value}) must be a whole number >= ${min}`);
  };
  if (!o.clock) problems.push('clock is required');
  wholeAtLeast('requestsPerSecond', 0);
  wholeAtLeast('asgHealthCheckSeconds', 1);
  if (problems.length > 0) throw new Error(`SimulatedRegion: ${problems.join('; ')}`);
}

/** SDK outputs omit absent members rather than carrying `undefined` (outputs are built flat, so one level suffices). */
function withoutUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}
