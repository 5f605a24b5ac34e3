/**
 * The systematic mode: a narrow window is easy to miss at random, so every one is tried. The
 * release v1 → v2 of a small fleet is recorded once, call by call; then for every call k, on a
 * fresh rehearsal replaying the same release (same seed, so the same calls):
 * - `stop-before`: StopExecution just before call k takes effect,
 * - `stop-after`: StopExecution just after call k took effect, before its answer reaches the handler,
 * each followed at once by a rollback, and separately by a release of v3; and
 * - `overlap`: no stop, a rollback (and separately a release of v3) starts just before call k.
 * Every case must end with zero violations and the convergence release succeeding.
 */
import type { ProfileName } from '../region/profile';
import { Rehearsal } from '../rehearsal';
import type { StepHandler } from '../executions';
import type { ObservedCall } from '../region';
import type { CfnTemplate } from '../template';
import type { ApiHarshness } from '../region/api-harshness';
import { requestInput } from './apply-action';
import { converge } from './converge';

/** Stopped just before the call takes effect, just after it did, or raced at it without a stop. */
export type SystematicMode = 'stop-before' | 'stop-after' | 'overlap';
/** Every mode, in the order cases are listed. */
export const SYSTEMATIC_MODES: readonly SystematicMode[] = ['stop-before', 'stop-after', 'overlap'];

/** How to run the systematic mode. */
export interface SystematicOptions {
  /** Instances the releases ask for. @default 2 */
  readonly capacity?: number;
  /** Seeds the region and `Math.random`. @default 1 */
  readonly seed?: number;
  /** The step handlers. @default - the real `lambda/<step>` */
  readonly loadHandler?: (step: string) => StepHandler;
  /** Timeline lines as they happen. @default - kept in the rehearsal only */
  readonly log?: (line: string) => void;
  /** Virtual time one phase may take before the case counts as stuck. @default 2 hours */
  readonly limitMs?: number;
  /** Virtual seconds watched after the convergence. @default 120 */
  readonly quietSeconds?: number;
  /** Rate limits, ambiguous failures and stale reads of the region. @default - API_HARSHNESS.typical */
  readonly api?: Partial<ApiHarshness>;
  /** Timings and quotas of the region (docs/aws-model.md). @default 'typical' */
  readonly profile?: ProfileName;
}

/** One case: where the release is interrupted or raced, and what starts then. */
export interface SystematicCase {
  /** Index of the call among those the recorded release makes (0 is its first). */
  readonly call: number;
  /** `Service.Command` of that call in the recording. */
  readonly command: string;
  readonly mode: SystematicMode;
  /** What starts at that instant. */
  readonly then: 'rollback' | 'release';
}

/** What running a case showed. */
export interface CaseOutcome {
  /** The case run. */
  readonly case: SystematicCase;
  /** Invariants broken, convergence failures, a replay that diverged; empty when all held. */
  readonly violations: readonly string[];
  /** `name STATUS Error` of every execution, in start order. */
  readonly executions: readonly string[];
  /** Wall-clock time it took. */
  readonly wallMs: number;
  /** The rehearsal, for a closer look. */
  readonly rehearsal: Rehearsal;
}

const FIRST_VERSION = 'v1';
const RELEASED_VERSION = 'v2';
const SECOND_RELEASE_VERSION = 'v3';

/** The calls of the release v1 → v2, in order: `Service.Command`. */
export async function recordRelease(
  template: CfnTemplate,
  options: SystematicOptions = {},
): Promise<string[]> {
  const rehearsal = rehearsalFor(template, options);
  const capacity = options.capacity ?? 2;
  await releaseFirstVersion(rehearsal, capacity);
  const calls: string[] = [];
  const stop = rehearsal.region.observeCalls({ before: (call) => calls.push(commandOf(call)) });
  const release = await rehearsal.execute(
    requestInput({ version: RELEASED_VERSION }, capacity),
    'release-v2',
  );
  stop();
  if (release.status !== 'SUCCEEDED') {
    throw new Error(
      `the recorded release of ${RELEASED_VERSION} ended ${release.status} ${release.error ?? ''}: ${release.cause ?? ''}`,
    );
  }
  return calls;
}

/** Every case for a recording: each call × each mode × (rollback, release). */
export function systematicCases(
  calls: readonly string[],
  modes: readonly SystematicMode[] = SYSTEMATIC_MODES,
): SystematicCase[] {
  return modes.flatMap((mode) =>
    (['rollback', 'release'] as const).flatMap((then) =>
      calls.map((command, call) => ({ call, command, mode, then })),
    ),
  );
}

/** The case in words. */
export function describeCase(c: SystematicCase): string {
  const what = c.then === 'rollback' ? 'a rollback' : `a release of ${SECOND_RELEASE_VERSION}`;
  const when = {
    'stop-before': `stopped just before call ${c.call} (${c.command}) took effect, then ${what}`,
    'stop-after': `stopped just after call ${c.call} (${c.command}) took effect, then ${what}`,
    overlap: `${what} started just before call ${c.call} (${c.command}), nothing stopped`,
  }[c.mode];
  return `release of ${RELEASED_VERSION} ${when}`;
}

/** Runs one case on a fresh rehearsal replaying the recorded release. */
export async function runSystematicCase(
  template: CfnTemplate,
  c: SystematicCase,
  options: SystematicOptions = {},
): Promise<CaseOutcome> {
  const started = Date.now();
  const capacity = options.capacity ?? 2;
  const rehearsal = rehearsalFor(template, options);
  const problems: string[] = [];
  try {
    await releaseFirstVersion(rehearsal, capacity);
    let first: number | undefined;
    let acted = false;
    // Its first call comes after the invoke latency: observing from just after the start misses none.
    const release = rehearsal.start(requestInput({ version: RELEASED_VERSION }, capacity), 'release-v2');
    const act = (call: ObservedCall) => {
      if (acted) return;
      acted = true;
      if (commandOf(call) !== c.command) {
        problems.push(
          `harness: the replay diverged at call ${c.call}: recorded ${c.command}, now ${commandOf(call)}`,
        );
      }
      if (c.mode !== 'overlap') rehearsal.stop(release, 'stopped by the systematic search');
      const request =
        c.then === 'rollback' ? { action: 'rollback' as const } : { version: SECOND_RELEASE_VERSION };
      rehearsal.start(requestInput(request, capacity), `then-${c.then}`);
    };
    const isCase = (call: ObservedCall) => {
      first ??= call.sequence;
      return call.sequence - first === c.call;
    };
    const stopObserving = rehearsal.region.observeCalls({
      before: (call) => isCase(call) && c.mode !== 'stop-after' && act(call),
      after: (call) => isCase(call) && c.mode === 'stop-after' && act(call),
    });
    await rehearsal.run(release.done.then(() => rehearsal.idle()));
    stopObserving();
    if (!acted) problems.push(`harness: call ${c.call} (${c.command}) never happened: the replay diverged`);
    problems.push(...(await converge(rehearsal, { capacity })));
    await rehearsal.advance(options.quietSeconds ?? 120);
  } catch (error) {
    problems.push(`stuck: ${(error as Error).message}`);
  }
  return {
    case: c,
    violations: [...rehearsal.violations(), ...problems],
    executions: rehearsal.executions().map((e) => [e.name, e.status, e.error].filter(Boolean).join(' ')),
    wallMs: Date.now() - started,
    rehearsal,
  };
}

function rehearsalFor(template: CfnTemplate, options: SystematicOptions): Rehearsal {
  return Rehearsal.fromTemplate(template, {
    seed: options.seed ?? 1,
    loadHandler: options.loadHandler,
    log: options.log,
    limitMs: options.limitMs ?? 2 * 3600_000,
    api: options.api,
    profile: options.profile,
  });
}

async function releaseFirstVersion(rehearsal: Rehearsal, capacity: number): Promise<void> {
  const first = await rehearsal.execute(requestInput({ version: FIRST_VERSION }, capacity), 'before-v1');
  if (first.status !== 'SUCCEEDED') {
    throw new Error(
      `the first release (${FIRST_VERSION}) ended ${first.status} ${first.error ?? ''}: ${first.cause ?? ''}`,
    );
  }
}

function commandOf(call: ObservedCall): string {
  return `${call.service}.${call.command}`;
}
