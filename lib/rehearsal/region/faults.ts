/**
 * Fault injection, deterministic for a given seed: failing API calls, versions whose app never
 * passes a health check, impaired instances, instances terminated by a person, CPU alarms, and a
 * different deregistration delay.
 */
import type { SeededRandom } from './random';

/** The calls the release steps make that change something: where injected faults hurt most. */
export const MUTATING_COMMANDS = [
  'CreateOrUpdateTags',
  'UpdateAutoScalingGroup',
  'SuspendProcesses',
  'ResumeProcesses',
  'EnterStandby',
  'ExitStandby',
  'TerminateInstanceInAutoScalingGroup',
  'PutItem',
  'DeleteItem',
];

export interface CallFailureSpec {
  /** Only calls to this service. @default - any service */
  readonly service?: string;
  /** Only these commands (no `Command` suffix). @default - any command */
  readonly commands?: readonly string[];
  /**
   * The AWS error code: `Throttling` (HTTP 400), `ResourceContention` (HTTP 500, which the SDK
   * names `ResourceContentionFault`), or any other code (HTTP 400 unless `httpStatusCode`).
   */
  readonly error: 'Throttling' | 'ResourceContention' | string;
  /** @default - the usual AWS message for the code */
  readonly message?: string;
  /** @default - 500 for ResourceContention, 400 otherwise */
  readonly httpStatusCode?: number;
  /** Fail at most this many calls. @default - no limit */
  readonly times?: number;
  /** Fail every n-th matching call (the n-th, 2n-th, ...). @default 1 (every call) */
  readonly every?: number;
  /** Fail each matching call with this probability (seeded). @default 1 */
  readonly probability?: number;
  /**
   * The call is applied first, then the error is returned anyway: the ambiguous failure of a
   * call that timed out or got a 5xx after it succeeded (use `InternalFailure`, or `TimeoutError`
   * for the SDK's client-side timeout). If applying it fails for a real reason, that real error is
   * returned instead. @default false (the failed call has no effect)
   */
  readonly tookEffect?: boolean;
}

/** Random ambiguous failures of mutating calls (api-harshness.ts). */
export interface AmbiguousFailureSettings {
  readonly probability: number;
  /** One drawn per failure. */
  readonly errors: readonly string[];
}

export interface CallFailure {
  readonly spec: CallFailureSpec;
  /** Calls that matched service and command. */
  readonly matched: number;
  /** Calls failed by this rule. */
  readonly injected: number;
  remove(): void;
}

/** What faults act on; implemented by the region. */
export interface FaultTargets {
  killInstance(id: string): void;
  terminateInstance(id: string): void;
  scaleOut(groupName: string, n: number): boolean;
  scaleIn(groupName: string, n: number): boolean;
  setDeregistrationDelay(targetGroupArn: string, seconds: number): void;
}

class CallFailureRule implements CallFailure {
  public matched = 0;
  public injected = 0;
  public removed = false;
  constructor(public readonly spec: CallFailureSpec) {}
  public remove(): void {
    this.removed = true;
  }
}

export class Faults {
  private readonly rules: CallFailureRule[] = [];
  private readonly unhealthyVersions = new Set<string>();
  private readonly errorFractions = new Map<string, number>();
  /** Mutating calls failed ambiguously at random (not by a rule). */
  public ambiguousInjected = 0;

  /**
   * @param ambiguity random ambiguous failures of mutating calls, drawn from `ambiguityRandom`
   * (its own stream, so turning them on shifts no other draw)
   */
  constructor(
    private readonly random: SeededRandom,
    private readonly targets: FaultTargets,
    private readonly ambiguity?: AmbiguousFailureSettings,
    private readonly ambiguityRandom?: SeededRandom,
  ) {}

  /**
   * Fails matching API calls with an AWS error; the failed call has no effect, unless `tookEffect`
   * (then it is applied, and fails all the same).
   */
  public failCalls(spec: CallFailureSpec): CallFailure {
    if (spec.every !== undefined && !(Number.isInteger(spec.every) && spec.every >= 1)) {
      throw new Error(`failCalls: every (${spec.every}) must be a whole number >= 1`);
    }
    if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) {
      throw new Error(`failCalls: probability (${spec.probability}) must be within [0, 1]`);
    }
    const rule = new CallFailureRule(spec);
    this.rules.push(rule);
    return rule;
  }

  /** The app of this version runs but never passes a health check (answers 500). */
  public unhealthyVersion(version: string): void {
    this.unhealthyVersions.add(version);
  }

  public clearUnhealthyVersion(version: string): void {
    this.unhealthyVersions.delete(version);
  }

  public isUnhealthyVersion(version: string | undefined): boolean {
    return version !== undefined && this.unhealthyVersions.has(version);
  }

  /**
   * The app of this version passes its health checks but answers `fraction` of its requests with
   * a 5xx: the bad release a health check does not catch, and a 5xx alarm does.
   */
  public errorResponses(version: string, fraction: number): void {
    if (!(fraction >= 0 && fraction <= 1))
      throw new Error(`errorResponses: fraction (${fraction}) must be in [0, 1]`);
    this.errorFractions.set(version, fraction);
  }

  public errorFractionOf(version: string): number {
    return this.errorFractions.get(version) ?? 0;
  }

  /**
   * The instance is impaired (it dies, but is not terminated): its app stops for good and its EC2
   * status checks fail. Its group notices at its next health check once the grace period is over
   * and replaces it. A Standby instance is not health-checked by its group: EC2 terminates it after
   * a sampled delay (`killedStandbyTerminationSeconds`), unless it leaves Standby first and is then
   * checked like any InService instance (docs/aws-model.md, "Standby").
   */
  public killInstance(id: string): void {
    this.targets.killInstance(id);
  }

  /**
   * A person terminates the instance (TerminateInstanceInAutoScalingGroup with
   * ShouldDecrementDesiredCapacity=false, from the console or a script; not in the call log and
   * never failed by `failCalls`): Terminating, drained from its target groups if registered,
   * Terminated, then gone from the group. Desired capacity is unchanged: a Pending or InService
   * instance is replaced, a Standby one is not (it does not count toward desired capacity).
   * Refused, like the API, for an unknown or already terminating instance and one still
   * EnteringStandby.
   */
  public terminateInstance(id: string): void {
    this.targets.terminateInstance(id);
  }

  /** A CPU alarm raises the group's desired capacity by n (capped at MaxSize), unless AlarmNotification is suspended. Returns whether it applied. */
  public scaleOut(groupName: string, n: number): boolean {
    return this.targets.scaleOut(groupName, n);
  }

  /**
   * A target-tracking scale-in lowers the group's desired capacity by n (never below MinSize),
   * unless AlarmNotification is suspended; the group terminates the surplus. Returns whether it applied.
   */
  public scaleIn(groupName: string, n: number): boolean {
    return this.targets.scaleIn(groupName, n);
  }

  /** Changes the deregistration delay of a target group (for deregistrations that start later). */
  public setDeregistrationDelay(targetGroupArn: string, seconds: number): void {
    this.targets.setDeregistrationDelay(targetGroupArn, seconds);
  }

  /**
   * @internal The rule that fails this call, if any (advances the rules' counters); else, for a
   * mutating call, maybe a random ambiguous failure.
   */
  public failureFor(service: string, command: string, mutating = false): CallFailureSpec | undefined {
    let chosen: CallFailureSpec | undefined;
    for (const rule of this.rules) {
      if (rule.removed) continue;
      const { spec } = rule;
      if (spec.service !== undefined && spec.service !== service) continue;
      if (spec.commands !== undefined && !spec.commands.includes(command)) continue;
      rule.matched += 1;
      if (chosen) continue;
      if (spec.times !== undefined && rule.injected >= spec.times) continue;
      if (spec.every !== undefined && rule.matched % spec.every !== 0) continue;
      if (spec.probability !== undefined && !(this.random.next() < spec.probability)) continue;
      rule.injected += 1;
      chosen = spec;
    }
    return chosen ?? (mutating ? this.randomAmbiguousFailure(service, command) : undefined);
  }

  private randomAmbiguousFailure(service: string, command: string): CallFailureSpec | undefined {
    const settings = this.ambiguity;
    const random = this.ambiguityRandom;
    if (!settings || !random || settings.probability <= 0) return undefined;
    if (!(random.next() < settings.probability)) return undefined;
    this.ambiguousInjected += 1;
    const error = settings.errors[random.int(settings.errors.length)];
    return { service, commands: [command], error, tookEffect: true };
  }
}
