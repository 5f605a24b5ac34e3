import {
  describeCase,
  describeOutcome,
  describeViolations,
  generateSchedule,
  recordRelease,
  replayCommand,
  runSchedule,
  runSystematicCase,
  systematicCases,
  type ChaosSchedule,
  type SystematicMode,
} from '../../lib/rehearsal/chaos';
import type { ProfileName } from '../../lib/rehearsal/region/profile';
import { demoTemplate } from './harness';

/**
 * The chaos tests: each schedule (random, replayed, or a systematic case) must end with zero
 * violations and the convergence release succeeding. A failure prints what to replay.
 */

/** Long enough for a few hundred rehearsals on a slow machine; each takes well under a second. */
export const CHAOS_TIMEOUT_MS = 15 * 60_000;

const CLEAN = 'zero violations, the convergence release succeeded';

/** `count` generated schedules from `firstSeed`, one test each, in a region of `profile`. */
export function randomSchedules(firstSeed: number, count: number, profile: ProfileName = 'typical'): void {
  const seeds = Array.from({ length: count }, (_, i) => firstSeed + i);
  const shrink = profile === 'typical' ? '' : ` --profile ${profile}`;
  test.each(seeds)(
    `schedule of seed %i (${profile}): ${CLEAN}`,
    async (seed) => {
      const outcome = await runSchedule(demoTemplate(), generateSchedule(seed), { profile });
      const found =
        outcome.violations.length === 0
          ? CLEAN
          : [...describeOutcome(outcome), `  shrink it: ${replayCommand(seed)}${shrink}`].join('\n');
      expect(found).toBe(CLEAN);
    },
    CHAOS_TIMEOUT_MS,
  );
}

/** A schedule written out (a shortest replay), as one test. */
export function replay(name: string, schedule: ChaosSchedule, profile: ProfileName = 'typical'): void {
  test(
    `${name}: ${CLEAN}`,
    async () => {
      const outcome = await runSchedule(demoTemplate(), schedule, { profile });
      const found = outcome.violations.length === 0 ? CLEAN : describeOutcome(outcome).join('\n');
      expect(found).toBe(CLEAN);
    },
    CHAOS_TIMEOUT_MS,
  );
}

/**
 * Every systematic case of one mode: one test for the rollback that follows, one for the release.
 * The release v1 → v2 is recorded once per file.
 */
export function systematicMode(mode: SystematicMode): void {
  let calls: string[] = [];
  beforeAll(async () => {
    calls = await recordRelease(demoTemplate());
  }, CHAOS_TIMEOUT_MS);

  test.each(['rollback', 'release'] as const)(
    `${mode}, at every call of the release v1 → v2, then a %s: ${CLEAN} in every case`,
    async (then) => {
      // A release of two instances makes well over a hundred calls: fewer would mean the recording broke.
      expect(calls.length).toBeGreaterThan(50);
      const failing: string[] = [];
      for (const c of systematicCases(calls, [mode]).filter((x) => x.then === then)) {
        const outcome = await runSystematicCase(demoTemplate(), c);
        if (outcome.violations.length > 0) {
          failing.push(
            `${describeCase(c)}\n    executions: ${outcome.executions.join(', ')}`,
            ...describeViolations(outcome.violations, '      '),
          );
        }
      }
      expect(failing.join('\n') || CLEAN).toBe(CLEAN);
    },
    CHAOS_TIMEOUT_MS,
  );
}
