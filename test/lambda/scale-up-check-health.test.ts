import {
  CreateOrUpdateTagsCommand,
  ResumeProcessesCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { handler as checkHealth } from '../../lambda/check-health';
import { handler as scaleUp } from '../../lambda/scale-up';
import { basePlan, baseState, inService, lockItem, ME, OTHER, type GroupSpec } from './fixtures';
import {
  autoScaling,
  autoScalingLog,
  dynamoDb,
  FENCE_WRITES,
  givenFleet,
  givenLockOwner,
  interceptNextLockWrite,
  lockTable,
  mutatingCalls,
  resetAws,
  storedLock,
  timeline,
  unguardedChanges,
  expectEveryInvocationEnded,
} from './harness';

const NOW = 1_700_000_100_000;
const liveBlue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) };

beforeEach(() => {
  resetAws();
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});
afterEach(() => jest.restoreAllMocks());

describe('ScaleUp', () => {
  it('tags the idle group with the version, resumes it and sets its capacity', async () => {
    givenFleet(liveBlue, { role: 'idle', version: 'v0.9.0', suspended: ['AZRebalance'] });
    const state = await scaleUp(baseState());
    expect(autoScaling).toHaveReceivedCommandWith(CreateOrUpdateTagsCommand, {
      Tags: [
        expect.objectContaining({
          ResourceId: 'shop-green',
          Key: 'bluegreen:version',
          Value: 'v2.0.0',
          PropagateAtLaunch: true,
        }),
        expect.objectContaining({
          ResourceId: 'shop-green',
          Key: 'bluegreen:role',
          Value: 'idle',
          PropagateAtLaunch: false,
        }),
      ],
    });
    expect(autoScaling.commandCalls(ResumeProcessesCommand)[0].args[0].input).toEqual({
      AutoScalingGroupName: 'shop-green',
    });
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-green',
      MinSize: 2,
      DesiredCapacity: 3,
    });
    // The version tag is in place before the group launches anything.
    expect(autoScalingLog().slice(1)).toEqual([
      'CreateOrUpdateTags shop-green bluegreen:version=v2.0.0,bluegreen:role=idle',
      'ResumeProcesses shop-green',
      'UpdateAutoScalingGroup shop-green',
    ]);
    expect(state).toMatchObject({
      next: 'waitForHealth',
      waitSeconds: 15,
      plan: { healthDeadline: NOW + 900_000 },
      timings: { scaledUp: NOW },
    });
  });

  it('MinSize never exceeds the planned capacity', async () => {
    givenFleet(liveBlue, {});
    await scaleUp(baseState({ plan: basePlan({ capacity: 1 }) }));
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      MinSize: 1,
      DesiredCapacity: 1,
    });
  });

  it('refuses a target group that has instances, without changing it', async () => {
    givenFleet(liveBlue, { role: 'idle', version: 'v0.9.0', instances: [['i-g1', 'InService']] });
    await expect(scaleUp(baseState())).rejects.toMatchObject({
      name: 'IdleGroupNotEmpty',
      message: expect.stringContaining('i-g1 InService'),
    });
    // Nothing but entering and leaving the fence.
    expect(mutatingCalls()).toEqual(FENCE_WRITES);
    expect(storedLock()).toMatchObject({ owner: ME });
    expectEveryInvocationEnded();
  });

  it('GIVEN the lock is ours WHEN it scales up THEN it is listed in the fence meanwhile, and every change is preceded by a lock read', async () => {
    givenFleet(liveBlue, { role: 'idle', version: 'v0.9.0' });
    const context = { awsRequestId: 'scale-1', getRemainingTimeInMillis: () => 120_000 };
    let listed: unknown;
    autoScaling.on(CreateOrUpdateTagsCommand).callsFake(() => {
      listed = storedLock()?.inFlight;
      return {};
    });
    await scaleUp(baseState(), context);
    expect(listed).toEqual([{ id: `${ME}/scale-1`, execution: ME, step: 'scale-up', until: NOW + 122_000 }]);
    expect(unguardedChanges()).toEqual([]);
    expect(timeline().filter((c) => !c.startsWith('Describe'))).toEqual([
      'GetItem',
      'PutItem',
      'GetItem',
      'CreateOrUpdateTags shop-green bluegreen:version=v2.0.0,bluegreen:role=idle',
      'GetItem',
      'ResumeProcesses shop-green',
      'GetItem',
      'UpdateAutoScalingGroup shop-green',
      'GetItem',
      'PutItem',
    ]);
    expectEveryInvocationEnded();
  });

  it('GIVEN a rollback takes the lock over after the version tag WHEN the next guard runs THEN LockLost and no further change', async () => {
    givenFleet(liveBlue, { role: 'idle', version: 'v0.9.0' });
    autoScaling.on(CreateOrUpdateTagsCommand).callsFake(() => {
      lockTable.item = lockItem(OTHER, 'rollback', { rev: 7, inFlight: storedLock()?.inFlight });
      return {};
    });
    await expect(scaleUp(baseState())).rejects.toMatchObject({
      name: 'LockLost',
      message: expect.stringContaining(OTHER),
    });
    expect(autoScalingLog().filter((l) => !l.startsWith('Describe'))).toEqual([
      'CreateOrUpdateTags shop-green bluegreen:version=v2.0.0,bluegreen:role=idle',
    ]);
    // It took itself off the new owner's list on the way out.
    expect(storedLock()).toMatchObject({ owner: OTHER });
    expectEveryInvocationEnded();
  });

  it('GIVEN the fence entry cannot be written WHEN it starts THEN nothing of the fleet is touched', async () => {
    interceptNextLockWrite(() => {
      throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    });
    await expect(scaleUp(baseState())).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(autoScaling.calls()).toHaveLength(0);
  });

  it('stops when the lock was taken over', async () => {
    givenLockOwner(OTHER, 'rollback');
    await expect(scaleUp(baseState())).rejects.toMatchObject({ name: 'LockLost' });
    expect(autoScaling.calls()).toHaveLength(0);
  });
});

describe('CheckHealth', () => {
  const state = baseState({ plan: basePlan({ capacity: 2, healthDeadline: NOW + 60_000 }) });

  it('waits while instances are not healthy yet, reporting progress', async () => {
    givenFleet(
      liveBlue,
      {
        role: 'idle',
        version: 'v2.0.0',
        instances: [
          ['i-g1', 'InService'],
          ['i-g2', 'Pending'],
        ],
      },
      {
        'i-g1': 'healthy',
      },
    );
    await expect(checkHealth(state)).resolves.toMatchObject({
      next: 'waitForHealth',
      waitSeconds: 1, // hands back for one second: the next invocation reads on every second
      progress: { healthy: 1, wanted: 2, lifecycle: { InService: 1, Pending: 1 } },
    });
    // Read-only: not even a fence entry.
    expect(mutatingCalls()).toEqual([]);
  });

  it('follows an instance replaced mid-wait: counts the group, not remembered ids', async () => {
    const before: GroupSpec = {
      role: 'idle',
      version: 'v2.0.0',
      instances: [
        ['i-g1', 'InService'],
        ['i-g2', 'InService'],
      ],
    };
    const after: GroupSpec = {
      ...before,
      instances: [
        ['i-g1', 'InService'],
        ['i-g2', 'Terminating'],
        ['i-g3', 'InService'],
      ],
    };
    givenFleet(liveBlue, before, { 'i-g1': 'healthy', 'i-g2': 'unhealthy' });
    const waiting = await checkHealth(state);
    expect(waiting).toMatchObject({ next: 'waitForHealth', progress: { healthy: 1 } });

    // i-g2 failed and the group replaced it with i-g3.
    givenFleet(liveBlue, after, { 'i-g1': 'healthy', 'i-g2': 'draining', 'i-g3': 'healthy' });
    await expect(checkHealth(waiting)).resolves.toMatchObject({
      next: 'swap',
      progress: { healthy: 2, wanted: 2, lifecycle: { InService: 2, Terminating: 1 } },
      timings: { healthy: NOW },
    });
  });

  it('GIVEN another execution took the lock over WHEN it checks THEN LockLost before reading the fleet', async () => {
    givenLockOwner(OTHER, 'rollback');
    await expect(checkHealth(state)).rejects.toMatchObject({
      name: 'LockLost',
      message: expect.stringContaining(OTHER),
    });
    expect(autoScaling.calls()).toHaveLength(0);
    expect(dynamoDb).toHaveReceivedCommandWith(GetItemCommand, { ConsistentRead: true });
  });

  it('GIVEN the group no longer carries the planned version WHEN it checks THEN VersionChanged, even if every instance is healthy', async () => {
    givenFleet(
      liveBlue,
      { role: 'idle', version: 'v2.0.1', instances: inService('g', 2) },
      {
        'i-g001': 'healthy',
        'i-g002': 'healthy',
      },
    );
    await expect(checkHealth(state)).rejects.toMatchObject({
      name: 'VersionChanged',
      message: 'green (shop-green) is tagged bluegreen:version="v2.0.1", not the planned v2.0.0',
    });
    expect(mutatingCalls()).toEqual([]);
  });

  it('rolls back automatically when the deadline passes', async () => {
    givenFleet(
      liveBlue,
      {
        role: 'idle',
        version: 'v2.0.0',
        instances: [
          ['i-g1', 'InService'],
          ['i-g2', 'Pending'],
        ],
      },
      {
        'i-g1': 'healthy',
      },
    );
    const late = baseState({ plan: basePlan({ capacity: 3, healthDeadline: NOW }) });
    await expect(checkHealth(late)).resolves.toMatchObject({
      next: 'rollback',
      rollback: { reason: 'health timeout: 1 of 3 instances healthy after 900 s', automatic: true },
    });
  });
});
