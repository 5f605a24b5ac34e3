import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  awaitOthersGone,
  CLOCK_SKEW_MARGIN_MS,
  LAMBDA_MAX_RUNTIME_MS,
  withFence,
  type Fence,
} from '../../lambda/shared/fence';
import { READ_SETTLE_MS } from '../../lambda/shared/lock';
import { invocation, LOCK_TABLE, lockItem, ME, OTHER } from './fixtures';
import {
  dynamoDb,
  givenLockItem,
  givenLockOwner,
  interceptNextLockWrite,
  lockTable,
  resetAws,
  storedLock,
  expectEveryInvocationEnded,
} from './harness';

const NOW = 1_700_000_000_000;
const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 };

beforeEach(() => resetAws());
afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
});

const SCOPE = { tableName: LOCK_TABLE, executionArn: ME, step: 'swap' };

describe('withFence', () => {
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));

  it('GIVEN the lock is ours WHEN a step runs THEN it is listed until its Lambda deadline (+ skew) while it works, and unlisted after', async () => {
    let during: ReturnType<typeof storedLock>;
    const result = await withFence(SCOPE, context, async (fence) => {
      during = storedLock();
      expect(fence.invocationId).toBe(`${ME}/req-1`);
      return 'done';
    });
    expect(result).toBe('done');
    expect(during!.inFlight).toEqual([
      { id: `${ME}/req-1`, execution: ME, step: 'swap', until: NOW + 60_000 + 2_000 },
    ]);
    expect(CLOCK_SKEW_MARGIN_MS).toBe(2_000);
    expect(storedLock()).toMatchObject({ owner: ME });
    expectEveryInvocationEnded();
    expect(dynamoDb).toHaveReceivedCommandTimes(PutItemCommand, 2);
  });

  it('GIVEN no Lambda context WHEN a step runs THEN it assumes the longest Lambda run (15 min) and a random id', async () => {
    let listed: ReturnType<typeof storedLock>;
    await withFence(SCOPE, undefined, async () => {
      listed = storedLock();
    });
    expect(LAMBDA_MAX_RUNTIME_MS).toBe(900_000);
    expect(listed!.inFlight).toEqual([
      {
        id: expect.stringMatching(new RegExp(`^${ME}/[0-9a-f-]{36}$`)),
        execution: ME,
        step: 'swap',
        until: NOW + 902_000,
      },
    ]);
  });

  it('GIVEN the work throws WHEN the step ends THEN it still leaves the list, and the error comes through', async () => {
    const failure = Object.assign(new Error('refused'), { name: 'ValidationError' });
    await expect(
      withFence(SCOPE, context, async () => {
        expect(storedLock()?.inFlight).toHaveLength(1);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expectEveryInvocationEnded();
  });

  it('GIVEN another execution holds the lock WHEN a step starts THEN LockLost before any work and nothing written', async () => {
    givenLockOwner(OTHER, 'rollback');
    const work = jest.fn(async () => 'never');
    await expect(withFence(SCOPE, context, work)).rejects.toMatchObject({ name: 'LockLost' });
    expect(work).not.toHaveBeenCalled();
    expect(dynamoDb).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('GIVEN leaving the list fails WHEN the step ends THEN the result stands (the entry expires) and the failure is logged', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    await withFence(SCOPE, context, async () => {
      interceptNextLockWrite(() => {
        throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      });
    }).then((value) => expect(value).toBeUndefined());
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`${ME}/req-1`));
    expect(storedLock()?.inFlight).toHaveLength(1);
  });

  it('GIVEN a running step WHEN its guard runs THEN it reads the lock once and passes while ours, LockLost once taken over', async () => {
    await expect(
      withFence(SCOPE, context, async ({ guard }) => {
        const before = dynamoDb.commandCalls(GetItemCommand).length;
        await guard();
        expect(dynamoDb.commandCalls(GetItemCommand).length).toBe(before + 1);
        // A rollback takes the lock over (keeping this step listed).
        lockTable.item = lockItem(OTHER, 'rollback', { rev: 9, inFlight: storedLock()?.inFlight });
        await guard();
      }),
    ).rejects.toMatchObject({ name: 'LockLost', message: expect.stringContaining(OTHER) });
    // It left the new owner's list all the same.
    expect(storedLock()).toMatchObject({ owner: OTHER });
    expectEveryInvocationEnded();
  });

  it('GIVEN another invocation listed WHEN the step inspects the lock THEN the others are named, itself and expired entries left out', async () => {
    const stuck = invocation(OTHER, 'stuck', NOW + 30_000);
    const expired = invocation(OTHER, 'old', NOW - 1);
    givenLockItem(lockItem(ME, 'rollback', { inFlight: [stuck, expired] }));
    const seen = await withFence(SCOPE, context, (fence: Fence) => fence.inspect());
    expect(seen.lock.owner).toBe(ME);
    expect(seen.others).toEqual([stuck]);
    // Entering pruned the expired entry; leaving kept the other one and marked itself ended,
    // listed while its calls settle into what reads answer.
    expect(storedLock()?.inFlight).toEqual([
      stuck,
      { id: `${ME}/req-1`, execution: ME, step: 'swap', ended: true, until: NOW + READ_SETTLE_MS },
    ]);
  });

  it('GIVEN the lock was taken over WHEN the step inspects it THEN LockLost', async () => {
    await expect(
      withFence(SCOPE, context, async (fence) => {
        givenLockOwner(OTHER, 'rollback');
        return fence.inspect();
      }),
    ).rejects.toMatchObject({ name: 'LockLost' });
  });
});

describe('awaitOthersGone', () => {
  const T0 = 1_700_000_000_000;
  const options = { budgetMs: 20_000, intervalMs: 1_000 };

  beforeEach(() => jest.useFakeTimers({ now: T0 }));

  /** Runs `work` while fake time passes a second at a time. */
  async function timed<T>(work: Promise<T>): Promise<{ result: T; elapsedMs: number }> {
    let settled = false;
    const tracked = work.finally(() => (settled = true));
    while (!settled) await jest.advanceTimersByTimeAsync(1000);
    return { result: await tracked, elapsedMs: Date.now() - T0 };
  }

  it('GIVEN nobody else listed WHEN waiting THEN it returns at once', async () => {
    givenLockItem(lockItem(ME, 'release', { inFlight: [invocation(OTHER, 'old', T0 - 1)] }));
    await expect(awaitOthersGone(LOCK_TABLE, ME, undefined, options)).resolves.toEqual([]);
    expect(dynamoDb).toHaveReceivedCommandTimes(GetItemCommand, 1);
  });

  it('GIVEN a step of the previous owner leaves after 3 s WHEN waiting THEN it polls each second and returns when it has left', async () => {
    const stuck = invocation(OTHER, 'swap', T0 + 600_000);
    givenLockItem(lockItem(ME, 'release', { inFlight: [stuck] }));
    setTimeout(() => givenLockItem(lockItem(ME, 'release', { rev: 2 })), 2_500);
    const { result, elapsedMs } = await timed(awaitOthersGone(LOCK_TABLE, ME, undefined, options));
    expect(result).toEqual([]);
    expect(elapsedMs).toBe(3_000);
    expect(dynamoDb).toHaveReceivedCommandTimes(GetItemCommand, 4);
  });

  it('GIVEN a step that stays listed WHEN the budget runs out THEN it returns that step', async () => {
    const stuck = invocation(OTHER, 'swap', T0 + 600_000);
    givenLockItem(lockItem(ME, 'release', { inFlight: [stuck] }));
    const { result, elapsedMs } = await timed(awaitOthersGone(LOCK_TABLE, ME, undefined, options));
    expect(result).toEqual([stuck]);
    expect(elapsedMs).toBe(20_000);
  });

  it('GIVEN a step listed only until 2 s from now WHEN waiting THEN its deadline ends the wait', async () => {
    givenLockItem(lockItem(ME, 'release', { inFlight: [invocation(OTHER, 'swap', T0 + 2_000)] }));
    const { result, elapsedMs } = await timed(awaitOthersGone(LOCK_TABLE, ME, undefined, options));
    expect(result).toEqual([]);
    expect(elapsedMs).toBe(2_000);
  });

  it('GIVEN the lock changes hands while waiting WHEN polling THEN LockLost', async () => {
    givenLockItem(lockItem(ME, 'release', { inFlight: [invocation(OTHER, 'swap', T0 + 600_000)] }));
    setTimeout(() => givenLockOwner(OTHER, 'rollback'), 1_500);
    const waiting = awaitOthersGone(LOCK_TABLE, ME, undefined, options);
    const outcome = expect(waiting).rejects.toMatchObject({ name: 'LockLost' });
    await jest.advanceTimersByTimeAsync(3_000);
    await outcome;
  });
});
