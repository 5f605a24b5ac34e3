import { TagKeys } from '../../../lib/contract/tags';
import { SimulatedRegion, type GroupObservation, type RegionOptions } from '../../../lib/rehearsal/region';
import type { AutoScalingGroupSpec } from '../../../lib/rehearsal/region/auto-scaling';
import { fixed, PROFILES, type RegionProfile } from '../../../lib/rehearsal/region/profile';
import type { TargetGroupSpec } from '../../../lib/rehearsal/region/target-group';
import { VirtualClock } from '../../../lib/rehearsal/virtual-clock';

export const TG_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';

/**
 * The typical profile with every distribution pinned to one value (the region's former fixed
 * timings: boot 30 s, app 15 s, tag lag 10 s, ExitStandby 5 s, registration instant, draining for
 * the full delay, a killed Standby instance terminated by EC2 after 30 min). The mechanism tests use it so each asserts exact times; every distribution has
 * its own test (profile.test.ts), with the profile's ranges.
 */
export const PINNED: RegionProfile = {
  ...PROFILES.typical,
  name: 'pinned',
  instanceBootSeconds: fixed(30),
  appStartSeconds: fixed(15),
  tagLagSeconds: fixed(10),
  exitStandbySeconds: fixed(5),
  registrationSeconds: fixed(0),
  drainEarlyWhenIdle: false,
  killedStandbyTerminationSeconds: fixed(1800),
};

export interface Fixture {
  readonly clock: VirtualClock;
  readonly region: SimulatedRegion;
  /** Lets `seconds` of virtual time pass, the region's tick at the end time included. */
  advance(seconds: number): Promise<void>;
  /** Shorthand for region.send('AutoScaling', ...). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  asg(command: string, input: Record<string, unknown>): Promise<any>;
  group(name?: string): GroupObservation;
  /** IDs of the group's instances in a lifecycle state. */
  ids(state: string, name?: string): string[];
  /** Target state of an instance in the fixture's target group. */
  targetState(id: string): string | undefined;
}

export interface FixtureOptions {
  readonly region?: Partial<Omit<RegionOptions, 'clock'>>;
  readonly targetGroup?: Partial<TargetGroupSpec>;
  readonly group?: Partial<AutoScalingGroupSpec>;
  /** Also create a second group named `green`. */
  readonly green?: Partial<AutoScalingGroupSpec>;
}

/**
 * One target group (interval 5 s, timeout 2 s, healthy 2, unhealthy 2, delay 20 s) and a group
 * `blue` (min 0, max 10, desired 0, ELB health checks, grace 60 s, version tag v1).
 */
export function fixture(options: FixtureOptions = {}): Fixture {
  const clock = new VirtualClock();
  const region = new SimulatedRegion({ clock, profile: PINNED, ...options.region });
  region.createTargetGroup({
    arn: TG_ARN,
    healthCheckIntervalSeconds: 5,
    healthCheckTimeoutSeconds: 2,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    deregistrationDelaySeconds: 20,
    ...options.targetGroup,
  });
  const base = (name: string, version: string): AutoScalingGroupSpec => ({
    name,
    minSize: 0,
    maxSize: 10,
    desiredCapacity: 0,
    targetGroupArns: [TG_ARN],
    healthCheckType: 'ELB',
    healthCheckGracePeriodSeconds: 60,
    tags: [
      { key: TagKeys.version, value: version, propagateAtLaunch: true },
      { key: TagKeys.colour, value: name, propagateAtLaunch: true },
    ],
  });
  region.createAutoScalingGroup({ ...base('blue', 'v1'), ...options.group });
  if (options.green) region.createAutoScalingGroup({ ...base('green', 'v2'), ...options.green });
  const group = (name = 'blue'): GroupObservation => {
    const found = region.observe().groups.find((g) => g.name === name);
    if (!found) throw new Error(`no group ${name}`);
    return found;
  };
  return {
    clock,
    region,
    // The trailing zero sleep lets the region's own tick at the end time run first.
    advance: async (seconds) => {
      await clock.run(clock.sleep(seconds * 1000));
      await clock.run(clock.sleep(0));
    },
    asg: (command, input) => region.send('AutoScaling', command, input),
    group,
    ids: (state, name) =>
      group(name)
        .instances.filter((i) => i.lifecycleState === state)
        .map((i) => i.id),
    targetState: (id) =>
      region
        .observe()
        .targetGroups.find((tg) => tg.arn === TG_ARN)
        ?.targets.find((t) => t.id === id)?.state,
  };
}

/** Awaits a rejection and returns the error, failing the test if the call succeeded. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Scales `blue` to n and waits until all n are InService with healthy targets. */
export async function healthyFleet(f: Fixture, n: number, name = 'blue'): Promise<string[]> {
  await f.asg('SetDesiredCapacity', { AutoScalingGroupName: name, DesiredCapacity: n });
  for (let waited = 0; waited < 600; waited += 5) {
    await f.advance(5);
    const ids = f.ids('InService', name);
    if (ids.length === n && ids.every((id) => f.targetState(id) === 'healthy')) return ids;
  }
  throw new Error(`group ${name} did not become healthy at ${n}`);
}
