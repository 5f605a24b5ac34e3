import { API_HARSHNESS } from '../../../lib/rehearsal/region/api-harshness';
import { TokenBucket } from '../../../lib/rehearsal/region/rate-limits';
import { fixture, rejection } from './fixture';

describe('rate limits: token buckets per API family, per account, on the virtual clock', () => {
  test('a bucket: a burst, then one token per 1/rate second', () => {
    const bucket = new TokenBucket({ burst: 3, perSecond: 2 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.take(499)).toBe(false);
    expect(bucket.take(500)).toBe(true);
    expect(bucket.take(500)).toBe(false);
    expect(bucket.available(60_000)).toBe(3);
  });

  test('Auto Scaling mutating calls: Throttling, "Rate exceeded", HTTP 400 once the bucket is empty; refilled with virtual time', async () => {
    const f = fixture({
      region: { api: { rateLimits: { 'AutoScaling.mutating': { burst: 2, perSecond: 1 } } } },
    });
    const set = (n: number) =>
      f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: n });
    await set(1);
    await set(2);
    const error = await rejection(set(3));
    expect(error).toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      Code: 'Throttling',
    });
    expect(f.group().desiredCapacity).toBe(2);
    // Reads draw on another bucket.
    await f.asg('DescribeAutoScalingGroups', {});
    await f.advance(1);
    await set(3);
    expect(f.group().desiredCapacity).toBe(3);
    expect(f.region.rateLimits.throttled.get('AutoScaling.mutating')).toBe(1);
    expect(f.region.calls.get('AutoScaling', 'SetDesiredCapacity')).toMatchObject({
      count: 4,
      errorsInjected: 0,
      errorsReturned: 1,
    });
  });

  test('ELBv2 reads: Throttling; Step Functions: ThrottlingException; DynamoDB: not throttled', async () => {
    const f = fixture({
      region: {
        api: {
          rateLimits: {
            'ElasticLoadBalancingV2.describe': { burst: 1, perSecond: 1 },
            'SFN.DescribeExecution': { burst: 1, perSecond: 1 },
          },
        },
      },
    });
    const tg = f.region.observe().targetGroups[0].arn;
    await f.region.send('ElasticLoadBalancingV2', 'DescribeTargetHealth', { TargetGroupArn: tg });
    const elb = await rejection(
      f.region.send('ElasticLoadBalancingV2', 'DescribeTargetHealth', { TargetGroupArn: tg }),
    );
    expect(elb).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:m:one';
    f.region.setExecutionDirectory({ describe: () => ({ status: 'RUNNING' }), stop: () => undefined });
    await f.region.send('SFN', 'DescribeExecution', { executionArn: arn });
    const sfn = await rejection(f.region.send('SFN', 'DescribeExecution', { executionArn: arn }));
    expect(sfn).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    f.region.createTable('locks', 'pk');
    for (let i = 0; i < 2000; i++) {
      await f.region.send('DynamoDB', 'GetItem', { TableName: 'locks', Key: { pk: { S: 'x' } } });
    }
  });

  test('accountShare: the release gets only its share of each bucket', async () => {
    const f = fixture({ region: { api: { accountShare: 0.1 } } });
    const { burst } = API_HARSHNESS.typical.rateLimits['AutoScaling.describe']!;
    let ok = 0;
    for (let i = 0; i < burst; i++) {
      try {
        await f.asg('DescribeAutoScalingGroups', {});
        ok += 1;
      } catch (error) {
        expect((error as Error).name).toBe('Throttling');
      }
    }
    expect(ok).toBe(burst * 0.1);
  });

  test('harsh: the documented Step Functions minimum and the assumed Auto Scaling buckets, a quarter of them left', () => {
    expect(API_HARSHNESS.harsh.rateLimits['SFN.DescribeExecution']).toEqual({ burst: 250, perSecond: 10 });
    expect(API_HARSHNESS.harsh.rateLimits['SFN.ListExecutions']).toEqual({ burst: 100, perSecond: 2 });
    expect(API_HARSHNESS.harsh.rateLimits['AutoScaling.mutating']).toEqual({ burst: 50, perSecond: 5 });
    expect(API_HARSHNESS.harsh.accountShare).toBe(0.25);
  });
});
