/**
 * Lambda invocation latency from the region's profile (docs/aws-model.md, "Lambda"): a warm
 * invocation's overhead, plus a cold start when the function has no execution environment yet or
 * its last one sat idle past the reclaim time. One environment per function is assumed.
 */
import type { LambdaProfile } from './region/profile';
import { sample } from './region/profile';
import type { SeededRandom } from './region/random';

export class LambdaLatency {
  /** Function name → virtual ms of its last invocation. */
  private readonly lastInvokedAt = new Map<string, number>();
  /** Cold starts so far (for reports and tests). */
  public coldStarts = 0;

  constructor(
    private readonly profile: LambdaProfile,
    private readonly random: SeededRandom,
    private readonly now: () => number,
  ) {}

  /** Virtual ms the next invocation of `functionName` takes before its handler runs. */
  public next(functionName: string): number {
    const now = this.now();
    const last = this.lastInvokedAt.get(functionName);
    this.lastInvokedAt.set(functionName, now);
    const cold = last === undefined || now - last > this.profile.idleReclaimSeconds * 1000;
    const warm = sample(this.random, this.profile.warmInvokeMs);
    if (!cold) return warm;
    this.coldStarts += 1;
    return warm + sample(this.random, this.profile.coldStartMs);
  }
}
