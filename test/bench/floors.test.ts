import { percentile, spread } from '../../bin/bench/figures';
import { bootSpreadSeconds, releaseFloor, rollbackFloor } from '../../bin/bench/floors';
import type { InstanceEvent, InstanceMilestone } from '../../lib/rehearsal/region/instance-timeline';

const TG = 'arn:tg/web';
const OTHER_TG = 'arn:tg/other';

function event(
  seconds: number,
  instanceId: string,
  milestone: InstanceMilestone,
  groupName = 'blue',
  targetGroupArn?: string,
): InstanceEvent {
  return { time: seconds * 1000, instanceId, groupName, milestone, targetGroupArn };
}

/** One instance's way back from Standby: request, InService, registration, first healthy. */
function exitPath(
  id: string,
  request: number,
  inService: number,
  complete: number,
  healthy: number,
): InstanceEvent[] {
  return [
    event(request, id, 'exitStandbyRequested'),
    event(inService, id, 'inService'),
    event(inService, id, 'registered', 'blue', TG),
    event(complete, id, 'registrationComplete', 'blue', TG),
    event(healthy, id, 'healthy', 'blue', TG),
  ];
}

describe('rollbackFloor', () => {
  test('is the slowest instance path from its own ExitStandby, not from the decision', () => {
    const events = [
      // before the decision: ignored
      event(50, 'i-a', 'healthy', 'blue', TG),
      ...exitPath('i-a', 102, 108, 110, 113), // 11 s
      ...exitPath('i-b', 104, 107, 117, 120), // 16 s, requested 4 s after the decision
    ];
    const floor = rollbackFloor(events, 100_000, TG);
    expect(floor.paths).toHaveLength(2);
    expect(floor.slowest).toMatchObject({
      instanceId: 'i-b',
      toInServiceSeconds: 3,
      registrationSeconds: 10,
      toHealthySeconds: 3,
      totalSeconds: 16,
    });
    expect(floor.seconds).toBe(16);
  });

  test('counts only the traffic target group', () => {
    const events = [...exitPath('i-a', 102, 108, 110, 113), event(109, 'i-a', 'healthy', 'blue', OTHER_TG)];
    expect(rollbackFloor(events, 100_000, TG).seconds).toBe(11);
  });

  test('throws when no old instance ever served', () => {
    const events = [event(102, 'i-a', 'exitStandbyRequested'), event(108, 'i-a', 'inService')];
    expect(() => rollbackFloor(events, 100_000, TG)).toThrow(
      /rollback floor \(groups blue\): no instance reached healthy/,
    );
  });
});

describe('releaseFloor and bootSpreadSeconds', () => {
  const launch = (id: string, at: number, inService: number, complete: number, healthy: number) => [
    event(at, id, 'launched', 'green'),
    event(inService, id, 'inService', 'green'),
    event(inService, id, 'registered', 'green', TG),
    event(complete, id, 'registrationComplete', 'green', TG),
    event(healthy, id, 'healthy', 'green', TG),
  ];

  test('the floor is the slowest launch -> healthy; the spread is last healthy - first healthy', () => {
    const events = [
      ...launch('i-1', 10, 45, 50, 62), // 52 s
      ...launch('i-2', 10, 40, 41, 55), // 45 s
      event(11, 'i-old', 'launched', 'blue'), // another group: not the new fleet
    ];
    const floor = releaseFloor(events, 'green', 0, TG);
    expect(floor.seconds).toBe(52);
    expect(floor.slowest.instanceId).toBe('i-1');
    expect(bootSpreadSeconds(floor)).toBe(7);
  });
});

describe('percentile', () => {
  test('nearest rank: p95 of 20 values is the 19th smallest, p50 the 10th', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1, unsorted on purpose
    expect(percentile(values, 95)).toBe(19);
    expect(percentile(values, 50)).toBe(10);
    expect(spread(values)).toEqual({ p50: 10, p95: 19 });
  });

  test('refuses nothing and a p outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow('percentile of nothing');
    expect(() => percentile([1], 0)).toThrow('percentile p (0) must be in (0, 100]');
  });
});
