/** A group as DescribeAutoScalingGroups returns it, as the steps and the CLI see it (pure). */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { TagKeys, type Colour } from './tags';
import type { GroupView } from './types';

export function toGroupView(colour: Colour, group: AutoScalingGroup): GroupView {
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
