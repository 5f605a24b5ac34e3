/**
 * Counting a group's healthy instances, pure: CheckHealth decides on it and the CLI shows it, so
 * both count the same way.
 */
import type { FleetSnapshot, GroupView, InstanceView, TargetHealthState } from './fleet-view';

/** Instances on their way out of the group: ignored when counting what a group has. */
export function isLeaving(lifecycleState: string): boolean {
  return /^(Terminating|Terminated|Detaching|Detached)/.test(lifecycleState);
}

/** The group's instances that are not leaving: what "the group has" means everywhere. */
export function activeInstances(group: GroupView): InstanceView[] {
  return group.instances.filter((i) => !isLeaving(i.lifecycleState));
}

export function targetHealthOf(
  instanceId: string,
  targetHealth: FleetSnapshot['targetHealth'],
): TargetHealthState {
  return targetHealth[instanceId] ?? 'unused';
}

/** Serving: InService in its group and passing the load balancer's health check. */
export function isHealthy(instance: InstanceView, targetHealth: FleetSnapshot['targetHealth']): boolean {
  return instance.lifecycleState === 'InService' && targetHealthOf(instance.id, targetHealth) === 'healthy';
}

export interface GroupHealth {
  /** Non-leaving instances. */
  readonly active: number;
  readonly healthy: number;
  /** Every non-leaving instance is healthy (vacuously true when there are none). */
  readonly allHealthy: boolean;
  /** Count per lifecycle state, leaving instances included. */
  readonly lifecycle: Record<string, number>;
}

/** Always the group's current instances: an instance that died and was replaced is simply not there. */
export function assessGroupHealth(
  group: GroupView,
  targetHealth: FleetSnapshot['targetHealth'],
): GroupHealth {
  const active = activeInstances(group);
  const healthy = active.filter((i) => isHealthy(i, targetHealth)).length;
  const lifecycle: Record<string, number> = {};
  for (const instance of group.instances) {
    lifecycle[instance.lifecycleState] = (lifecycle[instance.lifecycleState] ?? 0) + 1;
  }
  return { active: active.length, healthy, allHealthy: healthy === active.length, lifecycle };
}
