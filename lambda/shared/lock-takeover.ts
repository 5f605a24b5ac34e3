/**
 * Taking the release lock (Prepare only): who holds it, whether that execution still runs
 * (DescribeExecution), and the compare-and-swap takeover of a free, stale or superseded lock.
 * Apart from lock.ts so the other steps never load the Step Functions client.
 */
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from './clients/step-functions';
import { now, sleep } from './clock';
import { errorName, LockLostError, ReleaseInProgressError } from './errors';
import { rollbackGoal } from './decisions';
import { liveInvocations, READ_SETTLE_MS, readLock, UNCHANGED, updateLock, type LockItem } from './lock';
import type { SupersededIntent, ReleaseAction } from '../../lib/contract/release-state';
import { SUPERSEDED_ERROR } from '../../lib/contract/errors';
import { withRetry } from '../../lib/contract/retry';

export type LockStatus =
  | { readonly kind: 'free' }
  | { readonly kind: 'mine'; readonly holder: LockItem }
  /** Held by an execution that is no longer running (or no longer exists): may be taken over. */
  | { readonly kind: 'stale'; readonly holder: LockItem; readonly ownerStatus: string }
  /**
   * Held by a running execution: a release is refused, a rollback takes over. `selfStatus`: this
   * execution's own status, when it was read alongside (see `inspectLock`).
   */
  | { readonly kind: 'running'; readonly holder: LockItem; readonly selfStatus?: string };

export interface LockIntent {
  readonly tableName: string;
  /** This execution's ARN. */
  readonly executionArn: string;
  readonly action: ReleaseAction;
  /** The version this execution moves the service to, when it knows it. */
  readonly version?: string;
  /** The version live when it started. */
  readonly fromVersion?: string;
}

export interface InspectOptions {
  /**
   * Also read this execution's own status, at the same time as the holder's (a rollback, which
   * takes over from a running holder only while it runs itself). @default false
   */
  readonly withOwnStatus?: boolean;
}

/** Read-only: who holds the lock and whether that execution still runs. */
export async function inspectLock(
  tableName: string,
  executionArn: string,
  options: InspectOptions = {},
): Promise<LockStatus> {
  return statusOf(await readLock(tableName), executionArn, options);
}

async function statusOf(
  holder: LockItem | undefined,
  executionArn: string,
  options: InspectOptions = {},
): Promise<LockStatus> {
  if (!holder) return { kind: 'free' };
  if (holder.owner === executionArn) return { kind: 'mine', holder };
  const [ownerStatus, selfStatus] = await Promise.all([
    executionStatus(holder.owner),
    options.withOwnStatus ? executionStatus(executionArn) : undefined,
  ]);
  return ownerStatus === 'RUNNING'
    ? { kind: 'running', holder, ...(selfStatus ? { selfStatus } : {}) }
    : { kind: 'stale', holder, ownerStatus };
}

async function executionStatus(executionArn: string): Promise<string> {
  try {
    const execution = await withRetry(() =>
      stepFunctions.send(new DescribeExecutionCommand({ executionArn })),
    );
    return execution.status ?? 'UNKNOWN';
  } catch (error) {
    // An owner that does not exist (deleted state machine, expired history) holds nothing.
    if (errorName(error) !== 'ExecutionDoesNotExist') throw error;
    return 'DOES_NOT_EXIST';
  }
}

/** How often a holder that reads RUNNING is looked at again before a release is refused for it. */
const RECHECK_INTERVAL_MS = 1_000;

/**
 * DescribeExecution is eventually consistent: a holder just stopped may still read RUNNING. Before
 * a release is refused for it, the lock and its holder are read again until the reads span the
 * read-settle window (docs/aws-model.md, "Stale reads"); returns the last status seen.
 */
async function recheckRunningHolder(
  tableName: string,
  executionArn: string,
  first: LockStatus,
): Promise<LockStatus> {
  const until = now() + READ_SETTLE_MS;
  let status: LockStatus = first;
  while (status.kind === 'running' && now() < until) {
    await sleep(RECHECK_INTERVAL_MS);
    status = await inspectLock(tableName, executionArn);
  }
  return status;
}

function inProgressMessage(owner: string): string {
  return `another execution holds the release lock and is running: ${owner}`;
}

/** How often the lock may change hands under us before Prepare gives up. */
const MAX_INSPECTIONS = 4;

/**
 * Takes the lock. A release never takes it from a running execution; a rollback does, and then
 * stops that execution. The takeover keeps the previous owner's in-flight invocations (the fence)
 * and what it was doing. When the lock changes hands between our read and our write (a stopped
 * Finalize deleting it, another Prepare winning), the new holder is inspected afresh.
 * Returns the item as written.
 */
export async function acquireLock(intent: LockIntent, first: LockStatus): Promise<LockItem> {
  let status = first;
  for (let inspection = 1; ; inspection++) {
    if (status.kind === 'running' && intent.action !== 'rollback') {
      status = await recheckRunningHolder(intent.tableName, intent.executionArn, status);
      if (status.kind === 'running') throw new ReleaseInProgressError(inProgressMessage(status.holder.owner));
      if (status.kind === 'mine') return status.holder;
    }
    // A stopped execution's Prepare may still be running: it must not stop a live execution.
    if (status.kind === 'running')
      assertStillRunning(status.selfStatus ?? (await executionStatus(intent.executionArn)));
    const expected = status.kind === 'free' ? undefined : status.holder.owner;
    let moved: LockItem | 'moved' | undefined = undefined;
    const written = await updateLock(
      intent.tableName,
      (current) => {
        if (current?.owner === intent.executionArn) return UNCHANGED;
        if (current?.owner !== expected) {
          moved = current ?? 'moved';
          return UNCHANGED;
        }
        moved = undefined;
        return ownItem(intent, current);
      },
      // Written from the item just inspected (conditioned on its revision): no second read.
      { lastRead: { item: status.kind === 'free' ? undefined : status.holder } },
    );
    if (moved === undefined && written?.owner === intent.executionArn) {
      if (status.kind === 'running') await stopSuperseded(status.holder.owner, intent.executionArn);
      return written;
    }
    if (inspection >= MAX_INSPECTIONS) {
      throw new ReleaseInProgressError(inProgressMessage(written?.owner ?? expected ?? 'unknown'));
    }
    status = await statusOf(written, intent.executionArn, { withOwnStatus: intent.action === 'rollback' });
    if (status.kind === 'mine') return status.holder;
  }
}

function ownItem(intent: LockIntent, previous: LockItem | undefined): LockItem {
  const at = now();
  const superseded = previous ? supersededBy(previous) : undefined;
  return {
    owner: intent.executionArn,
    action: intent.action,
    // A rollback knows its goal from the moment it takes over (the version live before the release
    // it interrupts, or the goal of the rollback it interrupts): a rollback taking over from it in
    // turn stops there, even before this one has decided anything.
    version: intent.version ?? (intent.action === 'rollback' ? rollbackGoal(superseded) : undefined),
    // What it moves from, until it decides: the last version at rest before what it interrupts.
    fromVersion: intent.fromVersion ?? rollbackGoal(superseded),
    acquiredAt: at,
    ...(superseded ? { superseded } : {}),
    rev: previous?.rev ?? 0,
    // The fence: whoever may still be acting stays listed until it leaves or its deadline passes.
    inFlight: liveInvocations(previous?.inFlight ?? [], at),
  };
}

function supersededBy(previous: LockItem): SupersededIntent {
  return {
    owner: previous.owner,
    action: previous.action,
    version: previous.version,
    fromVersion: previous.fromVersion,
  };
}

/** Records what this execution now moves the service to (after Prepare decided). */
export async function recordIntent(
  tableName: string,
  executionArn: string,
  intent: Pick<LockItem, 'action' | 'version' | 'fromVersion'>,
): Promise<void> {
  // Only what the decision names: a field it leaves undefined keeps what the takeover recorded.
  const named = Object.fromEntries(Object.entries(intent).filter(([, value]) => value !== undefined));
  await updateLock(tableName, (current) => {
    if (current?.owner !== executionArn) return UNCHANGED;
    const changes = Object.entries(named).some(([key, value]) => current[key as keyof LockItem] !== value);
    return changes ? { ...current, ...named } : UNCHANGED;
  });
}

function assertStillRunning(ownStatus: string): void {
  if (ownStatus !== 'RUNNING') {
    throw new LockLostError(`this execution is ${ownStatus}: it takes over nothing`);
  }
}

async function stopSuperseded(owner: string, by: string): Promise<void> {
  try {
    await withRetry(() =>
      stepFunctions.send(
        new StopExecutionCommand({
          executionArn: owner,
          error: SUPERSEDED_ERROR,
          cause: `superseded by rollback ${by}`,
        }),
      ),
    );
  } catch (error) {
    if (errorName(error) !== 'ExecutionDoesNotExist') throw error;
  }
}
