import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenService } from '../../lib/blue-green-service';
import {
  RELEASE_HOOK_POINTS,
  RELEASE_HOOK_STATE_NAMES,
  RELEASE_LOCK_STATE_NAMES,
  type ReleaseHookPayload,
  type ReleaseHookPoint,
} from '../../lib/contract/release-hooks';
import { describeOutcome, generateSchedule, runSchedule, TASK_STATES } from '../../lib/rehearsal/chaos';
import { DYING_STATES } from '../../lib/rehearsal/chaos/generate';
import type { DyingState } from '../../lib/rehearsal/chaos/schedule';
import type { ReleaseHookHandlers } from '../../lib/rehearsal/release-hook-handlers';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { CHAOS_TIMEOUT_MS } from './chaos-fixture';
import { stubFunction } from './harness';

/**
 * The chaos search over a service with all four release hooks: the same schedules (stops,
 * overlapping releases and rollbacks, deaths, scaling, throttling), with actions also tied to the
 * hooks' Task states. Each hook answers after a few virtual seconds. Besides every invariant: no
 * hook runs twice for one execution, and every release that succeeded ran the hooks it is due
 * (beforeTraffic and afterFinalize always, the other two when a version served before it). Also
 * with pre-traffic validation, where beforeTraffic runs before the ScaleUp and instances die in
 * Pending:Wait too.
 */

const STATES = [
  ...TASK_STATES,
  ...RELEASE_HOOK_POINTS.map((point) => RELEASE_HOOK_STATE_NAMES[point]),
  ...Object.values(RELEASE_LOCK_STATE_NAMES),
];
const CLEAN = 'zero violations, each hook at most once per execution, due hooks run';

const templates = new Map<boolean, CfnTemplate>();

/**
 * The demo service with a hook function at each point (15-minute functions, 5-minute Tasks),
 * validating its launches when `validated`.
 */
function hookedTemplate(validated: boolean): CfnTemplate {
  let template = templates.get(validated);
  if (!template) {
    const stack = new Stack(new App(), 'ChaosHooks');
    const hook = (id: string) => ({ function: stubFunction(stack, id) });
    new BlueGreenService(stack, 'Service', {
      ...(validated ? { validation: { checks: [{ path: '/smoke' }] } } : {}),
      hooks: {
        beforeTraffic: hook('Expand'),
        afterTraffic: hook('Smoke'),
        beforeFinalize: hook('LastCheck'),
        afterFinalize: hook('Contract'),
      },
    });
    template = Template.fromStack(stack).toJSON() as CfnTemplate;
    templates.set(validated, template);
  }
  return template;
}

/** Handlers that record each call and answer after 1 to 4 virtual seconds. */
function recordingHooks(calls: ReleaseHookPayload[]): ReleaseHookHandlers {
  const handler = async (payload: ReleaseHookPayload) => {
    calls.push(payload);
    await new Promise((resolve) => setTimeout(resolve, 1000 + ((calls.length * 797) % 3000)));
  };
  return Object.fromEntries(RELEASE_HOOK_POINTS.map((point) => [point, handler]));
}

/** `count` schedules from `firstSeed`, one test each. */
function hookedSchedules(firstSeed: number, count: number, validated: boolean): void {
  const seeds = Array.from({ length: count }, (_, i) => firstSeed + i);
  const dyingStates: readonly DyingState[] = validated ? [...DYING_STATES, 'Pending:Wait'] : DYING_STATES;
  test.each(seeds)(
    `schedule of seed %i: ${CLEAN}`,
    async (seed) => {
      const calls: ReleaseHookPayload[] = [];
      const outcome = await runSchedule(
        hookedTemplate(validated),
        generateSchedule(seed, { states: STATES, dyingStates }),
        { hooks: recordingHooks(calls) },
      );
      const problems = [...outcome.violations];

      const seen = new Set<string>();
      for (const call of calls) {
        const key = `${call.executionArn} ${call.hook}`;
        if (seen.has(key)) problems.push(`hook ran twice: ${key}`);
        seen.add(key);
      }
      for (const execution of outcome.rehearsal.executions()) {
        const input = execution.input as { action?: string };
        if (execution.status !== 'SUCCEEDED' || (input.action ?? 'release') !== 'release') continue;
        const ran = new Set(calls.filter((c) => c.executionArn === execution.arn).map((c) => c.hook));
        const first = calls.find((c) => c.executionArn === execution.arn)?.previousVersion === '';
        const due: readonly ReleaseHookPoint[] = first
          ? ['beforeTraffic', 'afterFinalize']
          : RELEASE_HOOK_POINTS;
        for (const hook of due)
          if (!ran.has(hook)) problems.push(`${execution.name} succeeded without its ${hook} hook`);
      }
      const found = problems.length === 0 ? CLEAN : [...describeOutcome(outcome), ...problems].join('\n');
      expect(found).toBe(CLEAN);
    },
    CHAOS_TIMEOUT_MS,
  );
}

describe('chaos search with release hooks', () => {
  hookedSchedules(1, 60, false);
});

describe('chaos search with release hooks and pre-traffic validation', () => {
  hookedSchedules(201, 20, true);
});
