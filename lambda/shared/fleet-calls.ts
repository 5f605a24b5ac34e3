/**
 * The AWS side of the fleet: one read of both groups and their target health (a snapshot), and
 * the few mutating calls the steps make. Every call goes through `withRetry`; every batch respects
 * the 20-ids-per-call limit. No decisions here: those are in the `decisions.ts` files.
 */
import {
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { chunk, mapWithConcurrency } from '../../lib/contract/batch';
import { sleep } from './clock';
import { autoScaling } from './clients/auto-scaling';
import { loadBalancing } from './clients/load-balancing';
import type { ServiceConfig } from './config';
import { errorMessage, errorName, GroupNotFoundError } from './errors';
import {
  toGroupView,
  type FleetSnapshot,
  type GroupView,
  type TargetHealthState,
} from '../../lib/contract/fleet-view';
import type { Guard } from './fence';
import { READ_SETTLE_MS } from './lock';
import { ThrottlePacer } from '../../lib/contract/pacer';
import type { TagReadTiming } from './decisions';
import { withRetry, type RetryOptions } from '../../lib/contract/retry';
import { COLOURS, TagKeys, type Colour, type Role } from '../../lib/contract/tags';

/** TerminateInstanceInAutoScalingGroup calls in flight at once. */
export const TERMINATE_CONCURRENCY = 10;

const TARGET_HEALTH_STATES: ReadonlySet<string> = new Set([
  'initial',
  'healthy',
  'unhealthy',
  'unused',
  'draining',
  'unavailable',
]);

/** When an instance is registered more than once (several ports), the least healthy entry wins. */
const HEALTH_RANK: Record<TargetHealthState, number> = {
  healthy: 5,
  initial: 4,
  unavailable: 3,
  unhealthy: 2,
  draining: 1,
  unused: 0,
};

export interface SnapshotOptions {
  /** Also read target health. @default true */
  readonly targetHealth?: boolean;
  readonly retry?: RetryOptions;
}

/** Reads both groups (tags, sizes, instances, suspended processes) and, by default, target health. */
export async function readFleetSnapshot(
  config: Pick<ServiceConfig, 'groupNames' | 'targetGroupArn'>,
  options: SnapshotOptions = {},
): Promise<FleetSnapshot> {
  const names = config.groupNames;
  // Two independent reads, made at once: neither is fresher than the other anyway (both may lag).
  const [output, targetHealth] = await Promise.all([
    withRetry(
      () =>
        autoScaling.send(
          new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [names.blue, names.green] }),
        ),
      options.retry,
    ),
    options.targetHealth === false ? {} : readTargetHealth(config.targetGroupArn, options),
  ]);
  const found = output.AutoScalingGroups ?? [];
  const groups = {} as Record<Colour, GroupView>;
  for (const colour of COLOURS) {
    const group = found.find((g) => g.AutoScalingGroupName === names[colour]);
    if (!group)
      throw new GroupNotFoundError(`Auto Scaling group ${names[colour]} (${colour}) does not exist`);
    groups[colour] = toGroupView(colour, group);
  }
  return { groups, targetHealth };
}

/**
 * The names of every Auto Scaling group carrying this service's `bluegreen:service` tag (all
 * pages). Exactly the two configured groups should: a third means two services share the tag.
 */
export async function listServiceGroupNames(
  serviceTag: string,
  options: SnapshotOptions = {},
): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await withRetry(
      () =>
        autoScaling.send(
          new DescribeAutoScalingGroupsCommand({
            Filters: [{ Name: `tag:${TagKeys.service}`, Values: [serviceTag] }],
            NextToken: nextToken,
          }),
        ),
      options.retry,
    );
    for (const group of page.AutoScalingGroups ?? []) {
      if (group.AutoScalingGroupName) names.push(group.AutoScalingGroupName);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return names;
}

/**
 * Describes every target of the target group in one call (the API is not paginated), rather than
 * naming instances: one request whatever the fleet size. An instance not in the answer is not
 * registered, which the decisions read as `unused` (lib/contract/fleet-health.ts).
 */
export async function readTargetHealth(
  targetGroupArn: string,
  options: SnapshotOptions = {},
): Promise<Record<string, TargetHealthState>> {
  const output = await withRetry(
    () => loadBalancing.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
    options.retry,
  );
  const health: Record<string, TargetHealthState> = {};
  for (const description of output.TargetHealthDescriptions ?? []) {
    const id = description.Target?.Id;
    const raw = description.TargetHealth?.State ?? 'unavailable';
    if (!id) continue;
    const state: TargetHealthState = TARGET_HEALTH_STATES.has(raw)
      ? (raw as TargetHealthState)
      : 'unavailable';
    const previous = health[id];
    health[id] = previous && HEALTH_RANK[previous] < HEALTH_RANK[state] ? previous : state;
  }
  return health;
}

export interface GroupTag {
  readonly key: string;
  readonly value: string;
  readonly propagateAtLaunch: boolean;
}

/** Creates or overwrites tags on one group (at most 25 per call; the steps write three at most). */
export async function setTags(guard: Guard, groupName: string, tags: readonly GroupTag[]): Promise<void> {
  if (tags.length === 0) return;
  for (const batch of chunk(tags, 25)) {
    await withRetry(async () => {
      await guard();
      return autoScaling.send(
        new CreateOrUpdateTagsCommand({
          Tags: batch.map((tag) => ({
            ResourceId: groupName,
            ResourceType: 'auto-scaling-group',
            Key: tag.key,
            Value: tag.value,
            PropagateAtLaunch: tag.propagateAtLaunch,
          })),
        }),
      );
    });
  }
}

/** The role tag: not propagated (an instance's copy would go stale at the next swap). */
export function roleTag(role: Role): GroupTag {
  return { key: TagKeys.role, value: role, propagateAtLaunch: false };
}

export async function suspendProcesses(
  guard: Guard,
  groupName: string,
  processes: readonly string[],
): Promise<void> {
  if (processes.length === 0) return;
  await withRetry(async () => {
    await guard();
    return autoScaling.send(
      new SuspendProcessesCommand({ AutoScalingGroupName: groupName, ScalingProcesses: [...processes] }),
    );
  });
}

/** Resumes the named processes, or every suspended process when none are named. */
export async function resumeProcesses(
  guard: Guard,
  groupName: string,
  processes?: readonly string[],
): Promise<void> {
  await withRetry(async () => {
    await guard();
    return autoScaling.send(
      new ResumeProcessesCommand({
        AutoScalingGroupName: groupName,
        ...(processes ? { ScalingProcesses: [...processes] } : {}),
      }),
    );
  });
}

export interface GroupSizes {
  readonly minSize?: number;
  readonly maxSize?: number;
  readonly desiredCapacity?: number;
}

export async function updateGroup(guard: Guard, groupName: string, sizes: GroupSizes): Promise<void> {
  await withRetry(async () => {
    await guard();
    return autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: groupName,
        ...(sizes.minSize !== undefined ? { MinSize: sizes.minSize } : {}),
        ...(sizes.maxSize !== undefined ? { MaxSize: sizes.maxSize } : {}),
        ...(sizes.desiredCapacity !== undefined ? { DesiredCapacity: sizes.desiredCapacity } : {}),
      }),
    );
  });
}

/**
 * Moves InService instances to Standby, 20 per call, decrementing desired capacity so the group
 * launches no replacements (MinSize must already allow it). Batches run one after another: calls
 * on one group in parallel mostly earn ResourceContention.
 */
export async function enterStandby(
  guard: Guard,
  groupName: string,
  instanceIds: readonly string[],
): Promise<void> {
  await moveInBatches(guard, groupName, instanceIds, 'InService', (batch) =>
    autoScaling.send(
      new EnterStandbyCommand({
        AutoScalingGroupName: groupName,
        InstanceIds: batch,
        ShouldDecrementDesiredCapacity: true,
      }),
    ),
  );
}

/** Returns Standby instances to service, 20 per call (each call increments desired capacity). */
export async function exitStandby(
  guard: Guard,
  groupName: string,
  instanceIds: readonly string[],
): Promise<void> {
  await moveInBatches(guard, groupName, instanceIds, 'Standby', (batch) =>
    autoScaling.send(new ExitStandbyCommand({ AutoScalingGroupName: groupName, InstanceIds: batch })),
  );
}

/**
 * One guarded, retried call per batch of 20. A ValidationError means some instance of the batch
 * is not in the state the call moves from: an earlier attempt that failed (a timeout, a 500) may
 * have taken effect, or the instance changed meanwhile (it died, a scale-in took it). Decided by
 * observed state, not by message text: the instances still in `from` are moved again; if none
 * moved at all, the error is real and rethrown.
 */
async function moveInBatches(
  guard: Guard,
  groupName: string,
  instanceIds: readonly string[],
  from: string,
  move: (batch: string[]) => Promise<unknown>,
): Promise<void> {
  // Paced once throttled: the account's Auto Scaling write budget is shared (docs/aws-model.md).
  const pacer = new ThrottlePacer();
  for (const batch of chunk(instanceIds)) {
    let pending = batch;
    for (let round = 1; pending.length > 0; round++) {
      try {
        await withRetry(
          async () => {
            await guard();
            return move(pending);
          },
          { pacer },
        );
        pending = [];
      } catch (error) {
        if (errorName(error) !== 'ValidationError' || round >= 3) throw error;
        const still = await stillIn(groupName, pending, from);
        if (still.length === pending.length) throw error;
        pending = still;
      }
    }
  }
}

/**
 * Reads before concluding that a refused call took no effect: a read may lag the write by up to
 * READ_SETTLE_MS (docs/aws-model.md, "Stale reads"), so the last read comes after that window.
 */
const STATE_READ_INTERVAL_MS = 2_000;
const STATE_READS = Math.ceil(READ_SETTLE_MS / STATE_READ_INTERVAL_MS) + 1;

/**
 * Reads `observe` until `settled` holds of what it saw or the reads span the read-settle window,
 * and returns the last observation.
 */
async function observeUntil<T>(observe: () => Promise<T>, settled: (seen: T) => boolean): Promise<T> {
  for (let read = 1; ; read++) {
    const seen = await observe();
    if (settled(seen) || read >= STATE_READS) return seen;
    await sleep(STATE_READ_INTERVAL_MS);
  }
}

/**
 * The instances of `ids` the group still reports in `from`. Reads can lag a write (eventual
 * consistency), so while every one still looks unmoved it looks again.
 */
async function stillIn(groupName: string, ids: readonly string[], from: string): Promise<string[]> {
  return observeUntil(
    async () => {
      const states = await readLifecycleStates(groupName);
      return ids.filter((id) => states.get(id) === from);
    },
    (still) => still.length < ids.length,
  );
}

/** Lifecycle state by instance id, as the group reports it now (absent: no longer in the group). */
async function readLifecycleStates(groupName: string): Promise<Map<string, string>> {
  const output = await withRetry(() =>
    autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] })),
  );
  const states = new Map<string, string>();
  for (const instance of output.AutoScalingGroups?.[0]?.Instances ?? []) {
    if (instance.InstanceId) states.set(instance.InstanceId, instance.LifecycleState ?? 'Unknown');
  }
  return states;
}

/**
 * The ValidationError messages that mean "this instance is no longer in the group", which is
 * what we wanted. Narrow on purpose: other ValidationErrors (e.g. "desiredSize equals minSize",
 * which also contains the word "Terminating") must fail the step.
 * - "Instance Id not found - No managed instance found for instance ID: i-..." is the wording
 *   AWS returns for an instance that has left the group (reported in several public projects'
 *   issue trackers, e.g. yaybu/touchdown#51, and matched by other Auto Scaling emulators).
 * - "... is already terminated" / "already being terminated": inferred wording, not confirmed
 *   against AWS documentation; kept because a match means the wanted outcome.
 */
export const INSTANCE_ALREADY_GONE_PATTERNS: readonly RegExp[] = [
  /No managed instance found/i,
  /\balready (?:been |being )?terminat(?:ed|ing)\b/i,
];

export function isInstanceAlreadyGone(error: unknown): boolean {
  return (
    errorName(error) === 'ValidationError' &&
    INSTANCE_ALREADY_GONE_PATTERNS.some((pattern) => pattern.test(errorMessage(error)))
  );
}

/**
 * A ValidationError for an instance that, looked up now, has left its group or is on its way out:
 * an earlier attempt took effect (or someone else terminated it). Decided by observed state.
 */
async function isLeavingNow(error: unknown, instanceId: string): Promise<boolean> {
  if (errorName(error) !== 'ValidationError') return false;
  const leaving = (state: string | undefined) =>
    state === undefined || /^(Terminating|Terminated)/.test(state);
  const state = await observeUntil(async () => {
    const output = await withRetry(() =>
      autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] })),
    );
    return output.AutoScalingInstances?.[0]?.LifecycleState;
  }, leaving);
  return leaving(state);
}

export interface TerminationResult {
  /** Instances whose termination this call started. */
  readonly terminated: string[];
  /** Instances that had already left the group. */
  readonly alreadyGone: string[];
}

/** Which instances are terminated: it decides whether desired capacity must drop with them. */
export type TerminationKind =
  /** Pending or InService: counted in desired capacity, so decrement it or the group relaunches. */
  | 'counted'
  /** Standby: already out of desired capacity (EnterStandby decremented it); decrementing again
   * would ask for desired below MinSize, which Auto Scaling may refuse. */
  | 'standby'
  /** Serving badly (unhealthy on the target group): the group launches a replacement at once. */
  | 'replace';

/**
 * Terminates instances one call each (the call takes one id); at most TERMINATE_CONCURRENCY in
 * flight. An instance already gone is fine; any other error is rethrown after the calls in
 * flight have finished.
 */
export async function terminateInstances(
  guard: Guard,
  instanceIds: readonly string[],
  kind: TerminationKind,
): Promise<TerminationResult> {
  const result: TerminationResult = { terminated: [], alreadyGone: [] };
  const pacer = new ThrottlePacer();
  await mapWithConcurrency(instanceIds, TERMINATE_CONCURRENCY, async (instanceId) => {
    try {
      await withRetry(
        async () => {
          await guard();
          return autoScaling.send(
            new TerminateInstanceInAutoScalingGroupCommand({
              InstanceId: instanceId,
              ShouldDecrementDesiredCapacity: kind === 'counted',
            }),
          );
        },
        { pacer },
      );
      result.terminated.push(instanceId);
    } catch (error) {
      if (!isInstanceAlreadyGone(error) && !(await isLeavingNow(error, instanceId))) throw error;
      result.alreadyGone.push(instanceId);
    }
  });
  // Keep the order of the input (the calls complete in any order).
  const order = (ids: string[]) => instanceIds.filter((id) => ids.includes(id));
  return { terminated: order(result.terminated), alreadyGone: order(result.alreadyGone) };
}

/** The timing of a read of the released group, for `plannedVersionVisible`. */
export function tagReadTiming(
  state: { readonly timings?: Record<string, number> },
  readAt: number,
): TagReadTiming {
  return { readAt, taggedAt: state.timings?.scaledUp, settleMs: READ_SETTLE_MS };
}
