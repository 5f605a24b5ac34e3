/**
 * The latest pre-traffic validation failure of a group, as the validator (lambda/validate-instance)
 * records it: an item of the lock table beside the lock item, keyed `validation-failure#<group>`.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { validationFailureKey, type ValidationFailureRecord } from '../../lib/contract/instance-validation';
import { withRetry } from '../../lib/contract/retry';
import { dynamoDb } from './clients/dynamodb';

export async function readValidationFailure(
  tableName: string,
  groupName: string,
): Promise<ValidationFailureRecord | undefined> {
  const output = await withRetry(() =>
    dynamoDb.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: validationFailureKey(groupName) } },
        ConsistentRead: true,
      }),
    ),
  );
  const item = output.Item;
  if (!item) return undefined;
  const text = (name: string) => item[name]?.S ?? '';
  return {
    groupName: text('groupName'),
    instanceId: text('instanceId'),
    version: text('version'),
    check: text('check'),
    answer: text('answer'),
    at: Number(item.at?.N ?? 0),
  };
}
