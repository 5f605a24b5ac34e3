/**
 * The fleet as the steps and the CLI see it: the two groups and the target group's health, as
 * read from AWS, and what the decisions take. Raw tag values are kept as read (unvalidated) so a
 * classification can name what is wrong with them.
 */
import { TagKeys, type Colour } from './tags';

export interface InstanceView {
  readonly id: string;
  /** Auto Scaling lifecycle state: InService, Pending, Pending:Wait, EnteringStandby, Standby, Terminating... */
  readonly lifecycleState: string;
  /** Auto Scaling health status: Healthy or Unhealthy. */
  readonly healthStatus: string;
}

export interface GroupTagValues {
  readonly version?: string;
  readonly role?: string;
  readonly previousVersion?: string;
}

export interface GroupView {
  readonly colour: Colour;
  readonly name: string;
  readonly tags: GroupTagValues;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly instances: readonly InstanceView[];
  readonly suspendedProcesses: readonly string[];
}

/** Target health as the load balancer reports it; `unused` for an instance that is not registered. */
export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

export interface FleetSnapshot {
  readonly groups: Readonly<Record<Colour, GroupView>>;
  /** By instance id; an instance that is absent is not registered (`unused`). */
  readonly targetHealth: Readonly<Record<string, TargetHealthState>>;
}

/**
 * The fields of an Auto Scaling group, as DescribeAutoScalingGroups returns it, that a view is
 * made of. The SDK's `AutoScalingGroup` fits; declared here so the contract needs no SDK.
 */
export interface DescribedGroup {
  readonly AutoScalingGroupName?: string;
  readonly MinSize?: number;
  readonly MaxSize?: number;
  readonly DesiredCapacity?: number;
  readonly Tags?: readonly { readonly Key?: string; readonly Value?: string }[];
  readonly Instances?: readonly {
    readonly InstanceId?: string;
    readonly LifecycleState?: string;
    readonly HealthStatus?: string;
  }[];
  readonly SuspendedProcesses?: readonly { readonly ProcessName?: string }[];
}

/** A group as DescribeAutoScalingGroups returns it, as the steps and the CLI see it (pure). */
export function toGroupView(colour: Colour, group: DescribedGroup): GroupView {
  const tag = (key: string): string | undefined => group.Tags?.find((t) => t.Key === key)?.Value;
  return {
    colour,
    name: group.AutoScalingGroupName ?? '',
    tags: {
      version: tag(TagKeys.version),
      role: tag(TagKeys.role),
      previousVersion: tag(TagKeys.previousVersion),
    },
    minSize: group.MinSize ?? 0,
    maxSize: group.MaxSize ?? 0,
    desiredCapacity: group.DesiredCapacity ?? 0,
    instances: (group.Instances ?? []).map((instance) => ({
      id: instance.InstanceId ?? '',
      lifecycleState: instance.LifecycleState ?? 'Unknown',
      healthStatus: instance.HealthStatus ?? 'Unknown',
    })),
    suspendedProcesses: (group.SuspendedProcesses ?? []).flatMap((p) =>
      p.ProcessName ? [p.ProcessName] : [],
    ),
  };
}
