import {
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { handler } from '../../lambda/finalize';
import { basePlan, baseState, inService, ME, OTHER, type GroupSpec } from './fixtures';
import { autoScaling, autoScalingLog, dynamoDb, givenFleet, givenLockOwner, resetAws } from './harness';

const NOW = 1_700_000_000_000 + 600_000;
const ALL_SUSPENDED = ['AlarmNotification', 'ScheduledActions', 'AZRebalance'];
const liveGreen: GroupSpec = {
  role: 'live',
  version: 'v2.0.0',
  previousVersion: 'v1.0.0',
  min: 2,
  instances: inService('g', 3),
};
const standbyBlue: GroupSpec = {
  role: 'standby',
  version: 'v1.0.0',
  min: 0,
  desired: 0,
  instances: [
    ['i-b1', 'Standby'],
    ['i-b2', 'Standby'],
    ['i-b3', 'Terminated'],
  ],
  suspended: ALL_SUSPENDED,
};

beforeEach(() => {
  resetAws();
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});
afterEach(() => jest.restoreAllMocks());

describe('Finalize', () => {
  it('tags the old group idle BEFORE terminating its Standby instances, then releases the lock', async () => {
    givenFleet(standbyBlue, liveGreen);
    const state = await handler(
      baseState({ timings: { prepared: 1_700_000_000_000, swapped: 1_700_000_200_000 } }),
    );
    const log = autoScalingLog().filter((l) => !l.startsWith('Describe'));
    expect(log).toEqual([
      'CreateOrUpdateTags shop-blue bluegreen:role=idle',
      'TerminateInstanceInAutoScalingGroup i-b1',
      'TerminateInstanceInAutoScalingGroup i-b2',
    ]);
    expect(autoScaling).toHaveReceivedCommandWith(TerminateInstanceInAutoScalingGroupCommand, {
      InstanceId: 'i-b1',
      ShouldDecrementDesiredCapacity: false,
    });
    expect(dynamoDb).toHaveReceivedCommandWith(DeleteItemCommand, {
      ConditionExpression: '#owner = :me',
      ExpressionAttributeValues: { ':me': { S: ME } },
    });
    expect(state).toEqual({
      ...baseState(),
      next: 'released',
      waitSeconds: undefined,
      terminatedInstanceIds: ['i-b1', 'i-b2'],
      timings: { prepared: 1_700_000_000_000, swapped: 1_700_000_200_000, released: NOW },
      summary: {
        outcome: 'released',
        version: 'v2.0.0',
        liveColour: 'green',
        liveGroupName: 'shop-green',
        previousVersion: 'v1.0.0',
        instanceIds: ['i-g001', 'i-g002', 'i-g003'],
        terminatedInstanceIds: ['i-b1', 'i-b2'],
        durationSeconds: 600,
        timings: { prepared: 1_700_000_000_000, swapped: 1_700_000_200_000, released: NOW },
      },
    });
  });

  it('empties the old group, suspends it, and sets the live MinSize', async () => {
    givenFleet({ ...standbyBlue, min: 2, desired: 1, suspended: [] }, { ...liveGreen, min: 0 });
    await handler(baseState());
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-blue',
      MinSize: 0,
      DesiredCapacity: 0,
    });
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-green',
      MinSize: 2,
    });
    const log = autoScalingLog();
    expect(log.indexOf('CreateOrUpdateTags shop-blue bluegreen:role=idle')).toBeLessThan(
      log.indexOf('TerminateInstanceInAutoScalingGroup i-b1'),
    );
  });

  it('waits while an old instance is still entering Standby (but is already idle)', async () => {
    givenFleet(
      {
        ...standbyBlue,
        instances: [
          ['i-b1', 'Standby'],
          ['i-b2', 'EnteringStandby'],
        ],
      },
      liveGreen,
    );
    await expect(handler(baseState())).resolves.toMatchObject({ next: 'finalize', waitSeconds: 15 });
    expect(autoScalingLog().filter((l) => !l.startsWith('Describe'))).toEqual([
      'CreateOrUpdateTags shop-blue bluegreen:role=idle',
    ]);
    expect(dynamoDb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  it('tolerates an instance already terminated, and rethrows other errors', async () => {
    givenFleet(standbyBlue, liveGreen);
    autoScaling.on(TerminateInstanceInAutoScalingGroupCommand, { InstanceId: 'i-b1' }).rejects(
      Object.assign(new Error('Instance Id not found - No managed instance found for instance ID: i-b1'), {
        name: 'ValidationError',
      }),
    );
    await expect(handler(baseState())).resolves.toMatchObject({
      next: 'released',
      terminatedInstanceIds: ['i-b2'],
    });

    autoScaling
      .on(TerminateInstanceInAutoScalingGroupCommand, { InstanceId: 'i-b1' })
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    await expect(handler(baseState())).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('first release: nothing to empty, releases the lock', async () => {
    givenFleet({ role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 2) }, { role: 'idle' });
    const plan = basePlan({
      targetColour: 'blue',
      targetGroupName: 'shop-blue',
      fromColour: undefined,
      fromGroupName: undefined,
      fromVersion: undefined,
      version: 'v1.0.0',
      capacity: 2,
    });
    const state = await handler(baseState({ plan }));
    expect(autoScalingLog().filter((l) => !l.startsWith('Describe'))).toEqual([]);
    expect(dynamoDb).toHaveReceivedCommand(DeleteItemCommand);
    expect(state.summary).toMatchObject({
      outcome: 'released',
      version: 'v1.0.0',
      liveColour: 'blue',
      terminatedInstanceIds: [],
    });
    expect(state.summary?.previousVersion).toBeUndefined();
  });

  it('stops when the lock was taken over', async () => {
    givenLockOwner(OTHER, 'rollback');
    await expect(handler(baseState())).rejects.toMatchObject({ name: 'LockLost' });
    expect(autoScaling.calls()).toHaveLength(0);
  });
});
