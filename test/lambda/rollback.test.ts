import {
  CreateOrUpdateTagsCommand,
  ExitStandbyCommand,
  ResumeProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { handler } from '../../lambda/rollback';
import type { ReleaseState } from '../../lib/contract/release-state';
import {
  allHealthy,
  baseState,
  inService,
  invocation,
  lockItem,
  ME,
  OTHER,
  type GroupSpec,
} from './fixtures';
import {
  autoScaling,
  autoScalingLog,
  dynamoDb,
  FENCE_WRITES,
  givenFleet,
  givenLockItem,
  givenLockOwner,
  lockTable,
  mutatingCalls,
  resetAws,
  storedLock,
  unguardedChanges,
  expectEveryInvocationEnded,
} from './harness';

const ALL_SUSPENDED = ['AlarmNotification', 'ScheduledActions', 'AZRebalance', 'Launch'];
/** Mid-bake: blue (old) warm in Standby, green (new) live. */
const standbyBlue: GroupSpec = {
  role: 'standby',
  version: 'v1.0.0',
  min: 0,
  desired: 0,
  instances: [
    ['i-b1', 'Standby'],
    ['i-b2', 'EnteringStandby'],
    ['i-b3', 'Standby'],
  ],
  suspended: ALL_SUSPENDED,
};
const liveGreen: GroupSpec = {
  role: 'live',
  version: 'v2.0.0',
  previousVersion: 'v1.0.0',
  min: 2,
  instances: inService('g', 3),
};
const onRequest = (extra: Partial<ReleaseState> = {}) =>
  baseState({
    request: { action: 'rollback' },
    rollback: { reason: 'rollback requested', automatic: false },
    ...extra,
  });

let logged: jest.SpyInstance;
beforeEach(() => {
  resetAws();
  logged = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => logged.mockRestore());

/** The embedded-metric lines a pass logged (CloudWatch turns each into Rollbacks = 1). */
const rollbackMetrics = () =>
  logged.mock.calls.map(([line]) => JSON.parse(String(line))).filter((record) => record.Rollbacks === 1);

const changes = () => autoScalingLog().filter((l) => !l.startsWith('Describe'));

describe('Rollback', () => {
  it('exits Standby instances, leaves one still EnteringStandby for the next pass, keeps the new group serving', async () => {
    givenFleet(standbyBlue, liveGreen, allHealthy(liveGreen));
    const state = await handler(onRequest());
    expect(autoScaling).toHaveReceivedCommandTimes(ExitStandbyCommand, 1);
    expect(autoScaling).toHaveReceivedCommandWith(ExitStandbyCommand, {
      AutoScalingGroupName: 'shop-blue',
      InstanceIds: ['i-b1', 'i-b3'],
    });
    expect(changes()).toEqual(['ExitStandby shop-blue', 'ResumeProcesses shop-blue']);
    expect(autoScaling).not.toHaveReceivedCommand(UpdateAutoScalingGroupCommand);
    expect(state).toMatchObject({ next: 'rollback', waitSeconds: 15 });
    expect(dynamoDb).not.toHaveReceivedCommand(DeleteItemCommand);
    expect(rollbackMetrics()).toEqual([]);
  });

  it('waits for the restored group to be healthy before scaling the other to 0', async () => {
    const backBlue: GroupSpec = { ...standbyBlue, desired: 3, suspended: [], instances: inService('b', 3) };
    givenFleet(backBlue, liveGreen, {
      ...allHealthy(liveGreen),
      'i-b001': 'healthy',
      'i-b002': 'initial',
      'i-b003': 'healthy',
    });
    await expect(handler(onRequest())).resolves.toMatchObject({ next: 'rollback' });
    expect(autoScaling).not.toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-green',
    });
    expect(autoScaling).not.toHaveReceivedCommand(CreateOrUpdateTagsCommand);

    autoScaling.resetHistory();
    givenFleet(backBlue, liveGreen, allHealthy(backBlue, liveGreen));
    await expect(handler(onRequest())).resolves.toMatchObject({ next: 'rollback' });
    expect(changes()).toEqual([
      'UpdateAutoScalingGroup shop-blue',
      'UpdateAutoScalingGroup shop-green',
      'SuspendProcesses shop-green',
      'CreateOrUpdateTags shop-green bluegreen:role=idle',
      'CreateOrUpdateTags shop-blue bluegreen:role=live',
    ]);
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-green',
      MinSize: 0,
      DesiredCapacity: 0,
    });
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-blue',
      MinSize: 2,
    });
  });

  it('converges: releases the lock and ends rolled back on request', async () => {
    givenFleet(
      { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) },
      {
        role: 'idle',
        version: 'v2.0.0',
        instances: [['i-g001', 'Terminating']],
        desired: 0,
        suspended: ALL_SUSPENDED,
      },
      allHealthy({ instances: inService('b', 3) }),
    );
    const state = await handler(onRequest({ terminatedInstanceIds: ['i-x'] }));
    // Nothing of the fleet changed: the fence entry, then the lock released (and the entry with it).
    expect(mutatingCalls()).toEqual(['PutItemCommand', 'DeleteItemCommand']);
    expect(lockTable.item).toBeUndefined();
    expect(state).toMatchObject({
      next: 'rolledBack',
      summary: {
        outcome: 'rolled-back',
        version: 'v1.0.0',
        liveColour: 'blue',
        liveGroupName: 'shop-blue',
        instanceIds: ['i-b001', 'i-b002', 'i-b003'],
        terminatedInstanceIds: ['i-x'],
      },
    });
    // Counted once, on the pass that ends the rollback, for this service.
    expect(rollbackMetrics()).toEqual([expect.objectContaining({ Service: 'shop', Rollbacks: 1 })]);
  });

  it('after a health timeout: empties the scaled-up group, then ends failed', async () => {
    const blue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) };
    const green: GroupSpec = {
      role: 'idle',
      version: 'v2.0.0',
      min: 2,
      desired: 3,
      instances: [['i-g1', 'Pending']],
    };
    const rollback = { reason: 'health timeout: 0 of 3 instances healthy after 900 s', automatic: true };
    givenFleet(blue, green, allHealthy(blue));
    await expect(handler(baseState({ rollback }))).resolves.toMatchObject({ next: 'rollback', rollback });
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-green',
      MinSize: 0,
      DesiredCapacity: 0,
    });

    givenFleet(
      blue,
      { ...green, min: 0, desired: 0, instances: [['i-g1', 'Terminating']], suspended: ALL_SUSPENDED },
      allHealthy(blue),
    );
    await expect(handler(baseState({ rollback }))).resolves.toMatchObject({
      next: 'failed',
      rollback,
      summary: { outcome: 'rolled-back', version: 'v1.0.0' },
    });
    expect(dynamoDb).toHaveReceivedCommand(DeleteItemCommand);
  });

  it('records why when a step failed', async () => {
    givenFleet(
      { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 2) },
      { role: 'idle', version: 'v2.0.0', suspended: ALL_SUSPENDED },
      allHealthy({ instances: inService('b', 2) }),
    );
    const cause = JSON.stringify({ errorType: 'IdleGroupNotEmpty', errorMessage: 'green has 1 instance(s)' });
    const state = await handler(baseState({ error: { Error: 'IdleGroupNotEmpty', Cause: cause } }));
    expect(state).toMatchObject({
      next: 'failed',
      rollback: { reason: 'step failed: IdleGroupNotEmpty: green has 1 instance(s)', automatic: true },
    });
  });

  it('a recovery before a release goes back to Prepare and keeps the lock', async () => {
    givenFleet(
      { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 2) },
      { role: 'idle', version: 'v2.0.0', suspended: ALL_SUSPENDED },
      allHealthy({ instances: inService('b', 2) }),
    );
    const rollback = { reason: 'recovering an interrupted release before releasing v3', automatic: false };
    const state = await handler(
      baseState({ request: { version: 'v3' }, plan: undefined, rollback, recoveries: 1 }),
    );
    expect(state).toMatchObject({ next: 'prepare', recoveries: 1 });
    // Nothing but entering and leaving the fence: the lock stays this execution's.
    expect(mutatingCalls()).toEqual(FENCE_WRITES);
    expect(storedLock()).toMatchObject({ owner: ME });
    expectEveryInvocationEnded();
  });

  it('terminates the Standby instances of the group taken out (scale-in leaves them)', async () => {
    givenFleet(
      {
        role: 'idle',
        version: 'v1.0.0',
        min: 0,
        desired: 0,
        instances: [['i-b1', 'Standby']],
        suspended: ALL_SUSPENDED,
      },
      liveGreen,
      allHealthy(liveGreen),
    );
    await expect(handler(onRequest())).resolves.toMatchObject({
      next: 'rollback',
      terminatedInstanceIds: ['i-b1'],
    });
    expect(autoScaling).toHaveReceivedCommandWith(TerminateInstanceInAutoScalingGroupCommand, {
      InstanceId: 'i-b1',
      ShouldDecrementDesiredCapacity: false,
    });
    expect(autoScaling).not.toHaveReceivedCommand(ExitStandbyCommand);
  });

  it('with no group to restore (a failed first release), empties both and tags them idle', async () => {
    givenFleet(
      { role: 'idle', version: 'v1.0.0', min: 2, desired: 2, instances: inService('b', 2) },
      { role: 'live' },
    );
    await expect(handler(baseState({ rollback: { reason: 'x', automatic: true } }))).resolves.toMatchObject({
      next: 'rollback',
    });
    expect(changes()).toEqual([
      'UpdateAutoScalingGroup shop-blue',
      'SuspendProcesses shop-blue',
      'SuspendProcesses shop-green',
      'CreateOrUpdateTags shop-green bluegreen:role=idle',
    ]);
    expect(autoScaling).not.toHaveReceivedCommand(ResumeProcessesCommand);
  });

  it('stops when the lock was taken over', async () => {
    givenLockOwner(OTHER, 'rollback');
    await expect(handler(onRequest())).rejects.toMatchObject({ name: 'LockLost' });
    expect(autoScaling.calls()).toHaveLength(0);
  });
});

describe('Rollback: restoring at capacity, fenced, with a deadline', () => {
  const NOW = 1_700_000_500_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));
  afterEach(() => jest.restoreAllMocks());

  it('GIVEN its first pass WHEN not converged THEN it sets its deadline (health timeout + 10 min) and the capacity it restores', async () => {
    givenFleet(standbyBlue, liveGreen, allHealthy(liveGreen));
    await expect(handler(onRequest())).resolves.toMatchObject({
      next: 'rollback',
      rollbackDeadline: NOW + (900 + 600) * 1000,
      restoreCapacity: 3,
      exitedStandby: ['i-b1', 'i-b3'],
    });
  });

  it('GIVEN the standby group lost its instances WHEN rolling back THEN it relaunches its version at the retired fleet’s size, retiring nothing yet', async () => {
    const emptyBlue: GroupSpec = { ...standbyBlue, instances: [['i-b1', 'Terminated']] };
    givenFleet(emptyBlue, liveGreen, allHealthy(liveGreen));
    await expect(handler(onRequest())).resolves.toMatchObject({ next: 'rollback', restoreCapacity: 3 });
    expect(changes()).toEqual(['ResumeProcesses shop-blue', 'UpdateAutoScalingGroup shop-blue']);
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-blue',
      DesiredCapacity: 3,
      MinSize: 2,
    });
    expect(unguardedChanges()).toEqual([]);
  });

  it('GIVEN an instance it brought back from Standby turns unhealthy WHEN short of capacity THEN it is replaced without decrement', async () => {
    const backBlue: GroupSpec = {
      ...standbyBlue,
      desired: 3,
      min: 2,
      suspended: [],
      instances: inService('b', 3),
    };
    givenFleet(backBlue, liveGreen, {
      ...allHealthy(liveGreen),
      'i-b001': 'healthy',
      'i-b002': 'unhealthy',
      'i-b003': 'healthy',
    });
    const state = await handler(onRequest({ exitedStandby: ['i-b001', 'i-b002', 'i-b003'] }));
    expect(changes()).toEqual(['TerminateInstanceInAutoScalingGroup i-b002']);
    expect(autoScaling).toHaveReceivedCommandWith(TerminateInstanceInAutoScalingGroupCommand, {
      InstanceId: 'i-b002',
      ShouldDecrementDesiredCapacity: false,
    });
    expect(state).toMatchObject({ next: 'rollback', terminatedInstanceIds: ['i-b002'] });
  });

  it('GIVEN a step of another execution may still act WHEN the restored group serves THEN nothing is retired yet', async () => {
    givenLockItem(lockItem(ME, 'rollback', { inFlight: [invocation(OTHER, 'swap-1', NOW + 60_000)] }));
    const blue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) };
    const green: GroupSpec = {
      role: 'idle',
      version: 'v2.0.0',
      min: 2,
      desired: 3,
      instances: inService('g', 3),
    };
    givenFleet(blue, green, allHealthy(blue, green));
    await expect(handler(onRequest())).resolves.toMatchObject({ next: 'rollback', waitSeconds: 15 });
    expect(changes()).toEqual([]);
    expect(dynamoDb).not.toHaveReceivedCommand(DeleteItemCommand);

    // Once that step has left (or its deadline passed), the other group is taken out.
    autoScaling.resetHistory();
    givenLockItem(lockItem(ME, 'rollback', { inFlight: [invocation(OTHER, 'swap-1', NOW - 1)] }));
    await handler(onRequest());
    expect(changes()).toEqual(['UpdateAutoScalingGroup shop-green', 'SuspendProcesses shop-green']);
  });

  it('GIVEN the deadline has passed WHEN still not restored THEN RollbackIncomplete naming what serves, nothing taken out of service', async () => {
    const backBlue: GroupSpec = {
      ...standbyBlue,
      desired: 3,
      min: 2,
      suspended: [],
      instances: inService('b', 3),
    };
    givenFleet(backBlue, liveGreen, { ...allHealthy(liveGreen), 'i-b001': 'healthy' });
    await expect(handler(onRequest({ rollbackDeadline: NOW }))).rejects.toMatchObject({
      name: 'RollbackIncomplete',
      message:
        'rollback did not converge by its deadline: blue v1.0.0 has 1 of 3 healthy. ' +
        'Serving now: blue (shop-blue) v1.0.0: 1 healthy; green (shop-green) v2.0.0: 3 healthy. ' +
        'Nothing was taken out of service.',
    });
    expect(autoScaling).not.toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-green',
    });
    expect(autoScaling).not.toHaveReceivedCommand(CreateOrUpdateTagsCommand);
    expect(storedLock()).toMatchObject({ owner: ME });
    expectEveryInvocationEnded();
    expect(rollbackMetrics()).toEqual([]);
  });

  it('GIVEN the deadline has passed while another step may act WHEN not converged THEN the message says so', async () => {
    givenLockItem(lockItem(ME, 'rollback', { inFlight: [invocation(OTHER, 'swap-1', NOW + 60_000)] }));
    const blue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) };
    const green: GroupSpec = {
      role: 'idle',
      version: 'v2.0.0',
      min: 2,
      desired: 3,
      instances: inService('g', 3),
    };
    givenFleet(blue, green, allHealthy(blue, green));
    await expect(handler(onRequest({ rollbackDeadline: NOW - 1 }))).rejects.toMatchObject({
      name: 'RollbackIncomplete',
      message: expect.stringContaining(
        'blue v1.0.0 has 3 of 3 healthy; 1 step(s) of another execution may still be acting.',
      ),
    });
  });

  it('GIVEN a deadline not yet reached WHEN not converged THEN it keeps going, keeping the deadline it set first', async () => {
    givenFleet(standbyBlue, liveGreen, allHealthy(liveGreen));
    await expect(handler(onRequest({ rollbackDeadline: NOW + 1 }))).resolves.toMatchObject({
      next: 'rollback',
      rollbackDeadline: NOW + 1,
    });
  });

  it('GIVEN a capacity settled on by an earlier pass WHEN the retired group has shrunk meanwhile THEN it still restores that capacity', async () => {
    const backBlue: GroupSpec = {
      ...standbyBlue,
      desired: 3,
      min: 2,
      suspended: [],
      instances: inService('b', 3),
    };
    givenFleet(backBlue, { ...liveGreen, instances: inService('g', 1) }, allHealthy(backBlue, liveGreen));
    await expect(handler(onRequest({ restoreCapacity: 4 }))).resolves.toMatchObject({
      next: 'rollback',
      restoreCapacity: 4,
    });
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-blue',
      DesiredCapacity: 4,
    });
  });

  it('GIVEN a rollback request that took over a release which made v2.0.0 live WHEN converged with v2.0.0 kept THEN back to Prepare (to release v1.0.0 again), keeping the lock', async () => {
    const green: GroupSpec = { ...liveGreen };
    givenFleet(
      { role: 'idle', version: 'v1.0.0', desired: 0, suspended: ALL_SUSPENDED },
      green,
      allHealthy(green),
    );
    const superseded = { owner: OTHER, action: 'release' as const, version: 'v2.0.0', fromVersion: 'v1.0.0' };
    const state = await handler(onRequest({ superseded }));
    expect(state).toMatchObject({ next: 'prepare', superseded });
    expect(state.summary).toBeUndefined();
    expect(storedLock()?.owner).toBe(ME);
    expect(rollbackMetrics()).toEqual([]);
  });

  it('GIVEN the kept group has a surplus instance still in Standby WHEN converged THEN the summary lists only the healthy InService instances', async () => {
    const fullBlue: GroupSpec = {
      role: 'live',
      version: 'v1.0.0',
      min: 2,
      max: 2,
      desired: 2,
      instances: [...inService('b', 2), ['i-s1', 'Standby']],
    };
    const emptyGreen: GroupSpec = { role: 'idle', version: 'v2.0.0', desired: 0, suspended: ALL_SUSPENDED };
    givenFleet(fullBlue, emptyGreen, { ...allHealthy(fullBlue), 'i-s1': 'healthy' });
    const state = await handler(onRequest());
    expect(state).toMatchObject({
      next: 'rolledBack',
      terminatedInstanceIds: ['i-s1'],
      summary: { instanceIds: ['i-b001', 'i-b002'], terminatedInstanceIds: ['i-s1'] },
    });
  });

  it('GIVEN the retired group still serves WHEN it is scaled to 0 THEN its instances are counted as removed, once', async () => {
    const blue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) };
    const green: GroupSpec = {
      role: 'idle',
      version: 'v2.0.0',
      min: 2,
      desired: 3,
      instances: [...inService('g', 2), ['i-g9', 'Pending']],
    };
    givenFleet(blue, green, allHealthy(blue, green));
    await expect(handler(onRequest({ terminatedInstanceIds: ['i-g001'] }))).resolves.toMatchObject({
      terminatedInstanceIds: ['i-g001', 'i-g002', 'i-g9'],
    });
  });

  it('GIVEN the lock is taken over mid-pass WHEN the next guard runs THEN LockLost and no further change', async () => {
    const backBlue: GroupSpec = {
      ...standbyBlue,
      desired: 3,
      min: 0,
      suspended: [],
      instances: inService('b', 3),
    };
    givenFleet(backBlue, liveGreen, allHealthy(backBlue, liveGreen));
    autoScaling.on(UpdateAutoScalingGroupCommand).callsFake(() => {
      lockTable.item = lockItem(OTHER, 'rollback', { rev: 4, inFlight: storedLock()?.inFlight });
      return {};
    });
    await expect(handler(onRequest())).rejects.toMatchObject({ name: 'LockLost' });
    expect(changes()).toEqual(['UpdateAutoScalingGroup shop-blue']);
    expect(storedLock()).toMatchObject({ owner: OTHER });
    expectEveryInvocationEnded();
  });
});
