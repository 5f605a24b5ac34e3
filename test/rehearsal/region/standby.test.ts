import { TagKeys } from '../../../lib/contract/tags';
import { AutoScalingMessages } from '../../../lib/rehearsal/region';
import { fixture, healthyFleet, rejection, TG_ARN } from './fixture';

describe('Auto Scaling Standby (docs/aws-model.md: Standby)', () => {
  test('EnterStandby takes at most 20 instance IDs: 21 is a ValidationError', async () => {
    // GIVEN 21 healthy instances
    const f = fixture({ group: { maxSize: 30 } });
    const ids = await healthyFleet(f, 21);
    // WHEN / THEN
    const error = await rejection(
      f.asg('EnterStandby', {
        AutoScalingGroupName: 'blue',
        InstanceIds: ids,
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe('The number of instance ids that may be passed in is limited to 20');
    expect(f.ids('InService')).toHaveLength(21); // nothing moved
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: ids.slice(0, 20),
      ShouldDecrementDesiredCapacity: true,
    });
    expect(f.ids('EnteringStandby')).toHaveLength(20);
  });

  test('ShouldDecrementDesiredCapacity is required', async () => {
    const f = fixture();
    const [id] = await healthyFleet(f, 1);
    const error = await rejection(f.asg('EnterStandby', { AutoScalingGroupName: 'blue', InstanceIds: [id] }));
    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/shouldDecrementDesiredCapacity.*must not be null/);
  });

  test('decrementing below MinSize is refused; it succeeds once MinSize is lowered', async () => {
    // GIVEN min 2, desired 2
    const f = fixture({ group: { minSize: 2, desiredCapacity: 2 } });
    await f.advance(1);
    const ids = await healthyFleet(f, 2);
    // WHEN
    const error = await rejection(
      f.asg('EnterStandby', {
        AutoScalingGroupName: 'blue',
        InstanceIds: ids,
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    // THEN
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe(
      'AutoScalingGroup blue has min-size=2, max-size=10, and desired-size=2. To place into standby 2 instances, please update the AutoScalingGroup sizes appropriately.',
    );
    await f.asg('UpdateAutoScalingGroup', { AutoScalingGroupName: 'blue', MinSize: 0 });
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: ids,
      ShouldDecrementDesiredCapacity: true,
    });
    expect(f.group().desiredCapacity).toBe(0);
    await f.advance(60);
    expect(f.ids('Standby').sort()).toEqual([...ids].sort());
    expect(f.group().instances).toHaveLength(2); // no replacement
  });

  test('without decrement the group launches replacements', async () => {
    const f = fixture();
    const ids = await healthyFleet(f, 2);
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: [ids[0]],
      ShouldDecrementDesiredCapacity: false,
    });
    expect(f.group().desiredCapacity).toBe(2);
    await f.advance(2);
    const pending = f.ids('Pending');
    expect(pending).toHaveLength(1);
    expect(ids).not.toContain(pending[0]);
  });

  test('only InService instances may enter Standby: Pending and Standby ones are refused', async () => {
    const f = fixture();
    const [inService] = await healthyFleet(f, 1);
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    await f.advance(2);
    const [pending] = f.ids('Pending');
    const pendingError = await rejection(
      f.asg('EnterStandby', {
        AutoScalingGroupName: 'blue',
        InstanceIds: [pending],
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    expect(pendingError.name).toBe('ValidationError');
    expect(pendingError.message).toBe(`The instance ${pending} is not in InService.`);

    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: [inService],
      ShouldDecrementDesiredCapacity: true,
    });
    await f.advance(30);
    expect(f.ids('Standby')).toEqual([inService]);
    const standbyError = await rejection(
      f.asg('EnterStandby', {
        AutoScalingGroupName: 'blue',
        InstanceIds: [inService],
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    expect(standbyError.message).toBe(`The instance ${inService} is not in InService.`);
  });

  test('an instance of another group is refused', async () => {
    const f = fixture({ green: {} });
    const [blueId] = await healthyFleet(f, 1);
    const error = await rejection(
      f.asg('EnterStandby', {
        AutoScalingGroupName: 'green',
        InstanceIds: [blueId],
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    expect(error.message).toBe(AutoScalingMessages.notInGroup(blueId, 'green'));
  });

  test('EnteringStandby lasts the deregistration delay, draining; then Standby and the target is gone', async () => {
    // GIVEN a 20 s deregistration delay
    const f = fixture({ targetGroup: { deregistrationDelaySeconds: 20 } });
    const [id] = await healthyFleet(f, 1);
    // WHEN
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: [id],
      ShouldDecrementDesiredCapacity: true,
    });
    // THEN
    expect(f.ids('EnteringStandby')).toEqual([id]);
    expect(f.targetState(id)).toBe('draining');
    await f.advance(19);
    expect(f.ids('EnteringStandby')).toEqual([id]);
    expect(f.targetState(id)).toBe('draining');
    await f.advance(2);
    expect(f.ids('Standby')).toEqual([id]);
    expect(f.targetState(id)).toBeUndefined();
    const health = await f.region.send('ElasticLoadBalancingV2', 'DescribeTargetHealth', {
      TargetGroupArn: TG_ARN,
    });
    expect(health.TargetHealthDescriptions).toEqual([]);
  });

  test('ExitStandby: only Standby instances; refused above MaxSize; increments desired', async () => {
    const f = fixture({ group: { maxSize: 2 } });
    const ids = await healthyFleet(f, 2);
    const notStandby = await rejection(
      f.asg('ExitStandby', { AutoScalingGroupName: 'blue', InstanceIds: [ids[0]] }),
    );
    expect(notStandby.name).toBe('ValidationError');
    expect(notStandby.message).toBe(`The instance ${ids[0]} is not in Standby.`);

    // One instance to Standby without decrement: a replacement launches, desired stays 2 = max.
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: [ids[0]],
      ShouldDecrementDesiredCapacity: false,
    });
    await f.advance(30);
    const aboveMax = await rejection(
      f.asg('ExitStandby', { AutoScalingGroupName: 'blue', InstanceIds: [ids[0]] }),
    );
    expect(aboveMax.name).toBe('ValidationError');
    expect(aboveMax.message).toBe(
      'AutoScalingGroup blue has min-size=0, max-size=2, and desired-size=2. To move out of standby 1 instance, please update the AutoScalingGroup sizes appropriately.',
    );
    await f.asg('UpdateAutoScalingGroup', { AutoScalingGroupName: 'blue', MaxSize: 3 });
    await f.asg('ExitStandby', { AutoScalingGroupName: 'blue', InstanceIds: [ids[0]] });
    expect(f.group().desiredCapacity).toBe(3);
  });

  test('ExitStandby: Standby → Pending → InService → registered initial → healthy after ONE passing check', async () => {
    // GIVEN an instance in Standby (healthy threshold 5 does not apply to new registrations)
    const f = fixture({ targetGroup: { healthyThreshold: 5, healthCheckIntervalSeconds: 10 } });
    const [id] = await healthyFleet(f, 1);
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: [id],
      ShouldDecrementDesiredCapacity: true,
    });
    await f.advance(25);
    expect(f.ids('Standby')).toEqual([id]);
    // WHEN
    await f.asg('ExitStandby', { AutoScalingGroupName: 'blue', InstanceIds: [id] });
    // THEN
    expect(f.ids('Pending')).toEqual([id]);
    expect(f.group().desiredCapacity).toBe(1);
    await f.advance(4);
    expect(f.ids('Pending')).toEqual([id]);
    await f.advance(2); // 5 s after the call (the region moves in whole seconds)
    expect(f.ids('InService')).toEqual([id]);
    expect(f.targetState(id)).toBe('initial');
    const states: string[] = [];
    for (let s = 0; s < 12; s++) {
      await f.advance(1);
      states.push(f.targetState(id) as string);
    }
    // One interval (10 s) at most until the first check, which passes: healthy.
    expect(states.indexOf('healthy')).toBeGreaterThanOrEqual(0);
    expect(states.indexOf('healthy')).toBeLessThanOrEqual(10);
    expect(states.slice(0, states.indexOf('healthy')).every((s) => s === 'initial')).toBe(true);
    expect(f.group().instances).toHaveLength(1); // the same instance, nothing launched
  });

  test('Standby instances survive desired 0, are not health-checked, and are removed only by TerminateInstanceInAutoScalingGroup', async () => {
    // GIVEN two instances in Standby, desired 0
    const f = fixture();
    const ids = await healthyFleet(f, 2);
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: ids,
      ShouldDecrementDesiredCapacity: true,
    });
    await f.advance(30);
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 0 });
    f.region.faults.killInstance(ids[1]);
    // WHEN time passes
    await f.advance(600);
    // THEN they are still there, still Healthy, nothing launched or replaced
    const group = f.group();
    expect(group.instances.map((i) => [i.lifecycleState, i.healthStatus])).toEqual([
      ['Standby', 'Healthy'],
      ['Standby', 'Healthy'],
    ]);
    // Decrementing below MinSize 0 is refused for them too (the stricter reading)
    const refused = await rejection(
      f.asg('TerminateInstanceInAutoScalingGroup', {
        InstanceId: ids[0],
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    expect(refused.message).toBe(AutoScalingMessages.terminateBelowMin(0));
    // Terminating without decrement works: Terminating → Terminated quickly (nothing to drain) → gone
    const out = await f.asg('TerminateInstanceInAutoScalingGroup', {
      InstanceId: ids[0],
      ShouldDecrementDesiredCapacity: false,
    });
    expect(out.Activity.Description).toBe(`Terminating EC2 instance: ${ids[0]}`);
    expect(f.ids('Terminating')).toEqual([ids[0]]);
    await f.advance(6);
    expect(f.ids('Terminated')).toEqual([ids[0]]);
    await f.advance(61);
    expect(f.group().instances.map((i) => i.id)).toEqual([ids[1]]);
    expect(f.group().desiredCapacity).toBe(0);
  });

  test('Standby keeps the version it runs when the group tag changes', async () => {
    const f = fixture();
    const [id] = await healthyFleet(f, 1);
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: [id],
      ShouldDecrementDesiredCapacity: true,
    });
    await f.asg('CreateOrUpdateTags', {
      Tags: [
        {
          ResourceId: 'blue',
          ResourceType: 'auto-scaling-group',
          Key: TagKeys.version,
          Value: 'v9',
          PropagateAtLaunch: true,
        },
      ],
    });
    await f.advance(30);
    await f.asg('ExitStandby', { AutoScalingGroupName: 'blue', InstanceIds: [id] });
    await f.advance(30);
    expect(f.group().instances.map((i) => [i.id, i.version])).toEqual([[id, 'v1']]);
  });
});
