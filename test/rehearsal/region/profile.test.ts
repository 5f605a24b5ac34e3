/**
 * The region's profiles (docs/aws-model.md): one test per sampled timing, quota and EC2 action,
 * each asserting the profile's range so that a change of model or of value fails it.
 */
import { fixed, PROFILES, resolveProfile, type RegionProfile } from '../../../lib/rehearsal/region/profile';
import { SeededRandom } from '../../../lib/rehearsal/region/random';
import { LambdaLatency } from '../../../lib/rehearsal/lambda-latency';
import { fixture, healthyFleet, PINNED, TG_ARN, type Fixture } from './fixture';

const typical = PROFILES.typical;

/** Advances one second at a time, returning the virtual second at which `done` first held. */
async function secondsUntil(f: Fixture, done: () => boolean, max = 600): Promise<number> {
  for (let s = 1; s <= max; s++) {
    await f.advance(1);
    if (done()) return s;
  }
  throw new Error(`not within ${max} s`);
}

/** Every instance's launch → InService, in seconds. */
function bootSeconds(f: Fixture): number[] {
  return f.group().instances.map((i) => ((i.inServiceAt ?? NaN) - i.launchedAt) / 1000);
}

function targetReason(f: Fixture, id: string): string | undefined {
  return f.region
    .observe()
    .targetGroups.find((tg) => tg.arn === TG_ARN)
    ?.targets.find((t) => t.id === id)?.reason;
}

async function standbyAfterHealthy(f: Fixture, n: number): Promise<string[]> {
  const ids = await healthyFleet(f, n);
  await f.asg('EnterStandby', {
    AutoScalingGroupName: 'blue',
    InstanceIds: ids,
    ShouldDecrementDesiredCapacity: true,
  });
  return ids;
}

describe('region profiles (docs/aws-model.md)', () => {
  test('profiles: typical is the default, harsh is selectable by name, explicit timings override as fixed values', () => {
    expect(fixture({ region: { profile: undefined } }).region.profile).toEqual(typical);
    expect(fixture({ region: { profile: 'harsh' } }).region.profile).toEqual(PROFILES.harsh);
    const overridden = fixture({ region: { profile: 'harsh', instanceBootSeconds: 7 } }).region.profile;
    expect(overridden.instanceBootSeconds).toEqual(fixed(7));
    expect(overridden.appStartSeconds).toEqual(PROFILES.harsh.appStartSeconds);
    expect(() => resolveProfile('gentle' as 'typical')).toThrow('unknown profile gentle');
    expect(() =>
      fixture({ region: { profile: { ...typical, exitStandbySeconds: { min: 5, max: 1 } } } }),
    ).toThrow('exitStandbySeconds');
  });

  test('harsh is at least as pessimistic as typical on every timing', () => {
    const h = PROFILES.harsh;
    for (const key of [
      'instanceBootSeconds',
      'appStartSeconds',
      'tagLagSeconds',
      'exitStandbySeconds',
      'registrationSeconds',
      'inFlightRequestSeconds',
    ] as const) {
      expect(h[key].min).toBeGreaterThanOrEqual(typical[key].min);
      expect(h[key].max).toBeGreaterThanOrEqual(typical[key].max);
    }
    expect(h.drainEarlyWhenIdle).toBe(false);
    expect(h.lambda.coldStartMs.max).toBeGreaterThanOrEqual(typical.lambda.coldStartMs.max);
    expect(h.lambda.idleReclaimSeconds).toBeLessThanOrEqual(typical.lambda.idleReclaimSeconds);
    // an impaired Standby instance disappears sooner under harsh (the warm fleet shrinks)
    expect(h.killedStandbyTerminationSeconds.max).toBeLessThanOrEqual(
      typical.killedStandbyTerminationSeconds.min,
    );
  });

  test('boot: each instance draws its own launch → InService time from the profile', async () => {
    const f = fixture({ region: { profile: 'typical' } });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 10 });
    await f.advance(typical.instanceBootSeconds.max + 1);
    const boots = bootSeconds(f);
    expect(boots).toHaveLength(10);
    for (const s of boots) {
      expect(s).toBeGreaterThanOrEqual(typical.instanceBootSeconds.min);
      expect(s).toBeLessThanOrEqual(typical.instanceBootSeconds.max);
    }
    expect(new Set(boots).size).toBeGreaterThan(3);
  });

  test('app start: each instance draws its own InService → app answers time', async () => {
    const f = fixture({ region: { profile: { ...typical, instanceBootSeconds: fixed(30) } } });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 10 });
    const upAt = new Map<string, number>();
    for (let s = 1; s <= 31 + typical.appStartSeconds.max + 1; s++) {
      await f.advance(1);
      for (const i of f.group().instances) {
        if (i.appUp && !upAt.has(i.id)) upAt.set(i.id, (f.clock.now() - (i.inServiceAt ?? NaN)) / 1000);
      }
    }
    const starts = [...upAt.values()];
    expect(starts).toHaveLength(10);
    for (const s of starts) {
      expect(s).toBeGreaterThanOrEqual(typical.appStartSeconds.min);
      expect(s).toBeLessThanOrEqual(typical.appStartSeconds.max);
    }
    expect(new Set(starts).size).toBeGreaterThan(3);
  });

  test('registration: a new target is initial (Elb.RegistrationInProgress) for the registration delay, no check counts, then Elb.InitialHealthChecking', async () => {
    const f = fixture({
      region: { profile: { ...PINNED, appStartSeconds: fixed(0), registrationSeconds: fixed(40) } },
    });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await secondsUntil(f, () => f.ids('InService').length === 1);
    const [id] = f.ids('InService');
    // the app answers at once, but for 40 s nothing counts
    await f.advance(39);
    expect(f.targetState(id)).toBe('initial');
    expect(targetReason(f, id)).toBe('Elb.RegistrationInProgress');
    await f.advance(1);
    expect(f.targetState(id)).toBe('initial');
    expect(targetReason(f, id)).toBe('Elb.InitialHealthChecking');
    // then one passing check within an interval (5 s)
    const s = await secondsUntil(f, () => f.targetState(id) === 'healthy', 5);
    expect(s).toBeLessThanOrEqual(5);
  });

  test('registration: typical delays are drawn per target within the profile range', async () => {
    const f = fixture({ region: { profile: { ...typical, instanceBootSeconds: fixed(30) } } });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 10 });
    await secondsUntil(f, () => f.ids('InService').length === 10);
    const ids = f.ids('InService');
    const doneAt = new Map<string, number>();
    for (let s = 1; s <= typical.registrationSeconds.max + 1; s++) {
      await f.advance(1);
      for (const id of ids)
        if (targetReason(f, id) !== 'Elb.RegistrationInProgress' && !doneAt.has(id)) doneAt.set(id, s);
    }
    const delays = [...doneAt.values()];
    expect(delays).toHaveLength(10);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(Math.max(1, typical.registrationSeconds.min));
      expect(d).toBeLessThanOrEqual(typical.registrationSeconds.max);
    }
    expect(new Set(delays).size).toBeGreaterThan(3);
  });

  test('ExitStandby → InService: each instance draws its own latency from the profile', async () => {
    const f = fixture({ region: { profile: { ...PINNED, exitStandbySeconds: typical.exitStandbySeconds } } });
    const ids = await standbyAfterHealthy(f, 8);
    await f.advance(30);
    await f.asg('ExitStandby', { AutoScalingGroupName: 'blue', InstanceIds: ids });
    const inServiceAt = new Map<string, number>();
    for (let s = 1; s <= typical.exitStandbySeconds.max + 1; s++) {
      await f.advance(1);
      for (const id of f.ids('InService')) if (!inServiceAt.has(id)) inServiceAt.set(id, s);
    }
    const latencies = [...inServiceAt.values()];
    expect(latencies).toHaveLength(8);
    for (const s of latencies) {
      expect(s).toBeGreaterThanOrEqual(typical.exitStandbySeconds.min);
      expect(s).toBeLessThanOrEqual(typical.exitStandbySeconds.max);
    }
    expect(new Set(latencies).size).toBeGreaterThan(2);
  });

  test('EnteringStandby (typical): ends when in-flight requests finish, long before a 20 s deregistration delay', async () => {
    const f = fixture({ region: { profile: { ...PINNED, drainEarlyWhenIdle: true } } });
    const ids = await standbyAfterHealthy(f, 2);
    const s = await secondsUntil(f, () => f.group().lifecycleCounts.Standby === 2, 20);
    expect(s).toBeLessThanOrEqual(PINNED.inFlightRequestSeconds.max + 1);
    expect(f.targetState(ids[0])).toBeUndefined();
  });

  test('EnteringStandby (typical): a target that carried no requests completes deregistration at once', async () => {
    const f = fixture({ region: { requestsPerSecond: 0, profile: { ...PINNED, drainEarlyWhenIdle: true } } });
    await standbyAfterHealthy(f, 2);
    const s = await secondsUntil(f, () => f.group().lifecycleCounts.Standby === 2, 20);
    expect(s).toBeLessThanOrEqual(1);
  });

  test('EnteringStandby (harsh): lasts the full deregistration delay', async () => {
    const f = fixture({
      region: { profile: { ...PINNED, drainEarlyWhenIdle: PROFILES.harsh.drainEarlyWhenIdle } },
    });
    await standbyAfterHealthy(f, 2);
    const s = await secondsUntil(f, () => f.group().lifecycleCounts.Standby === 2, 30);
    expect(s).toBeGreaterThanOrEqual(20);
    expect(s).toBeLessThanOrEqual(21);
  });

  test('a killed Standby instance is terminated by EC2 after the sampled delay; nothing replaces it', async () => {
    const profile: RegionProfile = { ...PINNED, killedStandbyTerminationSeconds: fixed(300) };
    const f = fixture({ region: { profile } });
    const ids = await standbyAfterHealthy(f, 2);
    await f.advance(30);
    f.region.faults.killInstance(ids[0]);
    await f.advance(299);
    expect(f.group().instances.map((i) => i.lifecycleState)).toEqual(['Standby', 'Standby']);
    await f.advance(1);
    expect(f.group().instances.find((i) => i.id === ids[0])?.lifecycleState).toBe('Terminating');
    expect(f.region.activitiesOf('blue')).toEqual([
      expect.objectContaining({
        statusCode: 'Successful',
        description: `Terminating EC2 instance: ${ids[0]}`,
      }),
    ]);
    await f.advance(120);
    expect(f.group().desiredCapacity).toBe(0);
    expect(
      f
        .group()
        .instances.filter((i) => i.lifecycleState !== 'Terminated')
        .map((i) => i.id),
    ).toEqual([ids[1]]);
  });

  test('a killed instance that left Standby before EC2 terminated it is replaced by its group instead', async () => {
    const f = fixture({ region: { profile: { ...PINNED, killedStandbyTerminationSeconds: fixed(300) } } });
    const ids = await standbyAfterHealthy(f, 2);
    await f.advance(30);
    f.region.faults.killInstance(ids[0]);
    await f.asg('ExitStandby', { AutoScalingGroupName: 'blue', InstanceIds: ids });
    // past the grace period (60 s) the group marks it Unhealthy and replaces it
    await f.advance(90);
    const impaired = f.group().instances.find((i) => i.id === ids[0]);
    expect(impaired?.healthStatus).toBe('Unhealthy');
    expect(['Terminating', 'Terminated']).toContain(impaired?.lifecycleState);
    expect(f.group().instances.filter((i) => !ids.includes(i.id))).toHaveLength(1);
    // the EC2 termination meant for a Standby instance does not fire again
    await f.advance(300);
    expect(f.region.activitiesOf('blue')).toEqual([]);
  });

  test('quota: registrations past targets per target group are refused; the group reports a failed activity', async () => {
    const f = fixture({ region: { profile: { ...PINNED, targetsPerTargetGroup: 3 } } });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 5 });
    await f.advance(60);
    expect(f.ids('InService')).toHaveLength(5);
    const targets = f.region.observe().targetGroups[0].targets;
    expect(targets).toHaveLength(3);
    const failed = f.region.activitiesOf('blue');
    expect(failed).toHaveLength(2);
    for (const a of failed) {
      expect(a.statusCode).toBe('Failed');
      expect(a.statusMessage).toMatch(/^TooManyTargets: .*targets per target group \(3\)/);
    }
  });

  test('quota: targets per load balancer count every target group behind it', async () => {
    const f = fixture({ region: { profile: { ...PINNED, targetsPerLoadBalancer: 2 } } });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 3 });
    await f.advance(60);
    expect(f.region.observe().targetGroups[0].targets).toHaveLength(2);
    expect(f.region.activitiesOf('blue')[0].statusMessage).toMatch(/targets per load balancer \(2\)/);
  });

  test('quota: the default is 1,000 targets in both profiles', () => {
    for (const p of [PROFILES.typical, PROFILES.harsh]) {
      expect(p.targetsPerTargetGroup).toBe(1000);
      expect(p.targetsPerLoadBalancer).toBe(1000);
    }
  });

  test('Lambda: the first invocation of a function is cold, later ones warm, cold again after the idle reclaim time', () => {
    let now = 0;
    const l = typical.lambda;
    const latency = new LambdaLatency(l, new SeededRandom(1), () => now);
    const first = latency.next('Prepare');
    expect(first).toBeGreaterThanOrEqual(l.warmInvokeMs.min + l.coldStartMs.min);
    now += 1000;
    const warm = latency.next('Prepare');
    expect(warm).toBeGreaterThanOrEqual(l.warmInvokeMs.min);
    expect(warm).toBeLessThanOrEqual(l.warmInvokeMs.max);
    expect(latency.next('Swap')).toBeGreaterThanOrEqual(l.coldStartMs.min); // each function its own environment
    now += (l.idleReclaimSeconds + 1) * 1000;
    expect(latency.next('Prepare')).toBeGreaterThanOrEqual(l.warmInvokeMs.min + l.coldStartMs.min);
    expect(latency.coldStarts).toBe(3);
  });

  test('deterministic: the same seed draws the same timings, another seed others', async () => {
    const boots = async (seed: number): Promise<number[]> => {
      const f = fixture({ region: { seed, profile: 'typical' } });
      await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 6 });
      await f.advance(typical.instanceBootSeconds.max + 1);
      return bootSeconds(f);
    };
    expect(await boots(3)).toEqual(await boots(3));
    expect(await boots(3)).not.toEqual(await boots(4));
  });
});
