/**
 * Polling inside one invocation. A waiting step checks, sleeps, checks again, and returns as soon
 * as the answer is final or before another poll would overrun its budget; the state machine then
 * calls it again. One call per budget instead of a Wait, Task and Choice transition per poll.
 */
import { now, sleep } from './clock';

export interface PollOptions {
  /** Time between two checks. */
  readonly intervalMs: number;
  /** How long this invocation may keep polling; 0 checks once. */
  readonly budgetMs: number;
}

export interface PollResult<T> {
  /** True when the answer will not change by polling again (go on, or roll back). */
  readonly final: boolean;
  readonly value: T;
  /** Time until the next check when less than the interval (e.g. a bake that ends sooner). */
  readonly nextCheckInMs?: number;
}

/** Runs `check` until it is final or the budget is spent, and returns its last result. */
export async function pollWithinBudget<T>(
  check: () => Promise<PollResult<T>>,
  options: PollOptions,
): Promise<PollResult<T>> {
  const deadline = now() + options.budgetMs;
  for (;;) {
    const result = await check();
    const waitMs = Math.min(options.intervalMs, result.nextCheckInMs ?? options.intervalMs);
    if (result.final || now() + waitMs >= deadline) return result;
    await sleep(waitMs);
  }
}
