/**
 * How politely `--follow` polls (pure): the account's API budget is shared with the release's own
 * steps (docs/aws-model.md, "Rate limits"), so the follower reads no more than it can show.
 * - The history is read every `baseMs` while steps move; each read that finds nothing new waits
 *   half as long again, up to `quietMaxMs`; any new event returns to `baseMs`.
 * - The fleet is read on every poll only while it can change; while the release bakes or waits for
 *   an approval, at most once per `quietFleetMs`.
 */

/** States in which the fleet does not change: baking, and waiting for a person's approval. */
const QUIET_STATES: ReadonlySet<string> = new Set(['Bake', 'AfterBake', 'ApproveSwap', 'ApproveFinalize']);

export interface FollowPace {
  /** The interval while steps move. */
  readonly baseMs: number;
  /** The widest interval between two history reads. */
  readonly quietMaxMs: number;
  /** The widest interval between two fleet reads in a quiet state. */
  readonly quietFleetMs: number;
}

/** `baseMs` from the environment; the rest scaled from it (2 s → 10 s and 30 s). */
export function followPace(baseMs: number): FollowPace {
  return { baseMs, quietMaxMs: 5 * baseMs, quietFleetMs: 15 * baseMs };
}

/** The wait before the next history read. */
export function nextPollDelayMs(pace: FollowPace, previousMs: number, sawNewEvents: boolean): number {
  if (sawNewEvents) return pace.baseMs;
  return Math.min(pace.quietMaxMs, Math.max(pace.baseMs, Math.round(previousMs * 1.5)));
}

/** Whether this poll reads the fleet's health. */
export function shouldReadFleet(
  pace: FollowPace,
  state: string | undefined,
  sawNewEvents: boolean,
  msSinceLastRead: number | undefined,
): boolean {
  if (msSinceLastRead === undefined || sawNewEvents) return true;
  if (state === undefined || !QUIET_STATES.has(state)) return true;
  return msSinceLastRead >= pace.quietFleetMs;
}
