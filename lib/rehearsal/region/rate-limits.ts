/**
 * Account-wide rate limits: one token bucket per API family (api-harshness.ts), refilled on the
 * virtual clock. A call takes one token from its family's bucket; an empty bucket refuses the call
 * with the error the service returns when throttling, and the call has no effect.
 */
import type { ApiHarshness, BucketSpec, RateLimitFamily } from './api-harshness';

/** A bucket refilled continuously: `perSecond` tokens per virtual second, at most `burst`. */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    public readonly spec: BucketSpec,
    now: number,
  ) {
    this.tokens = spec.burst;
    this.refilledAt = now;
  }

  /** Takes one token if there is one; returns whether it did. */
  public take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Tokens available at `now` (fractional). */
  public available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.spec.burst, this.tokens + (elapsed / 1000) * this.spec.perSecond);
    this.refilledAt = now;
  }
}

/** The family a call draws on, or undefined when its API is not throttled. */
export function rateLimitFamily(
  service: string,
  command: string,
  mutating: boolean,
): RateLimitFamily | undefined {
  switch (service) {
    case 'AutoScaling':
      return mutating ? 'AutoScaling.mutating' : 'AutoScaling.describe';
    case 'ElasticLoadBalancingV2':
      return mutating ? undefined : 'ElasticLoadBalancingV2.describe';
    case 'SFN':
      return `SFN.${command}` as RateLimitFamily;
    case 'EC2':
      return mutating ? undefined : 'EC2.describe';
    default:
      return undefined;
  }
}

/** The throttling error of each service: its code, message and HTTP status (@default 400). */
export const THROTTLING_ERRORS: Readonly<
  Record<string, { readonly code: string; readonly message: string; readonly status?: number }>
> = {
  // Auto Scaling: `Throttling`, "Rate exceeded", HTTP 400.
  AutoScaling: { code: 'Throttling', message: 'Rate exceeded' },
  ElasticLoadBalancingV2: { code: 'Throttling', message: 'Rate exceeded' },
  SFN: { code: 'ThrottlingException', message: 'Rate exceeded' },
  // EC2: `RequestLimitExceeded`, HTTP 503 (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html).
  EC2: { code: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503 },
};

export class RateLimits {
  private readonly buckets = new Map<RateLimitFamily, TokenBucket>();
  /** Calls refused per family. */
  public readonly throttled = new Map<RateLimitFamily, number>();

  constructor(
    private readonly settings: Pick<ApiHarshness, 'rateLimits' | 'accountShare'>,
    private readonly now: () => number,
  ) {}

  /**
   * Takes a token for the call; returns the throttling error's code and message when its bucket
   * is empty, undefined when the call may go ahead.
   */
  public admit(
    service: string,
    command: string,
    mutating: boolean,
  ): { readonly code: string; readonly message: string; readonly status?: number } | undefined {
    const family = rateLimitFamily(service, command, mutating);
    const bucket = family && this.bucket(family);
    if (!family || !bucket || bucket.take(this.now())) return undefined;
    this.throttled.set(family, (this.throttled.get(family) ?? 0) + 1);
    return THROTTLING_ERRORS[service];
  }

  /** The family's bucket (created full on first use), undefined when the family is not limited. */
  public bucket(family: RateLimitFamily): TokenBucket | undefined {
    let bucket = this.buckets.get(family);
    if (!bucket) {
      const spec = this.settings.rateLimits[family];
      if (!spec) return undefined;
      const share = this.settings.accountShare;
      bucket = new TokenBucket(
        { burst: Math.max(1, spec.burst * share), perSecond: spec.perSecond * share },
        this.now(),
      );
      this.buckets.set(family, bucket);
    }
    return bucket;
  }
}
