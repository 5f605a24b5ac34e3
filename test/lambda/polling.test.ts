import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as checkHealth } from '../../lambda/check-health';
import { decideBake, missingAlarms } from '../../lambda/shared/bake';
import { pollWithinBudget } from '../../lambda/shared/poll';
import { handler as watchBake } from '../../lambda/watch-bake';
import {
  basePlan,
  baseState,
  inService,
  OTHER,
  setEnvironment,
  targetHealthOutput,
  type GroupSpec,
} from './fixtures';
import {
  autoScaling,
  givenFleet,
  givenLockOwner,
  loadBalancing,
  resetAws,
  timedUnderFakeTimers,
} from './harness';

const T0 = 1_700_000_000_000;
const cloudWatch = mockClient(CloudWatchClient);

beforeEach(() => {
  resetAws();
  cloudWatch.reset();
  jest.useFakeTimers({ now: T0 });
});
afterEach(() => jest.useRealTimers());

/** `work` under fake timers started at T0: its result and the fake time it took. */
const timed = <T>(work: Promise<T>) => timedUnderFakeTimers(work, T0);

describe('pollWithinBudget', () => {
  it('checks once with no budget', async () => {
    const check = jest.fn(async () => ({ final: false, value: 'waiting' }));
    await expect(pollWithinBudget(check, { intervalMs: 5000, budgetMs: 0 })).resolves.toEqual({
      final: false,
      value: 'waiting',
    });
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('returns the first final answer, one interval after the previous check', async () => {
    let calls = 0;
    const check = async () => ({ final: ++calls === 3, value: calls });
    const { result, elapsedMs } = await timed(
      pollWithinBudget(check, { intervalMs: 5000, budgetMs: 60_000 }),
    );
    expect(result).toEqual({ final: true, value: 3 });
    expect(elapsedMs).toBe(10_000);
  });

  it('hands back before another poll would overrun the budget', async () => {
    const check = jest.fn(async () => ({ final: false, value: Date.now() - T0 }));
    const { result } = await timed(pollWithinBudget(check, { intervalMs: 5000, budgetMs: 12_000 }));
    expect(check).toHaveBeenCalledTimes(3);
    expect(result.value).toBe(10_000);
  });

  it('sleeps less than the interval when the check asks to', async () => {
    let calls = 0;
    const check = async () => ({ final: ++calls === 2, value: calls, nextCheckInMs: 2000 });
    const { elapsedMs } = await timed(pollWithinBudget(check, { intervalMs: 5000, budgetMs: 60_000 }));
    expect(elapsedMs).toBe(2000);
  });
});

describe('CheckHealth polling inside one invocation', () => {
  const liveBlue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 2) };
  const newGreen: GroupSpec = { role: 'idle', version: 'v2.0.0', instances: inService('g', 2) };

  it('keeps polling until every new instance is healthy, then goes to the swap', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '60' });
    givenFleet(liveBlue, newGreen, { 'i-g001': 'healthy', 'i-g002': 'initial' });
    loadBalancing
      .on(DescribeTargetHealthCommand)
      .resolvesOnce(targetHealthOutput({ 'i-g001': 'healthy', 'i-g002': 'initial' }))
      .resolvesOnce(targetHealthOutput({ 'i-g001': 'healthy', 'i-g002': 'initial' }))
      .resolves(targetHealthOutput({ 'i-g001': 'healthy', 'i-g002': 'healthy' }));
    const state = baseState({ plan: basePlan({ capacity: 2, healthDeadline: T0 + 900_000 }) });
    const { result, elapsedMs } = await timed(checkHealth(state));
    expect(result).toMatchObject({ next: 'swap', progress: { healthy: 2, wanted: 2 } });
    expect(loadBalancing).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 3);
    // Polled every second (not at the fixture's 15 s health-check interval): healthy at the third read.
    expect(elapsedMs).toBe(2_000);
  });

  it('GIVEN the lock is taken over during the wait WHEN it polls again THEN LockLost at that poll, without reading the fleet again', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '60' });
    givenFleet(liveBlue, newGreen, { 'i-g001': 'healthy', 'i-g002': 'initial' });
    // A rollback takes the lock over 1.5 s in (between the second and the third poll).
    setTimeout(() => givenLockOwner(OTHER, 'rollback'), 1_500);
    const state = baseState({ plan: basePlan({ capacity: 2, healthDeadline: T0 + 900_000 }) });
    const outcome = checkHealth(state).then(
      () => 'resolved',
      (error: Error) => `${error.name} after ${Date.now() - T0} ms`,
    );
    await timed(outcome);
    await expect(outcome).resolves.toBe('LockLost after 2000 ms');
    expect(autoScaling).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 2);
  });

  it('hands back to the state machine when its budget is spent', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '40' });
    givenFleet(liveBlue, newGreen, { 'i-g001': 'initial', 'i-g002': 'initial' });
    const state = baseState({ plan: basePlan({ capacity: 2, healthDeadline: T0 + 900_000 }) });
    const { result, elapsedMs } = await timed(checkHealth(state));
    expect(result).toMatchObject({ next: 'waitForHealth', waitSeconds: 1, progress: { healthy: 0 } });
    // Reads at 0, 1, ..., 39 s: the next would overrun the 40 s budget.
    expect(elapsedMs).toBe(39_000);
    expect(loadBalancing).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 40);
  });
});

describe('decideBake', () => {
  const plan = basePlan({ bakeSeconds: 300 });
  const timings = { swapped: T0 };

  it('bakes on while no alarm fires, saying how long is left', () => {
    expect(decideBake(plan, timings, [{ name: 'errors', state: 'OK' }], T0 + 100_000)).toEqual({
      next: 'bake',
      remainingMs: 200_000,
    });
  });

  it('finalizes when the bake time is over', () => {
    expect(decideBake(plan, timings, [], T0 + 300_000)).toEqual({ next: 'finalize' });
  });

  it('rolls back, naming every alarm in ALARM and the first reason', () => {
    const decision = decideBake(
      plan,
      timings,
      [
        { name: 'errors', state: 'ALARM', reason: 'Threshold Crossed: 1 datapoint [12.0] > 5.0' },
        { name: 'latency', state: 'INSUFFICIENT_DATA' },
        { name: 'orders', state: 'ALARM' },
      ],
      T0 + 1000,
    );
    expect(decision).toEqual({
      next: 'rollback',
      rollback: {
        reason:
          'alarm errors, orders in ALARM during the bake of v2.0.0: Threshold Crossed: 1 datapoint [12.0] > 5.0',
        automatic: true,
      },
    });
  });

  it('an alarm wins over the end of the bake', () => {
    expect(decideBake(plan, timings, [{ name: 'errors', state: 'ALARM' }], T0 + 999_000).next).toBe(
      'rollback',
    );
  });

  it('refuses a state without the time of the swap', () => {
    expect(() => decideBake(plan, {}, [], T0)).toThrow(/time of the swap/);
  });

  it('names configured alarms that do not exist', () => {
    expect(missingAlarms(['a', 'b'], [{ name: 'a', state: 'OK' }])).toEqual(['b']);
  });
});

describe('WatchBake', () => {
  const state = baseState({ plan: basePlan({ bakeSeconds: 120 }), timings: { swapped: T0 } });

  it('rolls back as soon as a rollback alarm is in ALARM', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '60', ROLLBACK_ALARM_NAMES: '["errors","latency"]' });
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'errors', StateValue: 'OK' }] })
      .resolves({
        MetricAlarms: [{ AlarmName: 'errors', StateValue: 'ALARM', StateReason: 'too many 5xx' }],
      });
    const { result, elapsedMs } = await timed(watchBake(state));
    expect(result).toMatchObject({
      next: 'rollback',
      rollback: { reason: 'alarm errors in ALARM during the bake of v2.0.0: too many 5xx', automatic: true },
    });
    expect(cloudWatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: ['errors', 'latency'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });
    expect(elapsedMs).toBe(15_000);
  });

  it('finalizes when the bake ends, polling no further than its end', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '600', ROLLBACK_ALARM_NAMES: '["errors"]' });
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'errors', StateValue: 'OK' }] });
    const { result, elapsedMs } = await timed(watchBake(state));
    expect(result).toMatchObject({ next: 'finalize' });
    expect(elapsedMs).toBe(120_000);
  });

  it('hands back with next bake when its budget ends first', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '30' });
    const { result } = await timed(watchBake(state));
    expect(result).toMatchObject({ next: 'bake' });
    expect(cloudWatch).not.toHaveReceivedCommand(DescribeAlarmsCommand);
  });

  it('GIVEN another execution holds the lock WHEN the bake is watched THEN LockLost before any alarm is read', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '60', ROLLBACK_ALARM_NAMES: '["errors"]' });
    givenLockOwner(OTHER, 'rollback');
    await expect(watchBake(state)).rejects.toMatchObject({ name: 'LockLost' });
    expect(cloudWatch).not.toHaveReceivedCommand(DescribeAlarmsCommand);
  });

  it('GIVEN the lock is taken over mid-bake WHEN it polls again THEN LockLost instead of polling on', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '600', ROLLBACK_ALARM_NAMES: '["errors"]' });
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'errors', StateValue: 'OK' }] });
    setTimeout(() => givenLockOwner(OTHER, 'rollback'), 40_000);
    const outcome = watchBake(state).then(
      () => 'resolved',
      (error: Error) => `${error.name} after ${Date.now() - T0} ms`,
    );
    await timed(outcome);
    await expect(outcome).resolves.toBe('LockLost after 45000 ms');
    expect(cloudWatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 3);
  });

  it('says so, once, when a configured alarm does not exist, and bakes on', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '30', ROLLBACK_ALARM_NAMES: '["gone"]' });
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { result } = await timed(watchBake(state));
    expect(result).toMatchObject({ next: 'bake' });
    expect(warn.mock.calls).toEqual([['rollback alarms not found, not watched: gone']]);
    warn.mockRestore();
  });
});
