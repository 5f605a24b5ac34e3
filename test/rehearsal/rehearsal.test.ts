import { loadStepHandler } from '../../lib/rehearsal/executions';
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import { runScenario, secondsUntilOnlyVersion, tour } from '../../lib/rehearsal/scenarios';
import { readServiceTemplate } from '../../lib/rehearsal/template';
import { demoTemplate, rehearse } from './harness';

describe('the rehearsal', () => {
  test('runs the state machine taken from the synthesized template, with the real handlers', () => {
    const service = readServiceTemplate(demoTemplate());
    expect(Object.keys(service.taskSteps).sort()).toEqual(
      ['Bake', 'CheckHealth', 'Finalize', 'Prepare', 'Rollback', 'ScaleUp', 'Swap'].sort(),
    );
    expect(service.groups).toHaveLength(2);
    expect(service.targetGroups[0]).toMatchObject({ healthCheckIntervalSeconds: 5, healthyThreshold: 2 });
  });

  test('the default tour passes, and measures the rollback', async () => {
    const lines: string[] = [];
    const result = await runScenario('tour', tour, rehearse({ log: (line) => lines.push(line) }));
    expect(result.violations).toEqual([]);
    expect(result.checks.filter((c) => !c.passed)).toEqual([]);
    expect(result.passed).toBe(true);
    // Exit Standby (5 s), then registration and one passing check at a 5 s interval.
    expect(result.measurements.rollbackSeconds).toBeGreaterThan(5);
    expect(result.measurements.rollbackSeconds).toBeLessThan(20);
    expect(lines.some((l) => / Swap +.*green live/.test(l))).toBe(true);
    expect(lines.some((l) => /RolledBackOnRequest/.test(l))).toBe(true);
  });

  test('a workflow that strands instances in Standby is caught by the invariants', async () => {
    const r = rehearse({
      loadHandler: (step) =>
        step === 'finalize'
          ? async (state) => ({ ...state, next: 'released' }) // "finalizes" without terminating or unlocking
          : loadStepHandler(step),
    });
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    expect((await r.execute({ version: 'v2' })).status).toBe('SUCCEEDED');
    expect(r.violations()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/left in Standby/),
        expect.stringMatching(/lock is still held/),
      ]),
    );
  });

  test('refuses a template whose groups set DesiredCapacity', () => {
    const template = structuredClone(demoTemplate());
    const group = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::AutoScaling::AutoScalingGroup',
    )!;
    (group.Properties as Record<string, unknown>).DesiredCapacity = '2';
    expect(() => Rehearsal.fromTemplate(template)).toThrow(/sets DesiredCapacity/);
  });
});

describe('secondsUntilOnlyVersion', () => {
  const second = (time: number, servedByVersion: Record<string, number>, dropped = 0) => ({
    time: time * 1000,
    servedByVersion,
    dropped,
  });

  test('counts from the decision to the start of the first second from which only that version serves', () => {
    const traffic = [
      second(1, { v2: 10 }),
      second(2, { v1: 3, v2: 7 }),
      second(3, { v1: 10 }),
      second(4, { v1: 10 }),
    ];
    expect(secondsUntilOnlyVersion(traffic, 'v1', 0, 4000)).toBe(2);
  });

  test('is undefined when another version still serves at the end', () => {
    const traffic = [second(1, { v1: 10 }), second(2, { v2: 1, v1: 9 })];
    expect(secondsUntilOnlyVersion(traffic, 'v1', 0, 2000)).toBeUndefined();
  });
});
