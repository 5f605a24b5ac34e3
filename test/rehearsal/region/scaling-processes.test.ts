import { SCALING_PROCESSES } from '../../../lib/rehearsal/region';
import { fixture, healthyFleet, rejection, type Fixture } from './fixture';

/** Four instances (two per AZ); the two in us-east-1a go to Standby with decrement. */
async function unbalance(f: Fixture): Promise<{ standby: string[]; inB: string[] }> {
  const ids = await healthyFleet(f, 4);
  const byId = Object.fromEntries(f.group().instances.map((i) => [i.id, i.availabilityZone]));
  const standby = ids.filter((id) => byId[id] === 'us-east-1a');
  const inB = ids.filter((id) => byId[id] === 'us-east-1b');
  expect(standby).toHaveLength(2);
  await f.asg('EnterStandby', {
    AutoScalingGroupName: 'blue',
    InstanceIds: standby,
    ShouldDecrementDesiredCapacity: true,
  });
  return { standby, inB };
}

describe('scaling processes (docs/aws-model.md: capacity and drift)', () => {
  test('AZRebalance misbehaves when Standby unbalances the AZs: it launches in the short AZ, then terminates in the long one', async () => {
    const f = fixture();
    const { standby, inB } = await unbalance(f);
    await f.advance(60); // next group check (10 s), boot (30 s), then the termination starts
    const group = f.group();
    const launched = group.instances.filter((i) => ![...standby, ...inB].includes(i.id));
    expect(launched.map((i) => i.availabilityZone)).toEqual(['us-east-1a']);
    expect(launched[0].version).toBe('v1'); // the group's version, serving traffic behind the workflow's back
    const leavingB = group.instances.filter((i) => inB.includes(i.id) && i.lifecycleState !== 'InService');
    expect(leavingB).toHaveLength(1);
    expect(['Terminating', 'Terminated']).toContain(leavingB[0].lifecycleState);
    expect(group.desiredCapacity).toBe(2);
  });

  test('with AZRebalance suspended nothing is launched or terminated', async () => {
    const f = fixture();
    await f.asg('SuspendProcesses', { AutoScalingGroupName: 'blue', ScalingProcesses: ['AZRebalance'] });
    const { standby, inB } = await unbalance(f);
    await f.advance(600);
    const group = f.group();
    expect(group.instances.map((i) => i.id).sort()).toEqual([...standby, ...inB].sort());
    expect(f.ids('InService').sort()).toEqual([...inB].sort());
  });

  test('faults.scaleOut (a CPU alarm) raises desired capacity, capped at MaxSize, unless AlarmNotification is suspended', async () => {
    const f = fixture({ group: { maxSize: 3 } });
    expect(f.region.faults.scaleOut('blue', 2)).toBe(true);
    expect(f.group().desiredCapacity).toBe(2);
    expect(f.region.faults.scaleOut('blue', 5)).toBe(true);
    expect(f.group().desiredCapacity).toBe(3);
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 0 });
    await f.asg('SuspendProcesses', {
      AutoScalingGroupName: 'blue',
      ScalingProcesses: ['AlarmNotification', 'ScheduledActions', 'AZRebalance'],
    });
    expect(f.region.faults.scaleOut('blue', 2)).toBe(false);
    await f.advance(5);
    expect(f.group().desiredCapacity).toBe(0);
    expect(f.group().instances.filter((i) => i.lifecycleState === 'Pending')).toEqual([]);
  });

  test('faults.scaleIn (a target-tracking scale-in) lowers desired capacity, never below MinSize, and the group terminates the surplus', async () => {
    const f = fixture();
    await healthyFleet(f, 4);
    await f.asg('UpdateAutoScalingGroup', { AutoScalingGroupName: 'blue', MinSize: 2 });
    expect(f.region.faults.scaleIn('blue', 1)).toBe(true);
    expect(f.group().desiredCapacity).toBe(3);
    expect(f.region.faults.scaleIn('blue', 5)).toBe(true);
    expect(f.group().desiredCapacity).toBe(2);
    await f.advance(2);
    expect(f.ids('InService')).toHaveLength(2);
    expect(f.ids('Terminating')).toHaveLength(2);
  });

  test('faults.scaleIn is ignored while AlarmNotification is suspended', async () => {
    const f = fixture();
    await healthyFleet(f, 2);
    await f.asg('SuspendProcesses', {
      AutoScalingGroupName: 'blue',
      ScalingProcesses: ['AlarmNotification'],
    });
    expect(f.region.faults.scaleIn('blue', 2)).toBe(false);
    await f.advance(2);
    expect(f.group().desiredCapacity).toBe(2);
    expect(f.ids('InService')).toHaveLength(2);
  });

  test('SuspendProcesses without ScalingProcesses suspends all; Launch suspended means no launches until resumed', async () => {
    const f = fixture();
    await f.asg('SuspendProcesses', { AutoScalingGroupName: 'blue' });
    expect([...f.group().suspendedProcesses].sort()).toEqual([...SCALING_PROCESSES].sort());
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    await f.advance(60);
    expect(f.group().instances).toEqual([]);
    await f.asg('ResumeProcesses', { AutoScalingGroupName: 'blue', ScalingProcesses: ['Launch'] });
    await f.advance(2);
    expect(f.ids('Pending')).toHaveLength(2);
    const described = await f.asg('DescribeAutoScalingGroups', { AutoScalingGroupNames: ['blue'] });
    const suspended = described.AutoScalingGroups[0].SuspendedProcesses;
    expect(suspended.map((p: { ProcessName: string }) => p.ProcessName)).not.toContain('Launch');
    expect(suspended[0].SuspensionReason).toMatch(/^User suspended at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('AddToLoadBalancer suspended: instances go InService but are not registered', async () => {
    const f = fixture();
    await f.asg('SuspendProcesses', {
      AutoScalingGroupName: 'blue',
      ScalingProcesses: ['AddToLoadBalancer'],
    });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    await f.advance(60);
    const [id] = f.ids('InService');
    expect(f.targetState(id)).toBeUndefined();
  });

  test('ScheduledActions suspension is recorded', async () => {
    const f = fixture();
    await f.asg('SuspendProcesses', { AutoScalingGroupName: 'blue', ScalingProcesses: ['ScheduledActions'] });
    expect(f.group().suspendedProcesses).toEqual(['ScheduledActions']);
    await f.asg('ResumeProcesses', { AutoScalingGroupName: 'blue' });
    expect(f.group().suspendedProcesses).toEqual([]);
  });

  test('an unknown process name is a ValidationError', async () => {
    const f = fixture();
    const error = await rejection(
      f.asg('SuspendProcesses', { AutoScalingGroupName: 'blue', ScalingProcesses: ['Sleep'] }),
    );
    expect(error.name).toBe('ValidationError');
  });
});
