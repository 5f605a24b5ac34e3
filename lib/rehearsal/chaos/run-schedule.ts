/**
 * Runs one chaos schedule on a fresh rehearsal: the releases before it, its actions at their
 * virtual instants, until every execution ended and no Lambda is in flight, then the convergence
 * release and a quiet spell. Every invariant broken on the way is a violation.
 */
import type { ProfileName } from '../region/profile';
import { Rehearsal } from '../rehearsal';
import type { StepHandler } from '../executions';
import type { CfnTemplate } from '../template';
import type { ReleaseHookHandlers } from '../release-hook-handlers';
import type { ApiHarshness } from '../region/api-harshness';
import { applyAction, requestInput } from './apply-action';
import { converge } from './converge';
import type { ChaosAction, ChaosSchedule } from './schedule';

/** How to run a schedule. */
export interface RunScheduleOptions {
  /** Instances every release asks for. @default 2 */
  readonly capacity?: number;
  /** Timeline lines as they happen. @default - kept in the rehearsal only */
  readonly log?: (line: string) => void;
  /** The step handlers. @default - the real `lambda/<step>` */
  readonly loadHandler?: (step: string) => StepHandler;
  /** Virtual time one phase may take before the run counts as stuck. @default 2 hours */
  readonly limitMs?: number;
  /** Virtual seconds watched after the convergence. @default 120 */
  readonly quietSeconds?: number;
  /** Rate limits, ambiguous failures and stale reads of the region. @default - API_HARSHNESS.typical */
  readonly api?: Partial<ApiHarshness>;
  /** Timings and quotas of the region (docs/aws-model.md). @default 'typical' */
  readonly profile?: ProfileName;
  /** In-process handlers of the template's release hook functions. @default - the template has none */
  readonly hooks?: ReleaseHookHandlers;
}

/** What running a schedule showed. */
export interface ScheduleOutcome {
  /** The schedule run. */
  readonly schedule: ChaosSchedule;
  /** Invariants broken, convergence failures and runs that got stuck; empty when all held. */
  readonly violations: readonly string[];
  /** `name STATUS Error` of every execution, in start order. */
  readonly executions: readonly string[];
  /** Virtual time the run covered, convergence and quiet spell included. */
  readonly virtualSeconds: number;
  /** Wall-clock time it took. */
  readonly wallMs: number;
  /** The rehearsal, for a closer look (its timeline, its region). */
  readonly rehearsal: Rehearsal;
}

/** Runs `schedule` on a fresh rehearsal of `template`; see the module comment. */
export async function runSchedule(
  template: CfnTemplate,
  schedule: ChaosSchedule,
  options: RunScheduleOptions = {},
): Promise<ScheduleOutcome> {
  const wallStart = Date.now();
  const capacity = options.capacity ?? 2;
  const rehearsal = Rehearsal.fromTemplate(template, {
    seed: schedule.seed,
    log: options.log,
    loadHandler: options.loadHandler,
    limitMs: options.limitMs ?? 2 * 3600_000,
    api: options.api,
    profile: options.profile,
    hooks: options.hooks,
  });
  const problems: string[] = [];
  try {
    const ready = await releaseBefore(rehearsal, schedule.before, capacity);
    if (ready) {
      await rehearsal.run(actionsThenIdle(rehearsal, schedule, capacity));
      problems.push(...(await converge(rehearsal, { capacity })));
      await rehearsal.advance(options.quietSeconds ?? 120);
    } else {
      problems.push(`harness: a release before the schedule (${schedule.before.join(', ')}) did not succeed`);
    }
  } catch (error) {
    problems.push(`stuck: ${(error as Error).message}`);
  }
  return {
    schedule,
    violations: [...rehearsal.violations(), ...problems],
    executions: rehearsal.executions().map((e) => [e.name, e.status, e.error].filter(Boolean).join(' ')),
    virtualSeconds: Math.round((rehearsal.clock.now() - rehearsal.monitor.origin) / 1000),
    wallMs: Date.now() - wallStart,
    rehearsal,
  };
}

async function releaseBefore(
  rehearsal: Rehearsal,
  versions: readonly string[],
  capacity: number,
): Promise<boolean> {
  for (const version of versions) {
    const release = await rehearsal.execute(requestInput({ version }, capacity), `before-${version}`);
    if (release.status !== 'SUCCEEDED') return false;
  }
  return true;
}

/**
 * Settles once every action happened (those tied to a state that was entered included, and their
 * call-failure windows closed), every execution ended and no Lambda is in flight.
 */
async function actionsThenIdle(
  rehearsal: Rehearsal,
  schedule: ChaosSchedule,
  capacity: number,
): Promise<void> {
  const clock = rehearsal.clock;
  let armed = 0;
  let disarmed: () => void = () => undefined;
  const arm = (action: ChaosAction) => {
    armed += 1;
    clock.setTimeout(() => applyAction(rehearsal, action, capacity), action.at);
    clock.setTimeout(
      () => {
        armed -= 1;
        if (armed === 0) disarmed();
      },
      action.at + (action.do === 'fail-calls' ? action.forMs : 0),
    );
  };
  const entered = new Set<string>();
  const stopListening = rehearsal.observeEvents((execution, event) => {
    const key = `${execution.name} ${event.state}`;
    if (event.type !== 'StateEntered' || entered.has(key)) return;
    entered.add(key);
    for (const action of schedule.actions) {
      if (action.after?.name === execution.name && action.after.state === event.state) arm(action);
    }
  });
  for (const action of schedule.actions) if (!action.after) arm(action);
  try {
    for (;;) {
      await rehearsal.idle();
      if (armed === 0) return;
      await new Promise<void>((resolve) => (disarmed = resolve));
    }
  } finally {
    stopListening();
  }
}
