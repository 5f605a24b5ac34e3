/**
 * A virtual clock for release rehearsals: timers fire in virtual time, as fast as the CPU allows,
 * while real microtasks, `setImmediate` and `process.nextTick` keep running for real between
 * them. The originals are captured here, at module load, so `install()` can never make the clock
 * drive itself.
 */
const real = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  Date: globalThis.Date,
};

/** 2026-01-01T00:00:00Z: a fixed start, so every rehearsal prints the same timestamps. */
export const DEFAULT_CLOCK_START_MS = Date.UTC(2026, 0, 1);

/** How far `run` lets virtual time move past its start unless told otherwise: one virtual week. */
export const DEFAULT_RUN_LIMIT_MS = 7 * 24 * 3600 * 1000;

/** Node clamps timer delays outside [1, 2^31-1] to 1 ms; the installed globals do the same. */
const NODE_TIMEOUT_MAX = 2 ** 31 - 1;

export interface RunOptions {
  /** Fail once the next timer lies more than this far (virtual ms) past the start of the run. @default DEFAULT_RUN_LIMIT_MS */
  readonly limitMs?: number;
  /** Real immediates to wait, with no virtual timer pending, before declaring a deadlock. @default 50 */
  readonly idleImmediates?: number;
}

export class VirtualTimer {
  /** @internal */ public cancelled = false;
  /** @internal */ public active = true;
  constructor(
    /** A number Node code may keep instead of the object (`+timer`). */
    public readonly id: number,
    /** @internal */ public due: number,
    /** @internal */ public seq: number,
    /** @internal */ public readonly fire: () => void,
    /** @internal */ public readonly intervalMs: number | undefined,
    private readonly owner: VirtualClock,
  ) {}

  /** Node's Timeout API, so code that calls `.unref()` keeps working; refs mean nothing here. */
  public ref(): this {
    return this;
  }
  public unref(): this {
    return this;
  }
  public hasRef(): boolean {
    return true;
  }
  /** Restarts the timer from now with its original delay (Node's `timeout.refresh()`). */
  public refresh(): this {
    this.owner.refreshTimer(this);
    return this;
  }
  public [Symbol.toPrimitive](): number {
    return this.id;
  }
}

/** Error thrown by `run` when nothing can ever settle the awaited work. */
export class VirtualClockDeadlockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VirtualClockDeadlock';
  }
}

/** Error thrown by `run` when the work needs more virtual time than it was allowed. */
export class VirtualClockLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VirtualClockLimit';
  }
}

export class VirtualClock {
  private nowMs: number;
  private nextId = 1;
  private nextSeq = 0;
  /** Binary min-heap ordered by (due, seq); cancelled timers are dropped lazily. */
  private readonly heap: VirtualTimer[] = [];
  private readonly byId = new Map<number, VirtualTimer>();
  private running = false;
  private installed = false;
  /** Delay of each timer, kept for `refresh()`. */
  private readonly delays = new WeakMap<VirtualTimer, number>();

  constructor(startMs: number = DEFAULT_CLOCK_START_MS) {
    if (!Number.isFinite(startMs)) throw new Error(`startMs (${startMs}) must be a finite number`);
    this.nowMs = startMs;
  }

  public now(): number {
    return this.nowMs;
  }

  /** Timers that have not fired or been cleared yet. */
  public get pendingTimers(): number {
    return this.byId.size;
  }

  public setTimeout(fn: () => void, ms: number): VirtualTimer {
    return this.schedule(fn, clampDelay(ms), undefined);
  }

  public clearTimeout(timer: VirtualTimer | number | undefined | null): void {
    const found = typeof timer === 'number' ? this.byId.get(timer) : timer;
    if (!found || !(found instanceof VirtualTimer)) return;
    found.cancelled = true;
    found.active = false;
    this.byId.delete(found.id);
  }

  /** Calls `fn` every `ms` of virtual time, first at now + ms. */
  public every(ms: number, fn: () => void): { cancel(): void } {
    const period = clampDelay(ms);
    if (period <= 0) throw new Error(`every(ms): ms (${ms}) must be > 0`);
    const timer = this.schedule(fn, period, period);
    return { cancel: () => this.clearTimeout(timer) };
  }

  /** A promise that resolves after `ms` of virtual time. */
  public sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /**
   * Replaces the global timer functions and `Date` with virtual ones until the returned function
   * is called. `setImmediate`, `queueMicrotask` and `process.nextTick` stay real.
   */
  public install(): () => void {
    if (this.installed) throw new Error('this VirtualClock is already installed');
    const g = globalThis as unknown as Record<string, unknown>;
    const saved = {
      setTimeout: g.setTimeout,
      clearTimeout: g.clearTimeout,
      setInterval: g.setInterval,
      clearInterval: g.clearInterval,
      Date: g.Date,
    };
    const schedule = (fn: () => void, delay: number, interval: number | undefined): VirtualTimer =>
      this.schedule(fn, delay, interval);
    const owns = (timer: unknown): boolean => this.owns(timer);
    const clear = (timer: unknown): void => this.clearTimeout(timer as VirtualTimer | number);
    const now = (): number => this.nowMs;
    const fallbackClear = saved.clearTimeout as (t: unknown) => void;
    const fallbackClearInterval = saved.clearInterval as (t: unknown) => void;

    g.setTimeout = function setTimeout(fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) {
      if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
      return schedule(() => fn(...args), nodeDelay(ms), undefined);
    };
    // util.promisify(setTimeout) keeps working, in virtual time.
    Object.defineProperty(g.setTimeout, Symbol.for('nodejs.util.promisify.custom'), {
      value: (ms?: number, value?: unknown) =>
        new Promise((resolve) => schedule(() => resolve(value), nodeDelay(ms), undefined)),
    });
    g.setInterval = function setInterval(fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) {
      if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
      const delay = nodeDelay(ms);
      return schedule(() => fn(...args), delay, delay);
    };
    g.clearTimeout = function clearTimeout(timer: unknown) {
      if (owns(timer)) clear(timer);
      else fallbackClear(timer);
    };
    g.clearInterval = function clearInterval(timer: unknown) {
      if (owns(timer)) clear(timer);
      else fallbackClearInterval(timer);
    };
    g.Date = makeVirtualDate(now);
    this.installed = true;

    let restored = false;
    return () => {
      if (restored) return;
      restored = true;
      Object.assign(g, saved);
      this.installed = false;
    };
  }

  /**
   * Drives virtual time until `work` settles and returns (or throws) its outcome. Each step lets
   * real microtasks and immediates drain, then fires the single earliest due timer.
   */
  public async run<T>(work: Promise<T>, options: RunOptions = {}): Promise<T> {
    if (this.running) throw new Error('VirtualClock.run is already running');
    this.running = true;
    const limitMs = options.limitMs ?? DEFAULT_RUN_LIMIT_MS;
    const idleImmediates = options.idleImmediates ?? 50;
    const start = this.nowMs;
    let settled = false;
    let failed = false;
    let value: T | undefined;
    let reason: unknown;
    work.then(
      (v) => {
        settled = true;
        value = v;
      },
      (e: unknown) => {
        settled = true;
        failed = true;
        reason = e;
      },
    );
    try {
      let idle = 0;
      for (;;) {
        // Two rounds: an immediate queued by the microtasks of the last timer runs before we go on.
        await realImmediate();
        await realImmediate();
        if (settled) break;
        const next = this.peek();
        if (!next) {
          idle += 1;
          if (idle === idleImmediates) {
            // Give real I/O (a file read, say) a chance before calling it a deadlock.
            await realSleep(5);
          } else if (idle > idleImmediates * 2) {
            throw new VirtualClockDeadlockError(
              `deadlock: the awaited work has not settled and no virtual timer is pending ` +
                `(virtual time ${new real.Date(this.nowMs).toISOString()})`,
            );
          }
          continue;
        }
        idle = 0;
        if (next.due - start > limitMs) {
          throw new VirtualClockLimitError(
            `virtual time limit exceeded: the next timer is due ${next.due - start} ms after the start ` +
              `of run(), more than limitMs (${limitMs})`,
          );
        }
        this.fireNext();
      }
    } finally {
      this.running = false;
    }
    if (failed) throw reason;
    return value as T;
  }

  /** @internal */
  public refreshTimer(timer: VirtualTimer): void {
    this.removeFromHeap(timer);
    timer.due = this.nowMs + (this.delays.get(timer) ?? 0);
    timer.seq = this.nextSeq++;
    timer.cancelled = false;
    timer.active = true;
    this.byId.set(timer.id, timer);
    this.push(timer);
  }

  private owns(timer: unknown): boolean {
    if (timer instanceof VirtualTimer) return true;
    return typeof timer === 'number' && this.byId.has(timer);
  }

  private schedule(fn: () => void, delay: number, intervalMs: number | undefined): VirtualTimer {
    const timer = new VirtualTimer(this.nextId++, this.nowMs + delay, this.nextSeq++, fn, intervalMs, this);
    this.delays.set(timer, delay);
    this.byId.set(timer.id, timer);
    this.push(timer);
    return timer;
  }

  private peek(): VirtualTimer | undefined {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
    return this.heap[0];
  }

  private fireNext(): void {
    const timer = this.pop();
    if (!timer) return;
    if (timer.due > this.nowMs) this.nowMs = timer.due;
    if (timer.intervalMs !== undefined) {
      timer.due = this.nowMs + timer.intervalMs;
      timer.seq = this.nextSeq++;
      this.push(timer);
    } else {
      timer.active = false;
      this.byId.delete(timer.id);
    }
    timer.fire();
  }

  private removeFromHeap(timer: VirtualTimer): void {
    const index = this.heap.indexOf(timer);
    if (index < 0) return;
    const last = this.heap.pop() as VirtualTimer;
    if (index < this.heap.length) {
      this.heap[index] = last;
      this.siftDown(index);
      this.siftUp(index);
    }
  }

  private push(timer: VirtualTimer): void {
    this.heap.push(timer);
    this.siftUp(this.heap.length - 1);
  }

  private pop(): VirtualTimer | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (this.heap.length > 0 && last) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && earlier(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && earlier(heap[right], heap[smallest])) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
      i = smallest;
    }
  }
}

function earlier(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

function clampDelay(ms: number): number {
  const n = Number(ms);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function nodeDelay(ms: unknown): number {
  const n = Number(ms);
  return n >= 1 && n <= NODE_TIMEOUT_MAX ? n : 1;
}

function realImmediate(): Promise<void> {
  return new Promise((resolve) => real.setImmediate(resolve));
}

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => real.setTimeout(resolve, ms));
}

/**
 * A `Date` whose no-argument forms read the virtual clock. Its prototype is the real one, so
 * `instanceof Date` holds for dates made before and after installing, and `new Date(x)` is real.
 */
function makeVirtualDate(now: () => number): DateConstructor {
  const RealDate = real.Date;
  function VirtualDate(this: unknown, ...args: unknown[]): unknown {
    if (!new.target) return new RealDate(now()).toString();
    const constructorArgs = args.length === 0 ? [now()] : args;
    return Reflect.construct(RealDate, constructorArgs, new.target);
  }
  VirtualDate.prototype = RealDate.prototype;
  VirtualDate.now = (): number => now();
  VirtualDate.parse = RealDate.parse;
  VirtualDate.UTC = RealDate.UTC;
  return VirtualDate as unknown as DateConstructor;
}
