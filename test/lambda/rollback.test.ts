import {
  CreateOrUpdateTagsCommand,
  ExitStandbyCommand,
  ResumeProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { handler } from '../../lambda/rollback';
import type { ReleaseState } from '../../lambda/shared/types';
import { allHealthy, baseState, inService, OTHER, type GroupSpec } from './fixtures';
import {
  autoScaling,
  autoScalingLog,
  dynamoDb,
  givenFleet,
  givenLockOwner,
  mutatingCalls,
  resetAws,
} from './harness';

const ALL_SUSPENDED = ['AlarmNotification', 'ScheduledActions', 'AZRebalance'];
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
    expect(changes()).toEqual(['ResumeProcesses shop-blue', 'ExitStandby shop-blue']);
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
      'SuspendProcesses shop-green',
      'UpdateAutoScalingGroup shop-green',
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
    expect(mutatingCalls()).toEqual(['DeleteItemCommand']);
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
    expect(mutatingCalls()).toEqual([]);
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
      'SuspendProcesses shop-blue',
      'UpdateAutoScalingGroup shop-blue',
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
