import { TagKeys } from '../../../lib/contract/tags';
import { fixture, healthyFleet, rejection, TG_ARN } from './fixture';

describe('Auto Scaling reads and tags', () => {
  test('DescribeAutoScalingGroups returns the SDK v3 shape', async () => {
    const f = fixture({ green: {} });
    const [id] = await healthyFleet(f, 1);
    await f.asg('SuspendProcesses', { AutoScalingGroupName: 'green', ScalingProcesses: ['AZRebalance'] });
    const out = await f.asg('DescribeAutoScalingGroups', { AutoScalingGroupNames: ['blue'] });
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.NextToken).toBeUndefined();
    expect(out.AutoScalingGroups).toHaveLength(1);
    const blue = out.AutoScalingGroups[0];
    expect(blue).toMatchObject({
      AutoScalingGroupName: 'blue',
      MinSize: 0,
      MaxSize: 10,
      DesiredCapacity: 1,
      TargetGroupARNs: [TG_ARN],
      HealthCheckType: 'ELB',
      HealthCheckGracePeriod: 60,
      AvailabilityZones: ['us-east-1a', 'us-east-1b'],
      SuspendedProcesses: [],
      Instances: [
        {
          InstanceId: id,
          AvailabilityZone: 'us-east-1a',
          LifecycleState: 'InService',
          HealthStatus: 'Healthy',
          ProtectedFromScaleIn: false,
        },
      ],
    });
    expect(blue.AutoScalingGroupARN).toMatch(
      /^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:.+:autoScalingGroupName\/blue$/,
    );
    expect(blue.CreatedTime).toBeInstanceOf(Date);
    expect(blue.Tags).toContainEqual({
      ResourceId: 'blue',
      ResourceType: 'auto-scaling-group',
      Key: TagKeys.version,
      Value: 'v1',
      PropagateAtLaunch: true,
    });
    const green = (await f.asg('DescribeAutoScalingGroups', { AutoScalingGroupNames: ['green'] }))
      .AutoScalingGroups[0];
    expect(green.SuspendedProcesses).toEqual([
      { ProcessName: 'AZRebalance', SuspensionReason: expect.stringMatching(/^User suspended at /) },
    ]);
    expect(
      (await f.asg('DescribeAutoScalingGroups', { AutoScalingGroupNames: ['nope'] })).AutoScalingGroups,
    ).toEqual([]);
  });

  test('DescribeAutoScalingGroups honours MaxRecords/NextToken and tag filters', async () => {
    const f = fixture({ green: {} });
    const first = await f.asg('DescribeAutoScalingGroups', { MaxRecords: 1 });
    expect(
      first.AutoScalingGroups.map((g: { AutoScalingGroupName: string }) => g.AutoScalingGroupName),
    ).toEqual(['blue']);
    expect(first.NextToken).toEqual(expect.any(String));
    const second = await f.asg('DescribeAutoScalingGroups', { MaxRecords: 1, NextToken: first.NextToken });
    expect(
      second.AutoScalingGroups.map((g: { AutoScalingGroupName: string }) => g.AutoScalingGroupName),
    ).toEqual(['green']);
    expect(second.NextToken).toBeUndefined();
    const filtered = await f.asg('DescribeAutoScalingGroups', {
      Filters: [{ Name: `tag:${TagKeys.colour}`, Values: ['green'] }],
    });
    expect(filtered.AutoScalingGroups).toHaveLength(1);
    expect(filtered.AutoScalingGroups[0].AutoScalingGroupName).toBe('green');
    expect((await rejection(f.asg('DescribeAutoScalingGroups', { MaxRecords: 101 }))).name).toBe(
      'ValidationError',
    );
  });

  test('DescribeAutoScalingInstances: by ID (at most 50), HealthStatus in capitals', async () => {
    const f = fixture();
    const [id] = await healthyFleet(f, 1);
    const out = await f.asg('DescribeAutoScalingInstances', { InstanceIds: [id, 'i-0000000000000dead'] });
    expect(out.AutoScalingInstances).toEqual([
      {
        InstanceId: id,
        InstanceType: 't3.micro',
        AutoScalingGroupName: 'blue',
        AvailabilityZone: 'us-east-1a',
        LifecycleState: 'InService',
        HealthStatus: 'HEALTHY',
        ProtectedFromScaleIn: false,
      },
    ]);
    const many = Array.from({ length: 51 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    const error = await rejection(f.asg('DescribeAutoScalingInstances', { InstanceIds: many }));
    expect(error.message).toBe('The number of instance ids that may be passed in is limited to 50');
  });

  test('CreateOrUpdateTags / DeleteTags / DescribeTags', async () => {
    const f = fixture();
    await f.asg('CreateOrUpdateTags', {
      Tags: [
        {
          ResourceId: 'blue',
          ResourceType: 'auto-scaling-group',
          Key: TagKeys.role,
          Value: 'live',
          PropagateAtLaunch: false,
        },
        {
          ResourceId: 'blue',
          ResourceType: 'auto-scaling-group',
          Key: TagKeys.version,
          Value: 'v2',
          PropagateAtLaunch: true,
        },
      ],
    });
    const tags = await f.asg('DescribeTags', {
      Filters: [
        { Name: 'auto-scaling-group', Values: ['blue'] },
        { Name: 'key', Values: [TagKeys.role, TagKeys.version] },
      ],
    });
    expect(tags.Tags).toEqual([
      {
        ResourceId: 'blue',
        ResourceType: 'auto-scaling-group',
        Key: TagKeys.version,
        Value: 'v2',
        PropagateAtLaunch: true,
      },
      {
        ResourceId: 'blue',
        ResourceType: 'auto-scaling-group',
        Key: TagKeys.role,
        Value: 'live',
        PropagateAtLaunch: false,
      },
    ]);
    await f.asg('DeleteTags', {
      Tags: [{ ResourceId: 'blue', ResourceType: 'auto-scaling-group', Key: TagKeys.role }],
    });
    expect(f.group().tags.map((t) => t.key)).not.toContain(TagKeys.role);
    const unknown = await rejection(
      f.asg('CreateOrUpdateTags', {
        Tags: [{ ResourceId: 'nope', ResourceType: 'auto-scaling-group', Key: 'k', Value: 'v' }],
      }),
    );
    expect(unknown.name).toBe('ValidationError');
  });

  test('the same seed gives the same instance IDs', async () => {
    const ids = async (seed: number): Promise<string[]> => {
      const f = fixture({ region: { seed } });
      await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 3 });
      await f.advance(2);
      return f.group().instances.map((i) => i.id);
    };
    expect(await ids(5)).toEqual(await ids(5));
    expect(await ids(5)).not.toEqual(await ids(6));
  });
});
