import { TagKeys } from '../../../lib/contract/tags';
import { AutoScalingMessages } from '../../../lib/rehearsal/region';
import { fixture, healthyFleet, rejection } from './fixture';

const versionTag = (value: string) => ({
  ResourceId: 'blue',
  ResourceType: 'auto-scaling-group',
  Key: TagKeys.version,
  Value: value,
  PropagateAtLaunch: true,
});

describe('instance lifecycle and the boot script', () => {
  test('launch: Pending → InService after instanceBootSeconds → registered initial; app up appStartSeconds later', async () => {
    const f = fixture({ region: { instanceBootSeconds: 30, appStartSeconds: 15 } });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await f.advance(2);
    const [id] = f.ids('Pending');
    expect(id).toMatch(/^i-0[0-9a-f]{16}$/);
    await f.advance(28);
    expect(f.ids('Pending')).toEqual([id]);
    await f.advance(2);
    expect(f.ids('InService')).toEqual([id]);
    expect(f.targetState(id)).toBe('initial');
    const instance = () => f.group().instances[0];
    expect(instance().version).toBe('v1');
    expect(instance().appUp).toBe(false);
    await f.advance(16);
    expect(instance().appUp).toBe(true);
  });

  test('the group desired capacity is kept: a dead instance is replaced', async () => {
    const f = fixture({ group: { healthCheckType: 'EC2', healthCheckGracePeriodSeconds: 0 } });
    const [id] = await healthyFleet(f, 1);
    f.region.faults.killInstance(id);
    await f.advance(11); // the group health check runs every 10 s
    const group = f.group();
    expect(group.instances.find((i) => i.id === id)?.healthStatus).toBe('Unhealthy');
    expect(group.instances.find((i) => i.id === id)?.lifecycleState).toBe('Terminating');
    expect(f.ids('Pending')).toHaveLength(1);
  });

  test('changing the group version tag leaves running instances unchanged; new launches read the new one', async () => {
    const f = fixture();
    const [old] = await healthyFleet(f, 1);
    await f.asg('CreateOrUpdateTags', { Tags: [versionTag('v2')] });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    await f.advance(60);
    const versions = Object.fromEntries(f.group().instances.map((i) => [i.id, i.version]));
    expect(versions[old]).toBe('v1');
    expect(Object.values(versions).sort()).toEqual(['v1', 'v2']);
  });

  test('tag lag: the instance copy of propagated tags appears tagLagSeconds after launch; the boot script reads the GROUP tag', async () => {
    // GIVEN the copy lags longer than the boot
    const f = fixture({ region: { tagLagSeconds: 60, instanceBootSeconds: 30 } });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await f.advance(35);
    // THEN at InService the instance has no tag of its own yet, but runs the group's version
    let instance = f.group().instances[0];
    expect(instance.lifecycleState).toBe('InService');
    expect(instance.tags).toEqual([]);
    expect(instance.version).toBe('v1');
    await f.advance(30);
    instance = f.group().instances[0];
    expect(instance.tags).toEqual([
      { key: TagKeys.version, value: 'v1' },
      { key: TagKeys.colour, value: 'blue' },
    ]);
  });

  test.each([
    ['missing', undefined],
    ['invalid', 'bad version!'],
  ])(
    'a %s version tag: the app never starts, the target never becomes healthy, the ELB health check replaces it',
    async (_, value) => {
      const f = fixture({ group: { healthCheckGracePeriodSeconds: 60 } });
      if (value === undefined) {
        await f.asg('DeleteTags', {
          Tags: [{ ResourceId: 'blue', ResourceType: 'auto-scaling-group', Key: TagKeys.version }],
        });
      } else {
        await f.asg('CreateOrUpdateTags', { Tags: [versionTag(value)] });
      }
      await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
      await f.advance(2);
      const [id] = f.ids('Pending');
      const seen = new Set<string>();
      for (let s = 0; s < 80; s++) {
        await f.advance(1);
        const state = f.targetState(id);
        if (state) seen.add(state);
      }
      const first = f.group().instances.find((i) => i.id === id);
      expect(first?.appUp).toBe(false);
      expect(first?.version).toBeUndefined();
      expect(first?.bootProblem).toMatch(
        value === undefined ? /no bluegreen:version tag/ : /not a valid version/,
      );
      expect(seen.has('healthy')).toBe(false);
      expect(seen.has('unhealthy')).toBe(true);
      // The grace period (60 s after InService) passed: marked Unhealthy and replaced
      await f.advance(30);
      expect(first?.id).toBeDefined();
      const after = f.group();
      expect(after.instances.find((i) => i.id === id)?.healthStatus).toBe('Unhealthy');
      expect(
        after.instances.filter((i) => i.id !== id && i.lifecycleState !== 'Terminated').length,
      ).toBeGreaterThan(0);
    },
  );

  test('the ELB health check waits for the grace period after InService', async () => {
    const f = fixture({ group: { healthCheckGracePeriodSeconds: 300 } });
    f.region.faults.unhealthyVersion('v1');
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await f.advance(2);
    const [id] = f.ids('Pending');
    await f.advance(30 + 290); // InService at ~30 s, grace ends at ~330 s
    expect(f.targetState(id)).toBe('unhealthy');
    expect(f.group().instances[0].healthStatus).toBe('Healthy');
    await f.advance(25);
    expect(f.group().instances.find((i) => i.id === id)?.healthStatus).toBe('Unhealthy');
  });

  test('scale-in prefers Pending instances, then the newest; Terminating drains for the delay, then Terminated, then gone', async () => {
    const f = fixture({ targetGroup: { deregistrationDelaySeconds: 20 } });
    const [oldest, newer] = await healthyFleet(f, 2);
    // Launch times differ: scale to 3, wait until InService, then scale to 4 and immediately to 2.
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 3 });
    await f.advance(40);
    const [newest] = f.ids('InService').filter((id) => id !== oldest && id !== newer);
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 4 });
    await f.advance(2);
    const [pending] = f.ids('Pending');
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    await f.advance(2);
    const terminating = f.ids('Terminating').sort();
    expect(terminating).toEqual([pending, newest].sort());
    expect(f.targetState(newest)).toBe('draining');
    await f.advance(17);
    expect(f.ids('Terminating')).toContain(newest);
    await f.advance(4);
    expect(f.ids('Terminated')).toContain(newest);
    await f.advance(61);
    expect(
      f
        .group()
        .instances.map((i) => i.id)
        .sort(),
    ).toEqual([oldest, newer].sort());
  });

  test('launches alternate between two AZs', async () => {
    const f = fixture();
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 4 });
    await f.advance(2);
    expect(f.group().instances.map((i) => i.availabilityZone)).toEqual([
      'us-east-1a',
      'us-east-1b',
      'us-east-1a',
      'us-east-1b',
    ]);
  });
});

describe('capacity APIs', () => {
  test('UpdateAutoScalingGroup: an explicit desired outside [min, max] is a ValidationError', async () => {
    const f = fixture();
    const error = await rejection(
      f.asg('UpdateAutoScalingGroup', {
        AutoScalingGroupName: 'blue',
        MinSize: 1,
        MaxSize: 1,
        DesiredCapacity: 10,
      }),
    );
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe('Desired capacity:10 must be between the specified min size:1 and max size:1');
    expect(f.group()).toMatchObject({ minSize: 0, maxSize: 10, desiredCapacity: 0 }); // unchanged
  });

  test('UpdateAutoScalingGroup without desired: a higher MinSize raises desired, a lower MaxSize lowers it (AWS API reference)', async () => {
    const f = fixture();
    await f.asg('UpdateAutoScalingGroup', { AutoScalingGroupName: 'blue', MinSize: 3 });
    expect(f.group()).toMatchObject({ minSize: 3, desiredCapacity: 3 });
    await f.asg('UpdateAutoScalingGroup', { AutoScalingGroupName: 'blue', MinSize: 0, MaxSize: 2 });
    expect(f.group()).toMatchObject({ minSize: 0, maxSize: 2, desiredCapacity: 2 });
    const error = await rejection(
      f.asg('UpdateAutoScalingGroup', { AutoScalingGroupName: 'blue', MinSize: 5 }),
    );
    expect(error.name).toBe('ValidationError');
  });

  test('SetDesiredCapacity outside [min, max] is a ValidationError', async () => {
    const f = fixture({ group: { minSize: 1, maxSize: 3, desiredCapacity: 1 } });
    const above = await rejection(
      f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 4 }),
    );
    expect(above.message).toBe(
      'New SetDesiredCapacity value 4 is above max value 3 for the AutoScalingGroup.',
    );
    const below = await rejection(
      f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 0 }),
    );
    expect(below.name).toBe('ValidationError');
  });

  test('an unknown group is a ValidationError', async () => {
    const f = fixture();
    const error = await rejection(
      f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'nope', DesiredCapacity: 1 }),
    );
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe(AutoScalingMessages.groupNotFound('nope'));
  });

  test('TerminateInstanceInAutoScalingGroup: ShouldDecrementDesiredCapacity required; decrement below MinSize refused; unknown or terminated instance not found', async () => {
    const f = fixture({ group: { minSize: 1, desiredCapacity: 1 } });
    await f.advance(1);
    const [id] = await healthyFleet(f, 1);
    const missing = await rejection(f.asg('TerminateInstanceInAutoScalingGroup', { InstanceId: id }));
    expect(missing.message).toMatch(/shouldDecrementDesiredCapacity/);
    const belowMin = await rejection(
      f.asg('TerminateInstanceInAutoScalingGroup', { InstanceId: id, ShouldDecrementDesiredCapacity: true }),
    );
    expect(belowMin.name).toBe('ValidationError');
    expect(belowMin.message).toBe(
      "Currently, desiredSize equals minSize (1). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
    );
    const unknown = await rejection(
      f.asg('TerminateInstanceInAutoScalingGroup', {
        InstanceId: 'i-0123456789abcdef0',
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    expect(unknown.name).toBe('ValidationError');
    expect(unknown.message).toBe(
      'Instance Id not found - No managed instance found for instance ID i-0123456789abcdef0',
    );

    // Without decrement: terminated and replaced
    await f.asg('TerminateInstanceInAutoScalingGroup', {
      InstanceId: id,
      ShouldDecrementDesiredCapacity: false,
    });
    await f.advance(2);
    expect(f.ids('Pending')).toHaveLength(1);
    await f.advance(25);
    expect(f.ids('Terminated')).toEqual([id]);
    const terminated = await rejection(
      f.asg('TerminateInstanceInAutoScalingGroup', { InstanceId: id, ShouldDecrementDesiredCapacity: false }),
    );
    expect(terminated.message).toBe(
      `Instance Id not found - No managed instance found for instance ID ${id}`,
    );
  });
});
