/** The canary phase's decisions, pure: the plan, ScaleUp's target, the health wait, the watch. */
import { decideHealth } from '../../../lambda/check-health/decisions';
import { classifyService, decidePrepare, planCanary } from '../../../lambda/prepare/decisions';
import { capacitiesOfThisRelease, decideScaleUp } from '../../../lambda/scale-up/decisions';
import { canaryProblems, decideCanary, type CanaryReading } from '../../../lambda/watch-bake/decisions';
import { describeCanary, describePassedCanary } from '../../../lib/contract/canary';
import type { ValidatedRequest } from '../../../lib/contract/request';
import { allHealthy, baseState, basePlan, GROUP_NAMES, groupView, inService, snapshotOf } from '../fixtures';
import { idle, live } from './groups';

const CANARY = { instances: 1, durationSeconds: 300 };
const plan = basePlan({ capacity: 3, healthDeadline: 10_000, canary: CANARY });

describe('planCanary', () => {
  it('plans the canary for a release beside a live fleet', () => {
    expect(planCanary('release', true, 3, CANARY)).toEqual({ canary: CANARY });
  });
  it('plans none without a configured canary', () => {
    expect(planCanary('release', true, 3, undefined)).toEqual({});
  });
  it('plans none on a first release (no live fleet)', () => {
    expect(planCanary('release', false, 3, CANARY)).toEqual({});
  });
  it('plans none for a rollback that relaunches the previous version', () => {
    expect(planCanary('rollback', true, 3, CANARY)).toEqual({});
  });
  it('plans none when the canary would be the whole fleet', () => {
    expect(planCanary('release', true, 2, { instances: 2, durationSeconds: 60 })).toEqual({});
  });

  describe('through decidePrepare', () => {
    const settings = {
      groupNames: GROUP_NAMES,
      maxCapacity: 6,
      defaultCapacity: 2,
      healthTimeoutSeconds: 900,
      bakeSeconds: 300,
      canary: CANARY,
    };
    const decide = (request: ValidatedRequest, blue = live(), green = idle) => {
      const snapshot = snapshotOf(blue, green);
      return decidePrepare({
        request,
        snapshot,
        classification: classifyService(snapshot),
        othersActing: false,
        recoveries: 0,
        settings,
      });
    };
    it('a release carries the canary in its plan', () => {
      expect(decide({ action: 'release', version: 'v2.0.0' })).toMatchObject({
        next: 'scaleUp',
        plan: { capacity: 3, canary: CANARY },
      });
    });
    it('a rollback request re-releasing the previous version has none', () => {
      const decision = decide({ action: 'rollback' });
      expect(decision).toMatchObject({ next: 'scaleUp', plan: { action: 'rollback', version: 'v0.9.0' } });
      expect(decision.next === 'scaleUp' && decision.plan.canary).toBeUndefined();
    });
    it('a first release has none', () => {
      const decision = decide({ action: 'release', version: 'v2.0.0' }, {}, {});
      expect(decision.next === 'scaleUp' && decision.plan.canary).toBeUndefined();
    });
  });
});

describe('decideScaleUp', () => {
  it('brings up the canary first', () => {
    expect(decideScaleUp(plan, undefined)).toEqual({ desiredCapacity: 1, phase: 'canary' });
    expect(decideScaleUp(plan, 'canary')).toEqual({ desiredCapacity: 1, phase: 'canary' });
  });
  it('brings up the planned capacity once the canary passed', () => {
    expect(decideScaleUp(plan, 'full')).toEqual({ desiredCapacity: 3, phase: 'full' });
  });
  it('without a canary, the planned capacity and no phase', () => {
    expect(decideScaleUp(basePlan({ capacity: 3 }), undefined)).toEqual({ desiredCapacity: 3 });
  });
  it('the full scale-up finds the canary in the group as its own', () => {
    expect(capacitiesOfThisRelease(plan, decideScaleUp(plan, 'full'))).toEqual([1, 3]);
    expect(capacitiesOfThisRelease(plan, decideScaleUp(plan, 'canary'))).toEqual([1]);
  });
});

describe('decideHealth in the canary phase', () => {
  it('starts the canary watch once the canary is healthy', () => {
    const instances = inService('g', 1);
    const decision = decideHealth(
      plan,
      groupView('green', { instances }),
      allHealthy({ instances }),
      0,
      'canary',
    );
    expect(decision).toEqual({
      next: 'canary',
      progress: { healthy: 1, wanted: 1, lifecycle: { InService: 1 } },
    });
  });
  it('swaps once the full capacity is healthy after the canary', () => {
    const instances = inService('g', 3);
    const group = groupView('green', { instances });
    expect(decideHealth(plan, group, allHealthy({ instances }), 0, 'full').next).toBe('swap');
    expect(
      decideHealth(
        plan,
        groupView('green', { instances: inService('g', 1) }),
        allHealthy({ instances }),
        0,
        'full',
      ).next,
    ).toBe('waitForHealth');
  });
  it('names the canary in a health timeout', () => {
    const instances: Array<[string, string]> = [['i-g1', 'Pending']];
    const decision = decideHealth(plan, groupView('green', { instances }), {}, 10_000, 'canary');
    expect(decision.rollback?.reason).toBe('health timeout: 0 of 1 canary instances healthy after 900 s');
  });
});

describe('decideCanary', () => {
  const startedAt = 1_000_000;
  const timings = { canaryHealthy: startedAt };
  const instances = inService('g', 1);
  const group = groupView('green', { instances });
  const healthy = allHealthy({ instances });
  const unhealthy = { [instances[0][0]]: 'unhealthy' as const };
  const reading = (readAt: number, extra: Partial<CanaryReading> = {}): CanaryReading => ({
    alarms: [],
    canaryGroup: group,
    targetHealth: healthy,
    readAt,
    settleMs: 10_000,
    ...extra,
  });

  it('watches on until the duration is over', () => {
    expect(decideCanary(plan, timings, reading(startedAt + 120_000))).toEqual({
      next: 'canary',
      remainingMs: 180_000,
    });
  });
  it('sends the release to its full scale-up once the duration is over', () => {
    expect(decideCanary(plan, timings, reading(startedAt + 300_000))).toEqual({ next: 'scaleUp' });
  });
  it('rolls back on an alarm in ALARM, naming it and the canary', () => {
    const alarms = [
      { name: 'ok-alarm', state: 'OK' },
      { name: 'shop-5xx', state: 'ALARM', reason: 'Threshold Crossed' },
    ];
    expect(decideCanary(plan, timings, reading(startedAt + 1_000, { alarms }))).toEqual({
      next: 'rollback',
      rollback: {
        reason: 'alarm shop-5xx in ALARM during the canary of v2.0.0: Threshold Crossed',
        automatic: true,
      },
    });
  });
  it('a first read of an unhealthy canary only starts the count (reads lag)', () => {
    expect(decideCanary(plan, timings, reading(startedAt + 1_000, { targetHealth: unhealthy }))).toEqual({
      next: 'canary',
      remainingMs: 299_000,
      troubleSince: startedAt + 1_000,
    });
    // Still within the settle time: watch on, the count kept.
    const again = reading(startedAt + 10_999, { targetHealth: unhealthy, troubleSince: startedAt + 1_000 });
    expect(decideCanary(plan, timings, again)).toMatchObject({
      next: 'canary',
      troubleSince: startedAt + 1_000,
    });
  });
  it('rolls back once reads the settle time apart all showed the canary unhealthy, naming it', () => {
    const decision = decideCanary(
      plan,
      timings,
      reading(startedAt + 11_000, { targetHealth: unhealthy, troubleSince: startedAt + 1_000 }),
    );
    expect(decision).toEqual({
      next: 'rollback',
      rollback: {
        reason:
          'the canary of v2.0.0 stopped serving: i-g001 is InService, unhealthy on the target group; 0 of 1 canary instances healthy',
        automatic: true,
      },
    });
  });
  it('a healthy read in between clears the count', () => {
    expect(
      decideCanary(plan, timings, reading(startedAt + 11_000, { troubleSince: startedAt + 1_000 })),
    ).toEqual({
      next: 'canary',
      remainingMs: 289_000,
    });
  });
  it('does not pass an unconfirmed problem at the end of the duration', () => {
    const late = reading(startedAt + 300_000, { targetHealth: unhealthy, troubleSince: startedAt + 295_000 });
    expect(decideCanary(plan, timings, late)).toEqual({
      next: 'canary',
      remainingMs: 0,
      troubleSince: startedAt + 295_000,
    });
  });
  it('rolls back when a canary instance is gone', () => {
    const gone = groupView('green', { instances: [['i-g1', 'Terminating']] });
    const decision = decideCanary(
      plan,
      timings,
      reading(startedAt + 20_000, { canaryGroup: gone, targetHealth: {}, troubleSince: startedAt + 5_000 }),
    );
    expect(decision.next === 'rollback' && decision.rollback.reason).toBe(
      'the canary of v2.0.0 stopped serving: 0 of 1 canary instances healthy',
    );
  });
  it('refuses a plan without a canary, or a state without the canary start, naming what is missing', () => {
    expect(() => decideCanary(basePlan(), timings, reading(0))).toThrow(/needs a canary in the plan/);
    expect(() => decideCanary(plan, {}, reading(0))).toThrow(/needs the time its instances were healthy/);
  });
  it('canaryProblems: none while every canary instance serves', () => {
    expect(canaryProblems(group, healthy, 1)).toEqual([]);
  });
});

describe('describeCanary', () => {
  const state = baseState({ plan, phase: 'canary' });
  it('says the canary is starting before it serves', () => {
    expect(describeCanary(state, 0)).toBe('canary: starting 1 instance of v2.0.0');
  });
  it('says how long the serving canary has left', () => {
    const serving = { ...state, timings: { canaryHealthy: 1_000_000 } };
    expect(describeCanary(serving, 1_000_000 + 48_000)).toBe(
      'canary: 1 instance of v2.0.0 taking traffic, 4 min 12 s left',
    );
    expect(describeCanary(serving, 1_000_000 + 290_500)).toBe(
      'canary: 1 instance of v2.0.0 taking traffic, 10 s left',
    );
  });
  it('says whole minutes without seconds, and a passed canary in a few words', () => {
    const serving = { ...state, timings: { canaryHealthy: 1_000_000 } };
    expect(describeCanary(serving, 1_000_000)).toBe(
      'canary: 1 instance of v2.0.0 taking traffic, 5 min left',
    );
    expect(describePassedCanary({ instances: 2, durationSeconds: 3_720 })).toBe('2 instances for 1 h 2 min');
  });
  it('says nothing outside the canary phase', () => {
    expect(describeCanary({ ...state, phase: 'full' }, 0)).toBeUndefined();
    expect(describeCanary(baseState(), 0)).toBeUndefined();
    expect(describeCanary(undefined, 0)).toBeUndefined();
  });
});
