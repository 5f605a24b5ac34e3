/**
 * Taking the release lock (Prepare only): who holds it, whether that execution still runs
 * (DescribeExecution), and the conditional takeover of a free, stale or superseded lock. Apart
 * from lock.ts so the other steps never load the Step Functions client.
 */
import { PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { dynamoDb } from './clients/dynamodb';
import { stepFunctions } from './clients/step-functions';
import { now } from './clock';
import { errorName, ReleaseInProgressError } from './errors';
import { isConditionalCheckFailed, LOCK_KEY, OWNER_NAMES, readLock, type LockHolder } from './lock';
import { withRetry } from './retry';
import type { ReleaseAction } from './types';

export type LockStatus =
  | { readonly kind: 'free' }
  | { readonly kind: 'mine' }
  /** Held by an execution that is no longer running (or no longer exists): may be taken over. */
  | { readonly kind: 'stale'; readonly holder: LockHolder; readonly ownerStatus: string }
  /** Held by a running execution: a release is refused, a rollback takes over. */
  | { readonly kind: 'running'; readonly holder: LockHolder };

export interface LockIntent {
  readonly tableName: string;
  /** This execution's ARN. */
  readonly executionArn: string;
  readonly action: ReleaseAction;
  readonly version?: string;
}

/** Read-only: who holds the lock and whether that execution still runs. */
export async function inspectLock(tableName: string, executionArn: string): Promise<LockStatus> {
  const holder = await readLock(tableName);
  if (!holder) return { kind: 'free' };
  if (holder.owner === executionArn) return { kind: 'mine' };
  let ownerStatus: string;
  try {
    const execution = await withRetry(() =>
      stepFunctions.send(new DescribeExecutionCommand({ executionArn: holder.owner })),
    );
    ownerStatus = execution.status ?? 'UNKNOWN';
  } catch (error) {
    // An owner that does not exist (deleted state machine, expired history) holds nothing.
    if (errorName(error) !== 'ExecutionDoesNotExist') throw error;
    ownerStatus = 'DOES_NOT_EXIST';
  }
  return ownerStatus === 'RUNNING' ? { kind: 'running', holder } : { kind: 'stale', holder, ownerStatus };
}

function inProgressMessage(owner: string): string {
  return `another execution holds the release lock and is running: ${owner}`;
}

/**
 * Takes the lock as `status` (from inspectLock) found it. A release never takes it from a running
 * execution; a rollback does, and then stops that execution (its next step would fail with
 * LockLost anyway; stopping it ends its Wait states at once).
 */
export async function acquireLock(intent: LockIntent, status: LockStatus): Promise<void> {
  if (status.kind === 'mine') return;
  if (status.kind === 'running' && intent.action !== 'rollback') {
    throw new ReleaseInProgressError(inProgressMessage(status.holder.owner));
  }
  const previousOwner = status.kind === 'free' ? undefined : status.holder.owner;
  const item: Record<string, AttributeValue> = {
    pk: { S: LOCK_KEY },
    owner: { S: intent.executionArn },
    action: { S: intent.action },
    acquiredAt: { N: String(now()) },
    ...(intent.version !== undefined ? { version: { S: intent.version } } : {}),
    ...(previousOwner !== undefined ? { takenOverFrom: { S: previousOwner } } : {}),
  };
  try {
    await withRetry(() =>
      dynamoDb.send(
        new PutItemCommand({
          TableName: intent.tableName,
          Item: item,
          ...(previousOwner === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#owner = :previous',
                ExpressionAttributeNames: OWNER_NAMES,
                ExpressionAttributeValues: { ':previous': { S: previousOwner } },
              }),
        }),
      ),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    // Someone else wrote the item first. Unless that someone was us (a retried put whose first
    // attempt did succeed), another execution won the race.
    const holder = await readLock(intent.tableName);
    if (holder?.owner === intent.executionArn) return;
    throw new ReleaseInProgressError(inProgressMessage(holder?.owner ?? previousOwner ?? 'unknown'));
  }
  if (status.kind === 'running') {
    try {
      await withRetry(() =>
        stepFunctions.send(
          new StopExecutionCommand({
            executionArn: status.holder.owner,
            error: 'Superseded',
            cause: `superseded by rollback ${intent.executionArn}`,
          }),
        ),
      );
    } catch (error) {
      if (errorName(error) !== 'ExecutionDoesNotExist') throw error;
    }
  }
}
