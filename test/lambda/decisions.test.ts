/** The pure decisions: no mocks, snapshot data in, decisions out. */
import {
  activeInstances,
  chooseRestoreGroup,
  classifyService,
  decideHealth,
  decidePrepare,
  isLeaving,
  nextAfterRollback,
  planFinalize,
  planRollback,
  planSwap,
  recordTiming,
  rollbackForError,
  type Classification,
  type PrepareInput,
} from '../../lambda/shared/decisions';
import type { ValidatedRequest } from '../../lambda/shared/request';
import {
  allHealthy,
  basePlan,
  GROUP_NAMES,
  groupView,
  inService,
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
      lockHeldByRunningExecution: false,
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

  describe('a rollback request', () => {
    const rollback: ValidatedRequest = { action: 'rollback' };
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
    it('converges an interrupted release', () => {
      const blue = {
        ...live(),
        role: 'standby',
        instances: [['i-b1', 'Standby']] as Array<[string, string]>,
      };
      expect(decidePrepare(input(rollback, blue, live({ instances: inService('g', 1) })))).toEqual({
        next: 'rollback',
        rollback: { reason: 'rollback requested', automatic: false },
        recoveries: 0,
      });
    });
    it('converges when it took the lock from a running execution, whatever the fleet looks like', () => {
      expect(
        decidePrepare(input(rollback, live(), idle, { lockHeldByRunningExecution: true })),
      ).toMatchObject({
        next: 'rollback',
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
      suspend: ['AlarmNotification', 'ScheduledActions'],
    });
  });
  it('has nothing left to do on a re-run', () => {
    const from = groupView('blue', {
      min: 0,
      instances: [['i-1', 'Standby']],
      suspended: ['AlarmNotification', 'ScheduledActions', 'AZRebalance'],
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
  it('terminates Standby instances and empties the group', () => {
    const from = groupView('blue', { min: 0, desired: 1, instances: [['i-2', 'Standby']] });
    expect(planFinalize(from)).toEqual({
      enteringStandby: [],
      terminate: ['i-2'],
      scaleToZero: true,
      suspend: ['AlarmNotification', 'ScheduledActions', 'AZRebalance'],
    });
  });
});

describe('planRollback', () => {
  const suspended = ['AlarmNotification', 'ScheduledActions', 'AZRebalance'];
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
    const actions = planRollback(snapshot, 2);
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
    const notYet = planRollback(snapshotOf(blue, liveGreen, { 'i-b001': 'healthy', 'i-b002': 'initial' }), 2);
    expect(notYet.takeOutOfService).toBe(false);
    const ready = planRollback(snapshotOf(blue, liveGreen, allHealthy(blue, liveGreen)), 2);
    expect(ready.takeOutOfService).toBe(true);
    expect(ready.restore).toMatchObject({ ready: true, tagLive: true, minSize: 2 });
    expect(ready.retire).toEqual([
      {
        colour: 'green',
        name: 'shop-green',
        suspend: suspended,
        scaleToZero: true,
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
    const actions = planRollback(snapshotOf(blue, green, allHealthy(blue)), 2);
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
    expect(planRollback(snapshotOf(blue, liveGreen), 2).restore).toMatchObject({
      exitStandby: ['i-s1'],
      terminateSurplus: [],
    });
    const full: GroupSpec = { ...blue, desired: 4, instances: [...inService('b', 4), ['i-s2', 'Standby']] };
    expect(planRollback(snapshotOf(full, liveGreen), 2).restore).toMatchObject({
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
    const actions = planRollback(snapshotOf(blue, green, allHealthy(blue)), 2);
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
    const actions = planRollback(snapshotOf(blue, { role: 'live', version: 'v0.1.0' }), 2);
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
    const actions = planRollback(snapshotOf(blue, green, allHealthy(blue)), 2);
    expect(actions.retire[0]).toMatchObject({ terminate: ['i-g1'], scaleToZero: false, settled: false });
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
    expect(nextAfterRollback('release', { reason: 'r', automatic: false }, undefined)).toBe('prepare');
    expect(nextAfterRollback(undefined, { reason: 'r', automatic: false }, undefined)).toBe('prepare');
    expect(nextAfterRollback('release', { reason: 'r', automatic: true }, undefined)).toBe('failed');
    expect(nextAfterRollback('rollback', { reason: 'r', automatic: false }, undefined)).toBe('rolledBack');
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
