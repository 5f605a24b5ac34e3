/** Prepare's decisions, pure: no mocks, snapshot data in, decisions out. */
import {
  classifyService,
  decidePrepare,
  type Classification,
  type PrepareInput,
} from '../../../lambda/prepare/decisions';
import type { SupersededIntent } from '../../../lib/contract/release-state';
import type { ValidatedRequest } from '../../../lib/contract/request';
import { GROUP_NAMES, inService, OTHER, snapshotOf, type GroupSpec } from '../fixtures';
import { live, idle } from './groups';

describe('classifyService', () => {
  describe('empty', () => {
    it('no tags and no instances (a new stack)', () => {
      expect(classifyService(snapshotOf({}, {}))).toEqual({ kind: 'empty' });
    });
    it('leaving instances do not count', () => {
      expect(classifyService(snapshotOf({ instances: [['i-1', 'Terminating']], desired: 0 }, idle))).toEqual({
        kind: 'empty',
      });
    });
    it('a live-tagged group with no instances and no standby anywhere', () => {
      expect(classifyService(snapshotOf({ role: 'live', version: 'v1.0.0' }, idle))).toEqual({
        kind: 'empty',
      });
    });
  });

  describe('stable', () => {
    it('one live group with InService instances, the other idle and empty', () => {
      expect(classifyService(snapshotOf(live(), idle))).toEqual({
        kind: 'stable',
        live: 'blue',
        idle: 'green',
      });
    });
    it('Pending instances in the live group (a scale-out) are still stable', () => {
      const snapshot = snapshotOf(idle, live({ instances: [...inService('g', 2), ['i-g9', 'Pending']] }));
      expect(classifyService(snapshot)).toEqual({ kind: 'stable', live: 'green', idle: 'blue' });
    });
    it('the other group may be untagged', () => {
      expect(classifyService(snapshotOf(live(), {}))).toMatchObject({ kind: 'stable' });
    });
  });

  describe('interrupted', () => {
    const reasonsOf = (c: Classification) =>
      c.kind === 'interrupted' ? c.reasons.join('\n') : `not interrupted: ${c.kind}`;
    it('a group tagged standby', () => {
      const c = classifyService(
        snapshotOf(
          { ...live(), role: 'standby', instances: [['i-b1', 'Standby']] },
          live({ instances: inService('g', 1) }),
        ),
      );
      expect(reasonsOf(c)).toMatch(/blue \(shop-blue\) is tagged bluegreen:role=standby/);
    });
    it('the idle group has instances', () => {
      const c = classifyService(
        snapshotOf(live(), { ...idle, version: 'v2.0.0', instances: [['i-g1', 'Pending']] }),
      );
      expect(reasonsOf(c)).toMatch(/green \(shop-green\) is not live but has 1 instance$/);
    });
    it('the idle group has desired capacity but no instance yet', () => {
      const c = classifyService(snapshotOf(live(), { ...idle, desired: 2 }));
      expect(reasonsOf(c)).toMatch(/not live but has desired capacity 2/);
    });
    it('the live group has instances in Standby or EnteringStandby', () => {
      const c = classifyService(
        snapshotOf(
          live({
            instances: [
              ['i-b1', 'InService'],
              ['i-b2', 'EnteringStandby'],
              ['i-b3', 'Standby'],
            ],
          }),
          idle,
        ),
      );
      expect(reasonsOf(c)).toMatch(/is live but has 2 instances in Standby/);
    });
    it('no live group but instances exist', () => {
      const c = classifyService(
        snapshotOf({ role: 'idle', version: 'v2.0.0', instances: inService('b', 2) }, {}),
      );
      expect(reasonsOf(c)).toMatch(/no group is live but blue \(shop-blue\) has 2 instances/);
    });
  });

  describe('unexplained', () => {
    const reasonsOf = (c: Classification) =>
      c.kind === 'unexplained' ? c.reasons.join('\n') : `not unexplained: ${c.kind}`;
    it('both groups live', () => {
      expect(reasonsOf(classifyService(snapshotOf(live(), live({ instances: inService('g', 1) }))))).toMatch(
        /both groups are tagged bluegreen:role=live/,
      );
    });
    it('both groups standby', () => {
      const c = classifyService(snapshotOf({ role: 'standby' }, { role: 'standby' }));
      expect(reasonsOf(c)).toMatch(/both groups are tagged bluegreen:role=standby/);
    });
    it('a role outside live, standby, idle', () => {
      expect(reasonsOf(classifyService(snapshotOf(live(), { role: 'canary' })))).toMatch(
        /green \(shop-green\) has bluegreen:role "canary"; expected live, standby, idle or no tag/,
      );
    });
    it('an invalid version tag on a group with instances', () => {
      const c = classifyService(snapshotOf(live({ version: 'v1; rm -rf /' }), idle));
      expect(reasonsOf(c)).toMatch(
        /blue \(shop-blue\) has 3 instances but its bluegreen:version tag \("v1; rm -rf \/"\)/,
      );
    });
    it('a missing version tag on a group with instances', () => {
      const c = classifyService(snapshotOf(live({ version: undefined }), idle));
      expect(reasonsOf(c)).toMatch(/bluegreen:version tag \(undefined\) does not match/);
    });
    it('an invalid version tag on an empty group is fine', () => {
      expect(classifyService(snapshotOf(live(), { role: 'idle', version: '../x' })).kind).toBe('stable');
    });
    it('a lifecycle state the workflow does not handle', () => {
      const c = classifyService(snapshotOf(live({ instances: [['i-b1', 'Quarantined']] }), idle));
      expect(reasonsOf(c)).toMatch(/instance i-b1 in blue \(shop-blue\) is Quarantined/);
    });
    it('collects every reason', () => {
      const c = classifyService(
        snapshotOf(live({ version: '$(id)' }), live({ role: 'live', instances: inService('g', 1) })),
      );
      expect(c.kind === 'unexplained' && c.reasons.length).toBe(2);
    });
  });
});

describe('decidePrepare', () => {
  const settings = {
    groupNames: GROUP_NAMES,
    maxCapacity: 6,
    defaultCapacity: 2,
    healthTimeoutSeconds: 900,
    bakeSeconds: 300,
  };
  const input = (
    request: ValidatedRequest,
    blue: GroupSpec,
    green: GroupSpec,
    extra: Partial<PrepareInput> = {},
  ) => {
    const snapshot = snapshotOf(blue, green);
    return {
      request,
      snapshot,
      classification: classifyService(snapshot),
      othersActing: false,
      recoveries: 0,
      settings,
      ...extra,
    };
  };
  const release: ValidatedRequest = { action: 'release', version: 'v2.0.0' };

  it('plans a release into the idle group with the live group capacity', () => {
    expect(decidePrepare(input(release, live(), idle))).toEqual({
      next: 'scaleUp',
      plan: {
        action: 'release',
        version: 'v2.0.0',
        targetColour: 'green',
        targetGroupName: 'shop-green',
        fromColour: 'blue',
        fromGroupName: 'shop-blue',
        fromVersion: 'v1.0.0',
        capacity: 3,
        healthTimeoutSeconds: 900,
        bakeSeconds: 300,
      },
    });
  });

  it('plans a first release into blue with the default capacity', () => {
    const decision = decidePrepare(input(release, {}, {}));
    expect(decision).toEqual({
      next: 'scaleUp',
      plan: expect.objectContaining({ targetColour: 'blue', capacity: 2 }),
    });
    expect(decision.next === 'scaleUp' && decision.plan.fromColour).toBeUndefined();
  });

  it('uses the requested capacity, health timeout and bake time', () => {
    const decision = decidePrepare(
      input({ ...release, capacity: 5, healthTimeoutSeconds: 120, bakeSeconds: 0 }, live(), idle),
    );
    expect(decision).toMatchObject({ plan: { capacity: 5, healthTimeoutSeconds: 120, bakeSeconds: 0 } });
  });

  it('refuses a live capacity above the maximum', () => {
    expect(() => decidePrepare(input(release, live({ desired: 8 }), idle))).toThrow(
      /capacity \(8, the live group's desired capacity\) must be an integer between 1 and 6/,
    );
  });

  it('sends an interrupted release to the rollback first and counts the recovery', () => {
    const blue = live({ instances: [['i-b1', 'Standby']] });
    expect(decidePrepare(input(release, blue, idle, { recoveries: 1 }))).toEqual({
      restoreVersion: 'v1.0.0',
      next: 'rollback',
      rollback: { reason: 'recovering an interrupted release before releasing v2.0.0', automatic: false },
      recoveries: 2,
    });
  });

  it('gives up when the recovery did not converge', () => {
    const blue = live({ instances: [['i-b1', 'Standby']] });
    expect(() => decidePrepare(input(release, blue, idle, { recoveries: 2 }))).toThrow(
      expect.objectContaining({
        name: 'UnexplainedState',
        message: expect.stringMatching(/did not converge/),
      }),
    );
  });

  it('refuses an unexplained state', () => {
    expect(() => decidePrepare(input(release, live(), live()))).toThrow(
      expect.objectContaining({ name: 'UnexplainedState' }),
    );
  });

  it('GIVEN a stable fleet but a step of another execution may still act WHEN a release is prepared THEN it recovers first', () => {
    expect(decidePrepare(input(release, live(), idle, { othersActing: true }))).toEqual({
      next: 'rollback',
      rollback: { reason: 'recovering an interrupted release before releasing v2.0.0', automatic: false },
      recoveries: 1,
      restoreVersion: 'v1.0.0',
    });
    expect(() => decidePrepare(input(release, live(), idle, { othersActing: true, recoveries: 2 }))).toThrow(
      expect.objectContaining({
        name: 'UnexplainedState',
        message: 'recovery did not converge after 2 attempts: another step may still be acting',
      }),
    );
  });

  describe('a rollback request', () => {
    const rollback: ValidatedRequest = { action: 'rollback' };
    /** v2.0.0 live in green after a release from v1.0.0 in blue. */
    const liveGreenV2 = live({ version: 'v2.0.0', previousVersion: 'v1.0.0', instances: inService('g', 3) });
    const idleBlue: GroupSpec = { role: 'idle', version: 'v1.0.0' };
    const releaseV2: SupersededIntent = {
      owner: OTHER,
      action: 'release',
      version: 'v2.0.0',
      fromVersion: 'v1.0.0',
    };

    it('GIVEN it took over a release from v1.0.0 and v1.0.0 is live WHEN prepared THEN it converges to confirm, never rolling back further', () => {
      expect(decidePrepare(input(rollback, live(), idle, { superseded: releaseV2 }))).toEqual({
        next: 'rollback',
        rollback: { reason: 'rollback requested: v1.0.0 is live', automatic: false },
        recoveries: 0,
        restoreVersion: 'v1.0.0',
      });
    });

    it('GIVEN it took over a release from v1.0.0 that got as far as making v2.0.0 live WHEN prepared THEN it releases v1.0.0 again', () => {
      expect(decidePrepare(input(rollback, idleBlue, liveGreenV2, { superseded: releaseV2 }))).toMatchObject({
        next: 'scaleUp',
        plan: { action: 'rollback', version: 'v1.0.0', targetColour: 'blue', fromVersion: 'v2.0.0' },
      });
    });

    it('GIVEN it took over a rollback to v1.0.0 that already made it live WHEN prepared THEN it confirms instead of going back to v0.9.0', () => {
      // Blue's previous version is v0.9.0: without the goal, a second rollback would undo the first.
      const superseded: SupersededIntent = {
        owner: OTHER,
        action: 'rollback',
        version: 'v1.0.0',
        fromVersion: 'v2.0.0',
      };
      expect(decidePrepare(input(rollback, live(), idle, { superseded }))).toMatchObject({
        next: 'rollback',
        rollback: { reason: 'rollback requested: v1.0.0 is live', automatic: false },
      });
    });

    it('GIVEN it took over a rollback to v1.0.0 that had not got far WHEN prepared THEN it re-releases v1.0.0', () => {
      const superseded: SupersededIntent = {
        owner: OTHER,
        action: 'rollback',
        version: 'v1.0.0',
        fromVersion: 'v2.0.0',
      };
      expect(decidePrepare(input(rollback, idleBlue, liveGreenV2, { superseded }))).toMatchObject({
        next: 'scaleUp',
        plan: { action: 'rollback', version: 'v1.0.0', targetColour: 'blue' },
      });
    });

    it('GIVEN others may still act WHEN the goal is already live THEN it converges and counts the attempt', () => {
      expect(
        decidePrepare(input(rollback, live(), idle, { superseded: releaseV2, othersActing: true })),
      ).toEqual({
        next: 'rollback',
        rollback: { reason: 'rollback requested', automatic: false },
        recoveries: 1,
        restoreVersion: 'v1.0.0',
      });
    });

    it('GIVEN two convergence attempts already WHEN still interrupted or others still act THEN it gives up, naming why', () => {
      const blue = {
        ...live(),
        role: 'standby',
        instances: [['i-b1', 'Standby']] as Array<[string, string]>,
      };
      expect(() =>
        decidePrepare(input(rollback, blue, live({ instances: inService('g', 1) }), { recoveries: 2 })),
      ).toThrow(
        expect.objectContaining({
          name: 'UnexplainedState',
          message: expect.stringMatching(
            /^rollback did not converge after 2 attempts: .*tagged bluegreen:role=standby/,
          ),
        }),
      );
      expect(() =>
        decidePrepare(input(rollback, live(), idle, { othersActing: true, recoveries: 2 })),
      ).toThrow('rollback did not converge after 2 attempts: another step may still be acting');
    });

    it('releases the previous version into the idle group when stable', () => {
      expect(decidePrepare(input(rollback, live(), idle))).toMatchObject({
        next: 'scaleUp',
        plan: {
          action: 'rollback',
          version: 'v0.9.0',
          targetColour: 'green',
          fromColour: 'blue',
          fromVersion: 'v1.0.0',
        },
      });
    });
    it('converges an interrupted release, counting the attempt (capped like a recovery)', () => {
      const blue = {
        ...live(),
        role: 'standby',
        instances: [['i-b1', 'Standby']] as Array<[string, string]>,
      };
      expect(decidePrepare(input(rollback, blue, live({ instances: inService('g', 1) })))).toEqual({
        next: 'rollback',
        rollback: { reason: 'rollback requested', automatic: false },
        recoveries: 1,
        restoreVersion: 'v1.0.0',
      });
    });
    it('converges when another execution may still be acting (it took the lock over), whatever the fleet looks like', () => {
      expect(decidePrepare(input(rollback, live(), idle, { othersActing: true }))).toMatchObject({
        next: 'rollback',
        recoveries: 1,
      });
    });
    it('refuses when there is nothing to roll back to', () => {
      expect(() => decidePrepare(input(rollback, {}, {}))).toThrow(
        /nothing to roll back to: no group is live/,
      );
      expect(() => decidePrepare(input(rollback, live({ previousVersion: '' }), idle))).toThrow(
        expect.objectContaining({
          name: 'InvalidRequest',
          message: expect.stringMatching(/^nothing to roll back to: .*previous-version/),
        }),
      );
    });
  });
});
