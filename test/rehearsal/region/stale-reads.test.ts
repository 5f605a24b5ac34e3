import { fixture, healthyFleet, TG_ARN } from './fixture';

async function desiredSeen(f: ReturnType<typeof fixture>): Promise<number> {
  const out = await f.asg('DescribeAutoScalingGroups', { AutoScalingGroupNames: ['blue'] });
  return out.AutoScalingGroups[0].DesiredCapacity;
}

describe('stale reads: Describe* and Step Functions reads may answer from a view up to the window old', () => {
  test('window 0: every read sees the last write', async () => {
    const f = fixture({ region: { api: { staleReadWindowMs: 0 } } });
    await f.advance(5);
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    for (let i = 0; i < 20; i++) expect(await desiredSeen(f)).toBe(2);
  });

  test('DescribeAutoScalingGroups lags a write by at most the window, and reads within it sometimes see the old value', async () => {
    const f = fixture({ region: { api: { staleReadWindowMs: 5000 } } });
    await f.advance(10);
    await f.asg('SetDesiredCapacity', { AutoScalingGroupName: 'blue', DesiredCapacity: 2 });
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) seen.push(await desiredSeen(f));
    expect(seen).toContain(0);
    expect(seen).toContain(2);
    await f.advance(5);
    for (let i = 0; i < 20; i++) expect(await desiredSeen(f)).toBe(2);
    // The write itself was never delayed.
    expect(f.group().desiredCapacity).toBe(2);
  });

  test('DescribeAutoScalingInstances and DescribeTargetHealth lag too; the answers are copies', async () => {
    const f = fixture({ region: { api: { staleReadWindowMs: 3000 } } });
    const [id] = await healthyFleet(f, 1);
    await f.advance(5);
    await f.asg('EnterStandby', {
      AutoScalingGroupName: 'blue',
      InstanceIds: [id],
      ShouldDecrementDesiredCapacity: true,
    });
    const states = new Set<string>();
    const health = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const out = await f.asg('DescribeAutoScalingInstances', { InstanceIds: [id] });
      states.add(out.AutoScalingInstances[0].LifecycleState);
      out.AutoScalingInstances[0].LifecycleState = 'mutated by the caller';
      const th = await f.region.send('ElasticLoadBalancingV2', 'DescribeTargetHealth', {
        TargetGroupArn: TG_ARN,
      });
      health.add(th.TargetHealthDescriptions[0]?.TargetHealth.State ?? 'none');
    }
    expect(states).toEqual(new Set(['InService', 'EnteringStandby']));
    expect(health).toEqual(new Set(['healthy', 'draining']));
    await f.advance(4);
    const fresh = await f.asg('DescribeAutoScalingInstances', { InstanceIds: [id] });
    expect(fresh.AutoScalingInstances[0].LifecycleState).not.toBe('InService');
  });

  test('DescribeExecution and ListExecutions lag; an execution the view predates is read fresh', async () => {
    const f = fixture({ region: { api: { staleReadWindowMs: 5000 } } });
    const machine = 'arn:aws:states:us-east-1:123456789012:stateMachine:m';
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:m:one';
    let status = 'RUNNING';
    const record = () => ({
      executionArn: arn,
      stateMachineArn: machine,
      name: 'one',
      status,
      startDate: new Date(0),
      input: '{}',
    });
    f.region.setExecutionDirectory({
      stateMachine: { arn: machine, tags: [] },
      describe: (a) => (a === arn ? record() : undefined),
      stop: () => undefined,
      list: () => [record()],
    });
    await f.advance(10);
    status = 'SUCCEEDED';
    await f.region.send('SFN', 'StopExecution', { executionArn: arn });
    const described = new Set<string>();
    const listed = new Set<string>();
    for (let i = 0; i < 20; i++) {
      described.add((await f.region.send('SFN', 'DescribeExecution', { executionArn: arn })).status);
      listed.add(
        (await f.region.send('SFN', 'ListExecutions', { stateMachineArn: machine })).executions[0].status,
      );
    }
    expect(described).toEqual(new Set(['RUNNING', 'SUCCEEDED']));
    expect(listed).toEqual(new Set(['RUNNING', 'SUCCEEDED']));
    await f.advance(6);
    expect((await f.region.send('SFN', 'DescribeExecution', { executionArn: arn })).status).toBe('SUCCEEDED');
  });

  test('DynamoDB GetItem with ConsistentRead stays fresh whatever the window', async () => {
    const f = fixture({ region: { api: { staleReadWindowMs: 5000 } } });
    f.region.createTable('locks', 'pk');
    await f.advance(10);
    const item = { pk: { S: 'k' }, owner: { S: 'a' } };
    await f.region.send('DynamoDB', 'PutItem', { TableName: 'locks', Item: item });
    for (let i = 0; i < 20; i++) {
      const out = await f.region.send('DynamoDB', 'GetItem', {
        TableName: 'locks',
        Key: { pk: { S: 'k' } },
        ConsistentRead: true,
      });
      expect(out.Item).toEqual(item);
    }
  });
});
