/** How the chaos search and the systematic mode print what they found. */
import { violationKinds } from './violation-kind';
import { describeSchedule, type ChaosSchedule } from './schedule';
import type { ChaosFinding } from './search';
import type { ScheduleOutcome } from './run-schedule';

/** Violations shown per schedule; the rest are counted. */
const SHOWN_VIOLATIONS = 6;

/** Violations as indented lines, the first few only. */
export function describeViolations(violations: readonly string[], indent = '    '): string[] {
  const shown = violations.slice(0, SHOWN_VIOLATIONS).map((v) => `${indent}${v}`);
  const more = violations.length - shown.length;
  return more > 0 ? [...shown, `${indent}... and ${more} more`] : shown;
}

/** The command that replays (and shrinks) a generated schedule, keeping only some actions. */
export function replayCommand(seed: number, keep?: readonly number[]): string {
  return `npm run chaos -- --replay ${seed}${keep ? ` --keep ${keep.join(',') || 'none'}` : ''}`;
}

/** The schedule as one JSON line, to paste into a regression test. */
export function scheduleLiteral(schedule: ChaosSchedule): string {
  return JSON.stringify(schedule);
}

/** A schedule's run: its actions, the executions' outcomes, the violations. */
export function describeOutcome(outcome: ScheduleOutcome): string[] {
  return [
    ...describeSchedule(outcome.schedule).map((line) => `  ${line}`),
    `  executions: ${outcome.executions.join(', ')}`,
    `  violations (${violationKinds(outcome.violations).length} kind(s)):`,
    ...describeViolations(outcome.violations),
  ];
}

/** A violating schedule with its shortest replay (or what to run to get one). */
export function describeFinding(finding: ChaosFinding): string[] {
  const { outcome, shortest } = finding;
  const lines = [`VIOLATION seed ${outcome.schedule.seed}`, ...describeOutcome(outcome)];
  if (shortest) {
    const keep = shortest.schedule.actions.map((a) => outcome.schedule.actions.indexOf(a));
    lines.push(
      `  shortest replay: ${shortest.schedule.actions.length} of ${outcome.schedule.actions.length} action(s), ${finding.shrinkRuns} run(s) to shrink: ${replayCommand(outcome.schedule.seed, keep)}`,
      ...describeOutcome(shortest).map((line) => `  ${line}`),
      `    as a test: ${scheduleLiteral(shortest.schedule)}`,
    );
  } else if (finding.sameKindAs !== undefined) {
    lines.push(
      `  same kind as seed ${finding.sameKindAs} (its shortest replay above): ${replayCommand(outcome.schedule.seed)}`,
    );
  } else {
    lines.push(`  replay and shrink: ${replayCommand(outcome.schedule.seed)}`);
  }
  return lines;
}
