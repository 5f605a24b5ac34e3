/**
 * Client-side pacing of one family of AWS calls once it has been throttled. Auto Scaling's
 * write limit is shared by the whole account and undocumented (docs/aws-model.md, "Rate
 * limits"): rather than retrying into it, a step that was throttled spaces its next calls. The gap
 * doubles on every throttled call and shrinks by a tenth on every call that goes through, so the
 * pace settles near what the account has left and returns to full speed when the pressure ends.
 */

/** Error names that mean "slow down" (the rate, not the resource). */
const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

export function isThrottlingError(error: unknown): boolean {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' && THROTTLING_ERROR_NAMES.has(name);
}

export interface PacerOptions {
  /** The gap after the first throttled call. @default 250 */
  readonly initialGapMs?: number;
  /** The widest gap between two calls. @default 5000 */
  readonly maxGapMs?: number;
}

export class ThrottlePacer {
  private gapMs = 0;
  private nextSlotAt = 0;
  private readonly initialGapMs: number;
  private readonly maxGapMs: number;

  constructor(options: PacerOptions = {}) {
    this.initialGapMs = options.initialGapMs ?? 250;
    this.maxGapMs = options.maxGapMs ?? 5000;
  }

  /** The current gap between calls (0: not paced). */
  public get currentGapMs(): number {
    return this.gapMs;
  }

  /** Waits for this call's slot: calls in flight at once are spaced by the gap, in arrival order. */
  public async ready(): Promise<void> {
    const at = Math.max(Date.now(), this.nextSlotAt);
    this.nextSlotAt = at + this.gapMs;
    const wait = at - Date.now();
    // The global timers and clock: the rehearsal's virtual clock replaces both.
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** A call of this family was throttled: widen the gap. */
  public throttled(): void {
    this.gapMs = Math.min(this.maxGapMs, Math.max(this.initialGapMs, this.gapMs * 2));
  }

  /** A call of this family went through: narrow the gap (below a tenth of the first gap: none). */
  public succeeded(): void {
    const narrower = this.gapMs * 0.9;
    this.gapMs = narrower < this.initialGapMs / 10 ? 0 : narrower;
  }
}
