import { Duration } from 'aws-cdk-lib';
import { CANARY_WATCH_STATE_NAME } from '../../lib/contract/canary';
import { describeOutcome, generateSchedule, runSchedule } from '../../lib/rehearsal/chaos';
import { CHAOS_TIMEOUT_MS } from './chaos-fixture';
import { serviceTemplate } from './harness';

/**
 * The chaos search over a service with a canary (one instance, two minutes): the same schedules
 * (stops, overlapping releases and rollbacks, deaths, scaling, throttling), with their actions tied
 * to the states of the canary phase: the canary's ScaleUp and health wait, and its watch. Every
 * invariant holds and the convergence release succeeds.
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
    async (seed) => {
      const outcome = await runSchedule(template(), generateSchedule(seed, { states: CANARY_STATES }));
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
      const found = problems.length === 0 ? CLEAN : [...describeOutcome(outcome), ...problems].join('\n');
      expect(found).toBe(CLEAN);
    },
    CHAOS_TIMEOUT_MS,
  );
});
