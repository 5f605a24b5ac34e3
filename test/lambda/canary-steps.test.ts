/** The steps in a release's canary phase, with mocked AWS: ScaleUp, CheckHealth and WatchBake. */
import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as checkHealth } from '../../lambda/check-health';
import { handler as scaleUp } from '../../lambda/scale-up';
import { handler as watchBake } from '../../lambda/watch-bake';
import { basePlan, baseState, inService, OTHER, setEnvironment, type GroupSpec } from './fixtures';
import { autoScaling, givenFleet, givenLockOwner, resetAws, timedUnderFakeTimers } from './harness';

const T0 = 1_700_000_000_000;
const cloudWatch = mockClient(CloudWatchClient);
const liveBlue: GroupSpec = { role: 'live', version: 'v1.0.0', min: 2, instances: inService('b', 3) };
const plan = basePlan({ capacity: 3, canary: { instances: 1, durationSeconds: 120 } });
/** The canary: one instance of v2.0.0 in green, desired 1. */
const canaryGreen: GroupSpec = { role: 'idle', version: 'v2.0.0', desired: 1, instances: inService('g', 1) };

beforeEach(() => {
  resetAws();
  cloudWatch.reset();
  jest.useFakeTimers({ now: T0 });
});
afterEach(() => jest.useRealTimers());

/** `work` under fake timers started at T0: its result and the fake time it took. */
const timed = <T>(work: Promise<T>) => timedUnderFakeTimers(work, T0);

describe('ScaleUp with a canary', () => {
  it('brings up the canary first and enters the canary phase', async () => {
    givenFleet(liveBlue, { role: 'idle', version: 'v0.9.0' });
    const state = await scaleUp(baseState({ plan }));
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-green',
      MinSize: 1,
      DesiredCapacity: 1,
    });
    expect(state).toMatchObject({ next: 'waitForHealth', phase: 'canary' });
  });

  it('after the canary, scales the same group to the planned capacity, keeping the canary', async () => {
    givenFleet(liveBlue, canaryGreen);
    const state = await scaleUp(baseState({ plan, phase: 'full' }));
    expect(autoScaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'shop-green',
      MinSize: 2,
      DesiredCapacity: 3,
    });
    expect(state).toMatchObject({ next: 'waitForHealth', phase: 'full' });
  });

  it('refuses a group with instances of another version, after reading it again', async () => {
    givenFleet(liveBlue, { ...canaryGreen, version: 'v1.9.0' });
    const outcome = scaleUp(baseState({ plan, phase: 'full' })).then(
      () => 'resolved',
      (error: Error) => error.name,
    );
    const { elapsedMs } = await timed(outcome);
    await expect(outcome).resolves.toBe('IdleGroupNotEmpty');
    expect(elapsedMs).toBeGreaterThanOrEqual(4_000);
    expect(autoScaling).not.toHaveReceivedCommand(UpdateAutoScalingGroupCommand);
  });
});

describe('CheckHealth in the canary phase', () => {
  it('sends a healthy canary to its watch and records when it started', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '0' });
    givenFleet(liveBlue, canaryGreen, { 'i-g001': 'healthy' });
    const state = await checkHealth(
      baseState({
        plan: { ...plan, healthDeadline: T0 + 900_000 },
        phase: 'canary',
        timings: { scaledUp: T0 - 60_000 },
      }),
    );
    expect(state).toMatchObject({
      next: 'canary',
      progress: { healthy: 1, wanted: 1 },
      timings: { canaryHealthy: T0 },
    });
  });
});

describe('WatchBake in the canary phase', () => {
  const state = baseState({ plan, phase: 'canary', timings: { canaryHealthy: T0 } });

  it('watches the canary for its duration, then sends the release to its full scale-up', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '600', ROLLBACK_ALARM_NAMES: '["errors"]' });
    givenFleet(liveBlue, canaryGreen, { 'i-g001': 'healthy' });
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'errors', StateValue: 'OK' }] });
    const logged = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const { result, elapsedMs } = await timed(watchBake(state));
    expect(result).toMatchObject({ next: 'scaleUp', phase: 'full', timings: { canaryPassed: T0 + 120_000 } });
    expect(elapsedMs).toBe(120_000);
    // Each look logs the canary instances serving, for the dashboard's canary graph.
    const records = logged.mock.calls
      .map(([line]) => String(line))
      .filter((line) => line.includes('"CanaryInstances"'))
      .map((line) => JSON.parse(line) as { CanaryInstances: number });
    expect(records.length).toBeGreaterThan(1);
    expect(records.every((r) => r.CanaryInstances === 1)).toBe(true);
  });

  it('rolls back when an alarm fires during the canary', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '60', ROLLBACK_ALARM_NAMES: '["errors"]' });
    givenFleet(liveBlue, canaryGreen, { 'i-g001': 'healthy' });
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'errors', StateValue: 'OK' }] })
      .resolves({
        MetricAlarms: [{ AlarmName: 'errors', StateValue: 'ALARM', StateReason: 'too many 5xx' }],
      });
    const { result } = await timed(watchBake(state));
    expect(result).toMatchObject({
      next: 'rollback',
      rollback: {
        reason: 'alarm errors in ALARM during the canary of v2.0.0: too many 5xx',
        automatic: true,
      },
    });
    expect(result.phase).toBe('canary');
  });

  it('rolls back when the canary instance turns unhealthy', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '60' });
    givenFleet(liveBlue, canaryGreen, { 'i-g001': 'unhealthy' });
    const { result } = await timed(watchBake(state));
    expect(result).toMatchObject({ next: 'rollback', rollback: { automatic: true } });
    expect(result.rollback?.reason).toMatch(
      /^the canary of v2.0.0 stopped serving: i-g001 is InService, unhealthy/,
    );
  });

  it('GIVEN another execution holds the lock THEN LockLost before anything is read', async () => {
    setEnvironment({ POLL_BUDGET_SECONDS: '60', ROLLBACK_ALARM_NAMES: '["errors"]' });
    givenLockOwner(OTHER, 'rollback');
    await expect(watchBake(state)).rejects.toMatchObject({ name: 'LockLost' });
    expect(cloudWatch).not.toHaveReceivedCommand(DescribeAlarmsCommand);
  });
});
