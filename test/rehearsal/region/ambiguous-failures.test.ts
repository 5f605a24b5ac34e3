import { AutoScalingServiceException } from '@aws-sdk/client-auto-scaling';
import { InternalServerError } from '@aws-sdk/client-dynamodb';
import { fixture, healthyFleet, rejection } from './fixture';

describe('ambiguous failures: the call took effect, the caller is told it failed', () => {
  test('tookEffect: EnterStandby is applied, then InternalFailure (HTTP 500); the retry gets a ValidationError', async () => {
    const f = fixture();
    const [id] = await healthyFleet(f, 1);
    const rule = f.region.faults.failCalls({
      commands: ['EnterStandby'],
      error: 'InternalFailure',
      times: 1,
      tookEffect: true,
    });
    const input = { AutoScalingGroupName: 'blue', InstanceIds: [id], ShouldDecrementDesiredCapacity: true };
    const error = await rejection(f.asg('EnterStandby', input));
    expect(error).toBeInstanceOf(AutoScalingServiceException);
    expect(error).toMatchObject({
      name: 'InternalFailure',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    // It took effect all the same.
    expect(f.group()).toMatchObject({ desiredCapacity: 0 });
    expect(f.group().instances[0].lifecycleState).toMatch(/Standby/);
    const retry = await rejection(f.asg('EnterStandby', input));
    expect(retry).toMatchObject({
      name: 'ValidationError',
      message: `The instance ${id} is not in InService.`,
    });
    expect(rule.injected).toBe(1);
    expect(f.region.calls.get('AutoScaling', 'EnterStandby')).toMatchObject({
      count: 2,
      errorsInjected: 1,
      errorsReturned: 2,
    });
  });

  test('TimeoutError: the SDK client-side timeout, with no HTTP status; the write is applied', async () => {
    const f = fixture();
    f.region.faults.failCalls({ commands: ['SetDesiredCapacity'], error: 'TimeoutError', tookEffect: true });
    const error = await rejection(
      f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 3 }),
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TimeoutError');
    expect(error.$metadata).toBeUndefined();
    expect(f.group().desiredCapacity).toBe(3);
  });

  test('a call whose effect is refused returns the real error, not the injected one', async () => {
    const f = fixture();
    f.region.faults.failCalls({
      commands: ['SetDesiredCapacity'],
      error: 'InternalFailure',
      tookEffect: true,
    });
    const error = await rejection(
      f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 11 }),
    );
    expect(error.name).toBe('ValidationError');
    expect(f.group().desiredCapacity).toBe(0);
  });

  test('DynamoDB names its HTTP 500 InternalServerError; the conditional put is applied', async () => {
    const f = fixture();
    f.region.createTable('locks', 'pk');
    f.region.faults.failCalls({ service: 'DynamoDB', error: 'InternalFailure', times: 1, tookEffect: true });
    const put = {
      TableName: 'locks',
      Item: { pk: { S: 'release-lock' }, owner: { S: 'a' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    const error = await rejection(f.region.send('DynamoDB', 'PutItem', put));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 500 } });
    expect(f.region.scanTable('locks')).toEqual([put.Item]);
    const retry = await rejection(f.region.send('DynamoDB', 'PutItem', put));
    expect(retry.name).toBe('ConditionalCheckFailedException');
  });

  test('api.ambiguousFailureProbability: random mutating calls take effect and fail; reads never do; seeded', async () => {
    const run = async (seed: number) => {
      const f = fixture({ region: { seed, api: { ambiguousFailureProbability: 0.5 } } });
      const outcomes: string[] = [];
      for (let n = 1; n <= 20; n++) {
        try {
          await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: n % 10 });
          outcomes.push('ok');
        } catch (error) {
          outcomes.push((error as Error).name);
        }
        expect(f.group().desiredCapacity).toBe(n % 10);
        await f.asg('DescribeAutoScalingGroups', {});
      }
      return { outcomes, injected: f.region.faults.ambiguousInjected };
    };
    const first = await run(7);
    expect(first.outcomes.filter((o) => o !== 'ok').length).toBe(first.injected);
    expect(first.injected).toBeGreaterThan(3);
    expect(new Set(first.outcomes)).toEqual(new Set(['ok', 'InternalFailure', 'TimeoutError']));
    expect(await run(7)).toEqual(first);
  });
});
