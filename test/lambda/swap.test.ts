import {
  CreateOrUpdateTagsCommand,
  EnterStandbyCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { handler } from '../../lambda/swap';
import { allHealthy, basePlan, baseState, inService, OTHER, type GroupSpec } from './fixtures';
import {
  autoScaling,
  autoScalingLog,
  givenFleet,
  givenFleetSequence,
  givenLockOwner,
  mutatingCalls,
  resetAws,
} from './harness';

const ALL_SUSPENDED = ['AlarmNotification', 'ScheduledActions', 'AZRebalance'];
const newGreen: GroupSpec = { role: 'idle', version: 'v2.0.0', min: 2, instances: inService('g', 3) };

beforeEach(() => resetAws());

describe('Swap', () => {
  it('puts 45 live instances into Standby in 3 calls, after lowering MinSize, then bakes', async () => {
    const blue: GroupSpec = {
      role: 'live',
      version: 'v1.0.0',
      min: 2,
      max: 50,
      instances: inService('b', 45),
    };
    const afterwards: GroupSpec = {
      ...blue,
      min: 0,
      desired: 0,
      instances: inService('b', 45).map(([id]) => [id, 'EnteringStandby'] as const),
      suspended: ALL_SUSPENDED,
    };
    givenFleetSequence([blue, newGreen], [afterwards, { ...newGreen, role: 'live' }], allHealthy(newGreen));
    const state = await handler(baseState({ plan: basePlan({ capacity: 3, bakeSeconds: 120 }) }));

    expect(autoScaling).toHaveReceivedCommandTimes(EnterStandbyCommand, 3);
    const batches = autoScaling.commandCalls(EnterStandbyCommand).map((c) => c.args[0].input);
    expect(batches.map((b) => b.InstanceIds?.length)).toEqual([20, 20, 5]);
    expect(
      batches.every(
        (b) => b.ShouldDecrementDesiredCapacity === true && b.AutoScalingGroupName === 'shop-blue',
      ),
    ).toBe(true);
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-blue',
      MinSize: 0,
    });
    expect(autoScaling).toHaveReceivedCommandWith(SuspendProcessesCommand, {
      AutoScalingGroupName: 'shop-blue',
      ScalingProcesses: ALL_SUSPENDED,
    });

    const log = autoScalingLog();
    expect(log.filter((l) => !l.startsWith('Describe'))).toEqual([
      'CreateOrUpdateTags shop-blue bluegreen:role=standby',
      'CreateOrUpdateTags shop-green bluegreen:role=live,bluegreen:previous-version=v1.0.0',
      'SuspendProcesses shop-blue',
      'UpdateAutoScalingGroup shop-blue',
      'EnterStandby shop-blue',
      'EnterStandby shop-blue',
      'EnterStandby shop-blue',
    ]);
    // MinSize lowered BEFORE the first decrementing call.
    expect(log.indexOf('UpdateAutoScalingGroup shop-blue')).toBeLessThan(
      log.indexOf('EnterStandby shop-blue'),
    );

    expect(state).toMatchObject({ next: 'bake', timings: { swapped: expect.any(Number) } });
  });

  it('terminates Pending instances of the old group (they never served)', async () => {
    const blue: GroupSpec = {
      role: 'live',
      version: 'v1.0.0',
      min: 2,
      instances: [...inService('b', 2), ['i-new', 'Pending']],
    };
    givenFleetSequence(
      [blue, newGreen],
      [
        {
          ...blue,
          instances: [
            ['i-b001', 'EnteringStandby'],
            ['i-b002', 'EnteringStandby'],
            ['i-new', 'Terminating'],
          ],
        },
        newGreen,
      ],
      allHealthy(newGreen),
    );
    const state = await handler(baseState());
    expect(autoScaling).toHaveReceivedCommandWith(TerminateInstanceInAutoScalingGroupCommand, {
      InstanceId: 'i-new',
      ShouldDecrementDesiredCapacity: true,
    });
    expect(autoScaling).toHaveReceivedCommandWith(EnterStandbyCommand, { InstanceIds: ['i-b001', 'i-b002'] });
    expect(state).toMatchObject({ next: 'bake', terminatedInstanceIds: ['i-new'] });
  });

  it('goes round again when an instance started in the old group meanwhile', async () => {
    const blue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 2) };
    givenFleetSequence(
      [blue, newGreen],
      [
        {
          ...blue,
          instances: [
            ['i-b001', 'EnteringStandby'],
            ['i-b002', 'EnteringStandby'],
            ['i-late', 'Pending'],
          ],
        },
        newGreen,
      ],
      allHealthy(newGreen),
    );
    await expect(handler(baseState())).resolves.toMatchObject({ next: 'swap', waitSeconds: 15 });
  });

  it('is idempotent: a re-run with everything done changes nothing and bakes', async () => {
    const blue: GroupSpec = {
      role: 'standby',
      version: 'v1.0.0',
      min: 0,
      desired: 0,
      instances: inService('b', 3).map(([id]) => [id, 'Standby'] as const),
      suspended: ALL_SUSPENDED,
    };
    givenFleet(blue, { ...newGreen, role: 'live', previousVersion: 'v1.0.0' }, allHealthy(newGreen));
    await expect(handler(baseState())).resolves.toMatchObject({ next: 'bake' });
    expect(mutatingCalls()).toEqual([]);
  });

  it('first release: the new group becomes live, nothing to bake', async () => {
    givenFleet(
      { role: 'idle', version: 'v1.0.0', min: 2, instances: inService('b', 2) },
      { role: 'live' },
      {},
    );
    const plan = basePlan({
      targetColour: 'blue',
      targetGroupName: 'shop-blue',
      fromColour: undefined,
      fromGroupName: undefined,
      fromVersion: undefined,
      version: 'v1.0.0',
    });
    await expect(handler(baseState({ plan }))).resolves.toMatchObject({ next: 'finalize' });
    expect(autoScalingLog().filter((l) => !l.startsWith('Describe'))).toEqual([
      'CreateOrUpdateTags shop-green bluegreen:role=idle',
      'CreateOrUpdateTags shop-blue bluegreen:role=live,bluegreen:previous-version=',
    ]);
    expect(autoScaling).not.toHaveReceivedCommand(EnterStandbyCommand);
  });

  it('refuses to take the old group out when the new one has no healthy instance', async () => {
    givenFleet({ role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 2) }, newGreen, {});
    await expect(handler(baseState())).rejects.toMatchObject({ name: 'TargetNotHealthy' });
    expect(mutatingCalls()).toEqual([]);
  });

  it('stops without touching anything when the lock was taken over', async () => {
    givenLockOwner(OTHER, 'rollback');
    await expect(handler(baseState())).rejects.toMatchObject({ name: 'LockLost' });
    expect(autoScaling.calls()).toHaveLength(0);
  });

  it('rethrows a refused EnterStandby (the state machine then rolls back)', async () => {
    givenFleet(
      { role: 'live', version: 'v1.0.0', min: 0, instances: inService('b', 1) },
      newGreen,
      allHealthy(newGreen),
    );
    autoScaling
      .on(EnterStandbyCommand)
      .rejects(
        Object.assign(new Error('The instance i-b001 is not in InService.'), { name: 'ValidationError' }),
      );
    await expect(handler(baseState())).rejects.toMatchObject({ name: 'ValidationError' });
    expect(autoScaling).toHaveReceivedCommandTimes(EnterStandbyCommand, 1);
    expect(autoScaling).toHaveReceivedCommandTimes(CreateOrUpdateTagsCommand, 2);
  });
});
