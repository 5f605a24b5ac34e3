import { ConditionalCheckFailedException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { SimulatedRegion } from '../../../lib/rehearsal/region';
import { VirtualClock } from '../../../lib/rehearsal/virtual-clock';
import { rejection } from './fixture';

const TABLE = 'release-lock';

function lockRegion(unprocessedKeyProbability?: number): { region: SimulatedRegion; clock: VirtualClock } {
  const clock = new VirtualClock();
  const region = new SimulatedRegion({ clock, api: { unprocessedKeyProbability } });
  region.createTable(TABLE, 'lockId');
  return { region, clock };
}

const acquire = (owner: string) => ({
  TableName: TABLE,
  Item: { lockId: { S: 'service' }, owner: { S: owner } },
  ConditionExpression: 'attribute_not_exists(lockId)',
});

describe('DynamoDB lock table', () => {
  test('attribute_not_exists(pk): two racing conditional puts, exactly one wins', async () => {
    const { region } = lockRegion();
    const results = await Promise.allSettled([
      region.send('DynamoDB', 'PutItem', acquire('exec-a')),
      region.send('DynamoDB', 'PutItem', acquire('exec-b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    const error = (results[1] as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect(error).toMatchObject({
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    const read = await region.send('DynamoDB', 'GetItem', {
      TableName: TABLE,
      Key: { lockId: { S: 'service' } },
      ConsistentRead: true,
    });
    expect(read.Item.owner).toEqual({ S: 'exec-a' });
  });

  test('#owner = :previous takes over a lock held by the named owner only', async () => {
    const { region } = lockRegion();
    await region.send('DynamoDB', 'PutItem', acquire('exec-a'));
    const takeover = (previous: string) =>
      region.send('DynamoDB', 'PutItem', {
        TableName: TABLE,
        Item: { lockId: { S: 'service' }, owner: { S: 'exec-c' } },
        ConditionExpression: '#owner = :previous',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':previous': { S: previous } },
      });
    expect((await rejection(takeover('exec-b'))).name).toBe('ConditionalCheckFailedException');
    await takeover('exec-a');
    expect(region.scanTable(TABLE)).toEqual([{ lockId: { S: 'service' }, owner: { S: 'exec-c' } }]);
  });

  test('#owner = :me releases only my own lock; ReturnValuesOnConditionCheckFailure returns the holder', async () => {
    const { region } = lockRegion();
    await region.send('DynamoDB', 'PutItem', acquire('exec-a'));
    const release = (me: string) =>
      region.send('DynamoDB', 'DeleteItem', {
        TableName: TABLE,
        Key: { lockId: { S: 'service' } },
        ConditionExpression: '#owner = :me',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':me': { S: me } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    const error = await rejection(release('exec-b'));
    expect(error.name).toBe('ConditionalCheckFailedException');
    expect(error.Item).toEqual({ lockId: { S: 'service' }, owner: { S: 'exec-a' } });
    await release('exec-a');
    expect(region.scanTable(TABLE)).toEqual([]);
    // Deleting a missing item under the condition fails the condition too
    expect((await rejection(release('exec-a'))).name).toBe('ConditionalCheckFailedException');
  });

  test('any other condition expression is not simulated', async () => {
    const { region } = lockRegion();
    for (const expression of [
      'attribute_not_exists(owner)',
      'attribute_not_exists(lockId) OR #owner = :me',
      '#owner <> :me',
      'attribute_exists(lockId)',
    ]) {
      await expect(
        region.send('DynamoDB', 'PutItem', {
          TableName: TABLE,
          Item: { lockId: { S: 'service' } },
          ConditionExpression: expression,
        }),
      ).rejects.toThrow(`not simulated: condition ${expression}`);
    }
  });

  test('expression attribute names and values: undefined or unused ones are ValidationExceptions', async () => {
    const { region } = lockRegion();
    const put = (extra: Record<string, unknown>) =>
      region.send('DynamoDB', 'PutItem', { TableName: TABLE, Item: { lockId: { S: 'service' } }, ...extra });
    const undefinedValue = await rejection(
      put({ ConditionExpression: '#owner = :me', ExpressionAttributeNames: { '#owner': 'owner' } }),
    );
    expect(undefinedValue).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect(undefinedValue.message).toMatch(/attribute value: :me/);
    const unused = await rejection(
      put({
        ConditionExpression: 'attribute_not_exists(lockId)',
        ExpressionAttributeValues: { ':me': { S: 'x' } },
      }),
    );
    expect(unused.message).toBe(
      'Value provided in ExpressionAttributeValues unused in expressions: keys: {:me}',
    );
    const noExpression = await rejection(put({ ExpressionAttributeNames: { '#owner': 'owner' } }));
    expect(noExpression.message).toBe(
      'ExpressionAttributeNames can only be specified when using expressions',
    );
  });

  test('reads without ConsistentRead may be stale for a moment after a write; consistent reads never are', async () => {
    const { region, clock } = lockRegion();
    await region.send('DynamoDB', 'PutItem', acquire('exec-a'));
    const key = { TableName: TABLE, Key: { lockId: { S: 'service' } } };
    expect(await region.send('DynamoDB', 'GetItem', key)).not.toHaveProperty('Item');
    expect((await region.send('DynamoDB', 'GetItem', { ...key, ConsistentRead: true })).Item).toBeDefined();
    await clock.run(clock.sleep(1000));
    expect((await region.send('DynamoDB', 'GetItem', key)).Item).toBeDefined();
  });

  test('an unknown table is ResourceNotFoundException; a wrong key is a ValidationException', async () => {
    const { region } = lockRegion();
    const missing = await rejection(
      region.send('DynamoDB', 'GetItem', { TableName: 'nope', Key: { lockId: { S: 'x' } } }),
    );
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    const wrongKey = await rejection(
      region.send('DynamoDB', 'GetItem', { TableName: TABLE, Key: { id: { S: 'x' } } }),
    );
    expect(wrongKey.name).toBe('ValidationException');
    expect(wrongKey.message).toBe('The provided key element does not match the schema');
  });

  test('BatchGetItem under load: some keys come back in UnprocessedKeys (asked as they were); none read at all is ProvisionedThroughputExceededException', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => ({ lockId: { S: id } }));
    const batch = { RequestItems: { [TABLE]: { Keys: keys, ConsistentRead: true } } };
    const partial = lockRegion(0.5).region;
    for (const key of keys) {
      await partial.send('DynamoDB', 'PutItem', { TableName: TABLE, Item: { ...key, owner: { S: 'x' } } });
    }
    const answer = await partial.send('DynamoDB', 'BatchGetItem', batch);
    const read: string[] = answer.Responses[TABLE].map((item: { lockId: { S: string } }) => item.lockId.S);
    const unread: string[] = answer.UnprocessedKeys[TABLE].Keys.map(
      (key: { lockId: { S: string } }) => key.lockId.S,
    );
    expect(answer.UnprocessedKeys[TABLE].ConsistentRead).toBe(true);
    expect(read.length).toBeGreaterThan(0);
    expect(unread.length).toBeGreaterThan(0);
    expect([...read, ...unread].sort()).toEqual(keys.map((key) => key.lockId.S));

    const none = await rejection(lockRegion(1).region.send('DynamoDB', 'BatchGetItem', batch));
    expect(none.name).toBe('ProvisionedThroughputExceededException');

    const whole = await lockRegion().region.send('DynamoDB', 'BatchGetItem', batch);
    expect(whole.UnprocessedKeys).toEqual({});
  });
});
