import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { assertLockHeld, releaseLock } from '../../lambda/shared/lock';
import { acquireLock, inspectLock } from '../../lambda/shared/lock-takeover';
import { LOCK_TABLE, lockItem, ME, OTHER } from './fixtures';

const dynamoDb = mockClient(DynamoDBClient);
const stepFunctions = mockClient(SFNClient);

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => {
  dynamoDb.reset();
  stepFunctions.reset();
});

const release = { tableName: LOCK_TABLE, executionArn: ME, action: 'release' as const, version: 'v2.0.0' };
const rollback = { tableName: LOCK_TABLE, executionArn: ME, action: 'rollback' as const };

describe('inspectLock', () => {
  it('reads the item consistently', async () => {
    dynamoDb.on(GetItemCommand).resolves({});
    await expect(inspectLock(LOCK_TABLE, ME)).resolves.toEqual({ kind: 'free' });
    expect(dynamoDb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: LOCK_TABLE,
      Key: { pk: { S: 'release-lock' } },
      ConsistentRead: true,
    });
  });

  it('finds its own lock without asking Step Functions', async () => {
    dynamoDb.on(GetItemCommand).resolves({ Item: lockItem(ME) });
    await expect(inspectLock(LOCK_TABLE, ME)).resolves.toEqual({ kind: 'mine' });
    expect(stepFunctions).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  it.each(['FAILED', 'ABORTED', 'TIMED_OUT', 'SUCCEEDED'])(
    'treats an owner that is %s as stale',
    async (status) => {
      dynamoDb.on(GetItemCommand).resolves({ Item: lockItem(OTHER) });
      stepFunctions.on(DescribeExecutionCommand).resolves({ status: status as 'FAILED' });
      await expect(inspectLock(LOCK_TABLE, ME)).resolves.toMatchObject({
        kind: 'stale',
        ownerStatus: status,
      });
      expect(stepFunctions).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: OTHER });
    },
  );

  it('treats an owner that does not exist as stale, and rethrows other errors', async () => {
    dynamoDb.on(GetItemCommand).resolves({ Item: lockItem(OTHER) });
    stepFunctions
      .on(DescribeExecutionCommand)
      .rejectsOnce(Object.assign(new Error('gone'), { name: 'ExecutionDoesNotExist' }));
    await expect(inspectLock(LOCK_TABLE, ME)).resolves.toMatchObject({
      kind: 'stale',
      ownerStatus: 'DOES_NOT_EXIST',
    });
    stepFunctions
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    await expect(inspectLock(LOCK_TABLE, ME)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('acquireLock', () => {
  it('puts the item only if there is none', async () => {
    await acquireLock(release, { kind: 'free' });
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: LOCK_TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: expect.objectContaining({
        pk: { S: 'release-lock' },
        owner: { S: ME },
        action: { S: 'release' },
        version: { S: 'v2.0.0' },
        acquiredAt: { N: expect.stringMatching(/^\d+$/) },
      }),
    });
  });

  it('does nothing when it already holds the lock', async () => {
    await acquireLock(release, { kind: 'mine' });
    expect(dynamoDb.calls()).toHaveLength(0);
  });

  it('refuses a release while another execution runs, without writing', async () => {
    await expect(acquireLock(release, { kind: 'running', holder: { owner: OTHER } })).rejects.toMatchObject({
      name: 'ReleaseInProgress',
      message: expect.stringContaining(OTHER),
    });
    expect(dynamoDb).not.toHaveReceivedCommand(PutItemCommand);
  });

  it('two releases in the same second: the loser gets ReleaseInProgress', async () => {
    dynamoDb.on(PutItemCommand).rejects(conditionFailed());
    dynamoDb.on(GetItemCommand).resolves({ Item: lockItem(OTHER) });
    await expect(acquireLock(release, { kind: 'free' })).rejects.toMatchObject({
      name: 'ReleaseInProgress',
      message: expect.stringContaining(OTHER),
    });
  });

  it('a put that failed its condition because its own earlier attempt succeeded keeps the lock', async () => {
    dynamoDb.on(PutItemCommand).rejects(conditionFailed());
    dynamoDb.on(GetItemCommand).resolves({ Item: lockItem(ME) });
    await expect(acquireLock(release, { kind: 'free' })).resolves.toBeUndefined();
  });

  it('takes over a stale lock on the condition that the stale owner still holds it', async () => {
    await acquireLock(release, { kind: 'stale', holder: { owner: OTHER }, ownerStatus: 'FAILED' });
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, {
      ConditionExpression: '#owner = :previous',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':previous': { S: OTHER } },
      Item: expect.objectContaining({ owner: { S: ME }, takenOverFrom: { S: OTHER } }),
    });
    expect(stepFunctions).not.toHaveReceivedCommand(StopExecutionCommand);
  });

  it('a rollback takes over from a running execution, then stops it', async () => {
    await acquireLock(rollback, { kind: 'running', holder: { owner: OTHER } });
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, { ConditionExpression: '#owner = :previous' });
    expect(stepFunctions).toHaveReceivedCommandWith(StopExecutionCommand, {
      executionArn: OTHER,
      cause: `superseded by rollback ${ME}`,
    });
  });

  it('rethrows an error of the put that is not a failed condition', async () => {
    dynamoDb
      .on(PutItemCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(acquireLock(release, { kind: 'free' })).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});

describe('assertLockHeld', () => {
  it('passes while this execution owns the lock', async () => {
    dynamoDb.on(GetItemCommand).resolves({ Item: lockItem(ME) });
    await expect(assertLockHeld(LOCK_TABLE, ME)).resolves.toBeUndefined();
    expect(dynamoDb).toHaveReceivedCommandWith(GetItemCommand, { ConsistentRead: true });
  });

  it('throws LockLost when another execution owns it, or nobody', async () => {
    dynamoDb.on(GetItemCommand).resolves({ Item: lockItem(OTHER, 'rollback') });
    await expect(assertLockHeld(LOCK_TABLE, ME)).rejects.toMatchObject({
      name: 'LockLost',
      message: `the release lock is now held by ${OTHER} (rollback)`,
    });
    dynamoDb.on(GetItemCommand).resolves({});
    await expect(assertLockHeld(LOCK_TABLE, ME)).rejects.toMatchObject({ name: 'LockLost' });
  });
});

describe('releaseLock', () => {
  it('deletes the item only if this execution owns it', async () => {
    await releaseLock(LOCK_TABLE, ME);
    expect(dynamoDb).toHaveReceivedCommandWith(DeleteItemCommand, {
      TableName: LOCK_TABLE,
      Key: { pk: { S: 'release-lock' } },
      ConditionExpression: '#owner = :me',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':me': { S: ME } },
    });
  });

  it('ignores a lock already released or taken over', async () => {
    dynamoDb.on(DeleteItemCommand).rejects(conditionFailed());
    await expect(releaseLock(LOCK_TABLE, ME)).resolves.toBeUndefined();
  });

  it('rethrows other errors', async () => {
    dynamoDb
      .on(DeleteItemCommand)
      .rejects(Object.assign(new Error('x'), { name: 'ResourceNotFoundException' }));
    await expect(releaseLock(LOCK_TABLE, ME)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
