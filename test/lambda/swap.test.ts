import {
  CreateOrUpdateTagsCommand,
  EnterStandbyCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { handler } from '../../lambda/swap';
import { allHealthy, basePlan, baseState, inService, lockItem, ME, OTHER, type GroupSpec } from './fixtures';
import {
  autoScaling,
  autoScalingLog,
  FENCE_WRITES,
  givenFleet,
  givenFleetSequence,
  givenLockOwner,
  lockTable,
  mutatingCalls,
  resetAws,
  storedLock,
  timeline,
  unguardedChanges,
  expectEveryInvocationEnded,
} from './harness';

const ALL_SUSPENDED = ['AlarmNotification', 'ScheduledActions', 'AZRebalance', 'Launch'];
const newGreen: GroupSpec = { role: 'idle', version: 'v2.0.0', min: 2, instances: inService('g', 3) };
const NOW = 1_700_000_300_000;

beforeEach(() => resetAws());
afterEach(() => jest.restoreAllMocks());

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
    // The new group matched the live fleet's 45 instances (the swap sees to that first).
    const green45: GroupSpec = { ...newGreen, max: 50, instances: inService('g', 45) };
    givenFleetSequence([blue, green45], [afterwards, { ...green45, role: 'live' }], allHealthy(green45));
    const state = await handler(baseState({ plan: basePlan({ capacity: 45, bakeSeconds: 120 }) }));

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
    // Every change was preceded by a lock read (the guard).
    expect(unguardedChanges()).toEqual([]);
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
    // Nothing but entering and leaving the fence.
    expect(mutatingCalls()).toEqual(FENCE_WRITES);
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
    // The emptied group becomes idle like every idle group: tagged, and its scaling suspended.
    expect(autoScalingLog().filter((l) => !l.startsWith('Describe'))).toEqual([
      'CreateOrUpdateTags shop-green bluegreen:role=idle',
      'SuspendProcesses shop-green',
      'CreateOrUpdateTags shop-blue bluegreen:role=live,bluegreen:previous-version=',
    ]);
    expect(autoScaling).toHaveReceivedCommandWith(SuspendProcessesCommand, {
      AutoScalingGroupName: 'shop-green',
      ScalingProcesses: ALL_SUSPENDED,
    });
    expect(autoScaling).not.toHaveReceivedCommand(EnterStandbyCommand);
  });

  it('GIVEN a read that shows no healthy instance in the new group (a lagging read, or deaths since CheckHealth) WHEN swapping THEN the old group is not taken out: back to the health wait, nothing changed', async () => {
    givenFleet({ role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 2) }, newGreen, {});
    await expect(handler(baseState())).resolves.toMatchObject({ next: 'waitForHealth', waitSeconds: 15 });
    expect(mutatingCalls()).toEqual(FENCE_WRITES);
    expectEveryInvocationEnded();
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

describe('Swap: the live fleet scaled out during the health wait', () => {
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));

  it('GIVEN the old group has 5 instances and the new one 3 WHEN swapping THEN the new group grows to 5 first and is waited on again, nothing taken out', async () => {
    const blue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 5) };
    givenFleet(blue, newGreen, allHealthy(blue, newGreen));
    const state = await handler(baseState({ plan: basePlan({ capacity: 3, healthDeadline: NOW - 1 }) }));
    expect(autoScalingLog().filter((l) => !l.startsWith('Describe'))).toEqual([
      'UpdateAutoScalingGroup shop-green',
    ]);
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-green',
      DesiredCapacity: 5,
    });
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)[0].args[0].input.MinSize).toBeUndefined();
    expect(state).toMatchObject({
      next: 'waitForHealth',
      waitSeconds: 15,
      // A fresh health wait for the new instances.
      plan: { capacity: 5, healthDeadline: NOW + 900_000 },
    });
    expect(state.timings?.swapped).toBeUndefined();
    expect(unguardedChanges()).toEqual([]);
  });

  it('GIVEN a later health deadline already WHEN growing THEN the deadline is not brought forward', async () => {
    const blue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 4) };
    givenFleet(blue, newGreen, allHealthy(blue, newGreen));
    const state = await handler(
      baseState({ plan: basePlan({ capacity: 3, healthDeadline: NOW + 2_000_000 }) }),
    );
    expect(state.plan).toMatchObject({ capacity: 4, healthDeadline: NOW + 2_000_000 });
  });

  it('GIVEN the old fleet is larger than the new group’s MaxSize WHEN growing THEN only up to MaxSize', async () => {
    const blue: GroupSpec = {
      role: 'live',
      version: 'v1.0.0',
      min: 2,
      max: 10,
      instances: inService('b', 8),
    };
    givenFleet(blue, { ...newGreen, max: 6 }, allHealthy(blue, newGreen));
    const state = await handler(baseState());
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-green',
      DesiredCapacity: 6,
    });
    expect(state.plan?.capacity).toBe(6);
  });

  it('GIVEN the new group already matches (MaxSize reached) WHEN swapping THEN the swap goes on', async () => {
    const blue: GroupSpec = {
      role: 'live',
      version: 'v1.0.0',
      min: 2,
      max: 10,
      instances: inService('b', 8),
    };
    const green: GroupSpec = { ...newGreen, max: 6, instances: inService('g', 6) };
    givenFleetSequence(
      [blue, green],
      [{ ...blue, instances: inService('b', 8).map(([id]) => [id, 'EnteringStandby'] as const) }, green],
      allHealthy(green),
    );
    await expect(handler(baseState({ plan: basePlan({ capacity: 6 }) }))).resolves.toMatchObject({
      next: 'bake',
    });
    expect(autoScaling).not.toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-green',
    });
  });

  it('GIVEN the swap already started (old instances in Standby) WHEN re-run THEN the new group is not grown again', async () => {
    const blue: GroupSpec = {
      role: 'standby',
      version: 'v1.0.0',
      min: 0,
      instances: [
        ...inService('b', 1),
        ...inService('s', 4).map(([id]) => [id, 'Standby'] as [string, string]),
      ],
    };
    givenFleetSequence(
      [blue, newGreen],
      [
        {
          ...blue,
          instances: [
            ['i-b001', 'EnteringStandby'],
            ...inService('s', 4).map(([id]) => [id, 'Standby'] as [string, string]),
          ],
        },
        newGreen,
      ],
      allHealthy(newGreen),
    );
    await expect(handler(baseState())).resolves.toMatchObject({ next: 'bake' });
    expect(autoScaling).not.toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-green',
    });
    expect(autoScaling).toHaveReceivedCommandWith(EnterStandbyCommand, { InstanceIds: ['i-b001'] });
  });
});

describe('Swap: fenced', () => {
  const blue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) };

  it('GIVEN the new group no longer carries the planned version WHEN swapping THEN VersionChanged, nothing changed', async () => {
    givenFleet(blue, { ...newGreen, version: 'v9.9.9' }, allHealthy(blue, newGreen));
    await expect(handler(baseState())).rejects.toMatchObject({
      name: 'VersionChanged',
      message: expect.stringContaining('not the planned v2.0.0'),
    });
    expect(mutatingCalls()).toEqual(FENCE_WRITES);
  });

  it('GIVEN a rollback takes the lock over after the old group is tagged standby WHEN the next guard runs THEN LockLost and no further Auto Scaling call', async () => {
    givenFleet(blue, newGreen, allHealthy(blue, newGreen));
    autoScaling.on(CreateOrUpdateTagsCommand).callsFake(() => {
      lockTable.item = lockItem(OTHER, 'rollback', { rev: 5, inFlight: storedLock()?.inFlight });
      return {};
    });
    await expect(handler(baseState())).rejects.toMatchObject({ name: 'LockLost' });
    expect(autoScalingLog().filter((l) => !l.startsWith('Describe'))).toEqual([
      'CreateOrUpdateTags shop-blue bluegreen:role=standby',
    ]);
    expect(storedLock()).toMatchObject({ owner: OTHER });
    expectEveryInvocationEnded();
  });

  it('GIVEN EnterStandby is throttled once WHEN retried THEN the lock is read again before the second attempt', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    givenFleetSequence(
      [blue, newGreen],
      [{ ...blue, instances: inService('b', 3).map(([id]) => [id, 'EnteringStandby'] as const) }, newGreen],
      allHealthy(newGreen),
    );
    autoScaling
      .on(EnterStandbyCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
      .resolves({});
    await expect(handler(baseState())).resolves.toMatchObject({ next: 'bake' });
    const calls = timeline();
    const first = calls.indexOf('EnterStandby shop-blue');
    expect(calls.slice(first - 1, first + 3)).toEqual([
      'GetItem',
      'EnterStandby shop-blue',
      'GetItem',
      'EnterStandby shop-blue',
    ]);
    expect(storedLock()).toMatchObject({ owner: ME });
    expectEveryInvocationEnded();
  });
});
