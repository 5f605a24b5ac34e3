import type { ObservedCall } from '../../../lib/rehearsal/region';
import { fixture, rejection } from './fixture';

describe('observing calls: just before they take effect, and just after', () => {
  test('before sees the region unchanged, after sees the effect; both get the same numbered call', async () => {
    const f = fixture();
    const seen: string[] = [];
    f.region.observeCalls({
      before: (call) =>
        seen.push(`before #${call.sequence} ${call.command} desired=${f.group().desiredCapacity}`),
      after: (call, outcome) =>
        seen.push(`after #${call.sequence} ${call.command} ${outcome} desired=${f.group().desiredCapacity}`),
    });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    await f.asg('DescribeAutoScalingGroups', { AutoScalingGroupNames: ['blue'] });
    expect(seen).toEqual([
      'before #0 SetDesiredCapacity desired=0',
      'after #0 SetDesiredCapacity ok desired=2',
      'before #1 DescribeAutoScalingGroups desired=2',
      'after #1 DescribeAutoScalingGroups ok desired=2',
    ]);
  });

  test('a call that fails (an AWS error, or one injected) is seen after with the error name', async () => {
    const f = fixture();
    const outcomes: string[] = [];
    f.region.observeCalls({
      after: (call, outcome) => outcomes.push(`${call.command} ${call.mutating} ${outcome}`),
    });
    f.region.faults.failCalls({ commands: ['SetDesiredCapacity'], error: 'Throttling', times: 1 });
    await rejection(f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 }));
    await rejection(f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 99 }));
    expect(outcomes).toEqual([
      'SetDesiredCapacity true Throttling',
      'SetDesiredCapacity true ValidationError',
    ]);
  });

  test('what an observer does before a call lands before its effect; after, after it', async () => {
    const f = fixture();
    const stop = f.region.observeCalls({ before: () => f.region.faults.scaleOut('blue', 3) });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    expect(f.group().desiredCapacity).toBe(1);
    stop();
    f.region.observeCalls({ after: () => f.region.faults.scaleOut('blue', 3) });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    expect(f.group().desiredCapacity).toBe(4);
  });

  test('a removed observer hears nothing more', async () => {
    const f = fixture();
    const calls: ObservedCall[] = [];
    const stop = f.region.observeCalls({ before: (call) => calls.push(call) });
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 1 });
    stop();
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    expect(calls.map((c) => `${c.service}.${c.command}`)).toEqual(['AutoScaling.SetDesiredCapacity']);
  });
});
