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
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { dynamoDb, stepFunctions } from './clients';
import { now } from './clock';
import { errorName, LockLostError, ReleaseInProgressError } from './errors';
import { withRetry } from './retry';
import type { ReleaseAction } from './types';

export const LOCK_KEY = 'release-lock';
const OWNER_NAMES = { '#owner': 'owner' };

export interface LockHolder {
  readonly owner: string;
  readonly action?: string;
  readonly version?: string;
  readonly acquiredAt?: number;
}

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

function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException || errorName(error) === 'ConditionalCheckFailedException'
  );
}
