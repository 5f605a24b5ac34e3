import { TG_ARN, fixture, PINNED, type Fixture } from './fixture';

/** Polls like a workflow would (every 5 s) until `done`, or fails after `maxSeconds`. */
async function pollUntil(f: Fixture, done: () => Promise<boolean>, maxSeconds: number): Promise<number> {
  for (let waited = 0; waited <= maxSeconds; waited += 5) {
    if (await done()) return waited;
    await f.advance(5);
  }
  throw new Error(`not done after ${maxSeconds} s`);
}

async function healthyCount(f: Fixture, group: string): Promise<number> {
  const [asg, health] = await Promise.all([
    f.asg('DescribeAutoScalingGroups', { AutoScalingGroupNames: [group] }),
    f.region.send('ElasticLoadBalancingV2', 'DescribeTargetHealth', { TargetGroupArn: TG_ARN }),
  ]);
  const inService = new Set(
    asg.AutoScalingGroups[0].Instances.filter(
      (i: { LifecycleState: string }) => i.LifecycleState === 'InService',
    ).map((i: { InstanceId: string }) => i.InstanceId),
  );
  return health.TargetHealthDescriptions.filter(
    (d: { Target: { Id: string }; TargetHealth: { State: string } }) =>
      inService.has(d.Target.Id) && d.TargetHealth.State === 'healthy',
  ).length;
}

async function standbyAll(f: Fixture, group: string, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 20) {
    await f.asg('EnterStandby', {
      AutoScalingGroupName: group,
      InstanceIds: ids.slice(i, i + 20),
      ShouldDecrementDesiredCapacity: true,
    });
  }
}

/**
 * Behaviour at 1,000 instances: counts and states only. How long these take (virtual or wall
 * clock) is measured by `npm run bench`, not asserted here.
 */
describe('1,000 instances', () => {
  test('a 1,000-instance group: scale-up, then Standby of all in batches of 20', async () => {
    const f = fixture({ group: { maxSize: 1000 }, targetGroup: { deregistrationDelaySeconds: 30 } });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1000 });
    await pollUntil(f, async () => (await healthyCount(f, 'blue')) === 1000, 600);
    const ids = f.ids('InService');
    expect(ids).toHaveLength(1000);
    await f.asg('SuspendProcesses', { AutoScalingGroupName: 'blue', ScalingProcesses: ['AZRebalance'] });
    await standbyAll(f, 'blue', ids);
    expect(f.region.calls.get('AutoScaling', 'EnterStandby').count).toBe(50);
    await pollUntil(f, async () => f.group().lifecycleCounts.Standby === 1000, 120);
    expect(f.group()).toMatchObject({ desiredCapacity: 0 });
    expect(f.group().instances).toHaveLength(1000);
  });

  test('2 groups × 1,000 instances: a 30-minute virtual release with traffic and polling ends on the new version', async () => {
    const f = fixture({
      group: { maxSize: 1000 },
      green: { maxSize: 1000 },
      targetGroup: { deregistrationDelaySeconds: 30 },
      // 2,000 targets in one target group: past the default quota of 1,000, raised on request as
      // AWS allows (docs/aws-model.md, "Quotas").
      region: {
        requestsPerSecond: 200,
        profile: { ...PINNED, targetsPerTargetGroup: 2000, targetsPerLoadBalancer: 2000 },
      },
    });
    const start = f.clock.now();
    // blue live at 1,000
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1000 });
    await pollUntil(f, async () => (await healthyCount(f, 'blue')) === 1000, 600);
    // green scaled up to 1,000 (v2)
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'green', DesiredCapacity: 1000 });
    await pollUntil(f, async () => (await healthyCount(f, 'green')) === 1000, 600);
    // swap: blue to Standby in batches of 20
    for (const name of ['blue', 'green']) {
      await f.asg('SuspendProcesses', { AutoScalingGroupName: name, ScalingProcesses: ['AZRebalance'] });
    }
    await standbyAll(f, 'blue', f.ids('InService', 'blue'));
    await pollUntil(f, async () => f.group('blue').lifecycleCounts.Standby === 1000, 120);
    // bake, polling both groups, until 30 virtual minutes have passed
    while (f.clock.now() - start < 30 * 60_000) {
      await healthyCount(f, 'green');
      await f.asg('DescribeAutoScalingGroups', { AutoScalingGroupNames: ['blue', 'green'] });
      await f.advance(5);
    }
    const t = f.region.traffic;
    expect(f.group('green').lifecycleCounts.InService).toBe(1000);
    expect(f.group('blue').lifecycleCounts.Standby).toBe(1000);
    expect(f.region.calls.get('AutoScaling', 'EnterStandby').count).toBe(50);
    expect(t.served('v2')).toBeGreaterThan(0);
    expect(t.lastServedAt.v1).toBeLessThan(t.lastServedAt.v2);
  });
});
