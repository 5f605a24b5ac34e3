/**
 * The release lock: one DynamoDB item that names the execution allowed to change the fleet.
 *
 * Why a conditional write and not "is another execution running?": ListExecutions is eventually
 * consistent, so two releases started in the same second could both see none running. A
 * conditional PutItem is atomic: of two executions racing for the item exactly one wins, the
 * other gets ConditionalCheckFailedException. DescribeExecution is only used to tell a stale
 * lock (owner stopped, failed or timed out) from a live one, and the takeover of a stale or
 * superseded lock is itself conditional on the owner we saw.
 *
 * Only three condition expressions are used (the rehearsal's simulator implements exactly these):
 * `attribute_not_exists(pk)`, `#owner = :previous`, `#owner = :me`.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDb } from './clients/dynamodb';
import { errorName, LockLostError } from './errors';
import { withRetry } from './retry';

export const LOCK_KEY = 'release-lock';
export const OWNER_NAMES = { '#owner': 'owner' };

export interface LockHolder {
  readonly owner: string;
  readonly action?: string;
  readonly version?: string;
  readonly acquiredAt?: number;
}

export async function readLock(tableName: string): Promise<LockHolder | undefined> {
  const output = await withRetry(() =>
    dynamoDb.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: LOCK_KEY } }, ConsistentRead: true }),
    ),
  );
  const item = output.Item;
  const owner = item?.owner?.S;
  if (!item || !owner) return undefined;
  return {
    owner,
    action: item.action?.S,
    version: item.version?.S,
    acquiredAt: item.acquiredAt?.N !== undefined ? Number(item.acquiredAt.N) : undefined,
  };
}

/** Every mutating step starts here: once a rollback took the lock over, this execution must stop. */
export async function assertLockHeld(tableName: string, executionArn: string): Promise<void> {
  const holder = await readLock(tableName);
  if (holder?.owner !== executionArn) {
    throw new LockLostError(
      holder
        ? `the release lock is now held by ${holder.owner}${holder.action ? ` (${holder.action})` : ''}`
        : 'the release lock is no longer held by this execution',
    );
  }
}

/** Deletes the lock if this execution still holds it; if not, there is nothing to release. */
export async function releaseLock(tableName: string, executionArn: string): Promise<void> {
  try {
    await withRetry(() =>
      dynamoDb.send(
        new DeleteItemCommand({
          TableName: tableName,
          Key: { pk: { S: LOCK_KEY } },
          ConditionExpression: '#owner = :me',
          ExpressionAttributeNames: OWNER_NAMES,
          ExpressionAttributeValues: { ':me': { S: executionArn } },
        }),
      ),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException || errorName(error) === 'ConditionalCheckFailedException'
  );
}
