/**
 * The validator handler against mocked AWS: what it completes, what it records, which refusals it
 * tolerates and which it rethrows. Its direct requests are invocations of the probe function
 * (mocked Lambda `Invoke`); the validator itself never calls `fetch`.
 */
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { InvokeCommand, LambdaClient, type InvokeCommandInput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  VALIDATION_ENV,
  type InstanceAnswer,
  type InstanceProbeRequest,
} from '../../lib/contract/instance-validation';

import { handler } from '../../lambda/validate-instance';

const autoScaling = mockClient(AutoScalingClient);
const dynamoDb = mockClient(DynamoDBClient);
const ec2 = mockClient(EC2Client);
const lambda = mockClient(LambdaClient);
const realFetch = globalThis.fetch;
const PROBE = 'probe-fn';

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

function payloadOf(value: unknown) {
  return new TextEncoder().encode(JSON.stringify(value)) as never;
}

/** The request the validator hands the probe for `path` on the app port of the test instance. */
function probeRequest(path: string, timeoutMs: number): InstanceProbeRequest {
  return { address: '10.0.0.7', port: 8080, path, timeoutMs };
}

/** The probe's invocations so far: the requests the validator asked it to make. */
function probeRequests(): InstanceProbeRequest[] {
  return lambda
    .commandCalls(InvokeCommand, { FunctionName: PROBE })
    .map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)));
}

/**
 * The probe answers each request as the app would: `answers[path]` (default 200 "ok"), or an
 * answer of another kind (a timeout, a refusal). Returns the requests, as `address:port/path`.
 */
function givenApp(
  answers: Record<string, { status: number; body?: string } | InstanceAnswer> = {},
): string[] {
  const requested: string[] = [];
  lambda.on(InvokeCommand, { FunctionName: PROBE }).callsFake((input: InvokeCommandInput) => {
    const request = JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) as InstanceProbeRequest;
    requested.push(`${request.address}:${request.port}${request.path}`);
    const given = answers[request.path] ?? { status: 200 };
    const answer =
      'kind' in given ? given : { kind: 'response', status: given.status, body: given.body ?? 'ok' };
    return { StatusCode: 200, Payload: payloadOf(answer) };
  });
  return requested;
}

/** Lets fake time pass a second at a time until `work` settles (the health poll sleeps between requests). */
async function underFakeTime<T>(work: Promise<T>): Promise<T> {
  let settled = false;
  const tracked = work.finally(() => (settled = true));
  while (!settled) await jest.advanceTimersByTimeAsync(1000);
  return tracked;
}

beforeEach(() => {
  autoScaling.reset();
  dynamoDb.reset();
  ec2.reset();
  lambda.reset();
  // The validator is not in the VPC: a direct request of its own would be a bug.
  globalThis.fetch = (async (url: string) => {
    throw new Error(`the validator requested ${url} itself`);
  }) as typeof fetch;
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
    [VALIDATION_ENV.probeFunctionName]: PROBE,
  });
  givenGroupTags({ 'bluegreen:version': 'v2', 'bluegreen:colour': 'green' });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

/** The validated instance's group, `green-group`, with these tags. */
function givenGroupTags(tags: Record<string, string>): void {
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'green-group',
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      } as never,
    ],
  });
}

afterEach(() => {
  globalThis.fetch = realFetch;
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('validate-instance handler', () => {
  it('GIVEN a healthy app THEN it has the probe request the health path and the smoke path at the private address, and completes with CONTINUE', async () => {
    const requested = givenApp();

    const outcome = await handler(EVENT);

    expect(outcome).toEqual({ instanceId: 'i-0abc', result: 'CONTINUE' });
    expect(requested).toEqual(['10.0.0.7:8080/health', '10.0.0.7:8080/smoke']);
    // One synchronous invocation of the probe per request, each with its own timeout.
    expect(probeRequests()).toEqual([
      { address: '10.0.0.7', port: 8080, path: '/health', timeoutMs: 5000 },
      { address: '10.0.0.7', port: 8080, path: '/smoke', timeoutMs: 1000 },
    ]);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 2);
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, {
      FunctionName: PROBE,
      InvocationType: 'RequestResponse',
    });
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
    givenGroupTags({ 'bluegreen:version': 'v2', 'bluegreen:role': 'idle' });
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

  it('GIVEN the health check port differs THEN the probe requests the health path on it, the smoke path on the app port', async () => {
    process.env[VALIDATION_ENV.healthCheckPort] = '8081';
    const requested = givenApp();

    await expect(handler(EVENT)).resolves.toEqual({ instanceId: 'i-0abc', result: 'CONTINUE' });
    expect(requested).toEqual(['10.0.0.7:8081/health', '10.0.0.7:8080/smoke']);
  });

  it('GIVEN the probe throws on the smoke check (FunctionError) THEN the check fails with an answer naming the probe, and ABANDON', async () => {
    givenApp();
    lambda
      .on(InvokeCommand, { FunctionName: PROBE, Payload: payloadOf(probeRequest('/smoke', 1000)) })
      .resolves({
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: payloadOf({
          errorType: 'Error',
          errorMessage: 'probe request refused: port (0) must be ...',
        }),
      });

    const outcome = await handler(EVENT);

    expect(outcome.result).toBe('ABANDON');
    expect(outcome.failure).toMatchObject({
      check: 'GET /smoke (wanted 200)',
      answer: `request failed: the probe function ${PROBE} failed: Error: probe request refused: port (0) must be ...`,
    });
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, {
      Item: expect.objectContaining({ pk: { S: 'validation-failure#green-group' } }),
    });
    expect(autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      LifecycleActionResult: 'ABANDON',
    });
  });

  it('GIVEN the probe cannot be invoked (an SDK error) on the smoke check THEN the check fails naming the probe and the error', async () => {
    givenApp();
    lambda
      .on(InvokeCommand, { FunctionName: PROBE, Payload: payloadOf(probeRequest('/smoke', 1000)) })
      .rejects(Object.assign(new Error('not authorized to invoke'), { name: 'AccessDeniedException' }));

    const outcome = await handler(EVENT);

    expect(outcome.result).toBe('ABANDON');
    expect(outcome.failure?.answer).toBe(
      `request failed: the probe function ${PROBE} failed: AccessDeniedException: not authorized to invoke`,
    );
  });

  it('GIVEN the probe fails on the health path THEN the validator asks again after a pause, and passes once it answers healthy', async () => {
    jest.useFakeTimers();
    givenApp();
    lambda
      .on(InvokeCommand, { FunctionName: PROBE, Payload: payloadOf(probeRequest('/health', 5000)) })
      .resolvesOnce({
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: payloadOf({
          errorType: 'Sandbox.Timedout',
          errorMessage: 'Task timed out after 70.00 seconds',
        }),
      })
      .resolvesOnce({ StatusCode: 200, Payload: payloadOf({ kind: 'refused' }) })
      .resolves({ StatusCode: 200, Payload: payloadOf({ kind: 'response', status: 200, body: 'ok' }) });

    const outcome = await underFakeTime(handler({ ...EVENT, time: new Date().toISOString() }));

    expect(outcome).toEqual({ instanceId: 'i-0abc', result: 'CONTINUE' });
    expect(probeRequests().map((r) => r.path)).toEqual(['/health', '/health', '/health', '/smoke']);
  });

  it('GIVEN the probe keeps failing on the health path THEN the validator waits until its deadline, then abandons naming the probe', async () => {
    jest.useFakeTimers();
    givenApp();
    lambda
      .on(InvokeCommand, { FunctionName: PROBE })
      .rejects(Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' }));

    const outcome = await underFakeTime(handler({ ...EVENT, time: new Date().toISOString() }));

    expect(outcome.result).toBe('ABANDON');
    expect(outcome.failure).toMatchObject({
      check: 'GET /health (health check, wanted 200)',
      answer: expect.stringMatching(
        new RegExp(
          `^request failed: the probe function ${PROBE} failed: ResourceNotFoundException: Function not found; still so after 6\\d s$`,
        ),
      ),
    });
    // Polled every 2 s for the validation timeout (60 s).
    expect(probeRequests().length).toBeGreaterThanOrEqual(25);
  });

  it('GIVEN no probe function in the environment THEN the invocation fails naming the variable', async () => {
    delete process.env[VALIDATION_ENV.probeFunctionName];

    await expect(handler(EVENT)).rejects.toThrow(
      `environment variable ${VALIDATION_ENV.probeFunctionName} is not set`,
    );
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
