/**
 * How harsh the simulated region's APIs are: rate limits (token buckets per API family, per
 * account), ambiguous failures (a mutating call that took effect and still returns an error) and
 * stale reads (Describe* and Step Functions reads answered from an older view). Every value says
 * where it comes from: a documented quota, or "assumed".
 */

/** One token bucket: `burst` tokens at most, refilled at `perSecond` tokens per second. */
export interface BucketSpec {
  readonly burst: number;
  readonly perSecond: number;
}

/**
 * The API families that have a bucket of their own (see rate-limits.ts for which call draws on
 * which). A family absent from the table is never throttled.
 */
export type RateLimitFamily =
  | 'AutoScaling.describe'
  | 'AutoScaling.mutating'
  | 'ElasticLoadBalancingV2.describe'
  | 'EC2.describe'
  | 'SFN.StartExecution'
  | 'SFN.StopExecution'
  | 'SFN.DescribeExecution'
  | 'SFN.ListExecutions'
  | 'SFN.GetExecutionHistory'
  | 'SFN.SendTaskSuccess'
  | 'SFN.SendTaskFailure'
  | 'SFN.ListTagsForResource';

/**
 * What an ambiguous failure returns: `InternalFailure` is an HTTP 500 from the service (DynamoDB
 * names it `InternalServerError`); `ServiceUnavailable` an HTTP 503; `TimeoutError` is the SDK's
 * own error when the response did not arrive in time (no HTTP status: the request may well have
 * been applied).
 */
export type AmbiguousError = 'InternalFailure' | 'ServiceUnavailable' | 'TimeoutError';

export interface ApiHarshness {
  /**
   * Token buckets per API family, shared by every caller of the account in the region (the
   * release steps, the CLI's polling, anything else). Auto Scaling publishes no rates: its buckets
   * are assumed, after EC2's documented default buckets
   * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html: non-mutating
   * actions 100 tokens refilled at 20 per second, mutating actions 50 refilled at 5). ELBv2
   * publishes none either: assumed like EC2's non-mutating actions. Step Functions' are
   * documented (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
   * DynamoDB (on-demand, one item), S3, CloudFormation, STS and CloudWatch are not throttled: a
   * release makes few such calls.
   */
  readonly rateLimits: Readonly<Partial<Record<RateLimitFamily, BucketSpec>>>;
  /**
   * The share of every bucket (its burst and its refill) left to the release: the rest is used by
   * the account's other clients (assumed: nothing documents how busy an account is). 1 is an
   * account of its own.
   */
  readonly accountShare: number;
  /**
   * The probability that a mutating call takes effect and still returns an error (assumed: AWS
   * documents no rate; a timeout or 5xx after the effect is a property of any remote call).
   */
  readonly ambiguousFailureProbability: number;
  /** The errors an ambiguous failure returns, one drawn at random per failure. */
  readonly ambiguousErrors: readonly AmbiguousError[];
  /**
   * Describe* of Auto Scaling (groups, instances), ELBv2 DescribeTargetHealth and Step Functions'
   * DescribeExecution / ListExecutions may answer from a view up to this many ms old, drawn
   * uniformly per call (assumed window: EC2 documents eventual consistency without a bound,
   * https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html, and Step Functions
   * calls these reads best effort). 0: every read is fresh.
   */
  readonly staleReadWindowMs: number;
  /**
   * The probability that DynamoDB's BatchGetItem leaves one requested key unread, in
   * `UnprocessedKeys` (assumed rate: AWS documents that a batch may return a partial result under
   * load, and that a batch none of whose keys could be read fails with
   * ProvisionedThroughputExceededException,
   * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
   */
  readonly unprocessedKeyProbability: number;
  /**
   * The probability that a synchronous Lambda `Invoke` (the validator's of its probe and of the
   * user's validator) is throttled with HTTP 429 `TooManyRequestsException` before the function
   * runs (assumed rate, for an account whose concurrency other functions share: Lambda throttles
   * a synchronous invocation past its concurrency or rate limits,
   * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
   */
  readonly invokeThrottleProbability: number;
}

/** Step Functions in US East (N. Virginia), US West (Oregon) and Europe (Ireland) (documented). */
const SFN_LARGE_REGIONS: Readonly<Partial<Record<RateLimitFamily, BucketSpec>>> = {
  'SFN.StartExecution': { burst: 1300, perSecond: 300 },
  'SFN.StopExecution': { burst: 1000, perSecond: 200 },
  'SFN.DescribeExecution': { burst: 300, perSecond: 15 },
  'SFN.ListExecutions': { burst: 200, perSecond: 5 },
  'SFN.GetExecutionHistory': { burst: 400, perSecond: 20 },
  'SFN.SendTaskSuccess': { burst: 3000, perSecond: 500 },
  'SFN.SendTaskFailure': { burst: 3000, perSecond: 500 },
  'SFN.ListTagsForResource': { burst: 100, perSecond: 1 },
};

/** Step Functions in all other regions: the documented minimum. */
const SFN_OTHER_REGIONS: Readonly<Partial<Record<RateLimitFamily, BucketSpec>>> = {
  'SFN.StartExecution': { burst: 800, perSecond: 150 },
  'SFN.StopExecution': { burst: 500, perSecond: 25 },
  'SFN.DescribeExecution': { burst: 250, perSecond: 10 },
  'SFN.ListExecutions': { burst: 100, perSecond: 2 },
  'SFN.GetExecutionHistory': { burst: 400, perSecond: 20 },
  'SFN.SendTaskSuccess': { burst: 1500, perSecond: 300 },
  'SFN.SendTaskFailure': { burst: 1500, perSecond: 300 },
  'SFN.ListTagsForResource': { burst: 100, perSecond: 1 },
};

/** Auto Scaling and ELBv2 (assumed, after EC2's documented default buckets). */
const ASSUMED_AFTER_EC2: Readonly<Partial<Record<RateLimitFamily, BucketSpec>>> = {
  'AutoScaling.describe': { burst: 100, perSecond: 20 },
  'AutoScaling.mutating': { burst: 50, perSecond: 5 },
  'ElasticLoadBalancingV2.describe': { burst: 100, perSecond: 20 },
};

/**
 * EC2's documented default bucket for non-mutating actions (Describe*): 100 tokens, 20 a second
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html); `typical` assumes
 * ten times that, like the raised limits below.
 */
const EC2_DOCUMENTED: Readonly<Partial<Record<RateLimitFamily, BucketSpec>>> = {
  'EC2.describe': { burst: 100, perSecond: 20 },
};
const EC2_RAISED: Readonly<Partial<Record<RateLimitFamily, BucketSpec>>> = {
  'EC2.describe': { burst: 1000, perSecond: 200 },
};

/**
 * Auto Scaling and ELBv2 in an account whose limits were raised (assumed: ten times the buckets
 * above; EC2 raises its limits on request, Auto Scaling and ELBv2 document no numbers at all).
 */
const GENEROUS: Readonly<Partial<Record<RateLimitFamily, BucketSpec>>> = {
  'AutoScaling.describe': { burst: 1000, perSecond: 200 },
  'AutoScaling.mutating': { burst: 500, perSecond: 50 },
  'ElasticLoadBalancingV2.describe': { burst: 1000, perSecond: 200 },
};

/**
 * `typical`: the generous end, an account of its own with raised limits in a large region, reads
 * fresh, no ambiguous failures (so every fact today's tests pin keeps its meaning). `harsh`: the
 * documented (Step Functions) and assumed (Auto Scaling, ELBv2) default rates, shared with a busy
 * account, ambiguous failures, and reads as stale as the workflow allows for (10 s, READ_SETTLE_MS).
 */
export const API_HARSHNESS: { readonly typical: ApiHarshness; readonly harsh: ApiHarshness } = {
  typical: {
    rateLimits: { ...GENEROUS, ...SFN_LARGE_REGIONS, ...EC2_RAISED },
    accountShare: 1,
    ambiguousFailureProbability: 0,
    ambiguousErrors: ['InternalFailure', 'TimeoutError'],
    staleReadWindowMs: 0,
    unprocessedKeyProbability: 0,
    invokeThrottleProbability: 0,
  },
  harsh: {
    rateLimits: { ...ASSUMED_AFTER_EC2, ...SFN_OTHER_REGIONS, ...EC2_DOCUMENTED },
    // Assumed: three quarters of the account's budget used by other tools and deployments.
    accountShare: 0.25,
    // Assumed: one mutating call in twenty.
    ambiguousFailureProbability: 0.05,
    ambiguousErrors: ['InternalFailure', 'TimeoutError'],
    // Assumed: the whole window the workflow assumes reads settle in (READ_SETTLE_MS), so the
    // rehearsal tests that assumption at its edge.
    staleReadWindowMs: 10_000,
    // Assumed: one key in ten left for the caller to ask again.
    unprocessedKeyProbability: 0.1,
    // Assumed: one synchronous invocation in twenty.
    invokeThrottleProbability: 0.05,
  },
};

/** The harshness a region runs with: `typical`, with the given fields replaced. */
export function resolveApiHarshness(overrides: Partial<ApiHarshness> = {}): ApiHarshness {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const resolved: ApiHarshness = { ...API_HARSHNESS.typical, ...defined };
  const problems: string[] = [];
  if (!(resolved.accountShare > 0 && resolved.accountShare <= 1))
    problems.push(`accountShare (${resolved.accountShare}) must be in (0, 1]`);
  const p = resolved.ambiguousFailureProbability;
  if (!(p >= 0 && p <= 1)) problems.push(`ambiguousFailureProbability (${p}) must be in [0, 1]`);
  if (p > 0 && resolved.ambiguousErrors.length === 0)
    problems.push('ambiguousErrors must name at least one error');
  const u = resolved.unprocessedKeyProbability;
  if (!(u >= 0 && u <= 1)) problems.push(`unprocessedKeyProbability (${u}) must be in [0, 1]`);
  const t = resolved.invokeThrottleProbability;
  if (!(t >= 0 && t <= 1)) problems.push(`invokeThrottleProbability (${t}) must be in [0, 1]`);
  if (!(Number.isFinite(resolved.staleReadWindowMs) && resolved.staleReadWindowMs >= 0))
    problems.push(`staleReadWindowMs (${resolved.staleReadWindowMs}) must be >= 0`);
  for (const [family, bucket] of Object.entries(resolved.rateLimits)) {
    if (!bucket) continue;
    if (!(bucket.burst >= 1 && bucket.perSecond > 0))
      problems.push(`rateLimits.${family} needs burst >= 1 and perSecond > 0`);
  }
  if (problems.length > 0) throw new Error(`api harshness: ${problems.join('; ')}`);
  return resolved;
}
