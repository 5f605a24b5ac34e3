import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
  ResumeProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  enterStandby,
  exitStandby,
  readFleetSnapshot,
  resumeProcesses,
  setTags,
  terminateInstances,
} from '../../lambda/shared/fleet';
import { describeGroupsOutput, GROUP_NAMES, inService, TARGET_GROUP_ARN } from './fixtures';

const autoScaling = mockClient(AutoScalingClient);
const loadBalancing = mockClient(ElasticLoadBalancingV2Client);

function validationError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
}

beforeEach(() => {
  autoScaling.reset();
  loadBalancing.reset();
});

describe('readFleetSnapshot', () => {
  const config = { groupNames: GROUP_NAMES, targetGroupArn: TARGET_GROUP_ARN };

  it('reads both groups and the target health in two calls', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves(
      describeGroupsOutput(
        {
          role: 'live',
          version: 'v1',
          min: 2,
          instances: [
            ['i-1', 'InService'],
            ['i-2', 'Terminating'],
          ],
          suspended: ['AZRebalance'],
        },
        { role: 'idle' },
      ),
    );
    loadBalancing.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: 'i-1', Port: 80 }, TargetHealth: { State: 'healthy' } },
        { Target: { Id: 'i-1', Port: 8080 }, TargetHealth: { State: 'initial' } },
        { Target: { Id: 'i-2', Port: 80 }, TargetHealth: { State: 'draining' } },
      ],
    });
    const snapshot = await readFleetSnapshot(config);
    expect(autoScaling).toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, {
      AutoScalingGroupNames: ['shop-blue', 'shop-green'],
    });
    expect(loadBalancing).toHaveReceivedCommandWith(DescribeTargetHealthCommand, {
      TargetGroupArn: TARGET_GROUP_ARN,
    });
    expect(snapshot.groups.blue).toEqual({
      colour: 'blue',
      name: 'shop-blue',
      tags: { role: 'live', version: 'v1', previousVersion: undefined },
      minSize: 2,
      maxSize: 6,
      desiredCapacity: 1,
      instances: [
        { id: 'i-1', lifecycleState: 'InService', healthStatus: 'Healthy' },
        { id: 'i-2', lifecycleState: 'Terminating', healthStatus: 'Healthy' },
      ],
      suspendedProcesses: ['AZRebalance'],
    });
    // Registered twice: the less healthy entry counts.
    expect(snapshot.targetHealth).toEqual({ 'i-1': 'initial', 'i-2': 'draining' });
  });

  it('names a group that does not exist', async () => {
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    await expect(readFleetSnapshot(config, { targetHealth: false })).rejects.toMatchObject({
      name: 'GroupNotFound',
      message: 'Auto Scaling group shop-blue (blue) does not exist',
    });
    expect(loadBalancing).not.toHaveReceivedCommand(DescribeTargetHealthCommand);
  });

  it('retries a throttled describe', async () => {
    autoScaling
      .on(DescribeAutoScalingGroupsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
      .resolves(describeGroupsOutput({}, {}));
    await readFleetSnapshot(config, { targetHealth: false, retry: { baseDelayMs: 1 } });
    expect(autoScaling).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 2);
  });
});

describe('enterStandby / exitStandby', () => {
  it('sends 45 instances in 3 calls of at most 20, decrementing desired capacity', async () => {
    const ids = inService('b', 45).map(([id]) => id);
    await enterStandby('shop-blue', ids);
    expect(autoScaling).toHaveReceivedCommandTimes(EnterStandbyCommand, 3);
    const batches = autoScaling.commandCalls(EnterStandbyCommand).map((c) => c.args[0].input);
    expect(batches.map((b) => b.InstanceIds?.length)).toEqual([20, 20, 5]);
    expect(batches.flatMap((b) => b.InstanceIds)).toEqual(ids);
    for (const batch of batches) {
      expect(batch).toMatchObject({
        AutoScalingGroupName: 'shop-blue',
        ShouldDecrementDesiredCapacity: true,
      });
    }
  });

  it('exits Standby in batches of 20', async () => {
    await exitStandby(
      'shop-blue',
      inService('b', 21).map(([id]) => id),
    );
    expect(autoScaling).toHaveReceivedCommandTimes(ExitStandbyCommand, 2);
    expect(autoScaling).toHaveReceivedNthSpecificCommandWith(2, ExitStandbyCommand, {
      AutoScalingGroupName: 'shop-blue',
      InstanceIds: ['i-b021'],
    });
  });

  it('makes no call for no instances', async () => {
    await enterStandby('shop-blue', []);
    await exitStandby('shop-blue', []);
    expect(autoScaling.calls()).toHaveLength(0);
  });

  it('retries ResourceContention then succeeds', async () => {
    jest.useFakeTimers();
    try {
      autoScaling
        .on(EnterStandbyCommand)
        .rejectsOnce(
          Object.assign(new Error('You already have a pending update'), {
            name: 'ResourceContention',
            $metadata: { httpStatusCode: 500 },
          }),
        )
        .resolves({ Activities: [] });
      const done = enterStandby('shop-blue', ['i-1']);
      await jest.advanceTimersByTimeAsync(10_000);
      await done;
      expect(autoScaling).toHaveReceivedCommandTimes(EnterStandbyCommand, 2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('rethrows a ValidationError at once', async () => {
    autoScaling.on(EnterStandbyCommand).rejects(validationError('The instance i-1 is not in InService.'));
    await expect(enterStandby('shop-blue', ['i-1'])).rejects.toMatchObject({ name: 'ValidationError' });
    expect(autoScaling).toHaveReceivedCommandTimes(EnterStandbyCommand, 1);
  });
});

describe('terminateInstances', () => {
  it('terminates counted instances with decrement, so nothing is relaunched', async () => {
    const result = await terminateInstances(['i-1', 'i-2'], 'counted');
    expect(result).toEqual({ terminated: ['i-1', 'i-2'], alreadyGone: [] });
    expect(autoScaling).toHaveReceivedCommandWith(TerminateInstanceInAutoScalingGroupCommand, {
      InstanceId: 'i-1',
      ShouldDecrementDesiredCapacity: true,
    });
    expect(autoScaling).toHaveReceivedCommandTimes(TerminateInstanceInAutoScalingGroupCommand, 2);
  });

  it('terminates Standby instances without decrement: they are already out of desired capacity', async () => {
    await terminateInstances(['i-1'], 'standby');
    expect(autoScaling).toHaveReceivedCommandWith(TerminateInstanceInAutoScalingGroupCommand, {
      InstanceId: 'i-1',
      ShouldDecrementDesiredCapacity: false,
    });
  });

  it('tolerates an instance that is already gone', async () => {
    autoScaling
      .on(TerminateInstanceInAutoScalingGroupCommand, { InstanceId: 'i-gone' })
      .rejects(validationError('Instance Id not found - No managed instance found for instance ID: i-gone'));
    const result = await terminateInstances(['i-1', 'i-gone', 'i-3'], 'standby');
    expect(result).toEqual({ terminated: ['i-1', 'i-3'], alreadyGone: ['i-gone'] });
  });

  it('rethrows any other ValidationError (even one that mentions terminating)', async () => {
    autoScaling
      .on(TerminateInstanceInAutoScalingGroupCommand)
      .rejects(
        validationError(
          "Currently, desiredSize equals minSize (2). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
        ),
      );
    await expect(terminateInstances(['i-1'], 'counted')).rejects.toThrow(/desiredSize equals minSize/);
  });

  it('rethrows AccessDenied', async () => {
    autoScaling
      .on(TerminateInstanceInAutoScalingGroupCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    await expect(terminateInstances(['i-1'], 'counted')).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('keeps at most 10 calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    autoScaling.on(TerminateInstanceInAutoScalingGroupCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return {};
    });
    await terminateInstances(
      inService('b', 25).map(([id]) => id),
      'counted',
    );
    expect(peak).toBe(10);
    expect(autoScaling).toHaveReceivedCommandTimes(TerminateInstanceInAutoScalingGroupCommand, 25);
  });
});

describe('tags and processes', () => {
  it('writes the tags of one group in one call', async () => {
    await setTags('shop-green', [
      { key: 'bluegreen:version', value: 'v2', propagateAtLaunch: true },
      { key: 'bluegreen:role', value: 'idle', propagateAtLaunch: false },
    ]);
    expect(autoScaling).toHaveReceivedCommandWith(CreateOrUpdateTagsCommand, {
      Tags: [
        {
          ResourceId: 'shop-green',
          ResourceType: 'auto-scaling-group',
          Key: 'bluegreen:version',
          Value: 'v2',
          PropagateAtLaunch: true,
        },
        {
          ResourceId: 'shop-green',
          ResourceType: 'auto-scaling-group',
          Key: 'bluegreen:role',
          Value: 'idle',
          PropagateAtLaunch: false,
        },
      ],
    });
  });

  it('resumes every process when none is named', async () => {
    await resumeProcesses('shop-green');
    expect(autoScaling.commandCalls(ResumeProcessesCommand)[0].args[0].input).toEqual({
      AutoScalingGroupName: 'shop-green',
    });
  });
});
