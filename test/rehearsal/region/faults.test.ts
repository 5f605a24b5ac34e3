import { AutoScalingServiceException, ResourceContentionFault } from '@aws-sdk/client-auto-scaling';
import { fixture, healthyFleet, rejection } from './fixture';

describe('call faults and the call log', () => {
  test('Throttling: HTTP 400 client error named Throttling, as the SDK delivers it; the call has no effect', async () => {
    const f = fixture();
    f.region.faults.failCalls({
      service: 'AutoScaling',
      commands: ['SetDesiredCapacity'],
      error: 'Throttling',
      times: 1,
    });
    const error = await rejection(
      f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 }),
    );
    expect(error).toBeInstanceOf(AutoScalingServiceException);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      Code: 'Throttling',
    });
    expect(f.group().desiredCapacity).toBe(0);
    // times: 1 — the next call goes through
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    expect(f.group().desiredCapacity).toBe(2);
    expect(f.region.calls.get('AutoScaling', 'SetDesiredCapacity')).toMatchObject({
      count: 2,
      mutating: true,
      errorsInjected: 1,
      errorsReturned: 1,
    });
  });

  test('ResourceContention: HTTP 500 server error; the SDK class is ResourceContentionFault (wire code ResourceContention)', async () => {
    const f = fixture();
    const [id] = await healthyFleet(f, 1);
    f.region.faults.failCalls({ commands: ['EnterStandby'], error: 'ResourceContention', times: 1 });
    const error = await rejection(
      f.asg('EnterStandby', {
        AutoScalingGroupName: 'blue',
        InstanceIds: [id],
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    expect(error).toBeInstanceOf(ResourceContentionFault);
    expect(error).toMatchObject({
      name: 'ResourceContentionFault',
      Code: 'ResourceContention',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    expect(error.message).toMatch(/^You already have a pending update to an Auto Scaling resource/);
    expect(f.ids('InService')).toEqual([id]);
  });

  test('every: fails every n-th matching call; other commands and services are untouched', async () => {
    const f = fixture();
    const rule = f.region.faults.failCalls({
      service: 'AutoScaling',
      commands: ['DescribeAutoScalingGroups'],
      error: 'Throttling',
      every: 3,
    });
    const outcomes: string[] = [];
    for (let i = 0; i < 7; i++) {
      outcomes.push(
        await f.asg('DescribeAutoScalingGroups', {}).then(
          () => 'ok',
          (e: Error) => e.name,
        ),
      );
    }
    expect(outcomes).toEqual(['ok', 'ok', 'Throttling', 'ok', 'ok', 'Throttling', 'ok']);
    expect(rule).toMatchObject({ matched: 7, injected: 2 });
    await f.asg('DescribeAutoScalingInstances', {});
    rule.remove();
    await f.asg('DescribeAutoScalingGroups', {});
  });

  test('probability: deterministic for a seed', async () => {
    const pattern = async (seed: number): Promise<string> => {
      const f = fixture({ region: { seed } });
      f.region.faults.failCalls({ error: 'Throttling', probability: 0.5 });
      let out = '';
      for (let i = 0; i < 40; i++)
        out += await f.asg('DescribeAutoScalingGroups', {}).then(
          () => '.',
          () => 'x',
        );
      return out;
    };
    const a = await pattern(42);
    expect(a).toMatch(/x/);
    expect(a).toMatch(/\./);
    expect(await pattern(42)).toBe(a);
  });

  test('any other error code: 400 by default, or the given status', async () => {
    const f = fixture();
    f.region.faults.failCalls({ error: 'ServiceUnavailable', times: 1 });
    const unavailable = await rejection(f.asg('DescribeAutoScalingGroups', {}));
    expect(unavailable).toMatchObject({
      name: 'ServiceUnavailable',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
    });
    f.region.faults.failCalls({
      service: 'DynamoDB',
      error: 'ProvisionedThroughputExceededException',
      times: 1,
    });
    f.region.createTable('locks', 'pk');
    const ddb = await rejection(
      f.region.send('DynamoDB', 'GetItem', { TableName: 'locks', Key: { pk: { S: 'x' } } }),
    );
    expect(ddb).toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('an unknown command or parameter is never pretended', async () => {
    const f = fixture();
    await expect(f.asg('AttachInstances', {})).rejects.toThrow('not simulated: AutoScaling.AttachInstances');
    await expect(f.region.send('EC2', 'DescribeInstances', {})).rejects.toThrow(
      'not simulated: EC2.DescribeInstances',
    );
    await expect(
      f.asg('UpdateAutoScalingGroup', { AutoScalingGroupName: 'blue', HealthCheckGracePeriod: 10 }),
    ).rejects.toThrow('not simulated: AutoScaling.UpdateAutoScalingGroup parameter HealthCheckGracePeriod');
    await expect(
      f.asg('DescribeAutoScalingGroups', { Filters: [{ Name: 'foo', Values: ['x'] }] }),
    ).rejects.toThrow('not simulated');
  });

  test('the call log separates reads from writes', async () => {
    const f = fixture();
    await f.asg('DescribeAutoScalingGroups', {});
    await f.asg('DescribeAutoScalingGroups', {});
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await rejection(f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 99 }));
    expect(f.region.calls.mutatingCounts()).toEqual({ 'AutoScaling.SetDesiredCapacity': 2 });
    expect(f.region.calls.mutatingTotal).toBe(2);
    expect(f.region.calls.total).toBe(4);
    expect(f.region.calls.get('AutoScaling', 'SetDesiredCapacity')).toMatchObject({
      errorsReturned: 1,
      errorsInjected: 0,
    });
    expect(f.region.calls.history().map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok', 'ValidationError']);
  });
});

describe('instance faults', () => {
  async function standbyFleet(n: number): Promise<{ f: ReturnType<typeof fixture>; ids: string[] }> {
    const f = fixture();
    const ids = await healthyFleet(f, n);
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: ids,
      ShouldDecrementDesiredCapacity: true,
    });
    await f.advance(30);
    expect(f.ids('Standby').sort()).toEqual([...ids].sort());
    return { f, ids };
  }

  test('terminateInstance of a Standby instance (a person): Terminating, Terminated, then gone; no replacement, desired unchanged', async () => {
    // GIVEN two instances in Standby, desired 0
    const { f, ids } = await standbyFleet(2);
    const callsBefore = f.region.calls.total;
    // WHEN a person terminates one
    f.region.faults.terminateInstance(ids[0]);
    // THEN it leaves the group, the other stays in Standby, nothing is launched
    expect(f.ids('Terminating')).toEqual([ids[0]]);
    await f.advance(6);
    expect(f.ids('Terminated')).toEqual([ids[0]]);
    await f.advance(61);
    expect(f.group().instances.map((i) => [i.id, i.lifecycleState])).toEqual([[ids[1], 'Standby']]);
    expect(f.group().desiredCapacity).toBe(0);
    // ... and the workflow's call log does not show it
    expect(f.region.calls.total).toBe(callsBefore);
  });

  test('terminateInstance of an InService instance: drained, then replaced (desired unchanged)', async () => {
    const f = fixture();
    const [a, b] = await healthyFleet(f, 2);
    f.region.faults.terminateInstance(a);
    expect(f.targetState(a)).toBe('draining');
    await f.advance(2);
    expect(f.group().desiredCapacity).toBe(2);
    const launched = f.ids('Pending');
    expect(launched).toHaveLength(1);
    expect([a, b]).not.toContain(launched[0]);
    await f.advance(25);
    expect(f.ids('Terminated')).toEqual([a]);
  });

  test('terminateInstance is refused for an unknown, a terminating and an EnteringStandby instance', async () => {
    const f = fixture();
    const [a, b] = await healthyFleet(f, 2);
    expect(() => f.region.faults.terminateInstance('i-0123456789abcdef0')).toThrow(
      'terminateInstance: no instance i-0123456789abcdef0',
    );
    f.region.faults.terminateInstance(a);
    expect(() => f.region.faults.terminateInstance(a)).toThrow(`terminateInstance: ${a} is Terminating`);
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: [b],
      ShouldDecrementDesiredCapacity: false,
    });
    expect(() => f.region.faults.terminateInstance(b)).toThrow(`terminateInstance: ${b} is EnteringStandby`);
  });

  test('killInstance of a Standby instance (impaired, not terminated): not health-checked in Standby; once back InService it never answers, and is replaced after the grace period', async () => {
    // GIVEN two Standby instances, one impaired
    const { f, ids } = await standbyFleet(2);
    f.region.faults.killInstance(ids[0]);
    await f.advance(600);
    expect(f.group().instances.map((i) => [i.lifecycleState, i.healthStatus])).toEqual([
      ['Standby', 'Healthy'],
      ['Standby', 'Healthy'],
    ]);
    // WHEN both leave Standby
    await f.asg('ExitStandby', { AutoScalingGroupName: 'blue', InstanceIds: ids });
    await f.advance(30);
    // THEN the healthy one serves, the impaired one turns unhealthy on the target group
    expect(f.targetState(ids[1])).toBe('healthy');
    expect(f.targetState(ids[0])).toBe('unhealthy');
    // ... and the group replaces it once the grace period (60 s in the fixture) is over
    await f.advance(60);
    const impaired = f.group().instances.find((i) => i.id === ids[0]);
    expect(impaired?.healthStatus).toBe('Unhealthy');
    expect(['Terminating', 'Terminated']).toContain(impaired?.lifecycleState);
    expect(f.group().desiredCapacity).toBe(2);
    expect(f.group().instances.filter((i) => !ids.includes(i.id))).toHaveLength(1);
  });
});
