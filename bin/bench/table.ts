/** The benchmark's output: rows of `figure | measured | target | ok/MISSED`. */
import type { Verdict } from './figures';

export interface BenchRow {
  readonly figure: string;
  readonly measured: string;
  readonly target: string;
  readonly verdict: Verdict;
}

export function formatTable(rows: readonly BenchRow[]): string {
  const header: BenchRow = { figure: 'figure', measured: 'measured', target: 'target', verdict: '-' };
  const cells = [header, ...rows].map((r, i) => [
    r.figure,
    r.measured,
    r.target,
    i === 0 ? 'ok/MISSED' : r.verdict,
  ]);
  const widths = [0, 1, 2, 3].map((c) => Math.max(...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c])).join(' | ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.slice(1).map(line)].join(
    '\n',
  );
}

export function anyMissed(rows: readonly BenchRow[]): boolean {
  return rows.some((r) => r.verdict === 'MISSED');
}

export function seconds(value: number | undefined, digits = 1): string {
  return value === undefined ? 'n/a' : `${value.toFixed(digits)} s`;
}
