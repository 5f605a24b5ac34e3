/**
 * The fence around one step invocation (see lock.ts for why). A step that changes the fleet runs
 * inside `withFence`: it is listed on the lock item while it runs, every mutating call it makes
 * goes through `fence.guard` first, and it is taken off the list when it ends, however it ends.
 */
import { randomUUID } from 'crypto';
import { now, sleep } from './clock';
import {
  assertLockHeld,
  enterInFlight,
  leaveInFlight,
  othersInFlight,
  READ_SETTLE_MS,
  readLock,
  lockLost,
  type InFlightInvocation,
  type LockItem,
} from './lock';

/** The part of the Lambda context a step reads. */
export interface StepContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

/** Lambda's longest timeout: the deadline assumed when the context does not tell. */
export const LAMBDA_MAX_RUNTIME_MS = 15 * 60_000;

/**
 * Added to every in-flight deadline: the invocation's clock and the reader's may disagree by this
 * much (Lambda hosts are NTP-synchronised; two seconds is generous, assumed).
 */
export const CLOCK_SKEW_MARGIN_MS = 2_000;

/** Checked before every mutating call (and every retry of it). */
export type Guard = () => Promise<void>;

export interface Fence {
  readonly invocationId: string;
  readonly guard: Guard;
  /**
   * Waits until what this execution changed shows in every read (READ_SETTLE_MS after its last
   * guarded call, and until its earlier steps have settled): before an outcome is reported and
   * the lock released, so that whoever reads next sees the service as it now is.
   */
  settle(): Promise<void>;
  /** The lock as it stands now, with the other invocations that may still be acting. */
  inspect(): Promise<{ readonly lock: LockItem; readonly others: InFlightInvocation[] }>;
}

export interface FenceScope {
  readonly tableName: string;
  readonly executionArn: string;
  /** The step's name, recorded on its entry. */
  readonly step: string;
}

export async function withFence<T>(
  scope: FenceScope,
  context: StepContext | undefined,
  work: (fence: Fence) => Promise<T>,
): Promise<T> {
  const { tableName, executionArn, step } = scope;
  const invocationId = `${executionArn}/${context?.awsRequestId ?? randomUUID()}`;
  const remaining = context?.getRemainingTimeInMillis?.() ?? LAMBDA_MAX_RUNTIME_MS;
  const start = now();
  await enterInFlight(
    tableName,
    { id: invocationId, execution: executionArn, step, until: start + remaining + CLOCK_SKEW_MARGIN_MS },
    start,
  );
  let lastCallAt = start;
  const fence: Fence = {
    invocationId,
    guard: async () => {
      await assertLockHeld(tableName, executionArn);
      lastCallAt = now();
    },
    settle: async () => {
      const lock = await assertLockHeld(tableName, executionArn);
      const ownSteps = othersInFlight(lock, invocationId, now()).filter((i) => i.execution === executionArn);
      const until = Math.max(lastCallAt + READ_SETTLE_MS, ...ownSteps.map((i) => i.until));
      if (until > now()) await sleep(until - now());
    },
    inspect: async () => {
      const lock = await assertLockHeld(tableName, executionArn);
      // This step's own earlier passes of this execution, once ended, are not strangers.
      const others = othersInFlight(lock, invocationId, now()).filter(
        (i) => !(i.ended && i.execution === executionArn && i.step === step),
      );
      return { lock, others };
    },
  };
  try {
    return await work(fence);
  } finally {
    try {
      await leaveInFlight(tableName, invocationId, now());
    } catch (error) {
      // Not fatal: the entry expires at its deadline; the next owner only waits longer.
      console.warn(`could not leave the in-flight list (${invocationId}): ${String(error)}`);
    }
  }
}

/**
 * Waits (polling the lock every `intervalMs`) until no other invocation may still be acting, for
 * at most `budgetMs`. Returns those still listed when the budget ran out (empty when clear).
 * Throws LockLost if the lock changes hands meanwhile.
 */
export async function awaitOthersGone(
  tableName: string,
  executionArn: string,
  selfId: string | undefined,
  options: {
    readonly budgetMs: number;
    readonly intervalMs: number;
    /** Wait only for these invocations. @default - every other invocation */
    readonly only?: (invocation: InFlightInvocation) => boolean;
  },
): Promise<InFlightInvocation[]> {
  const deadline = now() + options.budgetMs;
  const only = options.only ?? (() => true);
  for (;;) {
    const lock = await readLock(tableName);
    if (lock?.owner !== executionArn) throw lockLost(lock);
    const others = othersInFlight(lock, selfId, now()).filter(only);
    if (others.length === 0 || now() + options.intervalMs > deadline) return others;
    await sleep(options.intervalMs);
  }
}
