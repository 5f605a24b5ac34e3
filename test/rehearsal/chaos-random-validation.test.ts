import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenService } from '../../lib/blue-green-service';
import { describeOutcome, generateSchedule, runSchedule } from '../../lib/rehearsal/chaos';
import { DYING_STATES } from '../../lib/rehearsal/chaos/generate';
import type { ProfileName } from '../../lib/rehearsal/region/profile';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { CHAOS_TIMEOUT_MS } from './chaos-fixture';

/**
 * The chaos search over a service that validates every launch before traffic: the same kinds of
 * schedule (stops, overlapping releases and rollbacks, instance deaths, scaling, throttling), with
 * deaths of instances held in Pending:Wait too. Besides every
 * invariant (among them: no user request reached an instance before its lifecycle action was
 * completed with CONTINUE), no instance stays in Pending:Wait once the service is at rest.
 */

const CLEAN = 'zero violations, launches validated, nothing left in Pending:Wait';

let template: CfnTemplate | undefined;

function validatedTemplate(): CfnTemplate {
  if (!template) {
    const stack = new Stack(new App(), 'ChaosValidation');
    new BlueGreenService(stack, 'Service', { validation: { checks: [{ path: '/smoke' }] } });
    template = Template.fromStack(stack).toJSON() as CfnTemplate;
  }
  return template;
}

/** `count` schedules from `firstSeed` in a region of `profile`, one test each. */
function validatedSchedules(firstSeed: number, count: number, profile: ProfileName): void {
  const seeds = Array.from({ length: count }, (_, i) => firstSeed + i);
  test.each(seeds)(
    `${profile} schedule of seed %i: ${CLEAN}`,
    async (seed) => {
      const outcome = await runSchedule(
        validatedTemplate(),
        generateSchedule(seed, { dyingStates: [...DYING_STATES, 'Pending:Wait'] }),
        { profile },
      );
      const problems = [...outcome.violations];
      // Passed: let in at once (CONTINUE) or held for its release to let in (HELD).
      const passed = outcome.rehearsal.validation!.invocations.filter(
        (i) => i.output?.result === 'CONTINUE' || i.output?.result === 'HELD',
      );
      if (passed.length === 0) problems.push('harness: no instance was validated');
      for (const group of outcome.rehearsal.monitor.view().groups) {
        const waiting = group.instances.filter((i) => i.lifecycleState === 'Pending:Wait');
        if (waiting.length > 0)
          problems.push(`${group.name}: ${waiting.map((i) => i.id).join(', ')} still in Pending:Wait`);
      }
      const found = problems.length === 0 ? CLEAN : [...describeOutcome(outcome), ...problems].join('\n');
      expect(found).toBe(CLEAN);
    },
    CHAOS_TIMEOUT_MS,
  );
}

describe('chaos search with pre-traffic validation', () => {
  validatedSchedules(1, 30, 'typical');
  validatedSchedules(101, 15, 'harsh');
});
