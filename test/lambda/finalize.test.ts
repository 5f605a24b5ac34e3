import {
  CreateOrUpdateTagsCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { handler as finalizeHandler } from '../../lambda/finalize';
import { READ_SETTLE_MS } from '../../lambda/shared/lock';
import {
  allHealthy,
  basePlan,
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
  expectEveryInvocationEnded,
  timedUnderFakeTimers,
} from './harness';

const NOW = 1_700_000_000_000 + 600_000;
const ALL_SUSPENDED = ['AlarmNotification', 'ScheduledActions', 'AZRebalance', 'Launch'];
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
/** The new group serving: every instance InService and healthy on the target group. */
const serving = allHealthy(liveGreen);
const changes = () => autoScalingLog().filter((l) => !l.startsWith('Describe'));

/**
 * Finalize on fake timers, advanced a second at a time until it answers: its settle wait
 * (READ_SETTLE_MS after its last change) passes without the test waiting for it.
 */
async function handler(...args: Parameters<typeof finalizeHandler>): ReturnType<typeof finalizeHandler> {
  return (await timedUnderFakeTimers(finalizeHandler(...args), Date.now())).result;
}
/** When a Finalize that settled after changes at NOW releases. */
const SETTLED = NOW + READ_SETTLE_MS;

beforeEach(() => {
  resetAws();
  jest.useFakeTimers({ now: NOW });
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('Finalize', () => {
  it('tags the old group idle BEFORE terminating its Standby instances, then releases the lock', async () => {
    givenFleet(standbyBlue, liveGreen, serving);
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
    // Released while it still held it (the delete is conditional on the item it read, ours).
    expect(dynamoDb).toHaveReceivedCommandWith(DeleteItemCommand, {
      ConditionExpression: '#rev = :rev',
      ExpressionAttributeValues: { ':rev': { N: '2' } },
    });
    expect(lockTable.item).toBeUndefined();
    expect(state).toEqual({
      ...baseState(),
      next: 'released',
      waitSeconds: undefined,
      terminatedInstanceIds: ['i-b1', 'i-b2'],
      timings: { prepared: 1_700_000_000_000, swapped: 1_700_000_200_000, released: SETTLED },
      summary: {
        outcome: 'released',
        version: 'v2.0.0',
        liveColour: 'green',
        liveGroupName: 'shop-green',
        previousVersion: 'v1.0.0',
        instanceIds: ['i-g001', 'i-g002', 'i-g003'],
        terminatedInstanceIds: ['i-b1', 'i-b2'],
        durationSeconds: 610,
        timings: { prepared: 1_700_000_000_000, swapped: 1_700_000_200_000, released: SETTLED },
      },
    });
  });

  it('empties the old group, suspends it, and sets the live MinSize', async () => {
    givenFleet({ ...standbyBlue, min: 2, desired: 1, suspended: [] }, { ...liveGreen, min: 0 }, serving);
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
      serving,
    );
    await expect(handler(baseState())).resolves.toMatchObject({ next: 'finalize', waitSeconds: 15 });
    expect(autoScalingLog().filter((l) => !l.startsWith('Describe'))).toEqual([
      'CreateOrUpdateTags shop-blue bluegreen:role=idle',
    ]);
    expect(dynamoDb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  it('tolerates an instance already terminated, and rethrows other errors', async () => {
    givenFleet(standbyBlue, liveGreen, serving);
    autoScaling.on(TerminateInstanceInAutoScalingGroupCommand, { InstanceId: 'i-b1' }).rejects(
      Object.assign(new Error('Instance Id not found - No managed instance found for instance ID: i-b1'), {
        name: 'ValidationError',
      }),
    );
    await expect(handler(baseState())).resolves.toMatchObject({
      next: 'released',
      terminatedInstanceIds: ['i-b2'],
    });

    // The first run released the lock; the second is another execution's Finalize holding it.
    givenLockOwner(ME);
    autoScaling
      .on(TerminateInstanceInAutoScalingGroupCommand, { InstanceId: 'i-b1' })
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    await expect(handler(baseState())).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('first release: nothing to empty, releases the lock', async () => {
    const blue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 2) };
    givenFleet(blue, { role: 'idle' }, allHealthy(blue));
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
    expect(lockTable.item).toBeUndefined();
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

describe('Finalize: verifies the new fleet before tearing down the old one', () => {
  it('GIVEN fewer healthy instances than min(minCapacity, capacity) WHEN finalizing THEN it keeps the warm old fleet and looks again, with a deadline', async () => {
    givenFleet(standbyBlue, liveGreen, { 'i-g001': 'healthy', 'i-g002': 'unhealthy', 'i-g003': 'initial' });
    const state = await handler(baseState());
    expect(state).toMatchObject({ next: 'finalize', waitSeconds: 15, finalizeDeadline: NOW + 900_000 });
    expect(state.summary).toBeUndefined();
    expect(changes()).toEqual([]);
    // The lock is kept (nothing released), the fence left.
    expect(mutatingCalls()).toEqual(FENCE_WRITES);
    expect(storedLock()).toMatchObject({ owner: ME });
    expectEveryInvocationEnded();
  });

  it('GIVEN a deadline set by an earlier pass WHEN still short THEN it keeps that deadline', async () => {
    givenFleet(standbyBlue, liveGreen, { 'i-g001': 'healthy' });
    await expect(handler(baseState({ finalizeDeadline: NOW + 5_000 }))).resolves.toMatchObject({
      next: 'finalize',
      finalizeDeadline: NOW + 5_000,
    });
  });

  it('GIVEN the deadline has passed WHEN still short THEN TargetNotHealthy (into the rollback), nothing torn down', async () => {
    givenFleet(standbyBlue, liveGreen, { 'i-g001': 'healthy' });
    await expect(handler(baseState({ finalizeDeadline: NOW }))).rejects.toMatchObject({
      name: 'TargetNotHealthy',
      message: 'green (shop-green) serves v2.0.0 on 1 healthy instance(s), fewer than 2',
    });
    expect(changes()).toEqual([]);
    expect(dynamoDb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  it('GIVEN instances healthy on the target group but not InService WHEN counted THEN they do not serve', async () => {
    const green: GroupSpec = {
      ...liveGreen,
      instances: [
        ['i-g001', 'InService'],
        ['i-g002', 'Terminating'],
        ['i-g003', 'Standby'],
      ],
    };
    givenFleet(standbyBlue, green, { 'i-g001': 'healthy', 'i-g002': 'healthy', 'i-g003': 'healthy' });
    await expect(handler(baseState())).resolves.toMatchObject({ next: 'finalize' });
    expect(changes()).toEqual([]);
  });

  it('GIVEN a capacity of 1 WHEN one instance serves THEN that is enough (MinCapacity 2 is never asked of a smaller fleet)', async () => {
    const green: GroupSpec = { ...liveGreen, min: 1, instances: inService('g', 1) };
    givenFleet(standbyBlue, green, allHealthy(green));
    await expect(handler(baseState({ plan: basePlan({ capacity: 1 }) }))).resolves.toMatchObject({
      next: 'released',
    });
  });

  it('GIVEN the new group no longer carries the planned version WHEN finalizing THEN VersionChanged, nothing torn down, the lock kept', async () => {
    givenFleet(standbyBlue, { ...liveGreen, version: 'v2.0.1' }, serving);
    await expect(handler(baseState())).rejects.toMatchObject({
      name: 'VersionChanged',
      message: 'green (shop-green) is tagged bluegreen:version="v2.0.1", not the planned v2.0.0',
    });
    expect(changes()).toEqual([]);
    expect(storedLock()?.owner).toBe(ME);
  });
});

describe('Finalize: releasing the lock', () => {
  it('GIVEN only Finalize itself is listed in the fence WHEN it releases the lock THEN the item is deleted', async () => {
    givenFleet(standbyBlue, liveGreen, serving);
    let listedAtRelease: unknown;
    dynamoDb.on(DeleteItemCommand).callsFake(() => {
      listedAtRelease = storedLock()?.inFlight.map((i) => i.id);
      lockTable.item = undefined;
      return {};
    });
    await handler(baseState(), { awsRequestId: 'fin-1', getRemainingTimeInMillis: () => 60_000 });
    expect(listedAtRelease).toEqual([`${ME}/fin-1`]);
    expect(lockTable.item).toBeUndefined();
  });

  it('GIVEN a step of another execution may still act WHEN Finalize releases THEN the lock (the fence) is kept, and the release still reported', async () => {
    const stuck = invocation(OTHER, 'old-step', NOW + 60_000);
    givenLockItem(lockItem(ME, 'release', { inFlight: [stuck] }));
    givenFleet(standbyBlue, liveGreen, serving);
    await expect(handler(baseState())).resolves.toMatchObject({ next: 'released' });
    expect(dynamoDb).not.toHaveReceivedCommand(DeleteItemCommand);
    expect(storedLock()).toMatchObject({
      owner: ME,
      inFlight: [stuck, expect.objectContaining({ ended: true })],
    });
  });

  it('GIVEN the lock is taken over during the teardown WHEN the next guard runs THEN LockLost, nothing more torn down, nothing released', async () => {
    givenFleet(standbyBlue, liveGreen, serving);
    autoScaling.on(CreateOrUpdateTagsCommand).callsFake(() => {
      lockTable.item = lockItem(OTHER, 'rollback', { rev: 8, inFlight: storedLock()?.inFlight });
      return {};
    });
    await expect(handler(baseState())).rejects.toMatchObject({ name: 'LockLost' });
    expect(changes()).toEqual(['CreateOrUpdateTags shop-blue bluegreen:role=idle']);
    expect(dynamoDb).not.toHaveReceivedCommand(DeleteItemCommand);
    expect(storedLock()).toMatchObject({ owner: OTHER });
    expectEveryInvocationEnded();
  });
});

describe('Finalize with an afterFinalize hook: the lock is kept until the hook has answered', () => {
  /** The state of an execution whose definition releases the lock after the hook (its Start sets this). */
  const hooked = (overrides: Parameters<typeof baseState>[0] = {}) =>
    baseState({ afterFinalizeHook: { windowSeconds: 300 }, ...overrides });

  it('GIVEN a release WHEN Finalize succeeds THEN the old fleet is torn down and the lock kept (the fence left)', async () => {
    givenFleet(standbyBlue, liveGreen, serving);
    await expect(handler(hooked())).resolves.toMatchObject({
      next: 'released',
      summary: { outcome: 'released', version: 'v2.0.0' },
    });
    expect(changes()).toContain('TerminateInstanceInAutoScalingGroup i-b1');
    expect(dynamoDb).not.toHaveReceivedCommand(DeleteItemCommand);
    expect(storedLock()?.owner).toBe(ME);
    // The hook's invocation is listed for its function's timeout: a next release waits for it.
    const listed = storedLock()?.inFlight.filter((i) => !i.ended);
    expect(listed).toEqual([
      {
        id: `${ME}/afterFinalize-hook`,
        execution: ME,
        step: 'afterFinalize',
        until: NOW + 10_000 + 300_000 + 2_000,
      },
    ]);
  });

  it('GIVEN the hook Task timed out (its invocation may still run) WHEN releasing THEN it waits out the listed window, then releases', async () => {
    givenFleet(standbyBlue, liveGreen, serving);
    await handler(hooked());
    const timedOut = {
      ...hooked(),
      next: 'releaseLock' as const,
      error: { Error: 'AfterFinalizeHookFailed', Cause: 'did not answer', HookMayStillRun: true },
    };
    await expect(handler(timedOut)).resolves.toMatchObject({ next: 'releaseLock', waitSeconds: 60 });
    expect(storedLock()?.owner).toBe(ME);
    jest.setSystemTime(NOW + 10_000 + 302_000);
    await expect(handler(timedOut)).resolves.toMatchObject({ next: 'released' });
    expect(lockTable.item).toBeUndefined();
  });

  it('GIVEN the hook answered WHEN invoked with next releaseLock THEN only the lock is released', async () => {
    givenFleet(standbyBlue, liveGreen, serving);
    const after = await handler({ ...hooked(), next: 'releaseLock' });
    expect(after.next).toBe('released');
    expect(changes()).toEqual([]);
    expect(lockTable.item).toBeUndefined();
  });

  it('GIVEN throttling that outlasts the retries WHEN releasing THEN it answers releaseLock again after a wait, the lock still its own', async () => {
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    dynamoDb
      .on(PutItemCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const after = await handler({ ...hooked(), next: 'releaseLock' });
    expect(after).toMatchObject({ next: 'releaseLock', waitSeconds: 15 });
    expect(storedLock()?.owner).toBe(ME);
  });

  it('GIVEN a rollback took the lock over during the hook WHEN releasing THEN LockLost, its lock untouched', async () => {
    givenLockItem(lockItem(OTHER, 'rollback', { rev: 8 }));
    await expect(handler({ ...hooked(), next: 'releaseLock' })).rejects.toMatchObject({ name: 'LockLost' });
    expect(storedLock()).toMatchObject({ owner: OTHER });
  });

  it('GIVEN a rollback request (no hook runs for it) WHEN Finalize succeeds THEN it releases the lock itself, and releaseLock changes nothing', async () => {
    givenFleet(standbyBlue, liveGreen, serving);
    const state = hooked({ plan: basePlan({ action: 'rollback' }) });
    await handler(state);
    expect(lockTable.item).toBeUndefined();
    givenLockItem(lockItem(OTHER, 'release', { rev: 3 }));
    await expect(handler({ ...state, next: 'releaseLock' })).resolves.toMatchObject({ next: 'released' });
    expect(storedLock()).toMatchObject({ owner: OTHER });
  });
});
