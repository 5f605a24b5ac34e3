import type { VirtualClock } from '../virtual-clock';

/** The region advances in whole virtual seconds: one clock timer, however many instances. */
export const TICK_MS = 1000;

/**
 * Work bucketed by tick, so thousands of instances cost one virtual timer, not thousands.
 * A tick's bucket runs when the region processes that tick.
 */
export class TickBuckets<T> {
  private readonly buckets = new Map<number, T[]>();

  public add(tick: number, item: T): void {
    const bucket = this.buckets.get(tick);
    if (bucket) bucket.push(item);
    else this.buckets.set(tick, [item]);
  }

  /** Removes and returns the items of `tick`. */
  public take(tick: number): T[] {
    const bucket = this.buckets.get(tick);
    if (!bucket) return [];
    this.buckets.delete(tick);
    return bucket;
  }
}

/** Delayed region events (boot finished, draining over, ...) at one-second resolution. */
export class TickScheduler {
  /** Virtual time of tick 0: when the region was created. */
  public readonly origin: number;
  private current = 0;
  private readonly events = new TickBuckets<() => void>();

  constructor(private readonly clock: VirtualClock) {
    this.origin = clock.now();
  }

  /** The last tick the region processed (or is processing). */
  public get tick(): number {
    return this.current;
  }

  /** The virtual time now. */
  public now(): number {
    return this.clock.now();
  }

  /** The first tick at or after `timeMs` that has not been processed yet. */
  public tickAt(timeMs: number): number {
    return Math.max(this.current + 1, Math.ceil((timeMs - this.origin) / TICK_MS));
  }

  /** Runs `fn` on the first unprocessed tick at least `seconds` from now. */
  public after(seconds: number, fn: () => void): void {
    this.events.add(this.tickAt(this.clock.now() + seconds * 1000), fn);
  }

  /** Marks `tick` as current and runs its events; events may schedule later ones. */
  public runTick(tick: number): void {
    this.current = tick;
    for (const fn of this.events.take(tick)) fn();
  }
}
