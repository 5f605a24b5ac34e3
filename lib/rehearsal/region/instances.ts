/**
 * One simulated EC2 instance: what it runs, whether its app answers, and what the boot script
 * read. Lifecycle transitions belong to the Auto Scaling group (auto-scaling.ts).
 */
import { TagKeys } from '../../contract/tags';
import { isValidVersion } from '../../contract/version';
import type { SeededRandom } from './random';

export type LifecycleState =
  | 'Pending'
  /** Held by a launch lifecycle hook (lifecycle-hooks.ts): booted, not registered, not InService. */
  | 'Pending:Wait'
  /** Every launch hook completed with CONTINUE (or defaulted to it): about to enter InService. */
  | 'Pending:Proceed'
  | 'InService'
  | 'EnteringStandby'
  | 'Standby'
  | 'Terminating'
  | 'Terminated';
export type HealthStatus = 'Healthy' | 'Unhealthy';

export interface InstanceTag {
  readonly key: string;
  readonly value: string;
}

export interface Instance {
  readonly id: string;
  readonly groupName: string;
  readonly availabilityZone: string;
  /** Virtual ms. */
  readonly launchedAt: number;
  lifecycleState: LifecycleState;
  healthStatus: HealthStatus;
  /** Last time it entered InService (the grace period counts from here). */
  inServiceAt?: number;
  /** What the boot script read from the group's version tag; undefined until it ran or if refused. */
  version?: string;
  /** True once the boot script ran (first InService); it never runs again. */
  booted: boolean;
  /** Why the app never starts (missing or invalid version tag), if so. */
  bootProblem?: string;
  /** The web app answers requests. */
  appUp: boolean;
  /** Killed by a fault: the app is down for good and EC2 status checks fail. */
  killed: boolean;
  /** The instance's own copy of the group's propagated tags (taken at launch). */
  readonly propagatedTags: readonly InstanceTag[];
  /** When that copy becomes visible on the instance (launch + tag lag). */
  readonly tagsVisibleAt: number;
  /** Target groups where it is registered (draining included). */
  readonly registeredIn: Set<string>;
  /** Set once the group is done with it (gone from every API). */
  removed: boolean;
  /** Its private IPv4 address in the VPC (EC2 DescribeInstances; instance-checks.ts answers on it). */
  readonly privateIpAddress: string;
}

/**
 * Pending (Pending:Wait and Pending:Proceed included) and InService instances count toward desired
 * capacity; all others do not (docs/aws-model.md, "Lifecycle hooks").
 */
export function countsTowardDesired(state: LifecycleState): boolean {
  return isPending(state) || state === 'InService';
}

/** Pending, Pending:Wait or Pending:Proceed: launched (or leaving Standby), not InService yet. */
export function isPending(state: LifecycleState): boolean {
  return state === 'Pending' || state === 'Pending:Wait' || state === 'Pending:Proceed';
}

/**
 * What the boot script does: read the version from the GROUP's tag (the instance's own copy may
 * still be missing), and refuse to start an app whose version is missing or invalid.
 */
export function readVersionFromGroupTags(groupTags: ReadonlyMap<string, { value: string }>): {
  version?: string;
  problem?: string;
} {
  const tag = groupTags.get(TagKeys.version);
  if (!tag) return { problem: `the group has no ${TagKeys.version} tag` };
  if (!isValidVersion(tag.value))
    return { problem: `the ${TagKeys.version} tag (${tag.value}) is not a valid version` };
  return { version: tag.value };
}

export class InstanceRegistry {
  private readonly byId = new Map<string, Instance>();
  /** Every ID ever launched here, gone ones included. */
  private readonly launched = new Set<string>();

  constructor(private readonly random: SeededRandom) {}

  /** An AWS-looking ID (`i-` and 17 hex digits), unique in this region. */
  public newId(): string {
    for (;;) {
      const id = `i-0${this.random.hex(16)}`;
      if (!this.launched.has(id)) return id;
    }
  }

  public add(instance: Instance): void {
    this.byId.set(instance.id, instance);
    this.launched.add(instance.id);
  }

  public everLaunched(id: string): boolean {
    return this.launched.has(id);
  }

  public get(id: string): Instance | undefined {
    return this.byId.get(id);
  }

  public delete(id: string): void {
    this.byId.delete(id);
  }
}
