import { HeadObjectCommand, NotFound } from '@aws-sdk/client-s3';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { handler } from '../../lambda/prepare';
import type { ReleaseState } from '../../lib/contract/release-state';
import {
  describeGroupsOutput,
  inService,
  invocation,
  lockItem,
  ME,
  OTHER,
  setEnvironment,
  type GroupSpec,
} from './fixtures';
import {
  autoScaling,
  dynamoDb,
  givenFleet,
  givenLockItem,
  givenLockOwner,
  interceptNextLockWrite,
  lockTable,
  mutatingCalls,
  resetAws,
  s3,
  stepFunctions,
  storedLock,
  pastReadSettle,
} from './harness';

const THIRD = 'arn:aws:states:eu-west-1:111122223333:execution:shop-release:third';

const start = (request: unknown, extra: Partial<ReleaseState> = {}): ReleaseState =>
  ({ request, executionArn: ME, ...extra }) as ReleaseState;

const liveBlue: GroupSpec = {
  role: 'live',
  version: 'v1.0.0',
  previousVersion: 'v0.9.0',
  min: 2,
  instances: inService('b', 3),
};
const idleGreen: GroupSpec = { role: 'idle', version: 'v0.9.0' };

/** Every execution asked about (DescribeExecution) has this status; ME always runs. */
function givenOwnerStatus(status: 'RUNNING' | 'FAILED' | 'ABORTED' | 'SUCCEEDED'): void {
  stepFunctions.on(DescribeExecutionCommand).resolves({ status });
  stepFunctions.on(DescribeExecutionCommand, { executionArn: ME }).resolves({ status: 'RUNNING' });
}

beforeEach(() => {
  resetAws();
  givenLockOwner(undefined);
});
afterEach(() => jest.useRealTimers());

describe('Prepare', () => {
  it('plans a first release into an empty service and takes the free lock', async () => {
    givenFleet({}, {});
    const state = await handler(start({ version: 'v1.0.0' }));
    expect(state).toMatchObject({
      next: 'scaleUp',
      plan: {
        action: 'release',
        version: 'v1.0.0',
        targetColour: 'blue',
        targetGroupName: 'shop-blue',
        capacity: 2,
      },
      timings: { prepared: expect.any(Number) },
    });
    expect(state.plan?.fromColour).toBeUndefined();
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'shop-release-lock',
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(mutatingCalls()).toEqual(['PutItemCommand']);
  });

  it('plans a release from the live group with its capacity and the configured times', async () => {
    givenFleet(liveBlue, idleGreen);
    const state = await handler(start({ version: 'v2.0.0' }));
    expect(state.plan).toEqual({
      action: 'release',
      version: 'v2.0.0',
      targetColour: 'green',
      targetGroupName: 'shop-green',
      fromColour: 'blue',
      fromGroupName: 'shop-blue',
      fromVersion: 'v1.0.0',
      capacity: 3,
      healthTimeoutSeconds: 900,
      bakeSeconds: 300,
    });
    // The lock records what this execution moves the service to, and from.
    expect(storedLock()).toMatchObject({
      owner: ME,
      action: 'release',
      version: 'v2.0.0',
      fromVersion: 'v1.0.0',
      inFlight: [],
    });
  });

  it.each([['v1; rm -rf /'], ['$(id)'], [''], ['a'.repeat(300)], ['../x']])(
    'refuses the hostile version %j before any call',
    async (version) => {
      givenFleet(liveBlue, idleGreen);
      await expect(handler(start({ version }))).rejects.toMatchObject({ name: 'InvalidRequest' });
      expect(mutatingCalls()).toEqual([]);
      expect(dynamoDb).not.toHaveReceivedCommand(PutItemCommand);
      expect(autoScaling.calls()).toHaveLength(0);
      expect(dynamoDb.calls()).toHaveLength(0);
    },
  );

  it('refuses an unknown field, and a capacity above the maximum or below the service minimum, before any call', async () => {
    await expect(handler(start({ version: 'v2', force: true }))).rejects.toThrow(
      /request field "force" is not allowed/,
    );
    await expect(handler(start({ version: 'v2', capacity: 7 }))).rejects.toThrow(
      'capacity (7) must be an integer between 2 and 6',
    );
    await expect(handler(start({ version: 'v2', capacity: 1 }))).rejects.toThrow(
      'capacity (1) must be an integer between 2 and 6',
    );
    expect(autoScaling.calls().length + dynamoDb.calls().length).toBe(0);
  });

  it('refuses a release while another execution is running, without changing anything', async () => {
    givenLockOwner(OTHER);
    givenOwnerStatus('RUNNING');
    givenFleet(liveBlue, idleGreen);
    // A holder that reads RUNNING is read again until reads have settled (fake timers).
    const outcome = await pastReadSettle(() => handler(start({ version: 'v2.0.0' })));
    expect(outcome).toMatchObject({
      status: 'rejected',
      reason: {
        name: 'ReleaseInProgress',
        message: expect.stringContaining(OTHER),
      },
    });
    expect(mutatingCalls()).toEqual([]);
    expect(stepFunctions).not.toHaveReceivedCommand(StopExecutionCommand);
  });

  it('two releases in the same second: the one whose put fails its condition is refused', async () => {
    givenFleet(liveBlue, idleGreen);
    givenOwnerStatus('RUNNING');
    // OTHER's put lands between our read (free) and our put.
    interceptNextLockWrite(() => givenLockOwner(OTHER));
    // A holder that reads RUNNING is read again until reads have settled (fake timers).
    const outcome = await pastReadSettle(() => handler(start({ version: 'v2.0.0' })));
    expect(outcome).toMatchObject({
      status: 'rejected',
      reason: {
        name: 'ReleaseInProgress',
        message: expect.stringContaining(OTHER),
      },
    });
    expect(mutatingCalls()).toEqual(['PutItemCommand']);
    expect(storedLock()?.owner).toBe(OTHER);
  });

  it('takes over the lock of an execution that failed', async () => {
    givenLockItem(lockItem(OTHER, 'release', { rev: 5 }));
    givenOwnerStatus('FAILED');
    givenFleet(liveBlue, idleGreen);
    await expect(handler(start({ version: 'v2.0.0' }))).resolves.toMatchObject({ next: 'scaleUp' });
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, {
      ConditionExpression: '#rev = :rev',
      ExpressionAttributeValues: { ':rev': { N: '5' } },
    });
    expect(storedLock()).toMatchObject({ owner: ME, version: 'v2.0.0', fromVersion: 'v1.0.0' });
    expect(stepFunctions).not.toHaveReceivedCommand(StopExecutionCommand);
  });

  it('a rollback request takes over from a running execution, stops it, and converges', async () => {
    // Changed on purpose: it converges first because a step of the running execution may still
    // be acting (listed in the fence), not merely because that execution was running.
    givenLockItem(
      lockItem(OTHER, 'release', {
        version: 'v2.0.0',
        fromVersion: 'v1.0.0',
        inFlight: [invocation(OTHER, 'scale-up', Date.now() + 600_000)],
      }),
    );
    givenOwnerStatus('RUNNING');
    givenFleet(liveBlue, idleGreen);
    const state = await handler(start({ action: 'rollback' }));
    expect(state).toMatchObject({
      next: 'rollback',
      rollback: { reason: 'rollback requested', automatic: false },
      recoveries: 1,
      superseded: { owner: OTHER, action: 'release', version: 'v2.0.0', fromVersion: 'v1.0.0' },
    });
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, { ConditionExpression: '#rev = :rev' });
    expect(stepFunctions).toHaveReceivedCommandWith(StopExecutionCommand, {
      executionArn: OTHER,
      cause: `superseded by rollback ${ME}`,
    });
  });

  it('GIVEN a running execution with no step in flight WHEN a rollback request takes over THEN it decides on the fleet at once (here: v1.0.0, its goal, is live: confirm)', async () => {
    givenLockItem(lockItem(OTHER, 'release', { version: 'v2.0.0', fromVersion: 'v1.0.0' }));
    givenOwnerStatus('RUNNING');
    givenFleet(liveBlue, idleGreen);
    await expect(handler(start({ action: 'rollback' }))).resolves.toMatchObject({
      next: 'rollback',
      rollback: { reason: 'rollback requested: v1.0.0 is live', automatic: false },
      recoveries: 0,
    });
    expect(stepFunctions).toHaveReceivedCommandWith(StopExecutionCommand, { executionArn: OTHER });
  });

  it('a rollback request on a stable service releases the previous version into the idle group', async () => {
    givenFleet(liveBlue, idleGreen);
    await expect(handler(start({ action: 'rollback' }))).resolves.toMatchObject({
      next: 'scaleUp',
      plan: { action: 'rollback', version: 'v0.9.0', targetColour: 'green', fromVersion: 'v1.0.0' },
    });
    expect(storedLock()).toMatchObject({ action: 'rollback', version: 'v0.9.0', fromVersion: 'v1.0.0' });
  });

  it('a rollback request with nothing to roll back to is refused without taking the lock', async () => {
    givenFleet({ ...liveBlue, previousVersion: '' }, idleGreen);
    await expect(handler(start({ action: 'rollback' }))).rejects.toMatchObject({
      name: 'InvalidRequest',
      message: expect.stringMatching(/^nothing to roll back to: /),
    });
    expect(mutatingCalls()).toEqual([]);
  });

  it('sends an interrupted release through the rollback first', async () => {
    givenFleet(
      { ...liveBlue, role: 'standby', instances: [['i-b1', 'Standby']] },
      { role: 'live', version: 'v2.0.0', instances: inService('g', 2) },
    );
    const state = await handler(start({ version: 'v3.0.0' }));
    expect(state).toMatchObject({
      next: 'rollback',
      recoveries: 1,
      rollback: { reason: 'recovering an interrupted release before releasing v3.0.0', automatic: false },
    });
    expect(mutatingCalls()).toEqual(['PutItemCommand']);
  });

  it('after a recovery, plans afresh with the lock it kept', async () => {
    givenLockOwner(ME);
    givenFleet(liveBlue, idleGreen);
    const state = await handler(
      start(
        { version: 'v3.0.0' },
        {
          recoveries: 1,
          rollback: { reason: 'recovering an interrupted release before releasing v3.0.0', automatic: false },
          timings: { prepared: 5, rolledBack: 9 },
        },
      ),
    );
    expect(state).toMatchObject({ next: 'scaleUp', recoveries: 1, timings: { prepared: 5 } });
    expect(state.rollback).toBeUndefined();
    // No new lock: only what it now moves the service to is recorded on the one it kept.
    expect(mutatingCalls()).toEqual(['PutItemCommand']);
    expect(dynamoDb).not.toHaveReceivedCommandWith(PutItemCommand, {
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(storedLock()).toMatchObject({ owner: ME, version: 'v3.0.0', fromVersion: 'v1.0.0' });
    expect(stepFunctions.calls()).toHaveLength(0);
  });

  it('refuses an unexplained state, naming it, before the lock', async () => {
    givenFleet(liveBlue, { role: 'live', version: 'v2.0.0', instances: inService('g', 1) });
    await expect(handler(start({ version: 'v3.0.0' }))).rejects.toMatchObject({
      name: 'UnexplainedState',
      message: expect.stringContaining('both groups are tagged bluegreen:role=live'),
    });
    expect(mutatingCalls()).toEqual([]);
  });

  it('GIVEN a third group carries the service tag WHEN prepared THEN UnexplainedState naming the groups, without taking the lock', async () => {
    givenFleet(liveBlue, idleGreen);
    autoScaling
      .on(DescribeAutoScalingGroupsCommand, {
        Filters: [{ Name: 'tag:bluegreen:service', Values: ['shop'] }],
      })
      .resolves({
        AutoScalingGroups: [
          ...describeGroupsOutput(liveBlue, idleGreen).AutoScalingGroups,
          { ...describeGroupsOutput({}, {}).AutoScalingGroups[0], AutoScalingGroupName: 'shop-canary' },
        ],
      });
    await expect(handler(start({ version: 'v2.0.0' }))).rejects.toMatchObject({
      name: 'UnexplainedState',
      message: expect.stringContaining('3 Auto Scaling groups carry bluegreen:service=shop'),
    });
    expect(mutatingCalls()).toEqual([]);
  });

  describe('a free lock', () => {
    it('GIVEN a free lock WHEN a release is prepared THEN the fleet is read and decided before the only write, the lock', async () => {
      givenFleet(liveBlue, idleGreen);
      let fleetReadBeforeLock = false;
      interceptNextLockWrite(() => {
        fleetReadBeforeLock = autoScaling.commandCalls(DescribeAutoScalingGroupsCommand).length > 0;
      });
      await handler(start({ version: 'v2.0.0' }));
      expect(fleetReadBeforeLock).toBe(true);
      expect(mutatingCalls()).toEqual(['PutItemCommand']);
    });

    it.each<[string, unknown, GroupSpec, GroupSpec]>([
      ['a live capacity above the maximum', { version: 'v2.0.0' }, { ...liveBlue, desired: 9 }, idleGreen],
      [
        'an unexplained fleet',
        { version: 'v2.0.0' },
        liveBlue,
        { ...liveBlue, instances: inService('g', 1) },
      ],
      ['nothing to roll back to', { action: 'rollback' }, {}, {}],
    ])(
      'GIVEN a free lock and %s WHEN refused THEN nothing is written at all',
      async (_case, request, blue, green) => {
        givenFleet(blue, green);
        await expect(handler(start(request))).rejects.toMatchObject({
          name: expect.stringMatching(/^(InvalidRequest|UnexplainedState)$/),
        });
        expect(mutatingCalls()).toEqual([]);
        expect(lockTable.item).toBeUndefined();
      },
    );

    it('GIVEN the lock was free when read WHEN a stale lock appeared before our write THEN it is taken over and the decision made again holding it', async () => {
      givenFleet(liveBlue, idleGreen);
      givenOwnerStatus('FAILED');
      interceptNextLockWrite(() => givenLockItem(lockItem(OTHER, 'release', { version: 'v1.5.0' })));
      const state = await handler(start({ version: 'v2.0.0' }));
      expect(state).toMatchObject({
        next: 'scaleUp',
        superseded: { owner: OTHER, action: 'release', version: 'v1.5.0' },
      });
      expect(storedLock()).toMatchObject({ owner: ME, version: 'v2.0.0', fromVersion: 'v1.0.0' });
    });
  });

  describe('taking over a held lock', () => {
    const T0 = 1_700_000_000_000;
    /** The step of the stopped execution that may still be calling AWS. */
    const stuck = (until: number) => invocation(OTHER, 'swap-1', until);
    const releaseV2 = { version: 'v2.0.0', fromVersion: 'v1.0.0' };

    /** Runs `work` while fake time passes `stepMs` at a time; returns its result and the time it took. */
    async function timed<T>(work: Promise<T>, stepMs = 1000): Promise<{ result: T; elapsedMs: number }> {
      let settled = false;
      const tracked = work.finally(() => (settled = true));
      while (!settled) await jest.advanceTimersByTimeAsync(stepMs);
      return { result: await tracked, elapsedMs: Date.now() - T0 };
    }

    beforeEach(() => jest.useFakeTimers({ now: T0 }));

    it('GIVEN a stale lock with a step still listed WHEN a rollback takes it over THEN the fence is carried and what the owner was doing recorded', async () => {
      givenLockItem(lockItem(OTHER, 'release', { ...releaseV2, rev: 3, inFlight: [stuck(T0 + 600_000)] }));
      givenOwnerStatus('ABORTED');
      givenFleet(liveBlue, idleGreen);
      const state = await handler(start({ action: 'rollback' }));
      // One write: the takeover (rev 4) records the goal at once: v1.0.0, the version live before
      // the release it took over, so a rollback taking over from this one stops there.
      expect(storedLock()).toMatchObject({
        owner: ME,
        action: 'rollback',
        version: 'v1.0.0',
        rev: 4,
        inFlight: [stuck(T0 + 600_000)],
        superseded: { owner: OTHER, action: 'release', version: 'v2.0.0', fromVersion: 'v1.0.0' },
      });
      // Others may still act: straight to the convergence, which retires nothing while they do.
      expect(state).toMatchObject({
        next: 'rollback',
        recoveries: 1,
        superseded: { owner: OTHER, action: 'release', version: 'v2.0.0', fromVersion: 'v1.0.0' },
      });
      expect(stepFunctions).not.toHaveReceivedCommand(StopExecutionCommand);
    });

    it('GIVEN a step of the stopped owner still listed WHEN a rollback is prepared THEN it does not wait', async () => {
      givenLockItem(lockItem(OTHER, 'release', { ...releaseV2, inFlight: [stuck(T0 + 600_000)] }));
      givenOwnerStatus('RUNNING');
      givenFleet(liveBlue, idleGreen);
      const { result, elapsedMs } = await timed(handler(start({ action: 'rollback' })), 10);
      expect(result).toMatchObject({ next: 'rollback' });
      expect(elapsedMs).toBeLessThan(1_000);
      expect(stepFunctions).toHaveReceivedCommandWith(StopExecutionCommand, { executionArn: OTHER });
    });

    it('GIVEN a step of the stopped owner stays listed WHEN a release is prepared THEN it waits 20 s, then hands back to Prepare holding the lock, without reading the fleet', async () => {
      givenLockItem(lockItem(OTHER, 'release', { ...releaseV2, inFlight: [stuck(T0 + 50_000)] }));
      givenOwnerStatus('FAILED');
      givenFleet(liveBlue, idleGreen);
      const { result, elapsedMs } = await timed(handler(start({ version: 'v3.0.0' })));
      expect(elapsedMs).toBe(20_000);
      // Looks again once the listed step's deadline has passed (30 s on).
      expect(result).toMatchObject({ next: 'prepare', waitSeconds: 30 });
      expect(result.plan).toBeUndefined();
      expect(storedLock()).toMatchObject({ owner: ME, inFlight: [stuck(T0 + 50_000)] });
      expect(autoScaling).not.toHaveReceivedCommand(DescribeAutoScalingGroupsCommand);
      expect(mutatingCalls()).toEqual(['PutItemCommand']);
    });

    it('GIVEN the listed step hangs far beyond WHEN handing back THEN the wait is at most a minute', async () => {
      givenLockItem(lockItem(OTHER, 'release', { inFlight: [stuck(T0 + 900_000)] }));
      givenOwnerStatus('FAILED');
      const { result } = await timed(handler(start({ version: 'v3.0.0' })));
      expect(result).toMatchObject({ next: 'prepare', waitSeconds: 60 });
    });

    it('GIVEN Prepare handed back WHEN it runs again and the step has left THEN it decides, reading the fleet only now', async () => {
      givenLockItem(lockItem(ME, 'release', { version: 'v3.0.0', inFlight: [stuck(T0 + 50_000)] }));
      givenFleet(liveBlue, idleGreen);
      let listedWhenRead: number | undefined;
      autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake(() => {
        listedWhenRead ??= storedLock()?.inFlight.length;
        return describeGroupsOutput(liveBlue, idleGreen);
      });
      // The stopped execution's step leaves after 4 s.
      setTimeout(() => givenLockItem(lockItem(ME, 'release', { version: 'v3.0.0', rev: 2 })), 3_500);
      const { result, elapsedMs } = await timed(
        handler(start({ version: 'v3.0.0' }, { next: 'prepare', waitSeconds: 30 })),
      );
      expect(elapsedMs).toBe(4_000);
      expect(listedWhenRead).toBe(0);
      expect(result).toMatchObject({ next: 'scaleUp', plan: { version: 'v3.0.0', fromVersion: 'v1.0.0' } });
      expect(result.waitSeconds).toBeUndefined();
      expect(stepFunctions.calls()).toHaveLength(0);
    });

    it('GIVEN a stale lock and a fleet it refuses WHEN the release is refused after the takeover THEN the lock is given back', async () => {
      givenLockItem(lockItem(OTHER, 'release', releaseV2));
      givenOwnerStatus('SUCCEEDED');
      givenFleet(liveBlue, { ...liveBlue, instances: inService('g', 1) });
      await expect(handler(start({ version: 'v3.0.0' }))).rejects.toMatchObject({ name: 'UnexplainedState' });
      expect(mutatingCalls()).toEqual(['PutItemCommand', 'DeleteItemCommand']);
      expect(lockTable.item).toBeUndefined();
    });

    it('GIVEN a stale lock and an invalid plan WHEN refused after the takeover (InvalidRequest) THEN the lock is given back', async () => {
      givenLockItem(lockItem(OTHER, 'release'));
      givenOwnerStatus('FAILED');
      givenFleet({ ...liveBlue, previousVersion: '' }, idleGreen);
      await expect(handler(start({ action: 'rollback' }))).rejects.toMatchObject({ name: 'InvalidRequest' });
      expect(lockTable.item).toBeUndefined();
    });

    it('GIVEN the stale owner deleted the lock after we read it (a stopped Finalize) WHEN acquiring THEN the free lock is taken: no ReleaseInProgress', async () => {
      givenLockOwner(OTHER);
      givenFleet(liveBlue, idleGreen);
      stepFunctions.on(DescribeExecutionCommand).callsFake(() => {
        // While we ask whether it still runs, its last step releases the lock.
        lockTable.item = undefined;
        return { status: 'ABORTED' };
      });
      const state = await handler(start({ version: 'v2.0.0' }));
      expect(state).toMatchObject({ next: 'scaleUp', plan: { version: 'v2.0.0' } });
      expect(state.superseded).toBeUndefined();
      expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, {
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      expect(storedLock()).toMatchObject({ owner: ME, superseded: undefined, version: 'v2.0.0' });
    });

    it('GIVEN the rollback’s own execution was stopped before it took over WHEN prepared THEN LockLost: nothing taken, nobody stopped', async () => {
      givenLockOwner(OTHER);
      stepFunctions.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
      stepFunctions.on(DescribeExecutionCommand, { executionArn: ME }).resolves({ status: 'ABORTED' });
      givenFleet(liveBlue, idleGreen);
      await expect(handler(start({ action: 'rollback' }))).rejects.toMatchObject({ name: 'LockLost' });
      expect(mutatingCalls()).toEqual([]);
      expect(storedLock()?.owner).toBe(OTHER);
    });

    it('GIVEN it took over a release from v1.0.0 that made v2.0.0 live WHEN a rollback is prepared THEN it releases v1.0.0 again', async () => {
      givenLockItem(lockItem(OTHER, 'release', releaseV2));
      givenOwnerStatus('FAILED');
      givenFleet(
        { role: 'idle', version: 'v1.0.0' },
        { ...liveBlue, version: 'v2.0.0', previousVersion: 'v1.0.0' },
      );
      await expect(handler(start({ action: 'rollback' }))).resolves.toMatchObject({
        next: 'scaleUp',
        plan: { action: 'rollback', version: 'v1.0.0', targetColour: 'blue', fromVersion: 'v2.0.0' },
      });
    });

    it('GIVEN it took over a rollback to v1.0.0 that made it live WHEN a second rollback is prepared THEN it confirms instead of undoing it', async () => {
      givenLockItem(lockItem(OTHER, 'rollback', { version: 'v1.0.0', fromVersion: 'v2.0.0' }));
      givenOwnerStatus('RUNNING');
      givenFleet(liveBlue, idleGreen);
      await expect(handler(start({ action: 'rollback' }))).resolves.toMatchObject({
        next: 'rollback',
        rollback: { reason: 'rollback requested: v1.0.0 is live', automatic: false },
      });
    });

    // A second rollback request (a double click, or a retry after the first was stopped) that
    // takes over once the first has restored v1.0.0: the first recorded its goal (v1.0.0) as
    // its version, so the second confirms it and never releases v0.9.0 (two versions back).
    it('GIVEN it took over a converging rollback that already restored v1.0.0 WHEN a second rollback is prepared THEN it confirms v1.0.0 instead of releasing v0.9.0', async () => {
      givenLockItem(
        lockItem(OTHER, 'rollback', {
          version: 'v1.0.0',
          superseded: { owner: THIRD, action: 'release', version: 'v2.0.0', fromVersion: 'v1.0.0' },
        }),
      );
      givenOwnerStatus('RUNNING');
      givenFleet(liveBlue, idleGreen);
      const state = await handler(start({ action: 'rollback' }));
      expect(state.plan?.version).not.toBe('v0.9.0');
      expect(state).toMatchObject({ next: 'rollback' });
    });
  });

  describe('artifact mode', () => {
    beforeEach(() => {
      setEnvironment({
        ARTIFACT_BUCKET: 'shop-artifacts',
        ARTIFACT_KEY_PREFIX: 'releases/',
        ARTIFACT_EXTENSION: 'tar.gz',
      });
      givenFleet(liveBlue, idleGreen);
    });

    it('checks that the artifact exists', async () => {
      s3.on(HeadObjectCommand).resolves({});
      await expect(handler(start({ version: 'v9' }))).resolves.toMatchObject({ next: 'scaleUp' });
      expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, {
        Bucket: 'shop-artifacts',
        Key: 'releases/v9.tar.gz',
      });
    });

    it('refuses a version whose artifact is missing, before any change', async () => {
      s3.on(HeadObjectCommand).rejects(
        new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } }),
      );
      await expect(handler(start({ version: 'v9' }))).rejects.toMatchObject({
        name: 'InvalidRequest',
        message: 'artifact s3://shop-artifacts/releases/v9.tar.gz for version (v9) does not exist',
      });
      expect(mutatingCalls()).toEqual([]);
      expect(autoScaling).not.toHaveReceivedCommand(DescribeAutoScalingGroupsCommand);
    });

    it('rethrows other S3 errors', async () => {
      s3.on(HeadObjectCommand).rejects(
        Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } }),
      );
      await expect(handler(start({ version: 'v9' }))).rejects.toMatchObject({ name: 'Forbidden' });
      expect(mutatingCalls()).toEqual([]);
    });

    // Changed on purpose: a rollback that re-releases the previous version launches it again, so
    // its artifact must exist (the request itself names no version to check).
    it('checks the artifact of the version a rollback request releases again', async () => {
      s3.on(HeadObjectCommand).resolves({});
      await handler(start({ action: 'rollback' }));
      expect(s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
        'releases/v0.9.0.tar.gz',
      ]);
    });

    it('does not check artifacts for a rollback request that only converges', async () => {
      givenFleet(
        { ...liveBlue, role: 'standby', instances: [['i-b1', 'Standby']] },
        { role: 'live', version: 'v2.0.0', instances: inService('g', 2) },
      );
      await expect(handler(start({ action: 'rollback' }))).resolves.toMatchObject({ next: 'rollback' });
      expect(s3.calls()).toHaveLength(0);
    });

    it('GIVEN the previous version’s artifact is gone WHEN a rollback request is prepared THEN refused, nothing written', async () => {
      s3.on(HeadObjectCommand).rejects(
        new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } }),
      );
      await expect(handler(start({ action: 'rollback' }))).rejects.toMatchObject({
        name: 'InvalidRequest',
        message: 'artifact s3://shop-artifacts/releases/v0.9.0.tar.gz for version (v0.9.0) does not exist',
      });
      expect(mutatingCalls()).toEqual([]);
    });
  });
});

describe('Prepare lock reads', () => {
  it('GIVEN a free lock WHEN prepared THEN the lock is read consistently', async () => {
    givenFleet(liveBlue, idleGreen);
    await handler(start({ version: 'v2.0.0' }));
    expect(dynamoDb).toHaveReceivedCommandWith(GetItemCommand, { ConsistentRead: true });
    expect(dynamoDb).not.toHaveReceivedCommand(DeleteItemCommand);
  });
});
