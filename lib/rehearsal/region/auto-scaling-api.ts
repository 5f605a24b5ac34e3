/**
 * The Auto Scaling API: validates requests with AWS's rules and wordings, then acts through the
 * group engine (auto-scaling.ts). Outputs are SDK v3 shapes.
 *
 * Error wordings: the ones marked (seen) were found in public reports of real AWS responses; the
 * ones marked (inferred) follow AWS's style where no real response was found.
 */
import { SCALING_PROCESSES, type AutoScaling, type AutoScalingGroup } from './auto-scaling';
import { notSimulated, validationError, missingMember } from './errors';
import { pageOf, type CommandInput, type CommandTable } from './commands';
import type { Instance, InstanceRegistry } from './instances';
import { copyPlain, ViewHistory, type StaleReads } from './stale-reads';

/** EnterStandby / ExitStandby take at most this many instance IDs (docs/aws-model.md). */
export const MAX_STANDBY_IDS_PER_CALL = 20;
/** DescribeAutoScalingInstances takes at most this many instance IDs. */
export const MAX_DESCRIBE_INSTANCE_IDS = 50;

const INSTANCE_TYPE = 't3.micro';

export const AutoScalingMessages = {
  /** (inferred) */
  groupNotFound: (name: string) => `AutoScalingGroup name not found - AutoScaling Group ${name} not found`,
  /** (inferred, after the DescribeAutoScalingInstances wording, seen) */
  tooManyIds: (limit: number) => `The number of instance ids that may be passed in is limited to ${limit}`,
  /** (seen, DetachInstances) */
  notInGroup: (id: string, group: string) => `The instance ${id} is not part of Auto Scaling group ${group}.`,
  /** (seen) */
  notInService: (id: string) => `The instance ${id} is not in InService.`,
  /** (inferred) */
  notInStandby: (id: string) => `The instance ${id} is not in Standby.`,
  /** (seen) */
  standbyBelowMin: (g: AutoScalingGroup, n: number) =>
    `AutoScalingGroup ${g.name} has min-size=${g.minSize}, max-size=${g.maxSize}, and desired-size=${g.desiredCapacity}. ` +
    `To place into standby ${n} ${n === 1 ? 'instance' : 'instances'}, please update the AutoScalingGroup sizes appropriately.`,
  /** (inferred, same style) */
  exitAboveMax: (g: AutoScalingGroup, n: number) =>
    `AutoScalingGroup ${g.name} has min-size=${g.minSize}, max-size=${g.maxSize}, and desired-size=${g.desiredCapacity}. ` +
    `To move out of standby ${n} ${n === 1 ? 'instance' : 'instances'}, please update the AutoScalingGroup sizes appropriately.`,
  /** (seen) */
  instanceNotFound: (id: string) => `Instance Id not found - No managed instance found for instance ID ${id}`,
  /** (seen, DetachInstances) */
  notInServiceOrStandby: (id: string) => `The instance ${id} is not in InService or Standby.`,
  /** (seen) */
  terminateBelowMin: (min: number) =>
    `Currently, desiredSize equals minSize (${min}). Terminating instance without replacement will violate group's min size constraint. ` +
    `Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
  /** (seen) */
  desiredOutsideRange: (desired: number, min: number, max: number) =>
    `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`,
  /** (inferred) */
  minAboveMax: (min: number, max: number) => `Min size:${min} must be less than or equal to max size:${max}`,
  /** (seen) */
  setDesiredAboveMax: (n: number, max: number) =>
    `New SetDesiredCapacity value ${n} is above max value ${max} for the AutoScalingGroup.`,
  /** (inferred, mirror of the above) */
  setDesiredBelowMin: (n: number, min: number) =>
    `New SetDesiredCapacity value ${n} is below min value ${min} for the AutoScalingGroup.`,
  /** (inferred) */
  unknownProcess: (name: string) => `Unknown scaling process: ${name}`,
  /** (inferred) */
  tagGroupNotFound: (name: string) => `AutoScalingGroup not found - AutoScaling Group ${name} not found`,
  /** (inferred) */
  invalidNextToken: () => 'The NextToken value is invalid.',
} as const;

/** One group as Describe* reads it: plain data, copied from the group when the view was taken. */
interface GroupRecord {
  readonly name: string;
  readonly tags: ReadonlyMap<string, { readonly value: string }>;
  /** The group as DescribeAutoScalingGroups shapes it. */
  readonly shape: Record<string, unknown>;
  readonly instances: readonly InstanceRecord[];
}

interface InstanceRecord {
  readonly id: string;
  readonly groupName: string;
  readonly availabilityZone: string;
  readonly lifecycleState: string;
  readonly healthStatus: string;
}

/** What the Describe* calls read: every group, by name. */
interface AutoScalingView {
  readonly groups: readonly GroupRecord[];
}

export class AutoScalingApi {
  private activityCounter = 0;
  /** Recent views for eventually consistent reads; fresh ones when `stale` is absent or off. */
  private readonly views?: ViewHistory<AutoScalingView>;

  constructor(
    private readonly asg: AutoScaling,
    private readonly registry: InstanceRegistry,
    private readonly now: () => number,
    stale?: StaleReads,
  ) {
    if (stale) this.views = new ViewHistory(stale, () => this.takeView());
  }

  /** Records the groups as they are now, for later stale reads. */
  public recordView(): void {
    this.views?.record();
  }

  public commands(): CommandTable {
    return {
      DescribeAutoScalingGroups: {
        mutating: false,
        params: ['AutoScalingGroupNames', 'MaxRecords', 'NextToken', 'Filters'],
        run: (input) => this.describeGroups(input),
      },
      DescribeAutoScalingInstances: {
        mutating: false,
        params: ['InstanceIds', 'MaxRecords', 'NextToken'],
        run: (input) => this.describeInstances(input),
      },
      DescribeTags: {
        mutating: false,
        params: ['Filters', 'MaxRecords', 'NextToken'],
        run: (input) => this.describeTags(input),
      },
      CreateOrUpdateTags: {
        mutating: true,
        params: ['Tags'],
        run: (input) => this.createOrUpdateTags(input),
      },
      DeleteTags: { mutating: true, params: ['Tags'], run: (input) => this.deleteTags(input) },
      UpdateAutoScalingGroup: {
        mutating: true,
        params: ['AutoScalingGroupName', 'MinSize', 'MaxSize', 'DesiredCapacity'],
        run: (input) => this.updateGroup(input),
      },
      SetDesiredCapacity: {
        mutating: true,
        params: ['AutoScalingGroupName', 'DesiredCapacity', 'HonorCooldown'],
        run: (input) => this.setDesiredCapacity(input),
      },
      EnterStandby: {
        mutating: true,
        params: ['AutoScalingGroupName', 'InstanceIds', 'ShouldDecrementDesiredCapacity'],
        run: (input) => this.enterStandby(input),
      },
      ExitStandby: {
        mutating: true,
        params: ['AutoScalingGroupName', 'InstanceIds'],
        run: (input) => this.exitStandby(input),
      },
      TerminateInstanceInAutoScalingGroup: {
        mutating: true,
        params: ['InstanceId', 'ShouldDecrementDesiredCapacity'],
        run: (input) => this.terminateInstance(input),
      },
      SuspendProcesses: {
        mutating: true,
        params: ['AutoScalingGroupName', 'ScalingProcesses'],
        run: (input) => this.suspendOrResume(input, true),
      },
      ResumeProcesses: {
        mutating: true,
        params: ['AutoScalingGroupName', 'ScalingProcesses'],
        run: (input) => this.suspendOrResume(input, false),
      },
    };
  }

  // ---- reads ----

  private describeGroups(input: CommandInput): Record<string, unknown> {
    const names = optionalStringList(input.AutoScalingGroupNames, 'autoScalingGroupNames');
    const maxRecords = pageSize(input.MaxRecords, 50, 100);
    let groups = [...this.readView().groups];
    if (names) groups = groups.filter((g) => names.includes(g.name));
    for (const filter of filterList(input.Filters))
      groups = groups.filter((g) => matchesGroupFilter(g, filter));
    const { page, nextToken } = pageOf(groups, maxRecords, input.NextToken, () =>
      validationError(AutoScalingMessages.invalidNextToken()),
    );
    return { AutoScalingGroups: page.map((g) => copyPlain(g.shape)), NextToken: nextToken };
  }

  private describeInstances(input: CommandInput): Record<string, unknown> {
    const ids = optionalStringList(input.InstanceIds, 'instanceIds');
    if (ids && ids.length > MAX_DESCRIBE_INSTANCE_IDS) {
      throw validationError(AutoScalingMessages.tooManyIds(MAX_DESCRIBE_INSTANCE_IDS));
    }
    const maxRecords = pageSize(input.MaxRecords, 50, 50);
    const all = this.readView().groups.flatMap((g) => g.instances);
    let instances: InstanceRecord[];
    if (ids) {
      const byId = new Map(all.map((i) => [i.id, i]));
      instances = ids.map((id) => byId.get(id)).filter((i): i is InstanceRecord => i !== undefined);
    } else {
      instances = all;
    }
    const { page, nextToken } = pageOf(instances, maxRecords, input.NextToken, () =>
      validationError(AutoScalingMessages.invalidNextToken()),
    );
    return {
      AutoScalingInstances: page.map((i) => ({
        InstanceId: i.id,
        InstanceType: INSTANCE_TYPE,
        AutoScalingGroupName: i.groupName,
        AvailabilityZone: i.availabilityZone,
        LifecycleState: i.lifecycleState,
        // This API spells health in capitals, unlike DescribeAutoScalingGroups.
        HealthStatus: i.healthStatus.toUpperCase(),
        ProtectedFromScaleIn: false,
      })),
      NextToken: nextToken,
    };
  }

  private describeTags(input: CommandInput): Record<string, unknown> {
    const maxRecords = pageSize(input.MaxRecords, 50, 100);
    let tags = [...this.asg.groups.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((g) =>
        [...g.tags.entries()].map(([key, tag]) => tagShape(g.name, key, tag.value, tag.propagateAtLaunch)),
      );
    for (const filter of filterList(input.Filters)) {
      const values = filter.values;
      const field: Record<string, (t: ReturnType<typeof tagShape>) => string> = {
        'auto-scaling-group': (t) => t.ResourceId,
        key: (t) => t.Key,
        value: (t) => t.Value,
        'propagate-at-launch': (t) => String(t.PropagateAtLaunch),
      };
      const read = field[filter.name];
      if (!read) throw notSimulated(`AutoScaling.DescribeTags filter ${filter.name}`);
      tags = tags.filter((t) => values.includes(read(t)));
    }
    const { page, nextToken } = pageOf(tags, maxRecords, input.NextToken, () =>
      validationError(AutoScalingMessages.invalidNextToken()),
    );
    return { Tags: page, NextToken: nextToken };
  }

  /** The view a read answers from: the region now, or up to the stale-read window ago. */
  private readView(): AutoScalingView {
    return this.views ? this.views.read() : this.takeView();
  }

  private takeView(): AutoScalingView {
    const groups = [...this.asg.groups.values()].sort((a, b) => a.name.localeCompare(b.name));
    return {
      groups: groups.map((g) => ({
        name: g.name,
        tags: new Map([...g.tags.entries()].map(([key, tag]) => [key, { value: tag.value }])),
        shape: this.groupShape(g),
        instances: [...g.instances.values()].map((i) => ({
          id: i.id,
          groupName: i.groupName,
          availabilityZone: i.availabilityZone,
          lifecycleState: i.lifecycleState,
          healthStatus: i.healthStatus,
        })),
      })),
    };
  }

  // ---- writes ----

  private createOrUpdateTags(input: CommandInput): Record<string, unknown> {
    const tags = this.tagList(input.Tags);
    for (const t of tags) {
      this.asg.groups
        .get(t.group)
        ?.tags.set(t.key, { value: t.value ?? '', propagateAtLaunch: t.propagate ?? false });
    }
    return {};
  }

  private deleteTags(input: CommandInput): Record<string, unknown> {
    for (const t of this.tagList(input.Tags)) this.asg.groups.get(t.group)?.tags.delete(t.key);
    return {};
  }

  private updateGroup(input: CommandInput): Record<string, unknown> {
    const group = this.group(input);
    const min = optionalCount(input.MinSize, 'minSize') ?? group.minSize;
    const max = optionalCount(input.MaxSize, 'maxSize') ?? group.maxSize;
    const desiredAsked = optionalCount(input.DesiredCapacity, 'desiredCapacity');
    if (min > max) throw validationError(AutoScalingMessages.minAboveMax(min, max));
    let desired = group.desiredCapacity;
    if (desiredAsked !== undefined) {
      if (desiredAsked < min || desiredAsked > max) {
        throw validationError(AutoScalingMessages.desiredOutsideRange(desiredAsked, min, max));
      }
      desired = desiredAsked;
    } else {
      // AWS: a new MinSize above desired raises desired to it; a new MaxSize below desired lowers it.
      if (input.MinSize !== undefined && min > desired) desired = min;
      if (input.MaxSize !== undefined && max < desired) desired = max;
    }
    group.minSize = min;
    group.maxSize = max;
    group.desiredCapacity = desired;
    return {};
  }

  private setDesiredCapacity(input: CommandInput): Record<string, unknown> {
    const group = this.group(input);
    const desired = optionalCount(input.DesiredCapacity, 'desiredCapacity');
    if (desired === undefined) throw missingMember('desiredCapacity');
    if (input.HonorCooldown === true)
      throw notSimulated('AutoScaling.SetDesiredCapacity HonorCooldown=true (cooldowns)');
    if (desired > group.maxSize)
      throw validationError(AutoScalingMessages.setDesiredAboveMax(desired, group.maxSize));
    if (desired < group.minSize)
      throw validationError(AutoScalingMessages.setDesiredBelowMin(desired, group.minSize));
    group.desiredCapacity = desired;
    return {};
  }

  private enterStandby(input: CommandInput): Record<string, unknown> {
    const group = this.group(input);
    const decrement = requiredBoolean(input.ShouldDecrementDesiredCapacity, 'shouldDecrementDesiredCapacity');
    const instances = this.standbyInstances(group, input.InstanceIds, (i) =>
      i.lifecycleState === 'InService' ? undefined : AutoScalingMessages.notInService(i.id),
    );
    const before = group.desiredCapacity;
    if (decrement && before - instances.length < group.minSize) {
      throw validationError(AutoScalingMessages.standbyBelowMin(group, instances.length));
    }
    this.asg.enterStandby(group, instances, decrement);
    const after = group.desiredCapacity;
    return {
      Activities: instances.map((i) =>
        this.activity(
          group,
          `Moving EC2 instance to Standby: ${i.id}`,
          `At ${this.iso()} instance ${i.id} was moved to standby in response to a user request` +
            (decrement ? `, shrinking the capacity from ${before} to ${after}.` : '.'),
          i,
        ),
      ),
    };
  }

  private exitStandby(input: CommandInput): Record<string, unknown> {
    const group = this.group(input);
    const instances = this.standbyInstances(group, input.InstanceIds, (i) =>
      i.lifecycleState === 'Standby' ? undefined : AutoScalingMessages.notInStandby(i.id),
    );
    const before = group.desiredCapacity;
    if (before + instances.length > group.maxSize) {
      throw validationError(AutoScalingMessages.exitAboveMax(group, instances.length));
    }
    this.asg.exitStandby(group, instances);
    const after = group.desiredCapacity;
    return {
      Activities: instances.map((i) =>
        this.activity(
          group,
          `Moving EC2 instance out of Standby: ${i.id}`,
          `At ${this.iso()} instance ${i.id} was moved out of standby in response to a user request, increasing the capacity from ${before} to ${after}.`,
          i,
        ),
      ),
    };
  }

  /**
   * Termination of a Standby instance with ShouldDecrementDesiredCapacity=true decrements desired
   * capacity like any other (and is refused below MinSize). Whether AWS does so for an instance
   * that no longer counts toward desired is not documented; this is the stricter reading: a
   * workflow that passes it works either way.
   */
  private terminateInstance(input: CommandInput): Record<string, unknown> {
    if (typeof input.InstanceId !== 'string') throw missingMember('instanceId');
    const decrement = requiredBoolean(input.ShouldDecrementDesiredCapacity, 'shouldDecrementDesiredCapacity');
    const instance = this.registry.get(input.InstanceId);
    if (!instance || instance.lifecycleState === 'Terminated') {
      throw validationError(AutoScalingMessages.instanceNotFound(input.InstanceId));
    }
    if (instance.lifecycleState === 'EnteringStandby' || instance.lifecycleState === 'Terminating') {
      throw validationError(AutoScalingMessages.notInServiceOrStandby(instance.id));
    }
    const group = this.asg.requireGroup(instance.groupName);
    const before = group.desiredCapacity;
    if (decrement && before - 1 < group.minSize) {
      throw validationError(AutoScalingMessages.terminateBelowMin(group.minSize));
    }
    if (decrement) group.desiredCapacity -= 1;
    this.asg.terminate(instance);
    return {
      Activity: this.activity(
        group,
        `Terminating EC2 instance: ${instance.id}`,
        `At ${this.iso()} instance ${instance.id} was taken out of service in response to a user request` +
          (decrement ? `, shrinking the capacity from ${before} to ${group.desiredCapacity}.` : '.'),
        instance,
      ),
    };
  }

  private suspendOrResume(input: CommandInput, suspend: boolean): Record<string, unknown> {
    const group = this.group(input);
    const asked = optionalStringList(input.ScalingProcesses, 'scalingProcesses');
    const processes = asked && asked.length > 0 ? asked : [...SCALING_PROCESSES];
    for (const p of processes) {
      if (!(SCALING_PROCESSES as readonly string[]).includes(p))
        throw validationError(AutoScalingMessages.unknownProcess(p));
    }
    for (const p of processes) {
      if (suspend) {
        if (!group.suspended.has(p)) group.suspended.set(p, `User suspended at ${this.iso()}`);
      } else {
        group.suspended.delete(p);
      }
    }
    return {};
  }

  // ---- helpers ----

  private group(input: CommandInput): AutoScalingGroup {
    const name = input.AutoScalingGroupName;
    if (typeof name !== 'string') throw missingMember('autoScalingGroupName');
    const group = this.asg.groups.get(name);
    if (!group) throw validationError(AutoScalingMessages.groupNotFound(name));
    return group;
  }

  /** Resolves and checks (all or nothing) the IDs of an EnterStandby/ExitStandby call. */
  private standbyInstances(
    group: AutoScalingGroup,
    raw: unknown,
    refuse: (i: Instance) => string | undefined,
  ): Instance[] {
    const ids = optionalStringList(raw, 'instanceIds') ?? [];
    if (ids.length === 0) {
      throw validationError(
        "1 validation error detected: Value '[]' at 'instanceIds' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    if (ids.length > MAX_STANDBY_IDS_PER_CALL) {
      throw validationError(AutoScalingMessages.tooManyIds(MAX_STANDBY_IDS_PER_CALL));
    }
    const instances: Instance[] = [];
    for (const id of new Set(ids)) {
      const instance = group.instances.get(id);
      if (!instance) throw validationError(AutoScalingMessages.notInGroup(id, group.name));
      const problem = refuse(instance);
      if (problem) throw validationError(problem);
      instances.push(instance);
    }
    return instances;
  }

  private tagList(raw: unknown): { group: string; key: string; value?: string; propagate?: boolean }[] {
    if (!Array.isArray(raw)) throw missingMember('tags');
    const tags = raw.map((t: CommandInput) => {
      if (typeof t.ResourceId !== 'string') throw missingMember('tags.member.resourceId');
      if (typeof t.Key !== 'string' || t.Key.length === 0) throw missingMember('tags.member.key');
      if (t.ResourceType !== undefined && t.ResourceType !== 'auto-scaling-group') {
        throw validationError(`Invalid resource type: ${t.ResourceType}`);
      }
      if (!this.asg.groups.has(t.ResourceId))
        throw validationError(AutoScalingMessages.tagGroupNotFound(t.ResourceId));
      return {
        group: t.ResourceId as string,
        key: t.Key as string,
        value: t.Value as string | undefined,
        propagate: t.PropagateAtLaunch as boolean | undefined,
      };
    });
    return tags;
  }

  private groupShape(g: AutoScalingGroup): Record<string, unknown> {
    return {
      AutoScalingGroupName: g.name,
      AutoScalingGroupARN: g.arn,
      MinSize: g.minSize,
      MaxSize: g.maxSize,
      DesiredCapacity: g.desiredCapacity,
      DefaultCooldown: 300,
      AvailabilityZones: [...g.availabilityZones],
      LoadBalancerNames: [],
      TargetGroupARNs: [...g.targetGroupArns],
      HealthCheckType: g.healthCheckType,
      HealthCheckGracePeriod: g.healthCheckGracePeriodSeconds,
      Instances: [...g.instances.values()].map((i) => ({
        InstanceId: i.id,
        InstanceType: INSTANCE_TYPE,
        AvailabilityZone: i.availabilityZone,
        LifecycleState: i.lifecycleState,
        HealthStatus: i.healthStatus,
        ProtectedFromScaleIn: false,
      })),
      CreatedTime: new Date(g.createdAt),
      SuspendedProcesses: [...g.suspended.entries()].map(([ProcessName, SuspensionReason]) => ({
        ProcessName,
        SuspensionReason,
      })),
      EnabledMetrics: [],
      Tags: [...g.tags.entries()].map(([key, tag]) =>
        tagShape(g.name, key, tag.value, tag.propagateAtLaunch),
      ),
      TerminationPolicies: ['Default'],
      NewInstancesProtectedFromScaleIn: false,
      CapacityRebalance: false,
      TrafficSources: g.targetGroupArns.map((arn) => ({ Identifier: arn, Type: 'elbv2' })),
    };
  }

  private activity(
    g: AutoScalingGroup,
    description: string,
    cause: string,
    i: Instance,
  ): Record<string, unknown> {
    this.activityCounter += 1;
    return {
      ActivityId: `00000000-0000-4000-a000-${this.activityCounter.toString(16).padStart(12, '0')}`,
      AutoScalingGroupName: g.name,
      AutoScalingGroupARN: g.arn,
      Description: description,
      Cause: cause,
      StartTime: new Date(this.now()),
      StatusCode: 'InProgress',
      Progress: 50,
      Details: JSON.stringify({ 'Availability Zone': i.availabilityZone }),
    };
  }

  /** AWS activity timestamps: ISO 8601 without milliseconds. */
  private iso(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

function tagShape(group: string, key: string, value: string, propagate: boolean) {
  return {
    ResourceId: group,
    ResourceType: 'auto-scaling-group',
    Key: key,
    Value: value,
    PropagateAtLaunch: propagate,
  };
}

interface Filter {
  readonly name: string;
  readonly values: string[];
}

function filterList(raw: unknown): Filter[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw validationError('Filters must be a list');
  return raw.map((f: CommandInput) => ({ name: String(f.Name), values: (f.Values ?? []).map(String) }));
}

function matchesGroupFilter(g: GroupRecord, f: Filter): boolean {
  if (f.name === 'tag-key') return f.values.some((v) => g.tags.has(v));
  if (f.name === 'tag-value') return [...g.tags.values()].some((t) => f.values.includes(t.value));
  if (f.name.startsWith('tag:')) {
    const tag = g.tags.get(f.name.slice(4));
    return tag !== undefined && f.values.includes(tag.value);
  }
  throw notSimulated(`AutoScaling.DescribeAutoScalingGroups filter ${f.name}`);
}

function optionalStringList(raw: unknown, member: string): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) {
    throw validationError(`1 validation error detected: Value at '${member}' must be a list of strings`);
  }
  return raw as string[];
}

function optionalCount(raw: unknown, member: string): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0) {
    throw validationError(
      `1 validation error detected: Value '${String(raw)}' at '${member}' failed to satisfy constraint: Member must have value greater than or equal to 0`,
    );
  }
  return raw;
}

function requiredBoolean(raw: unknown, member: string): boolean {
  if (raw === undefined || raw === null) throw missingMember(member);
  if (typeof raw !== 'boolean')
    throw validationError(`1 validation error detected: Value at '${member}' must be a boolean`);
  return raw;
}

function pageSize(raw: unknown, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > max) {
    throw validationError(
      `1 validation error detected: Value '${String(raw)}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return raw;
}
