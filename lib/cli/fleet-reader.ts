/**
 * The fleet as the CLI reads it: the two groups (tags, sizes, instances) and the target group's
 * health, read directly rather than from the execution, because a step may poll for a minute
 * inside one invocation. Healthy is counted exactly as CheckHealth counts it (lib/contract/fleet-health.ts).
 */
import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { assessGroupHealth } from '../contract/fleet-health';
import {
  toGroupView,
  type FleetSnapshot,
  type GroupView,
  type TargetHealthState,
} from '../contract/fleet-view';
import { COLOURS, TagKeys, type Colour } from '../contract/tags';
import type { CliEnvironment } from './environment';

/** A group as read, with what the CLI needs beyond the workflow's view of it. */
export interface GroupReading extends GroupView {
  /** The bluegreen:colour tag as read (`colour` falls back to blue for a group without one). */
  readonly colourTag?: string;
  readonly serviceTag?: string;
  readonly targetGroupArns: readonly string[];
}

/** Reads the named groups (one DescribeAutoScalingGroups call per 50 names, paginated). */
export async function readGroups(env: CliEnvironment, names: readonly string[]): Promise<GroupReading[]> {
  const found: AutoScalingGroup[] = [];
  for (let i = 0; i < names.length; i += 50) {
    let token: string | undefined;
    do {
      const page = await env.call(() =>
        env.clients.autoScaling.send(
          new DescribeAutoScalingGroupsCommand({
            AutoScalingGroupNames: names.slice(i, i + 50),
            NextToken: token,
          }),
        ),
      );
      found.push(...(page.AutoScalingGroups ?? []));
      token = page.NextToken;
    } while (token);
  }
  return found.map(toReading);
}

/** Reads the groups of one service by its bluegreen:service tag. */
export async function readGroupsByServiceTag(
  env: CliEnvironment,
  serviceTag: string,
): Promise<GroupReading[]> {
  const found: AutoScalingGroup[] = [];
  let token: string | undefined;
  do {
    const page = await env.call(() =>
      env.clients.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({
          Filters: [{ Name: `tag:${TagKeys.service}`, Values: [serviceTag] }],
          NextToken: token,
        }),
      ),
    );
    found.push(...(page.AutoScalingGroups ?? []));
    token = page.NextToken;
  } while (token);
  return found.map(toReading);
}

/** Every target of a target group and its state (DescribeTargetHealth is not paginated). */
export async function readTargetHealth(
  env: CliEnvironment,
  targetGroupArn: string,
): Promise<Record<string, TargetHealthState>> {
  const output = await env.call(() =>
    env.clients.loadBalancing.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
  );
  const health: Record<string, TargetHealthState> = {};
  for (const description of output.TargetHealthDescriptions ?? []) {
    const id = description.Target?.Id;
    if (!id) continue;
    const state = (description.TargetHealth?.State ?? 'unavailable') as TargetHealthState;
    // Registered on several ports: healthy only if healthy on all of them.
    health[id] = health[id] && health[id] !== state ? 'unavailable' : state;
  }
  return health;
}

export interface HealthReading {
  readonly healthy: number;
  /** Instances of the group that are not leaving it. */
  readonly active: number;
}

/** Healthy instances of a group, as CheckHealth counts them. */
export function groupHealth(group: GroupView, targetHealth: FleetSnapshot['targetHealth']): HealthReading {
  const { healthy, active } = assessGroupHealth(group, targetHealth);
  return { healthy, active };
}

/** Instances per lifecycle state. */
export function lifecycleCounts(group: GroupView): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const i of group.instances) counts[i.lifecycleState] = (counts[i.lifecycleState] ?? 0) + 1;
  return counts;
}

function toReading(group: AutoScalingGroup): GroupReading {
  const colourTag = group.Tags?.find((t) => t.Key === TagKeys.colour)?.Value;
  const colour = (COLOURS as readonly string[]).includes(colourTag ?? '') ? (colourTag as Colour) : 'blue';
  return {
    ...toGroupView(colour, group),
    ...(colourTag !== undefined ? { colourTag } : {}),
    serviceTag: group.Tags?.find((t) => t.Key === TagKeys.service)?.Value,
    targetGroupArns: group.TargetGroupARNs ?? [],
  };
}
