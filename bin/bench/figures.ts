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

/**
 * The p-th percentile (0 < p <= 100) by nearest rank: the smallest value with at least p % of the
 * values at or below it (so p95 of 20 values is the 19th smallest).
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of nothing');
  if (!(p > 0 && p <= 100)) throw new Error(`percentile p (${p}) must be in (0, 100]`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}

/** p50 and p95 of a figure over seeds. */
export interface Spread {
  readonly p50: number;
  readonly p95: number;
}

export function spread(values: readonly number[]): Spread {
  return { p50: percentile(values, 50), p95: percentile(values, 95) };
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

export type Verdict = 'ok' | 'MISSED' | '-';

export function verdict(measured: number | undefined, target: number | undefined): Verdict {
  if (target === undefined || measured === undefined) return '-';
  return measured <= target ? 'ok' : 'MISSED';
}
