/**
 * Fault injection, deterministic for a given seed: failing API calls, versions whose app never
 * passes a health check, dying instances, CPU alarms, and a different deregistration delay.
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
  scaleOut(groupName: string, n: number): boolean;
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

  constructor(
    private readonly random: SeededRandom,
    private readonly targets: FaultTargets,
  ) {}

  /** Fails matching API calls with an AWS error; the failed call has no effect. */
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

  /** The instance dies; its group notices at its next health check and replaces it (unless in Standby). */
  public killInstance(id: string): void {
    this.targets.killInstance(id);
  }

  /** A CPU alarm raises the group's desired capacity by n (capped at MaxSize), unless AlarmNotification is suspended. Returns whether it applied. */
  public scaleOut(groupName: string, n: number): boolean {
    return this.targets.scaleOut(groupName, n);
  }

  /** Changes the deregistration delay of a target group (for deregistrations that start later). */
  public setDeregistrationDelay(targetGroupArn: string, seconds: number): void {
    this.targets.setDeregistrationDelay(targetGroupArn, seconds);
  }

  /** @internal The rule that fails this call, if any (advances the rules' counters). */
  public failureFor(service: string, command: string): CallFailureSpec | undefined {
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
    return chosen;
  }
}
