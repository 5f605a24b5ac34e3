import { HeadObjectCommand, NotFound } from '@aws-sdk/client-s3';
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { handler } from '../../lambda/prepare';
import type { ReleaseState } from '../../lambda/shared/types';
import { inService, lockItem, ME, OTHER, setEnvironment, type GroupSpec } from './fixtures';
import {
  autoScaling,
  dynamoDb,
  givenFleet,
  givenLockOwner,
  mutatingCalls,
  resetAws,
  s3,
  stepFunctions,
} from './harness';

const start = (request: unknown, extra: Partial<ReleaseState> = {}): ReleaseState =>
  ({ request, executionArn: ME, ...extra }) as ReleaseState;

const liveBlue: GroupSpec = {
  role: 'live',
  version: 'v1.0.0',
  previousVersion: 'v0.9.0',
  min: 2,
  instances: inService('b', 3),
};
const idleGreen: GroupSpec = { role: 'idle', version: 'v0.9.0' };

beforeEach(() => {
  resetAws();
  givenLockOwner(undefined);
});

describe('Prepare', () => {
  it('plans a first release into an empty service and takes the free lock', async () => {
    givenFleet({}, {});
    const state = await handler(start({ version: 'v1.0.0' }));
    expect(state).toMatchObject({
      next: 'scaleUp',
      plan: {
        action: 'release',
        version: 'v1.0.0',
        targetColour: 'blue',
        targetGroupName: 'shop-blue',
        capacity: 2,
      },
      timings: { prepared: expect.any(Number) },
    });
    expect(state.plan?.fromColour).toBeUndefined();
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'shop-release-lock',
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(mutatingCalls()).toEqual(['PutItemCommand']);
  });

  it('plans a release from the live group with its capacity and the configured times', async () => {
    givenFleet(liveBlue, idleGreen);
    const state = await handler(start({ version: 'v2.0.0' }));
    expect(state.plan).toEqual({
      action: 'release',
      version: 'v2.0.0',
      targetColour: 'green',
      targetGroupName: 'shop-green',
      fromColour: 'blue',
      fromGroupName: 'shop-blue',
      fromVersion: 'v1.0.0',
      capacity: 3,
      healthTimeoutSeconds: 900,
      bakeSeconds: 300,
    });
  });

  it.each([['v1; rm -rf /'], ['$(id)'], [''], ['a'.repeat(300)], ['../x']])(
    'refuses the hostile version %j before any call',
    async (version) => {
      givenFleet(liveBlue, idleGreen);
      await expect(handler(start({ version }))).rejects.toMatchObject({ name: 'InvalidRequest' });
      expect(mutatingCalls()).toEqual([]);
      expect(dynamoDb).not.toHaveReceivedCommand(PutItemCommand);
      expect(autoScaling.calls()).toHaveLength(0);
      expect(dynamoDb.calls()).toHaveLength(0);
    },
  );

  it('refuses an unknown field and a capacity above the maximum before any call', async () => {
    await expect(handler(start({ version: 'v2', force: true }))).rejects.toThrow(
      /request field "force" is not allowed/,
    );
    await expect(handler(start({ version: 'v2', capacity: 7 }))).rejects.toThrow(
      'capacity (7) must be an integer between 1 and 6',
    );
    expect(autoScaling.calls().length + dynamoDb.calls().length).toBe(0);
  });

  it('refuses a release while another execution is running, without changing anything', async () => {
    givenLockOwner(OTHER);
    stepFunctions.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    givenFleet(liveBlue, idleGreen);
    await expect(handler(start({ version: 'v2.0.0' }))).rejects.toMatchObject({
      name: 'ReleaseInProgress',
      message: expect.stringContaining(OTHER),
    });
    expect(mutatingCalls()).toEqual([]);
    expect(stepFunctions).not.toHaveReceivedCommand(StopExecutionCommand);
  });

  it('two releases in the same second: the one whose put fails its condition is refused', async () => {
    givenFleet(liveBlue, idleGreen);
    dynamoDb
      .on(GetItemCommand)
      .resolvesOnce({})
      .resolves({ Item: lockItem(OTHER) });
    dynamoDb
      .on(PutItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    await expect(handler(start({ version: 'v2.0.0' }))).rejects.toMatchObject({ name: 'ReleaseInProgress' });
    expect(mutatingCalls()).toEqual(['PutItemCommand']);
  });

  it('takes over the lock of an execution that failed', async () => {
    givenLockOwner(OTHER);
    stepFunctions.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });
    givenFleet(liveBlue, idleGreen);
    await expect(handler(start({ version: 'v2.0.0' }))).resolves.toMatchObject({ next: 'scaleUp' });
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, {
      ConditionExpression: '#owner = :previous',
      ExpressionAttributeValues: { ':previous': { S: OTHER } },
    });
    expect(stepFunctions).not.toHaveReceivedCommand(StopExecutionCommand);
  });

  it('a rollback request takes over from a running execution, stops it, and converges', async () => {
    givenLockOwner(OTHER);
    stepFunctions.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    givenFleet(liveBlue, idleGreen);
    const state = await handler(start({ action: 'rollback' }));
    expect(state).toMatchObject({
      next: 'rollback',
      rollback: { reason: 'rollback requested', automatic: false },
    });
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, { ConditionExpression: '#owner = :previous' });
    expect(stepFunctions).toHaveReceivedCommandWith(StopExecutionCommand, {
      executionArn: OTHER,
      cause: `superseded by rollback ${ME}`,
    });
  });

  it('a rollback request on a stable service releases the previous version into the idle group', async () => {
    givenFleet(liveBlue, idleGreen);
    await expect(handler(start({ action: 'rollback' }))).resolves.toMatchObject({
      next: 'scaleUp',
      plan: { action: 'rollback', version: 'v0.9.0', targetColour: 'green', fromVersion: 'v1.0.0' },
    });
  });

  it('a rollback request with nothing to roll back to is refused without taking the lock', async () => {
    givenFleet({ ...liveBlue, previousVersion: '' }, idleGreen);
    await expect(handler(start({ action: 'rollback' }))).rejects.toMatchObject({
      name: 'InvalidRequest',
      message: expect.stringMatching(/^nothing to roll back to: /),
    });
    expect(mutatingCalls()).toEqual([]);
  });

  it('sends an interrupted release through the rollback first', async () => {
    givenFleet(
      { ...liveBlue, role: 'standby', instances: [['i-b1', 'Standby']] },
      { role: 'live', version: 'v2.0.0', instances: inService('g', 2) },
    );
    const state = await handler(start({ version: 'v3.0.0' }));
    expect(state).toMatchObject({
      next: 'rollback',
      recoveries: 1,
      rollback: { reason: 'recovering an interrupted release before releasing v3.0.0', automatic: false },
    });
    expect(mutatingCalls()).toEqual(['PutItemCommand']);
  });

  it('after a recovery, plans afresh with the lock it kept', async () => {
    givenLockOwner(ME);
    givenFleet(liveBlue, idleGreen);
    const state = await handler(
      start(
        { version: 'v3.0.0' },
        {
          recoveries: 1,
          rollback: { reason: 'recovering an interrupted release before releasing v3.0.0', automatic: false },
          timings: { prepared: 5, rolledBack: 9 },
        },
      ),
    );
    expect(state).toMatchObject({ next: 'scaleUp', recoveries: 1, timings: { prepared: 5 } });
    expect(state.rollback).toBeUndefined();
    expect(mutatingCalls()).toEqual([]);
  });

  it('refuses an unexplained state, naming it, before the lock', async () => {
    givenFleet(liveBlue, { role: 'live', version: 'v2.0.0', instances: inService('g', 1) });
    await expect(handler(start({ version: 'v3.0.0' }))).rejects.toMatchObject({
      name: 'UnexplainedState',
      message: expect.stringContaining('both groups are tagged bluegreen:role=live'),
    });
    expect(mutatingCalls()).toEqual([]);
  });

  describe('artifact mode', () => {
    beforeEach(() => {
      setEnvironment({
        ARTIFACT_BUCKET: 'shop-artifacts',
        ARTIFACT_KEY_PREFIX: 'releases/',
        ARTIFACT_EXTENSION: 'tar.gz',
      });
      givenFleet(liveBlue, idleGreen);
    });

    it('checks that the artifact exists', async () => {
      s3.on(HeadObjectCommand).resolves({});
      await expect(handler(start({ version: 'v9' }))).resolves.toMatchObject({ next: 'scaleUp' });
      expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, {
        Bucket: 'shop-artifacts',
        Key: 'releases/v9.tar.gz',
      });
    });

    it('refuses a version whose artifact is missing, before any change', async () => {
      s3.on(HeadObjectCommand).rejects(
        new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } }),
      );
      await expect(handler(start({ version: 'v9' }))).rejects.toMatchObject({
        name: 'InvalidRequest',
        message: 'artifact s3://shop-artifacts/releases/v9.tar.gz for version (v9) does not exist',
      });
      expect(mutatingCalls()).toEqual([]);
      expect(autoScaling).not.toHaveReceivedCommand(DescribeAutoScalingGroupsCommand);
    });

    it('rethrows other S3 errors', async () => {
      s3.on(HeadObjectCommand).rejects(
        Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } }),
      );
      await expect(handler(start({ version: 'v9' }))).rejects.toMatchObject({ name: 'Forbidden' });
      expect(mutatingCalls()).toEqual([]);
    });

    it('does not check artifacts for a rollback request', async () => {
      await handler(start({ action: 'rollback' }));
      expect(s3.calls()).toHaveLength(0);
    });
  });
});
