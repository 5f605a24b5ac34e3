/** The pure decisions: no mocks, snapshot data in, decisions out. */
import {
  activeInstances,
  assertPlannedVersion,
  chooseRestoreGroup,
  classifyService,
  decideHealth,
  decidePrepare,
  isLeaving,
  liveFleetSize,
  nextAfterRollback,
  planFinalize,
  planRollback,
  planSwap,
  recordTiming,
  restoreCapacity,
  rollbackForError,
  rollbackGoal,
  type Classification,
  type PrepareInput,
  type RollbackInput,
} from '../../lambda/shared/decisions';
import type { SupersededIntent } from '../../lambda/shared/lock';
import type { FleetSnapshot } from '../../lambda/shared/types';
import type { ValidatedRequest } from '../../lambda/shared/request';
import {
  allHealthy,
  basePlan,
  GROUP_NAMES,
  groupView,
  inService,
  OTHER,
  snapshotOf,
  type GroupSpec,
} from './fixtures';

const live = (extra: GroupSpec = {}): GroupSpec => ({
  role: 'live',
  version: 'v1.0.0',
  previousVersion: 'v0.9.0',
  min: 2,
  instances: inService('b', 3),
  ...extra,
});
const idle: GroupSpec = { role: 'idle', version: 'v0.9.0' };

describe('isLeaving', () => {
  it.each(['Terminating', 'Terminating:Wait', 'Terminating:Proceed', 'Terminated', 'Detaching', 'Detached'])(
    '%s is leaving',
    (state) => expect(isLeaving(state)).toBe(true),
  );
  it.each(['InService', 'Pending', 'Pending:Wait', 'Pending:Proceed', 'Standby', 'EnteringStandby'])(
    '%s is not leaving',
    (state) => expect(isLeaving(state)).toBe(false),
  );
});

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

describe('rollbackGoal', () => {
  it('GIVEN nothing superseded THEN no goal (the live group’s previous version is the target)', () => {
    expect(rollbackGoal(undefined)).toBeUndefined();
  });
  it('GIVEN a superseded release THEN the version live before it', () => {
    expect(rollbackGoal({ owner: OTHER, action: 'release', version: 'v2', fromVersion: 'v1' })).toBe('v1');
  });
  it('GIVEN a superseded rollback THEN the version it was restoring', () => {
    expect(rollbackGoal({ owner: OTHER, action: 'rollback', version: 'v1', fromVersion: 'v2' })).toBe('v1');
  });
});

describe('assertPlannedVersion', () => {
  const plan = basePlan({ version: 'v2.0.0' });
  it('GIVEN the group carries the planned version THEN it passes', () => {
    expect(() => assertPlannedVersion(plan, groupView('green', { version: 'v2.0.0' }))).not.toThrow();
  });
  it('GIVEN another version tag, or none THEN VersionChanged naming both', () => {
    expect(() => assertPlannedVersion(plan, groupView('green', { version: 'v3.0.0' }))).toThrow(
      expect.objectContaining({
        name: 'VersionChanged',
        message: 'green (shop-green) is tagged bluegreen:version="v3.0.0", not the planned v2.0.0',
      }),
    );
    expect(() => assertPlannedVersion(plan, groupView('green', {}))).toThrow(
      expect.objectContaining({ name: 'VersionChanged' }),
    );
  });
});

describe('liveFleetSize', () => {
  it('GIVEN InService, Pending, Standby and leaving instances THEN counts all but the leaving ones', () => {
    const from = groupView('blue', {
      instances: [
        ['i-1', 'InService'],
        ['i-2', 'Pending'],
        ['i-3', 'Standby'],
        ['i-4', 'Terminating'],
        ['i-5', 'Terminated'],
      ],
    });
    expect(liveFleetSize(from)).toBe(3);
  });
});

describe('decideHealth', () => {
  const plan = basePlan({ capacity: 3, healthDeadline: 10_000 });
  it('swaps when the planned capacity is InService and healthy', () => {
    const group = groupView('green', { instances: inService('g', 3) });
    expect(decideHealth(plan, group, allHealthy({ instances: inService('g', 3) }), 0)).toEqual({
      next: 'swap',
      progress: { healthy: 3, wanted: 3, lifecycle: { InService: 3 } },
    });
  });
  it('waits while an instance is not healthy yet', () => {
    const instances = inService('g', 3);
    const group = groupView('green', { instances });
    const health = { ...allHealthy({ instances }), [instances[2][0]]: 'initial' as const };
    expect(decideHealth(plan, group, health, 9_999)).toMatchObject({
      next: 'waitForHealth',
      progress: { healthy: 2 },
    });
  });
  it('rolls back automatically at the deadline', () => {
    const instances: Array<[string, string]> = [
      ['i-g1', 'InService'],
      ['i-g2', 'Pending'],
      ['i-g3', 'Pending'],
    ];
    const decision = decideHealth(plan, groupView('green', { instances }), { 'i-g1': 'healthy' }, 10_000);
    expect(decision).toEqual({
      next: 'rollback',
      progress: { healthy: 1, wanted: 3, lifecycle: { InService: 1, Pending: 2 } },
      rollback: { reason: 'health timeout: 1 of 3 instances healthy after 900 s', automatic: true },
    });
  });
  it('ignores a terminating instance and counts its replacement', () => {
    const instances: Array<[string, string]> = [
      ['i-g1', 'InService'],
      ['i-g2', 'Terminating'],
      ['i-g3', 'InService'],
      ['i-g4', 'InService'],
    ];
    const health = { 'i-g1': 'healthy', 'i-g2': 'draining', 'i-g3': 'healthy', 'i-g4': 'healthy' } as const;
    expect(decideHealth(plan, groupView('green', { instances }), health, 0).next).toBe('swap');
  });
});

describe('planSwap', () => {
  it('lowers MinSize, enters InService instances into Standby, terminates Pending ones', () => {
    const from = groupView('blue', {
      min: 2,
      instances: [
        ['i-1', 'InService'],
        ['i-2', 'Pending:Wait'],
        ['i-3', 'Standby'],
        ['i-4', 'Terminating'],
      ],
      suspended: ['AZRebalance'],
    });
    expect(planSwap(from)).toEqual({
      lowerMinSize: true,
      enterStandby: ['i-1'],
      terminate: ['i-2'],
      suspend: ['AlarmNotification', 'ScheduledActions', 'Launch'],
    });
  });
  it('has nothing left to do on a re-run', () => {
    const from = groupView('blue', {
      min: 0,
      instances: [['i-1', 'Standby']],
      suspended: ['AlarmNotification', 'ScheduledActions', 'AZRebalance', 'Launch'],
    });
    expect(planSwap(from)).toEqual({ lowerMinSize: false, enterStandby: [], terminate: [], suspend: [] });
  });
});

describe('planFinalize', () => {
  it('waits for instances still entering Standby', () => {
    const from = groupView('blue', {
      instances: [
        ['i-1', 'EnteringStandby'],
        ['i-2', 'Standby'],
      ],
    });
    expect(planFinalize(from)).toMatchObject({ enteringStandby: ['i-1'], terminate: ['i-2'] });
  });
  it('GIVEN a replacement serving in the old group WHEN finalizing THEN it is named, to be waited for after scale-in', () => {
    const from = groupView('blue', {
      min: 0,
      desired: 1,
      instances: [
        ['i-2', 'Standby'],
        ['i-3', 'InService'],
      ],
    });
    expect(planFinalize(from)).toMatchObject({ serving: ['i-3'], terminate: ['i-2'], scaleToZero: true });
  });

  it('terminates Standby instances and empties the group', () => {
    const from = groupView('blue', { min: 0, desired: 1, instances: [['i-2', 'Standby']] });
    expect(planFinalize(from)).toEqual({
      serving: [],
      enteringStandby: [],
      terminate: ['i-2'],
      scaleToZero: true,
      suspend: ['AlarmNotification', 'ScheduledActions', 'AZRebalance', 'Launch'],
    });
  });
});

/** planRollback with the fixture's MinCapacity (2), nobody else acting, no earlier capacity. */
const rollbackPlan = (snapshot: FleetSnapshot, extra: Partial<RollbackInput> = {}) =>
  planRollback(snapshot, { minCapacity: 2, othersActing: false, ...extra });

describe('planRollback', () => {
  const suspended = ['AlarmNotification', 'ScheduledActions', 'AZRebalance', 'Launch'];
  const standbyBlue: GroupSpec = {
    role: 'standby',
    version: 'v1.0.0',
    min: 0,
    desired: 0,
    instances: [
      ['i-b1', 'Standby'],
      ['i-b2', 'Standby'],
      ['i-b3', 'EnteringStandby'],
    ],
    suspended,
  };
  const liveGreen: GroupSpec = { role: 'live', version: 'v2.0.0', min: 2, instances: inService('g', 3) };

  it('restores the standby group: exits Standby, waits for EnteringStandby, leaves the new group serving', () => {
    const snapshot = snapshotOf(standbyBlue, liveGreen, allHealthy(liveGreen));
    expect(chooseRestoreGroup(snapshot)).toBe('blue');
    const actions = rollbackPlan(snapshot, { minCapacity: 2, othersActing: false });
    expect(actions.restore).toMatchObject({
      colour: 'blue',
      resume: true,
      exitStandby: ['i-b1', 'i-b2'],
      enteringStandby: ['i-b3'],
      minSize: undefined,
      ready: false,
    });
    expect(actions.takeOutOfService).toBe(false);
    expect(actions.converged).toBe(false);
  });

  it('takes the other group out only once the restored group is healthy', () => {
    const blue: GroupSpec = { ...standbyBlue, instances: inService('b', 3), desired: 3, suspended: [] };
    const notYet = rollbackPlan(snapshotOf(blue, liveGreen, { 'i-b001': 'healthy', 'i-b002': 'initial' }), {
      minCapacity: 2,
      othersActing: false,
    });
    expect(notYet.takeOutOfService).toBe(false);
    const ready = rollbackPlan(snapshotOf(blue, liveGreen, allHealthy(blue, liveGreen)), {
      minCapacity: 2,
      othersActing: false,
    });
    expect(ready.takeOutOfService).toBe(true);
    expect(ready.restore).toMatchObject({ ready: true, tagLive: true, minSize: 2 });
    expect(ready.retire).toEqual([
      {
        colour: 'green',
        name: 'shop-green',
        suspend: suspended,
        scaleToZero: true,
        // What scale-in removes, named in the summary.
        scaledIn: ['i-g001', 'i-g002', 'i-g003'],
        terminate: [],
        tagIdle: true,
        settled: false,
      },
    ]);
    expect(ready.converged).toBe(false);
  });

  it('is converged when the restored group serves and the other is empty', () => {
    const blue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) };
    const green: GroupSpec = {
      role: 'idle',
      version: 'v2.0.0',
      instances: [['i-g1', 'Terminating']],
      desired: 0,
      suspended,
    };
    const actions = rollbackPlan(snapshotOf(blue, green, allHealthy(blue)), {
      minCapacity: 2,
      othersActing: false,
    });
    expect(actions.converged).toBe(true);
    expect(actions.retire[0]).toMatchObject({ scaleToZero: false, tagIdle: false, suspend: [] });
  });

  it('exits no more Standby instances than MaxSize allows, and terminates the surplus of a full group', () => {
    const blue: GroupSpec = {
      role: 'standby',
      version: 'v1.0.0',
      max: 4,
      desired: 3,
      instances: [...inService('b', 3), ['i-s1', 'Standby'], ['i-s2', 'Standby']],
    };
    expect(
      rollbackPlan(snapshotOf(blue, liveGreen), { minCapacity: 2, othersActing: false }).restore,
    ).toMatchObject({
      exitStandby: ['i-s1'],
      terminateSurplus: [],
    });
    const full: GroupSpec = { ...blue, desired: 4, instances: [...inService('b', 4), ['i-s2', 'Standby']] };
    expect(
      rollbackPlan(snapshotOf(full, liveGreen), { minCapacity: 2, othersActing: false }).restore,
    ).toMatchObject({
      exitStandby: [],
      terminateSurplus: ['i-s2'],
    });
  });

  it('restores the live group after a failed health wait and empties the scaled-up group', () => {
    const blue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) };
    const green: GroupSpec = {
      role: 'idle',
      version: 'v2.0.0',
      min: 2,
      desired: 3,
      instances: [['i-g1', 'Pending']],
    };
    const actions = rollbackPlan(snapshotOf(blue, green, allHealthy(blue)), {
      minCapacity: 2,
      othersActing: false,
    });
    expect(actions.restore).toMatchObject({ colour: 'blue', ready: true, tagLive: false, exitStandby: [] });
    expect(actions.retire[0]).toMatchObject({
      colour: 'green',
      scaleToZero: true,
      tagIdle: false,
      settled: false,
    });
  });

  it('with nothing to restore, empties both groups', () => {
    const blue: GroupSpec = { role: 'idle', version: 'v1.0.0', desired: 2, instances: inService('b', 2) };
    const actions = rollbackPlan(snapshotOf(blue, { role: 'live', version: 'v0.1.0' }), {
      minCapacity: 2,
      othersActing: false,
    });
    expect(actions.restore).toBeUndefined();
    expect(actions.takeOutOfService).toBe(true);
    expect(actions.retire.map((r) => [r.colour, r.scaleToZero, r.tagIdle, r.settled])).toEqual([
      ['blue', true, false, false],
      ['green', false, true, true],
    ]);
  });

  it('terminates Standby instances of the group taken out (scale-in leaves them)', () => {
    const blue: GroupSpec = { role: 'live', version: 'v2.0.0', min: 2, instances: inService('b', 2) };
    const green: GroupSpec = {
      role: 'idle',
      version: 'v1.0.0',
      desired: 0,
      instances: [['i-g1', 'Standby']],
      suspended,
    };
    const actions = rollbackPlan(snapshotOf(blue, green, allHealthy(blue)), {
      minCapacity: 2,
      othersActing: false,
    });
    expect(actions.retire[0]).toMatchObject({ terminate: ['i-g1'], scaleToZero: false, settled: false });
  });
});

describe('chooseRestoreGroup', () => {
  const liveGreen: GroupSpec = { role: 'live', version: 'v2.0.0', min: 2, instances: inService('g', 3) };

  it('GIVEN a standby group whose instances are all gone but whose version tag is valid THEN it is still restored (relaunched)', () => {
    const blue: GroupSpec = { role: 'standby', version: 'v1.0.0', instances: [['i-b1', 'Terminated']] };
    expect(chooseRestoreGroup(snapshotOf(blue, liveGreen))).toBe('blue');
  });

  it('GIVEN an empty standby group without a valid version tag THEN the live group is kept', () => {
    expect(chooseRestoreGroup(snapshotOf({ role: 'standby' }, liveGreen))).toBe('green');
    expect(chooseRestoreGroup(snapshotOf({ role: 'standby', version: '../x' }, liveGreen))).toBe('green');
  });

  it('GIVEN a standby group with instances THEN it is restored whatever its tag', () => {
    const blue: GroupSpec = { role: 'standby', instances: [['i-b1', 'Standby']] };
    expect(chooseRestoreGroup(snapshotOf(blue, liveGreen))).toBe('blue');
  });
});

describe('restoreCapacity', () => {
  const standby = (extra: GroupSpec = {}): GroupSpec => ({ role: 'standby', version: 'v1.0.0', ...extra });
  const retired = (extra: GroupSpec = {}): GroupSpec => ({ role: 'live', version: 'v2.0.0', ...extra });

  it('GIVEN nothing anywhere THEN the service minimum', () => {
    expect(restoreCapacity(snapshotOf(standby(), retired()), 'blue', 2)).toBe(2);
  });

  it('GIVEN the retired group wants or has more THEN its size (it matched the live fleet and may have scaled)', () => {
    expect(restoreCapacity(snapshotOf(standby(), retired({ desired: 5 })), 'blue', 2)).toBe(5);
    const overDesired = retired({ desired: 3, instances: inService('g', 4) });
    expect(restoreCapacity(snapshotOf(standby(), overDesired), 'blue', 2)).toBe(4);
  });

  it('GIVEN the restored group has more instances (Standby included) THEN its count', () => {
    const blue = standby({ instances: [...inService('b', 2), ['i-s1', 'Standby'], ['i-s2', 'Standby']] });
    expect(restoreCapacity(snapshotOf(blue, retired({ instances: inService('g', 2) })), 'blue', 2)).toBe(4);
  });

  it('GIVEN an earlier pass settled on more THEN that is kept (never lowered)', () => {
    expect(restoreCapacity(snapshotOf(standby(), retired({ desired: 2 })), 'blue', 2, 5)).toBe(5);
  });

  it('GIVEN leaving instances THEN they do not count', () => {
    const leaving = retired({
      desired: 0,
      instances: [
        ['i-g1', 'Terminating'],
        ['i-g2', 'Terminated'],
      ],
    });
    expect(restoreCapacity(snapshotOf(standby(), leaving), 'blue', 1)).toBe(1);
  });

  it('GIVEN more than the restored group’s MaxSize THEN MaxSize, and never less than 1', () => {
    expect(restoreCapacity(snapshotOf(standby({ max: 3 }), retired({ desired: 5 })), 'blue', 2)).toBe(3);
    expect(restoreCapacity(snapshotOf(standby(), retired()), 'blue', 0)).toBe(1);
  });
});

describe('planRollback: restoring at capacity', () => {
  const suspended = ['AlarmNotification', 'ScheduledActions', 'AZRebalance', 'Launch'];
  const liveGreen: GroupSpec = { role: 'live', version: 'v2.0.0', min: 2, instances: inService('g', 3) };

  it('GIVEN the standby group lost every instance WHEN planned THEN it relaunches its version: desired raised to the retired fleet’s size', () => {
    const blue: GroupSpec = { role: 'standby', version: 'v1.0.0', min: 0, desired: 0, suspended };
    const actions = rollbackPlan(snapshotOf(blue, liveGreen, allHealthy(liveGreen)));
    expect(actions.restore).toMatchObject({
      colour: 'blue',
      version: 'v1.0.0',
      capacity: 3,
      resume: true,
      exitStandby: [],
      desiredCapacity: 3,
      minSize: 2,
      replace: [],
      healthy: 0,
      ready: false,
    });
    expect(actions.takeOutOfService).toBe(false);
  });

  it('GIVEN Standby instances short of the capacity WHEN they all exit this pass THEN desired is raised to the capacity too', () => {
    const blue: GroupSpec = {
      role: 'standby',
      version: 'v1.0.0',
      desired: 0,
      instances: [
        ['i-b1', 'Standby'],
        ['i-b2', 'Standby'],
      ],
    };
    expect(rollbackPlan(snapshotOf(blue, liveGreen)).restore).toMatchObject({
      exitStandby: ['i-b1', 'i-b2'],
      capacity: 3,
      desiredCapacity: 3,
    });
  });

  it('GIVEN an instance still entering Standby WHEN planned THEN desired is not raised yet and the group is not ready', () => {
    const blue: GroupSpec = {
      role: 'standby',
      version: 'v1.0.0',
      max: 3,
      desired: 3,
      instances: [...inService('b', 3), ['i-b9', 'EnteringStandby']],
    };
    const actions = rollbackPlan(snapshotOf(blue, liveGreen, allHealthy(blue, liveGreen)));
    expect(actions.restore).toMatchObject({
      capacity: 3,
      healthy: 3,
      desiredCapacity: undefined,
      ready: false,
    });
    expect(actions.takeOutOfService).toBe(false);
  });

  it('GIVEN an instance this rollback brought back from Standby turns unhealthy WHEN short of capacity THEN it is replaced; a fresh launch is not', () => {
    const blue: GroupSpec = { role: 'standby', version: 'v1.0.0', desired: 3, instances: inService('b', 3) };
    const health = {
      ...allHealthy(liveGreen),
      'i-b001': 'healthy',
      'i-b002': 'unhealthy',
      'i-b003': 'unhealthy',
    } as const;
    // i-b002 came back from Standby (impaired there, unchecked); i-b003 is a relaunch still starting.
    expect(
      rollbackPlan(snapshotOf(blue, liveGreen, health), { exitedStandby: ['i-b001', 'i-b002'] }).restore,
    ).toMatchObject({ healthy: 1, replace: ['i-b002'], ready: false });
    expect(rollbackPlan(snapshotOf(blue, liveGreen, health)).restore).toMatchObject({ replace: [] });
  });

  it('GIVEN an instance brought back from Standby that is only starting (initial) WHEN short of capacity THEN it is not replaced', () => {
    const blue: GroupSpec = { role: 'standby', version: 'v1.0.0', desired: 3, instances: inService('b', 3) };
    const health = { 'i-b001': 'healthy', 'i-b002': 'initial', 'i-b003': 'healthy' } as const;
    expect(
      rollbackPlan(snapshotOf(blue, liveGreen, health), { exitedStandby: ['i-b002'] }).restore,
    ).toMatchObject({ replace: [] });
  });

  it('GIVEN an unhealthy instance WHEN the group already serves at capacity THEN it is left alone', () => {
    const blue: GroupSpec = {
      role: 'standby',
      version: 'v1.0.0',
      max: 3,
      desired: 3,
      instances: [...inService('b', 3), ['i-b9', 'InService']],
    };
    const health = { ...allHealthy(blue), 'i-b9': 'unhealthy' } as const;
    expect(
      rollbackPlan(snapshotOf(blue, liveGreen, health), { exitedStandby: ['i-b9'] }).restore,
    ).toMatchObject({
      capacity: 3,
      healthy: 3,
      replace: [],
      ready: true,
    });
  });

  it('GIVEN healthy instances fewer than the capacity WHEN every one is back THEN not ready, and nothing is taken out', () => {
    const blue: GroupSpec = { role: 'standby', version: 'v1.0.0', desired: 2, instances: inService('b', 2) };
    const green: GroupSpec = { ...liveGreen, instances: inService('g', 4) };
    const actions = rollbackPlan(snapshotOf(blue, green, allHealthy(blue, green)));
    expect(actions.restore).toMatchObject({ capacity: 4, healthy: 2, desiredCapacity: 4, ready: false });
    expect(actions.takeOutOfService).toBe(false);
  });

  it('GIVEN an earlier pass settled on a capacity WHEN planned again THEN that capacity is kept', () => {
    const blue: GroupSpec = { role: 'standby', version: 'v1.0.0', desired: 3, instances: inService('b', 3) };
    const actions = rollbackPlan(snapshotOf(blue, { role: 'live', version: 'v2.0.0' }, allHealthy(blue)), {
      earlierCapacity: 4,
    });
    expect(actions.restore).toMatchObject({ capacity: 4, desiredCapacity: 4, ready: false });
  });

  it('GIVEN a restored group ready WHEN another invocation may still act THEN nothing is taken out of service, and not converged', () => {
    const blue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) };
    const green: GroupSpec = {
      role: 'idle',
      version: 'v2.0.0',
      min: 2,
      desired: 3,
      instances: [['i-g1', 'Pending']],
    };
    const snapshot = snapshotOf(blue, green, allHealthy(blue));
    expect(rollbackPlan(snapshot).takeOutOfService).toBe(true);
    const fenced = rollbackPlan(snapshot, { othersActing: true });
    expect(fenced.restore).toMatchObject({ ready: true });
    expect(fenced.takeOutOfService).toBe(false);
    expect(fenced.converged).toBe(false);
  });

  it('GIVEN nothing to restore WHEN another invocation may still act THEN nothing is retired either', () => {
    const blue: GroupSpec = { role: 'idle', version: 'v1.0.0', desired: 2, instances: inService('b', 2) };
    const actions = rollbackPlan(snapshotOf(blue, { role: 'live' }), { othersActing: true });
    expect(actions.restore).toBeUndefined();
    expect(actions.takeOutOfService).toBe(false);
    expect(actions.converged).toBe(false);
  });
});

describe('nextAfterRollback', () => {
  const releaseV2: SupersededIntent = {
    owner: OTHER,
    action: 'release',
    version: 'v2.0.0',
    fromVersion: 'v1.0.0',
  };
  const rollbackToV1: SupersededIntent = {
    owner: OTHER,
    action: 'rollback',
    version: 'v1.0.0',
    fromVersion: 'v2.0.0',
  };
  const next = (
    extra: Partial<Parameters<typeof nextAfterRollback>[0]> = {},
  ): ReturnType<typeof nextAfterRollback> =>
    nextAfterRollback({
      requestAction: 'rollback',
      rollback: { reason: 'rollback requested', automatic: false },
      error: undefined,
      liveVersion: 'v1.0.0',
      superseded: undefined,
      ...extra,
    });

  it('GIVEN an automatic rollback THEN failed, whatever the goal', () => {
    expect(
      next({ rollback: { reason: 'x', automatic: true }, superseded: releaseV2, liveVersion: 'v2.0.0' }),
    ).toBe('failed');
  });

  it('GIVEN a recovery before a release THEN prepare; after a caught error THEN rolled back', () => {
    expect(next({ requestAction: 'release' })).toBe('prepare');
    expect(next({ requestAction: undefined })).toBe('prepare');
    expect(next({ requestAction: 'release', error: { Error: 'States.Timeout', Cause: 'x' } })).toBe(
      'rolledBack',
    );
  });

  it('GIVEN a rollback request whose goal is not live yet THEN prepare (to re-release it)', () => {
    expect(next({ superseded: releaseV2, liveVersion: 'v2.0.0' })).toBe('prepare');
    expect(next({ superseded: rollbackToV1, liveVersion: 'v2.0.0' })).toBe('prepare');
    expect(next({ superseded: releaseV2, liveVersion: undefined })).toBe('prepare');
  });

  it('GIVEN a rollback request whose goal is live THEN rolled back', () => {
    expect(next({ superseded: releaseV2, liveVersion: 'v1.0.0' })).toBe('rolledBack');
    expect(next({ superseded: rollbackToV1, liveVersion: 'v1.0.0' })).toBe('rolledBack');
  });

  it('GIVEN a rollback request with nothing superseded, or after a caught error THEN rolled back', () => {
    expect(next({ liveVersion: 'v2.0.0' })).toBe('rolledBack');
    expect(
      next({ superseded: releaseV2, liveVersion: 'v2.0.0', error: { Error: 'LockLost', Cause: 'x' } }),
    ).toBe('rolledBack');
  });
});

describe('rollback bookkeeping', () => {
  it('reads the message out of a Lambda error Cause', () => {
    const cause = JSON.stringify({
      errorType: 'ValidationError',
      errorMessage: 'The instance i-1 is not in InService.',
    });
    expect(rollbackForError({ Error: 'ValidationError', Cause: cause })).toEqual({
      reason: 'step failed: ValidationError: The instance i-1 is not in InService.',
      automatic: true,
    });
    expect(rollbackForError({ Error: 'States.Timeout', Cause: 'timed out' }).reason).toBe(
      'step failed: States.Timeout: timed out',
    );
    // A person's rejection at an approval gate (bluegreen reject).
    expect(
      rollbackForError({
        Error: 'ReleaseRejected',
        Cause: 'rejected by arn:aws:iam::1:user/ana: error rate',
      }),
    ).toEqual({ reason: 'release rejected by arn:aws:iam::1:user/ana: error rate', automatic: true });
  });
  it('goes back to Prepare only after a recovery before a release', () => {
    const after = (requestAction: 'release' | 'rollback' | undefined, automatic: boolean) =>
      nextAfterRollback({
        requestAction,
        rollback: { reason: 'r', automatic },
        error: undefined,
        liveVersion: 'v1.0.0',
        superseded: undefined,
      });
    expect(after('release', false)).toBe('prepare');
    expect(after(undefined, false)).toBe('prepare');
    expect(after('release', true)).toBe('failed');
    expect(after('rollback', false)).toBe('rolledBack');
  });
  it('keeps the first time a step completed', () => {
    expect(recordTiming({ prepared: 1 }, 'prepared', 5)).toEqual({ prepared: 1 });
    expect(recordTiming(undefined, 'swapped', 5)).toEqual({ swapped: 5 });
  });
  it('counts only non-leaving instances', () => {
    expect(
      activeInstances(
        groupView('blue', {
          instances: [
            ['i-1', 'Terminated'],
            ['i-2', 'Standby'],
          ],
        }),
      ),
    ).toHaveLength(1);
  });
});
