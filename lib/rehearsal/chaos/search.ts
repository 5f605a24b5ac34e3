/**
 * The random chaos search: one generated schedule per seed, each on a fresh rehearsal of the same
 * template; every violating schedule is reported with its seed, and shrunk to a shortest replay.
 */
import type { ProfileName } from '../region/profile';
import type { StepHandler } from '../executions';
import type { CfnTemplate } from '../template';
import type { ApiHarshness } from '../region/api-harshness';
import { generateSchedule } from './generate';
import { runSchedule, type ScheduleOutcome } from './run-schedule';
import { shrinkSchedule } from './shrink';
import { violationKind, violationKinds } from './violation-kind';

/** How many schedules to run, from which seed, and what to shrink. */
export interface ChaosSearchOptions {
  /** @default 200 */
  readonly schedules?: number;
  /** The seed of the first schedule; the others follow. @default 1 */
  readonly firstSeed?: number;
  /** Instances every release asks for. @default 2 */
  readonly capacity?: number;
  /** The step handlers. @default - the real `lambda/<step>` */
  readonly loadHandler?: (step: string) => StepHandler;
  /**
   * Which violating schedules are shrunk: `first-of-kind` only the first one showing a kind of
   * violation not seen before (the others name it), `all` every one, `none` none.
   * @default 'first-of-kind'
   */
  readonly shrink?: 'first-of-kind' | 'all' | 'none';
  /** Rate limits, ambiguous failures and stale reads of the region. @default - API_HARSHNESS.typical */
  readonly api?: Partial<ApiHarshness>;
  /** Timings and quotas of the region (docs/aws-model.md). @default 'typical' */
  readonly profile?: ProfileName;
  /** Called after each schedule ran. @default - nothing */
  readonly onSchedule?: (outcome: ScheduleOutcome) => void;
  /** Called with each violating schedule, once shrunk. @default - nothing */
  readonly onFinding?: (finding: ChaosFinding) => void;
}

/** A violating schedule, with its shortest replay when it was shrunk. */
export interface ChaosFinding {
  /** The generated schedule's run. */
  readonly outcome: ScheduleOutcome;
  /** The shortest replay showing the first violation's kind, when shrunk. */
  readonly shortest?: ScheduleOutcome;
  /** Schedules run to shrink it. */
  readonly shrinkRuns: number;
  /** The seed whose shortest replay shows the same kind, when this one was not shrunk. */
  readonly sameKindAs?: number;
}

/** What a search found. */
export interface ChaosSearchResult {
  /** Schedules run, shrinking excluded. */
  readonly schedulesRun: number;
  /** The violating schedules, in seed order. */
  readonly findings: readonly ChaosFinding[];
  /** Wall time of the schedules themselves, shrinking excluded. */
  readonly searchWallMs: number;
  /** Wall time in all. */
  readonly wallMs: number;
}

/** Runs one generated schedule per seed on `template` and collects the violating ones. */
export async function chaosSearch(
  template: CfnTemplate,
  options: ChaosSearchOptions = {},
): Promise<ChaosSearchResult> {
  const started = Date.now();
  const count = options.schedules ?? 200;
  const firstSeed = options.firstSeed ?? 1;
  const shrinkMode = options.shrink ?? 'first-of-kind';
  const run = {
    capacity: options.capacity,
    loadHandler: options.loadHandler,
    api: options.api,
    profile: options.profile,
  };
  const shrunkKinds = new Map<string, number>();
  const findings: ChaosFinding[] = [];
  let searchWallMs = 0;
  for (let seed = firstSeed; seed < firstSeed + count; seed++) {
    const outcome = await runSchedule(template, generateSchedule(seed), run);
    searchWallMs += outcome.wallMs;
    options.onSchedule?.(outcome);
    if (outcome.violations.length === 0) continue;
    const kind = violationKind(outcome.violations[0]);
    const seen = shrunkKinds.get(kind);
    let finding: ChaosFinding = { outcome, shrinkRuns: 0, sameKindAs: seen };
    if (shrinkMode === 'all' || (shrinkMode === 'first-of-kind' && seen === undefined)) {
      finding = await shrinkFinding(template, outcome, run);
      shrunkKinds.set(kind, seed);
    }
    findings.push(finding);
    options.onFinding?.(finding);
  }
  return { schedulesRun: count, findings, searchWallMs, wallMs: Date.now() - started };
}

/** Shrinks a violating schedule to a shortest one that still shows its first violation's kind. */
export async function shrinkFinding(
  template: CfnTemplate,
  outcome: ScheduleOutcome,
  run: {
    readonly capacity?: number;
    readonly loadHandler?: (step: string) => StepHandler;
    readonly api?: Partial<ApiHarshness>;
    readonly profile?: ProfileName;
  },
): Promise<ChaosFinding> {
  const kind = violationKind(outcome.violations[0]);
  let shortest = outcome;
  const { runs } = await shrinkSchedule(outcome.schedule, async (candidate) => {
    const tried = await runSchedule(template, candidate, run);
    const keeps = violationKinds(tried.violations).includes(kind);
    if (keeps && tried.schedule.actions.length <= shortest.schedule.actions.length) shortest = tried;
    return keeps;
  });
  return { outcome, shortest, shrinkRuns: runs };
}
