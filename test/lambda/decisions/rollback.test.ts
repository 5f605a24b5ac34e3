/** Rollback's decisions, pure: no mocks, snapshot data in, decisions out. */
import { chooseRestoreGroup } from '../../../lambda/shared/decisions';
import {
  HEALTH_CHECK_WATCH_MS,
  nextAfterRollback,
  nextRollbackPassInMs,
  planRollback,
  ROLLBACK_POLL_MS,
  restoreCapacity,
  rollbackForError,
  type RollbackInput,
} from '../../../lambda/rollback/decisions';
import type { SupersededIntent } from '../../../lib/contract/release-state';
import type { FleetSnapshot } from '../../../lib/contract/fleet-view';
import { allHealthy, inService, OTHER, snapshotOf, type GroupSpec } from '../fixtures';

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

describe('nextRollbackPassInMs', () => {
  const NOW = 1_800_000_000_000;
  const back: GroupSpec = { role: 'standby', version: 'v1.0.0', desired: 3, instances: inService('b', 3) };
  const liveGreen: GroupSpec = { role: 'live', version: 'v2.0.0', min: 2, instances: inService('g', 3) };
  const clear = { othersUntil: [], now: NOW };

  it('GIVEN every restored instance InService and some not healthy yet THEN it watches their checks closely', () => {
    const actions = rollbackPlan(snapshotOf(back, liveGreen, { 'i-b001': 'healthy', 'i-b002': 'initial' }));
    expect(actions.restore).toMatchObject({ awaitingHealthChecks: true, ready: false });
    expect(nextRollbackPassInMs(actions, clear)).toBe(HEALTH_CHECK_WATCH_MS);
  });

  it('GIVEN instances still in Standby, or fewer InService than the capacity THEN once a second', () => {
    const inStandby: GroupSpec = {
      ...back,
      desired: 0,
      instances: [['i-b1', 'Standby'], ...inService('b', 2)],
    };
    const exiting = rollbackPlan(snapshotOf(inStandby, liveGreen, allHealthy(inStandby)));
    expect(exiting.restore?.awaitingHealthChecks).toBe(false);
    expect(nextRollbackPassInMs(exiting, clear)).toBe(ROLLBACK_POLL_MS);
    const launching: GroupSpec = { ...back, instances: [...inService('b', 2), ['i-b9', 'Pending']] };
    const short = rollbackPlan(snapshotOf(launching, liveGreen, allHealthy(launching)));
    expect(short.restore?.awaitingHealthChecks).toBe(false);
    expect(nextRollbackPassInMs(short, clear)).toBe(ROLLBACK_POLL_MS);
  });

  it('GIVEN the restored group serves and only another invocation’s deadline holds the retirement THEN it looks when the fence clears', () => {
    const actions = rollbackPlan(snapshotOf(back, liveGreen, allHealthy(back, liveGreen)), {
      othersActing: true,
    });
    expect(nextRollbackPassInMs(actions, { othersUntil: [NOW + 400, NOW + 9_000], now: NOW })).toBe(400);
    expect(nextRollbackPassInMs(actions, { othersUntil: [NOW + 5_000], now: NOW })).toBe(ROLLBACK_POLL_MS);
    // A deadline already passing: a short gap, never a busy loop.
    expect(nextRollbackPassInMs(actions, { othersUntil: [NOW - 10], now: NOW })).toBeGreaterThan(0);
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
});
