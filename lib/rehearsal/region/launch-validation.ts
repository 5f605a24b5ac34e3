/**
 * Evidence for "no user request was served by an instance that was not validated": which
 * instances of groups with launch lifecycle hooks the load balancer sent user requests to, and how
 * each left Pending:Wait (every hook completed with CONTINUE by a caller, or one defaulted on its
 * timeout). Groups without hooks record nothing: their instances need no validation.
 * docs/aws-model.md, "Lifecycle hooks".
 */
import type { LaunchValidation } from './lifecycle-hooks';
import type { Instance } from './instances';

/** An instance that took user requests without having been validated. */
export interface UnvalidatedServing {
  readonly instanceId: string;
  readonly groupName: string;
  /** Virtual ms of the first second it took user requests. */
  readonly firstRequestAt: number;
  /** How it left Pending:Wait: `defaulted` (a hook timed out with CONTINUE) or `never` (no record). */
  readonly how: Exclude<LaunchValidation, 'continued'> | 'never';
}

export class LaunchValidationEvidence {
  /** Instance ID → first virtual ms it took user requests (hooked groups only). */
  private readonly reached = new Map<string, { groupName: string; firstRequestAt: number }>();

  constructor(
    /** Whether the group has launch hooks. */
    private readonly hooked: (groupName: string) => boolean,
    /** How each instance of a hooked group left Pending:Wait (lifecycle-hooks.ts). */
    private readonly validation: ReadonlyMap<string, LaunchValidation>,
  ) {}

  /** The load balancer sent user requests to `instance` in the second at `time`. */
  public routed(instance: Instance, time: number): void {
    if (this.reached.has(instance.id) || !this.hooked(instance.groupName)) return;
    this.reached.set(instance.id, { groupName: instance.groupName, firstRequestAt: time });
  }

  /** Instances of hooked groups that took user requests without a CONTINUE from a caller, first served first. */
  public unvalidatedServing(): UnvalidatedServing[] {
    const found: UnvalidatedServing[] = [];
    for (const [instanceId, seen] of this.reached) {
      const how = this.validation.get(instanceId);
      if (how === 'continued') continue;
      found.push({ instanceId, ...seen, how: how ?? 'never' });
    }
    return found.sort((a, b) => a.firstRequestAt - b.firstRequestAt);
  }
}

/** The invariant: every instance that took user requests was validated (as text, one per instance). */
export function unvalidatedServingViolations(found: readonly UnvalidatedServing[]): string[] {
  return found.map(
    (f) =>
      `user requests reached ${f.instanceId} (${f.groupName}), which was not validated ` +
      `(${f.how === 'defaulted' ? 'a launch lifecycle hook timed out with DefaultResult CONTINUE' : 'it never completed its launch lifecycle hooks'})`,
  );
}
