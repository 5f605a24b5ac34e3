/**
 * How harsh the simulated region is: every timing it samples and every quota it enforces, with
 * two named settings, `typical` and `harsh` (the pessimistic end of every range). Each value and
 * its source (AWS documentation, a public issue, or "assumed") is listed in docs/aws-model.md.
 */
import { API_HARSHNESS, type ApiHarshness } from './api-harshness';
import type { SeededRandom } from './random';

/** Uniformly distributed whole numbers in [min, max] (seconds or ms, as the field says). */
export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface LambdaProfile {
  /** Virtual ms a warm invocation adds before the handler runs. docs/aws-model.md, "Lambda". */
  readonly warmInvokeMs: Range;
  /** Virtual ms a cold start adds (Init phase) on top of a warm invocation. docs/aws-model.md, "Lambda". */
  readonly coldStartMs: Range;
  /** A function not invoked for this long gets a new execution environment (cold). docs/aws-model.md, "Lambda". */
  readonly idleReclaimSeconds: number;
}

export interface RegionProfile {
  /** Which setting this is (shown in reports). */
  readonly name: string;
  /** Launch → InService, per instance. docs/aws-model.md, "Auto Scaling lifecycle". */
  readonly instanceBootSeconds: Range;
  /** InService → the app answers, per instance. docs/aws-model.md, "Auto Scaling lifecycle". */
  readonly appStartSeconds: Range;
  /** Launch → the instance's own copy of propagated tags is visible. docs/aws-model.md, "Tags". */
  readonly tagLagSeconds: Range;
  /** ExitStandby → InService, per instance. docs/aws-model.md, "Standby". */
  readonly exitStandbySeconds: Range;
  /**
   * A new target's asynchronous registration (`initial`, Elb.RegistrationInProgress) before its
   * first counted health check. docs/aws-model.md, "Target groups, health checks, registration".
   */
  readonly registrationSeconds: Range;
  /**
   * True: a deregistering target with nothing in flight finishes draining at once, one with
   * requests in flight when they finish (`inFlightRequestSeconds`), never later than the
   * deregistration delay. False: always the full delay. docs/aws-model.md, "Deregistration".
   */
  readonly drainEarlyWhenIdle: boolean;
  /** How long requests in flight at deregistration take to finish. docs/aws-model.md, "Deregistration". */
  readonly inFlightRequestSeconds: Range;
  /** A killed (impaired) Standby instance → terminated by EC2. docs/aws-model.md, "Standby". */
  readonly killedStandbyTerminationSeconds: Range;
  /** Lambda invocation latency, warm and cold. docs/aws-model.md, "Lambda". */
  readonly lambda: LambdaProfile;
  /**
   * Pending:Proceed → InService once every launch lifecycle hook completed with CONTINUE.
   * docs/aws-model.md, "Lifecycle hooks".
   */
  readonly pendingProceedSeconds: Range;
  /**
   * Virtual ms a direct HTTP request from inside the VPC takes to an instance's app (round trip,
   * the app's own time included). docs/aws-model.md, "Lifecycle hooks".
   */
  readonly instanceCheckLatencyMs: Range;
  /** Registered targets per target group (draining included). docs/aws-model.md, "Quotas". */
  readonly targetsPerTargetGroup: number;
  /** Registered targets per Application Load Balancer (every target group of the region). docs/aws-model.md, "Quotas". */
  readonly targetsPerLoadBalancer: number;
  /** Rate limits, ambiguous failures, stale reads. docs/aws-model.md, "API behaviour". */
  readonly api: ApiHarshness;
}

export type ProfileName = 'typical' | 'harsh';

const TYPICAL: RegionProfile = {
  name: 'typical',
  instanceBootSeconds: { min: 30, max: 50 },
  appStartSeconds: { min: 10, max: 20 },
  tagLagSeconds: { min: 5, max: 15 },
  exitStandbySeconds: { min: 3, max: 10 },
  registrationSeconds: { min: 1, max: 10 },
  drainEarlyWhenIdle: true,
  inFlightRequestSeconds: { min: 1, max: 2 },
  killedStandbyTerminationSeconds: { min: 600, max: 1800 },
  lambda: {
    warmInvokeMs: { min: 20, max: 100 },
    coldStartMs: { min: 300, max: 1000 },
    idleReclaimSeconds: 600,
  },
  pendingProceedSeconds: { min: 1, max: 5 },
  instanceCheckLatencyMs: { min: 2, max: 20 },
  targetsPerTargetGroup: 1000,
  targetsPerLoadBalancer: 1000,
  api: API_HARSHNESS.typical,
};

const HARSH: RegionProfile = {
  name: 'harsh',
  instanceBootSeconds: { min: 60, max: 120 },
  appStartSeconds: { min: 20, max: 60 },
  tagLagSeconds: { min: 15, max: 60 },
  exitStandbySeconds: { min: 10, max: 30 },
  registrationSeconds: { min: 30, max: 180 },
  drainEarlyWhenIdle: false,
  inFlightRequestSeconds: { min: 2, max: 10 },
  killedStandbyTerminationSeconds: { min: 120, max: 300 },
  lambda: {
    warmInvokeMs: { min: 100, max: 250 },
    coldStartMs: { min: 1000, max: 3000 },
    idleReclaimSeconds: 60,
  },
  pendingProceedSeconds: { min: 5, max: 30 },
  instanceCheckLatencyMs: { min: 10, max: 300 },
  targetsPerTargetGroup: 1000,
  targetsPerLoadBalancer: 1000,
  api: API_HARSHNESS.harsh,
};

export const PROFILES: { readonly typical: RegionProfile; readonly harsh: RegionProfile } = {
  typical: TYPICAL,
  harsh: HARSH,
};

/** The profile a name (or a profile) stands for; @default typical. */
export function resolveProfile(profile: ProfileName | RegionProfile | undefined): RegionProfile {
  if (profile === undefined) return PROFILES.typical;
  if (typeof profile !== 'string') return profile;
  const found = (PROFILES as Record<string, RegionProfile | undefined>)[profile];
  if (!found) throw new Error(`unknown profile ${profile} (typical | harsh)`);
  return found;
}

export function isProfileName(value: string): value is ProfileName {
  return value === 'typical' || value === 'harsh';
}

/** A fixed value as a range (explicit options override the profile's distribution). */
export function fixed(value: number): Range {
  return { min: value, max: value };
}

/** One draw from `range` (whole numbers, both ends included), deterministic per seeded stream. */
export function sample(random: SeededRandom, range: Range): number {
  if (range.max <= range.min) return range.min;
  return range.min + random.int(range.max - range.min + 1);
}

/** The problems of a profile's ranges (min ≤ max, whole, non-negative), for option validation. */
export function profileProblems(profile: RegionProfile): string[] {
  const problems: string[] = [];
  const ranges: Array<[string, Range]> = [
    ['instanceBootSeconds', profile.instanceBootSeconds],
    ['appStartSeconds', profile.appStartSeconds],
    ['tagLagSeconds', profile.tagLagSeconds],
    ['exitStandbySeconds', profile.exitStandbySeconds],
    ['registrationSeconds', profile.registrationSeconds],
    ['inFlightRequestSeconds', profile.inFlightRequestSeconds],
    ['killedStandbyTerminationSeconds', profile.killedStandbyTerminationSeconds],
    ['lambda.warmInvokeMs', profile.lambda.warmInvokeMs],
    ['lambda.coldStartMs', profile.lambda.coldStartMs],
    ['pendingProceedSeconds', profile.pendingProceedSeconds],
    ['instanceCheckLatencyMs', profile.instanceCheckLatencyMs],
  ];
  for (const [name, r] of ranges) {
    if (!Number.isInteger(r.min) || !Number.isInteger(r.max) || r.min < 0 || r.max < r.min) {
      problems.push(
        `profile ${name} ({min: ${r.min}, max: ${r.max}}) must be whole numbers with 0 <= min <= max`,
      );
    }
  }
  for (const name of ['targetsPerTargetGroup', 'targetsPerLoadBalancer'] as const) {
    if (!Number.isInteger(profile[name]) || profile[name] < 1) {
      problems.push(`profile ${name} (${profile[name]}) must be a whole number >= 1`);
    }
  }
  return problems;
}

/** Explicit fixed timings that replace a profile's distributions (the region's legacy options). */
export interface FixedTimings {
  readonly instanceBootSeconds?: number;
  readonly appStartSeconds?: number;
  readonly tagLagSeconds?: number;
  readonly exitStandbySeconds?: number;
}

/** `profile` with each given fixed timing in place of its distribution. */
export function withFixedTimings(profile: RegionProfile, timings: FixedTimings): RegionProfile {
  const pick = (value: number | undefined, range: Range): Range =>
    value === undefined ? range : fixed(value);
  return {
    ...profile,
    instanceBootSeconds: pick(timings.instanceBootSeconds, profile.instanceBootSeconds),
    appStartSeconds: pick(timings.appStartSeconds, profile.appStartSeconds),
    tagLagSeconds: pick(timings.tagLagSeconds, profile.tagLagSeconds),
    exitStandbySeconds: pick(timings.exitStandbySeconds, profile.exitStandbySeconds),
  };
}
