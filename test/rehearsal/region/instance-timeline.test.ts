import { rollbackFloor } from '../../../bin/bench/floors';
import { fixed } from '../../../lib/rehearsal/region/profile';
import { fixture, healthyFleet, PINNED, TG_ARN, type Fixture } from './fixture';

/** The milestones of one instance with their offsets (s) from the first one. */
function milestones(f: Fixture, id: string): Array<[string, number]> {
  const events = f.region.timeline.of(id);
  return events.map((e) => [e.milestone, (e.time - events[0].time) / 1000]);
}

describe('instance timeline', () => {
  // GIVEN boot 30 s, app start 15 s, registration 7 s, ExitStandby 5 s (health-check interval 5 s)
  const profile = { ...PINNED, registrationSeconds: fixed(7) };

  test('records launch, boot, registration, app start and first healthy as the region sampled them', async () => {
    const f = fixture({ region: { profile } });
    const [id] = await healthyFleet(f, 1);

    const seen = milestones(f, id);
    expect(seen.map(([m]) => m)).toEqual([
      'launched',
      'inService',
      'registered',
      'registrationComplete',
      'appUp',
      'healthy',
    ]);
    const at = Object.fromEntries(seen);
    expect(at.inService).toBe(30);
    expect(at.registered).toBe(30);
    expect(at.registrationComplete).toBe(37);
    expect(at.appUp).toBe(45);
    expect(at.healthy).toBeGreaterThanOrEqual(45);
    expect(f.region.timeline.events().every((e) => e.groupName === 'blue')).toBe(true);
  });

  test('records a Standby round trip, and the rollback floor is ExitStandby + registration + the first check', async () => {
    const f = fixture({ region: { profile } });
    const [id] = await healthyFleet(f, 1);
    await f.asg('SuspendProcesses', { AutoScalingGroupName: 'blue', ScalingProcesses: ['AZRebalance'] });
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: [id],
      ShouldDecrementDesiredCapacity: true,
    });
    await f.advance(30);
    expect(f.ids('Standby')).toEqual([id]);

    const decision = f.clock.now();
    await f.asg('ExitStandby', { AutoScalingGroupName: 'blue', InstanceIds: [id] });
    await f.advance(30);

    const after = f.region.timeline.of(id).filter((e) => e.time >= decision);
    expect(after.map((e) => e.milestone)).toEqual([
      'exitStandbyRequested',
      'inService',
      'registered',
      'registrationComplete',
      'healthy',
    ]);
    const floor = rollbackFloor(f.region.timeline.events(), decision, TG_ARN);
    expect(floor.paths).toHaveLength(1);
    expect(floor.slowest.instanceId).toBe(id);
    // The request lands mid-second; the region acts on whole seconds, so each wait may round up.
    expect(floor.slowest.toInServiceSeconds).toBeGreaterThanOrEqual(5);
    expect(floor.slowest.toInServiceSeconds).toBeLessThan(6);
    expect(floor.slowest.registrationSeconds).toBe(7);
    // The first check comes 1..interval seconds after registration completes, and passes.
    expect(floor.slowest.toHealthySeconds).toBeGreaterThanOrEqual(1);
    expect(floor.slowest.toHealthySeconds).toBeLessThanOrEqual(5);
    expect(floor.seconds).toBeCloseTo(
      floor.slowest.toInServiceSeconds + floor.slowest.registrationSeconds + floor.slowest.toHealthySeconds,
      6,
    );
  });
});
