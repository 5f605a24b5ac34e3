/**
 * The validator handler against mocked AWS: what it completes, what it records, which refusals it
 * tolerates and which it rethrows. Direct requests go through a stubbed global `fetch`.
 */
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { VALIDATION_ENV } from '../../lib/contract/instance-validation';

import { handler } from '../../lambda/validate-instance';

const autoScaling = mockClient(AutoScalingClient);
const dynamoDb = mockClient(DynamoDBClient);
const ec2 = mockClient(EC2Client);
const realFetch = globalThis.fetch;

const EVENT = {
  'detail-type': 'EC2 Instance-launch Lifecycle Action',
  source: 'aws.autoscaling',
  time: new Date().toISOString(),
  detail: {
    LifecycleActionToken: 'token-1',
    AutoScalingGroupName: 'green-group',
    LifecycleHookName: 'PreTrafficValidation',
    EC2InstanceId: 'i-0abc',
    LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
  },
};

function noActiveAction(): Error {
  return Object.assign(new Error('No active Lifecycle Action found with token token-1'), {
    name: 'ValidationError',
  });
}

/** The app answers each path with `answers[path]` (default 200). */
function givenApp(answers: Record<string, { status: number; body?: string }> = {}): string[] {
  const requested: string[] = [];
  globalThis.fetch = (async (url: string) => {
    const { pathname, host } = new URL(url);
    requested.push(`${host}${pathname}`);
    const answer = answers[pathname] ?? { status: 200 };
    return new Response(answer.body ?? 'ok', { status: answer.status });
  }) as typeof fetch;
  return requested;
}

beforeEach(() => {
  autoScaling.reset();
  dynamoDb.reset();
  ec2.reset();
  // No release holds the lock unless a test says so.
  dynamoDb.on(GetItemCommand).resolves({});
  ec2
    .on(DescribeInstancesCommand, { InstanceIds: ['i-0abc'] })
    .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0abc', PrivateIpAddress: '10.0.0.7' }] }] });
  Object.assign(process.env, {
    [VALIDATION_ENV.serviceTag]: 'Shop',
    [VALIDATION_ENV.blueGroupName]: 'blue-group',
    [VALIDATION_ENV.greenGroupName]: 'green-group',
    [VALIDATION_ENV.lockTableName]: 'locks',
    [VALIDATION_ENV.appPort]: '8080',
    [VALIDATION_ENV.healthCheckPath]: '/health',
    [VALIDATION_ENV.healthCheckPort]: '8080',
    [VALIDATION_ENV.healthyHttpCodes]: '200',
    [VALIDATION_ENV.validationTimeoutSeconds]: '60',
    [VALIDATION_ENV.heartbeatTimeoutSeconds]: '180',
    [VALIDATION_ENV.smokeChecks]: JSON.stringify([{ path: '/smoke', expectedStatus: 200, timeoutMs: 1000 }]),
  });
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'green-group',
        Tags: [
          { Key: 'bluegreen:version', Value: 'v2' },
          { Key: 'bluegreen:colour', Value: 'green' },
        ],
      } as never,
    ],
  });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => {
  globalThis.fetch = realFetch;
  jest.restoreAllMocks();
});

describe('validate-instance handler', () => {
  it('GIVEN a healthy app THEN it requests the health path and the smoke path at the private address, and completes with CONTINUE', async () => {
    const requested = givenApp();

    const outcome = await handler(EVENT);

    expect(outcome).toEqual({ instanceId: 'i-0abc', result: 'CONTINUE' });
    expect(requested).toEqual(['10.0.0.7:8080/health', '10.0.0.7:8080/smoke']);
    expect(autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      AutoScalingGroupName: 'green-group',
      LifecycleHookName: 'PreTrafficValidation',
      LifecycleActionToken: 'token-1',
      InstanceId: 'i-0abc',
      LifecycleActionResult: 'CONTINUE',
    });
    expect(dynamoDb).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('GIVEN the idle group scaled up by a release of its version THEN it records the pass and leaves the action for the release', async () => {
    givenApp();
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'green-group',
          Tags: [
            { Key: 'bluegreen:version', Value: 'v2' },
            { Key: 'bluegreen:role', Value: 'idle' },
          ],
        } as never,
      ],
    });
    dynamoDb.on(GetItemCommand, { Key: { pk: { S: 'release-lock' } } }).resolves({
      Item: {
        pk: { S: 'release-lock' },
        owner: { S: 'arn:aws:states:eu-west-1:111122223333:execution:shop-release:r2' },
        action: { S: 'release' },
        version: { S: 'v2' },
        rev: { N: '3' },
        inFlight: { S: '[]' },
      },
    });

    const outcome = await handler(EVENT);

    expect(outcome).toEqual({ instanceId: 'i-0abc', result: 'HELD' });
    expect(autoScaling).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
    expect(dynamoDb).toHaveReceivedCommandWith(GetItemCommand, { ConsistentRead: true });
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'locks',
      Item: expect.objectContaining({
        pk: { S: 'validation-pass#i-0abc' },
        groupName: { S: 'green-group' },
        version: { S: 'v2' },
        hookName: { S: 'PreTrafficValidation' },
        expiresAt: { N: expect.stringMatching(/^\d+$/) },
      }),
    });
  });

  it('GIVEN a failing smoke check THEN it records the failure beside the lock, then completes with ABANDON', async () => {
    givenApp({ '/smoke': { status: 500, body: 'db down' } });

    const outcome = await handler(EVENT);

    expect(outcome.result).toBe('ABANDON');
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'locks',
      Item: expect.objectContaining({
        pk: { S: 'validation-failure#green-group' },
        instanceId: { S: 'i-0abc' },
        version: { S: 'v2' },
        check: { S: 'GET /smoke (wanted 200)' },
        answer: { S: 'status 500, body "db down"' },
      }),
    });
    expect(autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      LifecycleActionResult: 'ABANDON',
    });
  });

  it('GIVEN the action was already completed THEN the refusal is tolerated', async () => {
    givenApp();
    autoScaling.on(CompleteLifecycleActionCommand).rejects(noActiveAction());

    await expect(handler(EVENT)).resolves.toEqual({
      instanceId: 'i-0abc',
      result: 'CONTINUE',
      skipped: 'already completed',
    });
  });

  it('GIVEN another refusal of the completion THEN it is rethrown (the invocation fails and is retried)', async () => {
    givenApp();
    autoScaling
      .on(CompleteLifecycleActionCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    await expect(handler(EVENT)).rejects.toThrow('not authorized');
  });

  it('GIVEN a heartbeat is due and the action is gone THEN it stops without completing anything', async () => {
    givenApp();
    autoScaling.on(RecordLifecycleActionHeartbeatCommand).rejects(noActiveAction());
    const old = { ...EVENT, time: new Date(Date.now() - 120_000).toISOString() };

    const outcome = await handler(old);

    expect(outcome).toEqual({ instanceId: 'i-0abc', skipped: 'the lifecycle action is no longer active' });
    expect(autoScaling).toHaveReceivedCommand(RecordLifecycleActionHeartbeatCommand);
    expect(autoScaling).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
  });

  it('GIVEN an event of a group not of this service THEN nothing is called', async () => {
    givenApp();
    const other = { ...EVENT, detail: { ...EVENT.detail, AutoScalingGroupName: 'other' } };

    const outcome = await handler(other);

    expect(outcome.skipped).toBe("group other is not one of this service's (blue-group, green-group)");
    expect(autoScaling.calls()).toHaveLength(0);
  });
});
