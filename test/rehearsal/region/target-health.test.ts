import {
  ElasticLoadBalancingV2ServiceException,
  InvalidTargetException,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { fixture, healthyFleet, rejection, TG_ARN, type Fixture } from './fixture';

/** Seconds until the target reaches `state`, watching second by second. */
async function secondsUntil(f: Fixture, id: string, state: string, max = 300): Promise<number> {
  for (let s = 1; s <= max; s++) {
    await f.advance(1);
    if (f.targetState(id) === state) return s;
  }
  throw new Error(`${id} never became ${state}`);
}

describe('target group health checks (docs/aws-model.md: target groups)', () => {
  test('thresholds: healthy → unhealthy after unhealthyThreshold failures; unhealthy → healthy after healthyThreshold passes', async () => {
    // GIVEN interval 10 s, unhealthy threshold 3, healthy threshold 4; EC2 checks so the group replaces nothing
    const f = fixture({
      targetGroup: { healthCheckIntervalSeconds: 10, unhealthyThreshold: 3, healthyThreshold: 4 },
      group: { healthCheckType: 'EC2' },
    });
    const [id] = await healthyFleet(f, 1);
    // WHEN the version starts failing its checks
    f.region.faults.unhealthyVersion('v1');
    const toUnhealthy = await secondsUntil(f, id, 'unhealthy');
    // THEN it took 3 checks: more than 2 intervals, at most 3
    expect(toUnhealthy).toBeGreaterThan(20);
    expect(toUnhealthy).toBeLessThanOrEqual(30);
    // WHEN it passes again
    f.region.faults.clearUnhealthyVersion('v1');
    const toHealthy = await secondsUntil(f, id, 'healthy');
    // THEN it took 4 passing checks
    expect(toHealthy).toBeGreaterThan(30);
    expect(toHealthy).toBeLessThanOrEqual(40);
  });

  test('a new target is initial until one check passes (healthyThreshold does not apply)', async () => {
    const f = fixture({
      region: { appStartSeconds: 0 },
      targetGroup: { healthCheckIntervalSeconds: 30, healthCheckTimeoutSeconds: 5, healthyThreshold: 10 },
    });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await f.advance(32);
    const [id] = f.ids('InService');
    expect(f.targetState(id)).toBe('initial');
    const toHealthy = await secondsUntil(f, id, 'healthy');
    expect(toHealthy).toBeLessThanOrEqual(30);
  });

  test('an initial target whose checks fail becomes unhealthy after unhealthyThreshold failures', async () => {
    const f = fixture({ targetGroup: { unhealthyThreshold: 2 }, group: { healthCheckType: 'EC2' } });
    f.region.faults.unhealthyVersion('v1');
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await f.advance(32);
    const [id] = f.ids('InService');
    expect(f.targetState(id)).toBe('initial');
    const toUnhealthy = await secondsUntil(f, id, 'unhealthy');
    expect(toUnhealthy).toBeLessThanOrEqual(10);
  });

  test('first checks are staggered within the interval, deterministically by seed', async () => {
    const firstHealthy = async (seed: number): Promise<number[]> => {
      const f = fixture({
        region: { seed, appStartSeconds: 0 },
        targetGroup: { healthCheckIntervalSeconds: 30, healthCheckTimeoutSeconds: 5 },
      });
      await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 6 });
      await f.advance(32);
      const ids = f.ids('InService');
      expect(ids).toHaveLength(6);
      const when = new Map<string, number>();
      for (let s = 1; s <= 31; s++) {
        await f.advance(1);
        for (const id of ids) if (!when.has(id) && f.targetState(id) === 'healthy') when.set(id, s);
      }
      return ids.map((id) => when.get(id) as number);
    };
    const a = await firstHealthy(7);
    expect(new Set(a).size).toBeGreaterThan(1);
    expect(await firstHealthy(7)).toEqual(a);
  });

  test('DescribeTargetHealth: SDK shapes, Targets filter, unknown target group', async () => {
    const f = fixture();
    const [id] = await healthyFleet(f, 1);
    const all = await f.region.send('ElasticLoadBalancingV2', 'DescribeTargetHealth', {
      TargetGroupArn: TG_ARN,
    });
    expect(all.TargetHealthDescriptions).toEqual([
      { Target: { Id: id, Port: 80 }, HealthCheckPort: '80', TargetHealth: { State: 'healthy' } },
    ]);
    expect(all.$metadata.httpStatusCode).toBe(200);

    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    await f.advance(2);
    const [pending] = f.ids('Pending');
    const filtered = await f.region.send('ElasticLoadBalancingV2', 'DescribeTargetHealth', {
      TargetGroupArn: TG_ARN,
      Targets: [{ Id: pending }],
    });
    expect(filtered.TargetHealthDescriptions[0].TargetHealth).toEqual({
      State: 'unused',
      Reason: 'Target.NotRegistered',
      Description: 'Target is not registered to the target group',
    });
    await f.advance(31);
    const initial = await f.region.send('ElasticLoadBalancingV2', 'DescribeTargetHealth', {
      TargetGroupArn: TG_ARN,
      Targets: [{ Id: pending }],
    });
    expect(initial.TargetHealthDescriptions[0].TargetHealth.State).toBe('initial');
    expect(initial.TargetHealthDescriptions[0].TargetHealth.Reason).toMatch(/^Elb\./);

    const invalid = await rejection(
      f.region.send('ElasticLoadBalancingV2', 'DescribeTargetHealth', {
        TargetGroupArn: TG_ARN,
        Targets: [{ Id: 'i-0000000000000dead' }],
      }),
    );
    expect(invalid).toBeInstanceOf(InvalidTargetException);
    const missing = await rejection(
      f.region.send('ElasticLoadBalancingV2', 'DescribeTargetHealth', { TargetGroupArn: `${TG_ARN}x` }),
    );
    expect(missing).toBeInstanceOf(TargetGroupNotFoundException);
    expect(missing).toBeInstanceOf(ElasticLoadBalancingV2ServiceException);
    expect(missing.name).toBe('TargetGroupNotFoundException');
    expect(missing.$metadata.httpStatusCode).toBe(400);
  });

  test('DescribeTargetGroups and DescribeTargetGroupAttributes report the settings', async () => {
    const f = fixture({ targetGroup: { deregistrationDelaySeconds: 30 } });
    const groups = await f.region.send('ElasticLoadBalancingV2', 'DescribeTargetGroups', {
      TargetGroupArns: [TG_ARN],
    });
    expect(groups.TargetGroups[0]).toMatchObject({
      TargetGroupArn: TG_ARN,
      TargetGroupName: 'web',
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 2,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
    });
    f.region.faults.setDeregistrationDelay(TG_ARN, 5);
    const attributes = await f.region.send('ElasticLoadBalancingV2', 'DescribeTargetGroupAttributes', {
      TargetGroupArn: TG_ARN,
    });
    expect(attributes.Attributes).toEqual([{ Key: 'deregistration_delay.timeout_seconds', Value: '5' }]);
  });

  test('target group settings outside the AWS ranges are refused at setup', () => {
    expect(() => fixture({ targetGroup: { healthCheckIntervalSeconds: 4 } })).toThrow(
      /healthCheckIntervalSeconds \(4\)/,
    );
    expect(() => fixture({ targetGroup: { healthyThreshold: 1 } })).toThrow(/healthyThreshold \(1\)/);
    expect(() => fixture({ targetGroup: { deregistrationDelaySeconds: 3601 } })).toThrow(
      /deregistrationDelaySeconds/,
    );
  });

  test('setDeregistrationDelay changes how long later deregistrations drain', async () => {
    const f = fixture({ targetGroup: { deregistrationDelaySeconds: 300 } });
    const [id] = await healthyFleet(f, 1);
    f.region.faults.setDeregistrationDelay(TG_ARN, 10);
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: [id],
      ShouldDecrementDesiredCapacity: true,
    });
    await f.advance(12);
    expect(f.ids('Standby')).toEqual([id]);
  });
});

describe('the group ELB health check (healthCheckType ELB)', () => {
  test('after the grace period an unhealthy target is marked Unhealthy and replaced; Standby instances are not', async () => {
    const f = fixture({ group: { healthCheckGracePeriodSeconds: 30 } });
    const [live, parked] = await healthyFleet(f, 2);
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: [parked],
      ShouldDecrementDesiredCapacity: true,
    });
    await f.advance(30);
    f.region.faults.unhealthyVersion('v1');
    await f.advance(40);
    const group = f.group();
    const byId = Object.fromEntries(group.instances.map((i) => [i.id, i]));
    expect(byId[live].healthStatus).toBe('Unhealthy');
    expect(['Terminating', 'Terminated']).toContain(byId[live].lifecycleState);
    expect(byId[parked]).toMatchObject({ lifecycleState: 'Standby', healthStatus: 'Healthy' });
    expect(group.instances.filter((i) => i.id !== live && i.id !== parked).length).toBeGreaterThanOrEqual(1);
  });

  test('with EC2 health checks an unhealthy target is left alone', async () => {
    const f = fixture({ group: { healthCheckType: 'EC2', healthCheckGracePeriodSeconds: 0 } });
    const [id] = await healthyFleet(f, 1);
    f.region.faults.unhealthyVersion('v1');
    await f.advance(120);
    expect(f.targetState(id)).toBe('unhealthy');
    expect(f.group().instances.map((i) => [i.id, i.healthStatus, i.lifecycleState])).toEqual([
      [id, 'Healthy', 'InService'],
    ]);
  });
});
