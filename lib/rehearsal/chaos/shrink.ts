/**
 * Shrinks a violating schedule to a shortest replay: removes one action at a time and keeps each
 * removal after which the schedule still violates, until no single removal does.
 */
import type { ChaosSchedule } from './schedule';

/** Whether a candidate schedule still shows the violation being shrunk. */
export type StillViolates = (candidate: ChaosSchedule) => Promise<boolean>;

export interface ShrinkResult {
  readonly schedule: ChaosSchedule;
  /** Schedules run while shrinking. */
  readonly runs: number;
}

export async function shrinkSchedule(
  schedule: ChaosSchedule,
  stillViolates: StillViolates,
): Promise<ShrinkResult> {
  let current = schedule;
  let runs = 0;
  for (let removedOne = true; removedOne;) {
    removedOne = false;
    // From the last action back: a later action often depends on an earlier one (a stop on its start).
    for (let index = current.actions.length - 1; index >= 0; index--) {
      const candidate = { ...current, actions: current.actions.filter((_, k) => k !== index) };
      runs += 1;
      if (await stillViolates(candidate)) {
        current = candidate;
        removedOne = true;
      }
    }
  }
  return { schedule: current, runs };
}
