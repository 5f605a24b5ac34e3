/**
 * Stale reads: an eventually consistent read answers from a view of the region taken up to
 * `windowMs` ago. Views are recorded (at every region tick and after every call that took effect)
 * and kept for the window; writes are never delayed, only reads look back.
 */
import type { SeededRandom } from './random';

/** How old a read's view may be, drawn per call. */
export class StaleReads {
  constructor(
    private readonly random: SeededRandom,
    public readonly windowMs: number,
    public readonly now: () => number,
  ) {}

  public get enabled(): boolean {
    return this.windowMs > 0;
  }

  /** The instant the next read's view must be from (or later): now minus a lag in [0, window]. */
  public readAsOf(): number {
    const now = this.now();
    return this.enabled ? now - this.random.next() * this.windowMs : now;
  }
}

/** The recent views of one part of the region, oldest first. */
export class ViewHistory<T> {
  private readonly views: { readonly at: number; readonly view: T }[] = [];

  /** `take` builds a view of the region now: plain data, never shared with live objects. */
  constructor(
    private readonly stale: StaleReads,
    private readonly take: () => T,
  ) {}

  /** True when every read is fresh (no window). */
  public get fresh(): boolean {
    return !this.stale.enabled;
  }

  /** Records the view as of now (nothing when reads are always fresh). */
  public record(): void {
    if (!this.stale.enabled) return;
    const now = this.stale.now();
    const last = this.views[this.views.length - 1];
    if (last && last.at === now) this.views.pop();
    this.views.push({ at: now, view: this.take() });
    // Keep every view that may still be read: the first one at or before now - window onwards.
    const cutoff = now - this.stale.windowMs;
    let drop = 0;
    while (drop + 1 < this.views.length && this.views[drop + 1].at <= cutoff) drop += 1;
    if (drop > 0) this.views.splice(0, drop);
  }

  /**
   * The view a read sees: the oldest recorded at or after a sampled instant within the window
   * (so never older than the window), or the region as it is now.
   */
  public read(): T {
    if (!this.stale.enabled) return this.take();
    const asOf = this.stale.readAsOf();
    const found = this.views.find((v) => v.at >= asOf);
    return found ? found.view : this.take();
  }
}

/**
 * A deep copy of plain data (objects, arrays, Dates), made in this realm: what a read returns
 * from a recorded view must not be shared with the next read.
 */
export function copyPlain<T>(value: T): T {
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map((v) => copyPlain(v) as unknown) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = copyPlain(v);
    return out as T;
  }
  return value;
}
