import { loadStepHandler, type StepHandler } from '../../lib/rehearsal/executions';
import {
  applyAction,
  describeAction,
  describeCase,
  generateSchedule,
  keepActions,
  MAIN_EXECUTION,
  runSchedule,
  shrinkSchedule,
  systematicCases,
  violationKind,
  type ChaosAction,
  type ChaosSchedule,
} from '../../lib/rehearsal/chaos';
import { demoTemplate, groupOf, rehearse } from './harness';

/** The chaos machinery itself: schedules, their shrinking, and a run that can fail. */

const seeds = Array.from({ length: 200 }, (_, i) => i + 1);

describe('generated schedules', () => {
  test('the same seed gives the same schedule; other seeds, other schedules', () => {
    expect(generateSchedule(42)).toEqual(generateSchedule(42));
    const distinct = new Set(seeds.map((seed) => JSON.stringify(generateSchedule(seed).actions)));
    expect(distinct.size).toBe(seeds.length);
  });

  test('each starts with the main execution at instant 0: a release of v2, or a rollback after v1 and v2', () => {
    for (const seed of seeds) {
      const { before, actions } = generateSchedule(seed);
      const [first] = actions;
      expect(first).toMatchObject({ at: 0, do: 'start', name: MAIN_EXECUTION });
      expect(first.after).toBeUndefined();
      const rollback = first.do === 'start' && 'action' in first.request;
      expect(before).toEqual(rollback ? ['v1', 'v2'] : ['v1']);
    }
  });

  test('stops and anchors name executions the schedule starts; releases use fresh versions below v9', () => {
    for (const seed of seeds) {
      const { actions } = generateSchedule(seed);
      const starts = actions.filter((a) => a.do === 'start');
      const names = new Set(starts.map((a) => a.name));
      expect(names.size).toBe(starts.length);
      for (const action of actions) {
        if (action.do === 'stop') expect(names).toContain(action.name);
        if (action.after) expect(names).toContain(action.after.name);
      }
      const versions = starts.flatMap((a) => ('version' in a.request ? [a.request.version] : []));
      expect(new Set(versions).size).toBe(versions.length);
      for (const version of versions) expect(Number(version.slice(1))).toBeLessThan(9);
    }
  });

  test('over many seeds every kind of action shows up, tied to a state or not', () => {
    const all = seeds.flatMap((seed) => generateSchedule(seed).actions);
    const kinds = new Set(all.map((a) => `${a.do} ${a.after ? 'tied' : 'timed'}`));
    for (const kind of ['stop', 'start', 'kill', 'scale', 'fail-calls']) {
      expect(kinds).toContain(`${kind} tied`);
      expect(kinds).toContain(`${kind} timed`);
    }
    const kills = all.filter((a) => a.do === 'kill');
    expect(new Set(kills.map((a) => a.state))).toEqual(
      new Set(['Pending', 'InService', 'Standby', 'EnteringStandby']),
    );
    expect(new Set(kills.map((a) => a.how))).toEqual(new Set(['impair', 'terminate']));
    const scales = all.filter((a) => a.do === 'scale');
    expect(scales.some((a) => a.by < 0) && scales.some((a) => a.by > 0)).toBe(true);
  });

  test('actions read as one line each', () => {
    const stop: ChaosAction = {
      at: 230,
      after: { name: 'chaos-a', state: 'Swap' },
      do: 'stop',
      name: 'chaos-a',
    };
    expect(describeAction(stop)).toBe('+0.230s after chaos-a enters Swap: stop chaos-a');
    expect(describeAction({ at: 73512, do: 'scale', colour: 'green', by: -2 })).toBe(
      '+73.512s scale in green by 2',
    );
  });
});

describe('shrinking', () => {
  const schedule: ChaosSchedule = {
    seed: 1,
    before: ['v1'],
    actions: [0, 1, 2, 3, 4, 5].map((at) => ({ at, do: 'scale', colour: 'blue', by: 1 })),
  };

  test('keeps exactly the actions the violation needs', async () => {
    const needed = (s: ChaosSchedule) => [1, 4].every((at) => s.actions.some((a) => a.at === at));
    const { schedule: shortest, runs } = await shrinkSchedule(schedule, async (s) => needed(s));
    expect(shortest.actions.map((a) => a.at)).toEqual([1, 4]);
    expect(runs).toBeGreaterThanOrEqual(6);
  });

  test('a violation that needs nothing shrinks to no action; one that needs everything, not at all', async () => {
    expect((await shrinkSchedule(schedule, async () => true)).schedule.actions).toEqual([]);
    const all = await shrinkSchedule(schedule, async (s) => s.actions.length === 6);
    expect(all.schedule).toEqual(schedule);
  });

  test('keepActions keeps the actions at the given indices', () => {
    expect(keepActions(schedule, [0, 5]).actions.map((a) => a.at)).toEqual([0, 5]);
  });
});

describe('violation kinds', () => {
  test('the same invariant broken at other times, by other executions, with other counts: one kind', () => {
    expect(violationKind('at +00:02:03: 20 request(s) dropped')).toBe(
      violationKind('at +00:09:13: 7 request(s) dropped'),
    );
    expect(
      violationKind(
        'after chaos-b: chaos-b reports rolled-back v2, but the version live before the release it rolls back is v1',
      ),
    ).toBe(
      violationKind(
        'after converge-1: converge-1 reports rolled-back v5, but the version live before the release it rolls back is v3',
      ),
    );
  });

  test('different invariants: different kinds', () => {
    expect(violationKind('at +00:02:03: 20 request(s) dropped')).not.toBe(
      violationKind('after chaos-a: the release lock is still held'),
    );
  });
});

describe('running a schedule', () => {
  const quiet: ChaosSchedule = {
    seed: 5,
    before: ['v1'],
    actions: [{ at: 0, do: 'start', name: MAIN_EXECUTION, request: { version: 'v2' } }],
  };

  test('a plain release, then the convergence: zero violations, v9 released', async () => {
    const outcome = await runSchedule(demoTemplate(), quiet);
    expect(outcome.violations).toEqual([]);
    expect(outcome.executions).toEqual(['before-v1 SUCCEEDED', 'chaos-a SUCCEEDED', 'converge-1 SUCCEEDED']);
  });

  test('a workflow that cannot finalize: the convergence release fails, and that is a violation', async () => {
    const broken = (step: string): StepHandler =>
      step === 'finalize'
        ? async (state) => {
            if (state.request?.version === 'v9') throw new Error('finalize is broken');
            return loadStepHandler(step)(state);
          }
        : loadStepHandler(step);
    const outcome = await runSchedule(demoTemplate(), quiet, { loadHandler: broken });
    expect(outcome.violations).toEqual(
      expect.arrayContaining([expect.stringMatching(/^convergence: the release of v9 ended FAILED/)]),
    );
  });

  test('a kill never takes the last healthy target still answering in its group', async () => {
    const r = rehearse();
    await r.execute({ version: 'v1' });
    const kill = (pick: number): ChaosAction => ({
      at: 0,
      do: 'kill',
      colour: 'blue',
      state: 'InService',
      pick,
      how: 'impair',
    });
    const noted = r.monitor.timeline.length;
    applyAction(r, kill(0), 2);
    applyAction(r, kill(1), 2);
    const notes = r.monitor.timeline.slice(noted).map((e) => e.text);
    expect(notes).toEqual([
      expect.stringMatching(/impair blue InService instance #0 \(i-\w+\)$/),
      expect.stringMatching(
        /impair blue InService instance #1 \(no-op: i-\w+ is the last healthy target answering in its group\)$/,
      ),
    ]);
    const live = r.region.observe().groups.find((g) => g.name === groupOf(r, 'blue'))!;
    expect(live.instances.filter((i) => i.killed)).toHaveLength(1);
  });

  test('nor the last one of the group about to take the traffic, though the other group still answers', async () => {
    const r = rehearse();
    await r.execute({ version: 'v1' });
    const release = r.start({ version: 'v2' });
    await r.runUntilState(release, 'Swap');
    const kill = (pick: number): ChaosAction => ({
      at: 0,
      do: 'kill',
      colour: 'green',
      state: 'InService',
      pick,
      how: 'impair',
    });
    const noted = r.monitor.timeline.length;
    applyAction(r, kill(0), 2);
    applyAction(r, kill(1), 2);
    expect(r.monitor.timeline.slice(noted).map((e) => e.text)).toEqual([
      expect.stringMatching(/impair green InService instance #0 \(i-\w+\)$/),
      expect.stringMatching(/#1 \(no-op: i-\w+ is the last healthy target answering in its group\)$/),
    ]);
  });
});

describe('systematic cases', () => {
  test('every call × stopped before it, stopped after it, or raced at it × then a rollback or a release', () => {
    const cases = systematicCases(['DynamoDB.GetItem', 'AutoScaling.SetDesiredCapacity']);
    expect(cases).toHaveLength(12);
    expect(new Set(cases.map((c) => `${c.mode} ${c.then} ${c.call}`)).size).toBe(12);
    expect(
      describeCase(cases.find((c) => c.mode === 'stop-after' && c.then === 'release' && c.call === 1)!),
    ).toBe(
      'release of v2 stopped just after call 1 (AutoScaling.SetDesiredCapacity) took effect, then a release of v3',
    );
  });
});
