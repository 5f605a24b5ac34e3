/**
 * Pure computations of the benchmark figures (no rehearsal, no I/O): medians, floors, windows,
 * budgets and verdicts. Every input is plain data taken from a run.
 */
import type { TrafficSecond } from '../../lib/rehearsal/invariants';

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The midpoint of a profile range (the expected value of its uniform draw). */
export function midpoint(range: { readonly min: number; readonly max: number }): number {
  return (range.min + range.max) / 2;
}

/**
 * The Standby rollback floor estimate: ExitStandby → InService + registration + one health-check
 * interval, each from the profile's distributions (their midpoints; docs/aws-model.md, "Timings").
 */
export function rollbackFloorSeconds(
  exitStandbySeconds: number,
  registrationSeconds: number,
  healthCheckIntervalSeconds: number,
): number {
  return exitStandbySeconds + registrationSeconds + healthCheckIntervalSeconds;
}

/**
 * Orchestration overhead of the health wait: the Swap state entered minus the first observed
 * virtual second at which every instance of the new group was InService with a healthy target.
 * The AWS wait it cannot avoid is ScaleUp's end → that moment; everything after is the workflow's.
 */
export function healthWaitOverheadSeconds(allHealthyAt: number, swapEnteredAt: number): number {
  return (swapEnteredAt - allHealthyAt) / 1000;
}

/**
 * Mixed-version window of a release, counted inclusively in whole traffic seconds: from the start
 * of the first second in which the new version served any request to the end of the last second
 * in which the old version served any (each traffic second is stamped at its end). 0 if the two
 * never both served.
 */
export function mixedVersionWindowSeconds(
  traffic: readonly TrafficSecond[],
  oldVersion: string,
  newVersion: string,
  from: number,
  until: number,
): number {
  const window = traffic.filter((s) => s.time > from && s.time <= until);
  const firstNew = window.find((s) => (s.servedByVersion[newVersion] ?? 0) > 0)?.time;
  if (firstNew === undefined) return 0;
  const oldAfter = window.filter((s) => s.time >= firstNew && (s.servedByVersion[oldVersion] ?? 0) > 0);
  if (oldAfter.length === 0) return 0;
  const lastOld = oldAfter[oldAfter.length - 1].time;
  return (lastOld - (firstNew - 1000)) / 1000;
}

/** Successful EnterStandby/ExitStandby calls allowed per Standby transition of n instances (batches of ≤ 20). */
export function standbyCallBudget(instances: number): number {
  return Math.ceil(instances / 20);
}

export type Verdict = 'ok' | 'MISSED' | '-';

export function verdict(measured: number | undefined, target: number | undefined): Verdict {
  if (target === undefined || measured === undefined) return '-';
  return measured <= target ? 'ok' : 'MISSED';
}
