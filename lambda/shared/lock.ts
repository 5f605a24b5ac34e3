/**
 * The release lock: one DynamoDB item that names the execution allowed to change the fleet, and
 * the step invocations that may still be acting on it (the fence).
 *
 * Why a conditional write and not "is another execution running?": ListExecutions is eventually
 * consistent, so two releases started in the same second could both see none running. Every
 * write here is a compare-and-swap on the item's revision (`rev`), so of two racing writers
 * exactly one wins and the other reads again and re-decides.
 *
 * Why a fence: StopExecution does not stop a Lambda invocation that is already running. A
 * stopped (or superseded) execution's step goes on calling AWS until it notices. So:
 * - every mutating AWS call of a step is preceded by `assertLockHeld` (each retry too), which
 *   leaves a stale step at most the one call it had already started;
 * - every step invocation that changes the fleet is listed in `inFlight` while it runs, with the
 *   latest instant it can still be running (its Lambda deadline). A takeover keeps the list, so
 *   the new owner knows whose calls may still land and waits for them before anything that
 *   relies on the fleet standing still (deciding a release, retiring a group).
 *
 * Condition expressions used (the rehearsal's simulator implements these):
 * `attribute_not_exists(pk)`, `#rev = :rev`, and `#owner = :owner` for an item written before
 * revisions existed.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { dynamoDb } from './clients/dynamodb';
import { now } from './clock';
import { errorName, LockLostError } from './errors';
import { withRetry } from '../../lib/contract/retry';
import type { ReleaseAction, SupersededIntent } from '../../lib/contract/release-state';

import { LOCK_KEY } from '../../lib/contract/lock-table';

export { LOCK_KEY };

/**
 * A step invocation whose calls may still be landing, or still be missing from what Describe
 * calls answer, until `until` (epoch ms).
 */
export interface InFlightInvocation {
  readonly id: string;
  readonly execution: string;
  /** The step it runs (its own earlier passes are no stranger to a step). */
  readonly step?: string;
  readonly until: number;
  /** The invocation has returned: it makes no further call, its last ones are settling. */
  readonly ended?: boolean;
}

/**
 * How long after a step's last call its effects may still be missing from Describe answers
 * (Auto Scaling, ELB and EC2 reads are eventually consistent; no bound is documented: assumed,
 * see docs/aws-model.md). An ended invocation stays listed this long, so whoever waits for it
 * also waits for reads to catch up before deciding.
 */
export const READ_SETTLE_MS = 10_000;

export interface LockItem {
  readonly owner: string;
  readonly action?: ReleaseAction;
  readonly version?: string;
  readonly fromVersion?: string;
  readonly acquiredAt?: number;
  readonly superseded?: SupersededIntent;
  /**
   * Incremented by every write: the compare-and-swap token. Undefined on an item written before
   * revisions existed (an older version of this workflow): written once conditioned on its owner.
   */
  readonly rev?: number;
  readonly inFlight: readonly InFlightInvocation[];
}

export async function readLock(tableName: string): Promise<LockItem | undefined> {
  const output = await withRetry(() =>
    dynamoDb.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: LOCK_KEY } }, ConsistentRead: true }),
    ),
  );
  return output.Item ? fromItem(output.Item) : undefined;
}

export interface UpdateLockOptions {
  /**
   * The item as the caller last read it (`item: undefined`: there was none). The first round writes
   * from it without reading again: the write is conditioned on its revision, so if it is out of
   * date the write is refused and the round repeats from a fresh read. @default - read first
   */
  readonly lastRead?: { readonly item: LockItem | undefined };
}

/** An item written before revisions existed is conditioned on its owner only: always read it afresh. */
function usableGuess(item: LockItem | undefined): boolean {
  return item === undefined || item.rev !== undefined;
}

/** The result of a change function: the new item, `undefined` to delete it, or no write at all. */
export const UNCHANGED = Symbol('unchanged');
export type LockChange = LockItem | undefined | typeof UNCHANGED;

/** Compare-and-swap rounds before giving up (each lost round means another writer made progress). */
const MAX_CAS_ROUNDS = 12;

/**
 * Reads the item, applies `change`, and writes the result only if nobody wrote in between;
 * otherwise reads again and re-applies. `change` must be idempotent: a write that failed but took
 * effect (a timeout, a 500) is then seen on the next read and `change` answers UNCHANGED.
 * `change` may throw to give up (e.g. LockLost). Returns the item as it now stands.
 */
export async function updateLock(
  tableName: string,
  change: (current: LockItem | undefined) => LockChange,
  options: UpdateLockOptions = {},
): Promise<LockItem | undefined> {
  let guess = options.lastRead && usableGuess(options.lastRead.item) ? options.lastRead : undefined;
  for (let round = 1; ; round++) {
    const current = guess ? guess.item : await readLock(tableName);
    const next = change(current);
    const nothingToWrite = next === UNCHANGED || (next === undefined && current === undefined);
    if (nothingToWrite && guess) {
      // Only a fresh read may say that nothing needs writing: the guess may be out of date.
      guess = undefined;
      continue;
    }
    guess = undefined;
    if (next === UNCHANGED) return current;
    if (next === undefined && current === undefined) return undefined;
    const condition: Pick<
      ConstructorParameters<typeof PutItemCommand>[0],
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > = !current
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : current.rev === undefined
        ? {
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': { S: current.owner } },
          }
        : {
            ConditionExpression: '#rev = :rev',
            ExpressionAttributeNames: { '#rev': 'rev' },
            ExpressionAttributeValues: { ':rev': { N: String(current.rev) } },
          };
    let written: LockItem | undefined;
    try {
      if (next === undefined) {
        await withRetry(() =>
          dynamoDb.send(
            new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: LOCK_KEY } }, ...condition }),
          ),
        );
      } else {
        written = { ...next, rev: (current?.rev ?? 0) + 1 };
        const item = toItem(written);
        await withRetry(() =>
          dynamoDb.send(new PutItemCommand({ TableName: tableName, Item: item, ...condition })),
        );
      }
      return written;
    } catch (error) {
      if (!isConditionalCheckFailed(error) || round >= MAX_CAS_ROUNDS) throw error;
    }
  }
}

/** The guard before every mutating call: once another execution holds the lock, this one stops. */
export async function assertLockHeld(tableName: string, executionArn: string): Promise<LockItem> {
  const holder = await readLock(tableName);
  if (holder?.owner !== executionArn) throw lockLost(holder);
  return holder;
}

export function lockLost(holder: LockItem | undefined): LockLostError {
  return new LockLostError(
    holder
      ? `the release lock is now held by ${holder.owner}${holder.action ? ` (${holder.action})` : ''}`
      : 'the release lock is no longer held by this execution',
  );
}

/** Lists this invocation in the fence; refuses (LockLost) unless the execution holds the lock. */
export async function enterInFlight(
  tableName: string,
  invocation: InFlightInvocation,
  nowMs: number,
): Promise<void> {
  await updateLock(tableName, (current) => {
    if (current?.owner !== invocation.execution) throw lockLost(current);
    if (current.inFlight.some((i) => i.id === invocation.id)) return UNCHANGED;
    return { ...current, inFlight: [...liveInvocations(current.inFlight, nowMs), invocation] };
  });
}

/**
 * Marks this invocation ended, whoever holds the lock now: it stays listed for READ_SETTLE_MS (or
 * until its deadline, if sooner) while its last calls become visible to reads.
 */
export async function leaveInFlight(tableName: string, invocationId: string, nowMs: number): Promise<void> {
  await updateLock(tableName, (current) => {
    const own = current?.inFlight.find((i) => i.id === invocationId);
    if (!current || !own || own.ended) return UNCHANGED;
    const ended = { ...own, ended: true, until: Math.min(own.until, nowMs + READ_SETTLE_MS) };
    return {
      ...current,
      inFlight: liveInvocations(current.inFlight, nowMs).map((i) => (i.id === invocationId ? ended : i)),
    };
  });
}

/** Invocations, other than `self`, that may still be calling AWS at `nowMs`. */
export function othersInFlight(
  item: LockItem | undefined,
  selfId: string | undefined,
  nowMs: number,
): InFlightInvocation[] {
  return liveInvocations(item?.inFlight ?? [], nowMs).filter((i) => i.id !== selfId);
}

export function liveInvocations(list: readonly InFlightInvocation[], nowMs: number): InFlightInvocation[] {
  return list.filter((i) => i.until > nowMs);
}

/**
 * Deletes the lock if this execution still holds it; if not, there is nothing to release. While
 * another execution's invocation may still be acting, the item is kept: deleting it would lose
 * the fence, and the next owner takes over a lock whose owner has ended anyway.
 */
export async function releaseLock(tableName: string, executionArn: string, selfId?: string): Promise<void> {
  await updateLock(tableName, (current) => {
    if (current?.owner !== executionArn) return UNCHANGED;
    // This execution's own earlier steps ran one after another and have returned (one whose
    // leave failed under throttling is still listed, but it ended): only others keep the fence.
    const acting = othersInFlight(current, selfId, now()).filter((i) => i.execution !== executionArn);
    return acting.length > 0 ? UNCHANGED : undefined;
  });
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException || errorName(error) === 'ConditionalCheckFailedException'
  );
}

function fromItem(item: Record<string, AttributeValue>): LockItem | undefined {
  const owner = item.owner?.S;
  if (!owner) return undefined;
  const text = (name: string) => item[name]?.S;
  const action = text('action');
  return {
    owner,
    action: action === 'release' || action === 'rollback' ? action : undefined,
    version: text('version'),
    fromVersion: text('fromVersion'),
    acquiredAt: item.acquiredAt?.N !== undefined ? Number(item.acquiredAt.N) : undefined,
    superseded: parseJson<SupersededIntent>(text('superseded')),
    rev: item.rev?.N !== undefined ? Number(item.rev.N) : undefined,
    inFlight: parseJson<InFlightInvocation[]>(text('inFlight')) ?? [],
  };
}

function toItem(lock: LockItem): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    pk: { S: LOCK_KEY },
    owner: { S: lock.owner },
    rev: { N: String(lock.rev ?? 0) },
    inFlight: { S: JSON.stringify(lock.inFlight) },
  };
  if (lock.action) item.action = { S: lock.action };
  if (lock.version !== undefined) item.version = { S: lock.version };
  if (lock.fromVersion !== undefined) item.fromVersion = { S: lock.fromVersion };
  if (lock.acquiredAt !== undefined) item.acquiredAt = { N: String(lock.acquiredAt) };
  if (lock.superseded) item.superseded = { S: JSON.stringify(lock.superseded) };
  return item;
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
