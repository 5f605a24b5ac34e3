import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  type AutoScalingInstanceDetails,
  EnterStandbyCommand,
  ExitStandbyCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
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
  listServiceGroupNames,
  readFleetSnapshot,
  resumeProcesses,
  roleTag,
  setTags,
  suspendProcesses,
  terminateInstances,
  updateGroup,
} from '../../lambda/shared/fleet-calls';
import { describeGroupsOutput, GROUP_NAMES, inService, TARGET_GROUP_ARN } from './fixtures';

const autoScaling = mockClient(AutoScalingClient);
const loadBalancing = mockClient(ElasticLoadBalancingV2Client);

/** The group shop-blue as a lookup after a refused Standby move sees it. */
function givenLifecycle(states: Record<string, string>): void {
  autoScaling
    .on(DescribeAutoScalingGroupsCommand)
    .resolves(describeGroupsOutput({ instances: Object.entries(states) }, {}));
}

function instanceState(InstanceId: string, LifecycleState: string): AutoScalingInstanceDetails {
  return {
    InstanceId,
    LifecycleState,
    AutoScalingGroupName: 'shop-blue',
    AvailabilityZone: 'eu-west-1a',
    HealthStatus: 'HEALTHY',
    ProtectedFromScaleIn: false,
  };
}

function validationError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
}

/** The fence's guard: here a spy that lets every call through unless a test says otherwise. */
const guard = jest.fn<Promise<void>, []>(async () => undefined);

beforeEach(() => {
  autoScaling.reset();
  loadBalancing.reset();
  guard.mockReset();
  guard.mockImplementation(async () => undefined);
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
    await enterStandby(guard, 'shop-blue', ids);
    expect(autoScaling).toHaveReceivedCommandTimes(EnterStandbyCommand, 3);
    expect(guard).toHaveBeenCalledTimes(3);
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
      guard,
      'shop-blue',
      inService('b', 21).map(([id]) => id),
    );
    expect(autoScaling).toHaveReceivedCommandTimes(ExitStandbyCommand, 2);
    expect(guard).toHaveBeenCalledTimes(2);
    expect(autoScaling).toHaveReceivedNthSpecificCommandWith(2, ExitStandbyCommand, {
      AutoScalingGroupName: 'shop-blue',
      InstanceIds: ['i-b021'],
    });
  });

  it('makes no call for no instances', async () => {
    await enterStandby(guard, 'shop-blue', []);
    await exitStandby(guard, 'shop-blue', []);
    expect(autoScaling.calls()).toHaveLength(0);
    expect(guard).not.toHaveBeenCalled();
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
      const done = enterStandby(guard, 'shop-blue', ['i-1']);
      await jest.advanceTimersByTimeAsync(10_000);
      await done;
      expect(autoScaling).toHaveReceivedCommandTimes(EnterStandbyCommand, 2);
      // The lock is checked again before the retry.
      expect(guard).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('rethrows a ValidationError at once when the instance is still where it was (the call really was refused)', async () => {
    autoScaling.on(EnterStandbyCommand).rejects(validationError('The instance i-1 is not in InService.'));
    givenLifecycle({ 'i-1': 'InService' });
    await expect(enterStandby(guard, 'shop-blue', ['i-1'])).rejects.toMatchObject({
      name: 'ValidationError',
    });
    expect(autoScaling).toHaveReceivedCommandTimes(EnterStandbyCommand, 1);
    expect(autoScaling).toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, {
      AutoScalingGroupNames: ['shop-blue'],
    });
  });

  it('GIVEN an earlier attempt took effect but failed WHEN the retry is refused (ValidationError) THEN it is done, decided by the observed state', async () => {
    autoScaling.on(EnterStandbyCommand).rejects(validationError('The instance i-1 is not in InService.'));
    givenLifecycle({ 'i-1': 'EnteringStandby' });
    await expect(enterStandby(guard, 'shop-blue', ['i-1'])).resolves.toBeUndefined();
    expect(autoScaling).toHaveReceivedCommandTimes(EnterStandbyCommand, 1);
  });

  it('GIVEN part of a batch already moved WHEN refused THEN only the instances still to move are sent again, guarded', async () => {
    autoScaling
      .on(ExitStandbyCommand)
      .rejectsOnce(validationError('The instance i-1 is not in Standby.'))
      .resolves({ Activities: [] });
    givenLifecycle({ 'i-1': 'InService', 'i-2': 'Standby' });
    await exitStandby(guard, 'shop-blue', ['i-1', 'i-2']);
    expect(autoScaling.commandCalls(ExitStandbyCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([
      ['i-1', 'i-2'],
      ['i-2'],
    ]);
    expect(guard).toHaveBeenCalledTimes(2);
  });
});

describe('terminateInstances', () => {
  it('terminates counted instances with decrement, so nothing is relaunched', async () => {
    const result = await terminateInstances(guard, ['i-1', 'i-2'], 'counted');
    expect(result).toEqual({ terminated: ['i-1', 'i-2'], alreadyGone: [] });
    expect(autoScaling).toHaveReceivedCommandWith(TerminateInstanceInAutoScalingGroupCommand, {
      InstanceId: 'i-1',
      ShouldDecrementDesiredCapacity: true,
    });
    expect(autoScaling).toHaveReceivedCommandTimes(TerminateInstanceInAutoScalingGroupCommand, 2);
    expect(guard).toHaveBeenCalledTimes(2);
  });

  it('terminates Standby instances without decrement: they are already out of desired capacity', async () => {
    await terminateInstances(guard, ['i-1'], 'standby');
    expect(autoScaling).toHaveReceivedCommandWith(TerminateInstanceInAutoScalingGroupCommand, {
      InstanceId: 'i-1',
      ShouldDecrementDesiredCapacity: false,
    });
  });

  it('GIVEN instances serving badly WHEN replaced THEN terminated without decrement, so the group launches replacements', async () => {
    await terminateInstances(guard, ['i-1'], 'replace');
    expect(autoScaling).toHaveReceivedCommandWith(TerminateInstanceInAutoScalingGroupCommand, {
      InstanceId: 'i-1',
      ShouldDecrementDesiredCapacity: false,
    });
  });

  it('tolerates an instance that is already gone', async () => {
    autoScaling
      .on(TerminateInstanceInAutoScalingGroupCommand, { InstanceId: 'i-gone' })
      .rejects(validationError('Instance Id not found - No managed instance found for instance ID: i-gone'));
    const result = await terminateInstances(guard, ['i-1', 'i-gone', 'i-3'], 'standby');
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
    // The instance is still in service: the refusal is real.
    autoScaling
      .on(DescribeAutoScalingInstancesCommand)
      .resolves({ AutoScalingInstances: [instanceState('i-1', 'InService')] });
    await expect(terminateInstances(guard, ['i-1'], 'counted')).rejects.toThrow(/desiredSize equals minSize/);
  });

  it('GIVEN a ValidationError for an instance already Terminating (an earlier attempt took effect) THEN it counts as gone', async () => {
    autoScaling
      .on(TerminateInstanceInAutoScalingGroupCommand)
      .rejects(validationError('The instance is in a state that does not allow this'));
    autoScaling
      .on(DescribeAutoScalingInstancesCommand)
      .resolves({ AutoScalingInstances: [instanceState('i-1', 'Terminating:Wait')] });
    await expect(terminateInstances(guard, ['i-1'], 'standby')).resolves.toEqual({
      terminated: [],
      alreadyGone: ['i-1'],
    });
    expect(autoScaling).toHaveReceivedCommandWith(DescribeAutoScalingInstancesCommand, {
      InstanceIds: ['i-1'],
    });
  });

  it('rethrows AccessDenied', async () => {
    autoScaling
      .on(TerminateInstanceInAutoScalingGroupCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    await expect(terminateInstances(guard, ['i-1'], 'counted')).rejects.toMatchObject({
      name: 'AccessDenied',
    });
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
      guard,
      inService('b', 25).map(([id]) => id),
      'counted',
    );
    expect(peak).toBe(10);
    expect(autoScaling).toHaveReceivedCommandTimes(TerminateInstanceInAutoScalingGroupCommand, 25);
  });
});

describe('tags and processes', () => {
  it('writes the tags of one group in one call', async () => {
    await setTags(guard, 'shop-green', [
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
    await resumeProcesses(guard, 'shop-green');
    expect(autoScaling.commandCalls(ResumeProcessesCommand)[0].args[0].input).toEqual({
      AutoScalingGroupName: 'shop-green',
    });
  });
});

describe('listServiceGroupNames', () => {
  it('GIVEN two pages of groups carrying the service tag WHEN listed THEN every name, filtered by the tag', async () => {
    autoScaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce({ AutoScalingGroups: [{ AutoScalingGroupName: 'shop-blue' }], NextToken: 't1' } as never)
      .resolves({ AutoScalingGroups: [{ AutoScalingGroupName: 'shop-green' }] } as never);
    await expect(listServiceGroupNames('shop')).resolves.toEqual(['shop-blue', 'shop-green']);
    expect(autoScaling).toHaveReceivedNthCommandWith(1, DescribeAutoScalingGroupsCommand, {
      Filters: [{ Name: 'tag:bluegreen:service', Values: ['shop'] }],
    });
    expect(autoScaling).toHaveReceivedNthCommandWith(2, DescribeAutoScalingGroupsCommand, {
      NextToken: 't1',
    });
  });
});

describe('the guard before every mutating call', () => {
  const throttled = () =>
    Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
  const lockLost = () =>
    Object.assign(new Error('the release lock is now held by other'), { name: 'LockLost' });

  /** Each mutating function of fleet-calls.ts, with the one command it sends. */
  const calls: ReadonlyArray<
    readonly [string, { new (...args: never[]): object; name: string }, () => Promise<unknown>]
  > = [
    ['setTags', CreateOrUpdateTagsCommand, () => setTags(guard, 'shop-green', [roleTag('live')])],
    [
      'suspendProcesses',
      SuspendProcessesCommand,
      () => suspendProcesses(guard, 'shop-blue', ['AZRebalance']),
    ],
    ['resumeProcesses', ResumeProcessesCommand, () => resumeProcesses(guard, 'shop-blue')],
    ['updateGroup', UpdateAutoScalingGroupCommand, () => updateGroup(guard, 'shop-blue', { minSize: 0 })],
    ['enterStandby', EnterStandbyCommand, () => enterStandby(guard, 'shop-blue', ['i-1'])],
    ['exitStandby', ExitStandbyCommand, () => exitStandby(guard, 'shop-blue', ['i-1'])],
    [
      'terminateInstances',
      TerminateInstanceInAutoScalingGroupCommand,
      () => terminateInstances(guard, ['i-1'], 'standby'),
    ],
  ];

  it.each(calls)(
    'GIVEN %s is throttled once WHEN it retries THEN the guard runs before each of the two attempts',
    async (_name, command, run) => {
      jest.spyOn(Math, 'random').mockReturnValue(0);
      const order: string[] = [];
      guard.mockImplementation(async () => {
        order.push('guard');
      });
      let attempts = 0;
      autoScaling.on(command as never).callsFake(() => {
        order.push(command.name);
        if (++attempts === 1) throw throttled();
        return {};
      });
      try {
        await run();
      } finally {
        jest.restoreAllMocks();
      }
      expect(order).toEqual(['guard', command.name, 'guard', command.name]);
    },
  );

  it.each(calls)(
    'GIVEN the guard finds the lock lost WHEN %s is called THEN LockLost and no Auto Scaling call',
    async (_name, _command, run) => {
      guard.mockRejectedValue(lockLost());
      await expect(run()).rejects.toMatchObject({ name: 'LockLost' });
      expect(autoScaling.calls()).toHaveLength(0);
    },
  );

  it('GIVEN the lock is lost after the first batch WHEN entering 45 instances into Standby THEN the second batch is never sent', async () => {
    guard.mockResolvedValueOnce(undefined).mockRejectedValue(lockLost());
    await expect(
      enterStandby(
        guard,
        'shop-blue',
        inService('b', 45).map(([id]) => id),
      ),
    ).rejects.toMatchObject({ name: 'LockLost' });
    expect(autoScaling).toHaveReceivedCommandTimes(EnterStandbyCommand, 1);
    expect(guard).toHaveBeenCalledTimes(2);
  });

  it('GIVEN the lock is lost WHEN terminating several instances THEN none is terminated, and LockLost is not mistaken for an instance already gone', async () => {
    guard.mockRejectedValue(lockLost());
    await expect(terminateInstances(guard, ['i-1', 'i-2', 'i-3'], 'counted')).rejects.toMatchObject({
      name: 'LockLost',
    });
    expect(autoScaling).not.toHaveReceivedCommand(TerminateInstanceInAutoScalingGroupCommand);
  });
});
