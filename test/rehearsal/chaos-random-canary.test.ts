import { Duration } from 'aws-cdk-lib';
import { CANARY_WATCH_STATE_NAME } from '../../lib/contract/canary';
import {
  describeOutcome,
  generateSchedule,
  runSchedule,
  TASK_STATES,
  type ChaosSchedule,
} from '../../lib/rehearsal/chaos';
import type { ProfileName } from '../../lib/rehearsal/region/profile';
import { CHAOS_TIMEOUT_MS } from './chaos-fixture';
import { serviceTemplate } from './harness';

/**
 * The chaos search over a service with a canary (one instance, two minutes): the same schedules
 * (stops, overlapping releases and rollbacks, deaths, scaling, throttling), with their actions tied
 * to the states of the canary phase: the canary's ScaleUp and health wait, and its watch. Every
 * invariant holds and the convergence release succeeds. Three `harsh` schedules found by a wider
 * search are kept as regressions: stale target-health reads right after the canary turned healthy
 * showed it `initial`, and the watch rolled a good release back.
 */

const CANARY_STATES = ['ScaleUp', 'CheckHealth', CANARY_WATCH_STATE_NAME];
const CLEAN = 'zero violations, the convergence release succeeded';

const template = () =>
  serviceTemplate('chaos-canary', { canary: { instances: 1, duration: Duration.minutes(2) } });

/** Executions stopped (or taken over) while their canary was watched, over every schedule. */
let stoppedInCanary = 0;

describe('chaos search with a canary', () => {
  afterAll(() => {
    // The schedules reached what they were tied to: some stops hit a running canary.
    expect(stoppedInCanary).toBeGreaterThan(0);
  });

  const seeds = Array.from({ length: 30 }, (_, i) => 1 + i);
  test.each(seeds)(
    `schedule of seed %i: ${CLEAN}`,
    async (seed) => expect(await searched(generateSchedule(seed, { states: CANARY_STATES }))).toBe(CLEAN),
    CHAOS_TIMEOUT_MS,
  );

  test.each([
    [102, [...TASK_STATES, CANARY_WATCH_STATE_NAME]],
    [105, CANARY_STATES],
    [117, CANARY_STATES],
  ])(
    `harsh schedule of seed %i: ${CLEAN}`,
    async (seed, states) => expect(await searched(generateSchedule(seed, { states }), 'harsh')).toBe(CLEAN),
    CHAOS_TIMEOUT_MS,
  );
});

/** Runs a schedule; CLEAN, or what went wrong (also: no execution watched a canary). */
async function searched(schedule: ChaosSchedule, profile: ProfileName = 'typical'): Promise<string> {
  const outcome = await runSchedule(template(), schedule, { profile });
  const problems = [...outcome.violations];
  // The canary really ran: some execution of the schedule entered its watch.
  const watched = outcome.rehearsal
    .executions()
    .some((e) =>
      e.events.some((event) => event.type === 'StateEntered' && event.state === CANARY_WATCH_STATE_NAME),
    );
  for (const execution of outcome.rehearsal.executions()) {
    const entered = execution.events.filter((event) => event.type === 'StateEntered');
    if (execution.status === 'ABORTED' && entered.at(-1)?.state === CANARY_WATCH_STATE_NAME)
      stoppedInCanary += 1;
  }
  if (!watched) problems.push(`no execution entered ${CANARY_WATCH_STATE_NAME}`);
  return problems.length === 0 ? CLEAN : [...describeOutcome(outcome), ...problems].join('\n');
}
