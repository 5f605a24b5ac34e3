import { TagKeys } from '../../../lib/contract/tags';
import { fixture, healthyFleet } from './fixture';

describe('traffic: the request stream through the load balancer', () => {
  test('no registered target: every request is dropped', async () => {
    const f = fixture({ region: { requestsPerSecond: 20 } });
    await f.advance(10);
    expect(f.region.traffic.total).toBe(200);
    expect(f.region.traffic.dropped).toBe(200);
    expect(f.region.traffic.served()).toBe(0);
    expect(f.region.traffic.perSecond).toHaveLength(10);
    expect(f.region.traffic.perSecond[0]).toMatchObject({ dropped: 20, served: {}, failOpen: false });
  });

  test('healthy targets serve round-robin, counted per version, with first/last served times', async () => {
    const f = fixture({ region: { requestsPerSecond: 20 }, green: {} });
    await healthyFleet(f, 3);
    const before = f.region.traffic.served('v1');
    const start = f.clock.now();
    await f.advance(10);
    expect(f.region.traffic.served('v1') - before).toBe(200);
    expect(f.region.traffic.lastServedAt.v1).toBe(f.clock.now());
    expect(f.region.traffic.firstServedAt.v1).toBeLessThan(start);
    expect(f.region.traffic.served('v2')).toBe(0);
  });

  test('requests spread evenly over targets (round-robin, aggregated per second)', async () => {
    // 20 requests a second over 3 targets: 7/7/6, rotating; over 3 seconds exactly 20 each.
    const f = fixture({ region: { requestsPerSecond: 20 }, group: { tags: [] } });
    await f.asg('CreateOrUpdateTags', {
      Tags: [
        {
          ResourceId: 'blue',
          ResourceType: 'auto-scaling-group',
          Key: TagKeys.version,
          Value: 'a',
          PropagateAtLaunch: true,
        },
      ],
    });
    // The boot script reads the version at InService (30 s after launch): wait for each.
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await f.advance(32);
    await f.asg('CreateOrUpdateTags', {
      Tags: [
        {
          ResourceId: 'blue',
          ResourceType: 'auto-scaling-group',
          Key: TagKeys.version,
          Value: 'b',
          PropagateAtLaunch: true,
        },
      ],
    });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    await f.advance(32);
    await f.asg('CreateOrUpdateTags', {
      Tags: [
        {
          ResourceId: 'blue',
          ResourceType: 'auto-scaling-group',
          Key: TagKeys.version,
          Value: 'c',
          PropagateAtLaunch: true,
        },
      ],
    });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 3 });
    // Let all three be InService (each read its own version) and healthy.
    for (let s = 0; s < 120; s++) {
      await f.advance(1);
      if (
        f.ids('InService').every((id) => f.targetState(id) === 'healthy') &&
        f.ids('InService').length === 3
      )
        break;
    }
    const t = f.region.traffic;
    const base = { a: t.served('a'), b: t.served('b'), c: t.served('c') };
    await f.advance(3);
    expect([t.served('a') - base.a, t.served('b') - base.b, t.served('c') - base.c]).toEqual([20, 20, 20]);
  });

  test('draining targets get no new requests', async () => {
    const f = fixture({ targetGroup: { deregistrationDelaySeconds: 60 } });
    const [a] = await healthyFleet(f, 1);
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: [a],
      ShouldDecrementDesiredCapacity: true,
    });
    expect(f.targetState(a)).toBe('draining');
    const served = f.region.traffic.served('v1');
    await f.advance(10);
    expect(f.region.traffic.served('v1')).toBe(served);
    expect(f.region.traffic.perSecond.at(-1)).toMatchObject({ dropped: 20 });
  });

  test('fail-open: when no target is healthy, requests go to all registered targets', async () => {
    // GIVEN two targets, both unhealthy: one app answers 500, the other instance is dead
    const f = fixture({ group: { healthCheckType: 'EC2', healthCheckGracePeriodSeconds: 100_000 } });
    const [erroring, dead] = await healthyFleet(f, 2);
    f.region.faults.unhealthyVersion('v1');
    f.region.faults.killInstance(dead);
    for (
      let s = 0;
      s < 60 && !(f.targetState(erroring) === 'unhealthy' && f.targetState(dead) === 'unhealthy');
      s++
    ) {
      await f.advance(1);
    }
    expect([f.targetState(erroring), f.targetState(dead)]).toEqual(['unhealthy', 'unhealthy']);
    // WHEN
    const t = f.region.traffic;
    const failedBefore = t.failed('v1');
    const droppedBefore = t.dropped;
    await f.advance(10);
    // THEN both get requests: the erroring app answers (500s), the dead one drops them
    expect(t.failed('v1') - failedBefore).toBe(100);
    expect(t.dropped - droppedBefore).toBe(100);
    expect(t.perSecond.at(-1)?.failOpen).toBe(true);
    expect(t.failOpenSeconds).toBeGreaterThanOrEqual(10);
  });

  test('a healthy target whose app just died drops its share until its checks fail', async () => {
    const f = fixture({ group: { healthCheckType: 'EC2', healthCheckGracePeriodSeconds: 100_000 } });
    const [a] = await healthyFleet(f, 2);
    f.region.faults.killInstance(a);
    const dropped = f.region.traffic.dropped;
    await f.advance(1);
    expect(f.region.traffic.dropped - dropped).toBe(10);
    await f.advance(30);
    expect(f.region.traffic.perSecond.at(-1)?.dropped).toBe(0);
  });
});

describe('requests lost to a fault', () => {
  test("routed to an instance a fault impaired, before its health checks notice: counted as the fault's", async () => {
    const f = fixture({ region: { requestsPerSecond: 20 } });
    const [a] = await healthyFleet(f, 2);
    f.region.faults.killInstance(a);
    await f.advance(1);
    const second = f.region.traffic.perSecond.at(-1)!;
    expect(second.dropped).toBe(10);
    expect(second.droppedByFault).toBe(10);
  });

  test('when no target is healthy (fail-open), requests to impaired instances are not excused', async () => {
    const f = fixture({ region: { requestsPerSecond: 20 } });
    const ids = await healthyFleet(f, 2);
    for (const id of ids) f.region.faults.killInstance(id);
    await f.advance(30);
    const second = f.region.traffic.perSecond.at(-1)!;
    expect(second.failOpen).toBe(true);
    expect(second.dropped).toBe(20);
    expect(second.droppedByFault).toBe(0);
  });

  test("a request dropped for another reason (no target at all) is never the fault's", async () => {
    const f = fixture({ region: { requestsPerSecond: 20 } });
    await f.advance(1);
    expect(f.region.traffic.perSecond.at(-1)).toMatchObject({ dropped: 20, droppedByFault: 0 });
  });
});
