/**
 * Prepare: validate the request, look at the fleet, decide, and take the lock.
 *
 * Order matters. The request is validated first: a request that can never succeed changes
 * nothing. Then the lock:
 * - **free**: no step of any execution can be acting (a step only runs while its owner holds the
 *   lock, and a lock that still fences a running step is never deleted). The fleet is read and
 *   the request decided before the first write, so a refusal changes nothing.
 * - **held** by an execution that has ended (or, for a rollback, one that still runs): the lock is
 *   taken over FIRST. From then on a stopped execution's step that is still running fails its next
 *   guard, so the fleet moves at most by the one call such a step had already started. A release
 *   waits until those steps have left (or their deadline passed) before it reads and decides; a
 *   rollback does not wait: it goes straight to the convergence, which restores at once and only
 *   retires a group once nobody else can act. A refusal then gives the lock back.
 */
import { artifactKey } from '../../lib/contract/artifact';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../shared/clients/s3';
import { now } from '../shared/clock';
import { readServiceConfig, type ServiceConfig } from '../shared/config';
import { classifyService, decidePrepare, type PrepareDecision } from './decisions';
import { recordTiming, rollbackGoal } from '../shared/decisions';
import { errorName, UnexplainedStateError } from '../shared/errors';
import { awaitOthersGone } from '../shared/fence';
import { listServiceGroupNames, readFleetSnapshot } from '../shared/fleet-calls';
import { READ_SETTLE_MS, releaseLock, type LockItem } from '../shared/lock';
import type { SupersededIntent, ReleaseState } from '../../lib/contract/release-state';
import { acquireLock, inspectLock, recordIntent } from '../shared/lock-takeover';
import { validateRequest, type ValidatedRequest } from '../../lib/contract/request';
import { withRetry } from '../../lib/contract/retry';
import { TagKeys } from '../../lib/contract/tags';
import { InvalidRequestError } from '../../lib/contract/version';

/** How long one Prepare invocation waits for a previous owner's step to leave before handing back. */
const FENCE_WAIT_BUDGET_MS = 20_000;
const FENCE_POLL_MS = 1_000;

export async function handler(state: ReleaseState): Promise<ReleaseState> {
  const config = readServiceConfig();
  const request = validateRequest(state.request, {
    maxCapacity: config.maxCapacity,
    minCapacity: config.minCapacity,
  });
  if (request.action === 'release' && request.version !== undefined && config.artifact) {
    await assertArtifactExists(config.artifact, request.version);
  }
  const table = config.lockTableName;
  const status = await inspectLock(table, state.executionArn, {
    withOwnStatus: request.action === 'rollback',
  });

  if (status.kind === 'free') {
    const decision = await decide(state, request, config, { othersActing: false });
    const lock = await acquireLock(
      { tableName: table, executionArn: state.executionArn, ...intentOf(request, decision) },
      status,
    );
    // Nobody came between our read and our write: the decision stands.
    if (!lock.superseded && lock.inFlight.length === 0) return decided(state, decision, lock);
    return decideHoldingLock(state, request, config, lock);
  }
  const lock = await acquireLock(
    { tableName: table, executionArn: state.executionArn, action: request.action, version: request.version },
    status,
  );
  return decideHoldingLock(state, request, config, lock);
}

/** Decides with the lock already ours, after any step of a previous owner has left (releases). */
async function decideHoldingLock(
  state: ReleaseState,
  request: ValidatedRequest,
  config: ServiceConfig,
  lock: LockItem,
): Promise<ReleaseState> {
  const table = config.lockTableName;
  const me = state.executionArn;
  let othersActing = false;
  if (lock.inFlight.length > 0) {
    // This execution's own earlier steps (a recovery's rollback) have ended: wait the few seconds
    // until what they did shows in the reads this decision is made from.
    await awaitOthersGone(table, me, undefined, {
      budgetMs: READ_SETTLE_MS + FENCE_POLL_MS,
      intervalMs: FENCE_POLL_MS,
      only: (i) => i.execution === me,
    });
    // Another execution's steps: a release waits for them, a rollback goes on (see above).
    const others = await awaitOthersGone(table, me, undefined, {
      budgetMs: request.action === 'release' ? FENCE_WAIT_BUDGET_MS : 0,
      intervalMs: FENCE_POLL_MS,
      only: (i) => i.execution !== me,
    });
    othersActing = others.length > 0;
    if (othersActing && request.action === 'release') {
      // Still listed after the budget (a step that hung): look again later, holding the lock.
      const latest = Math.max(...others.map((o) => o.until));
      return {
        ...state,
        next: 'prepare',
        waitSeconds: Math.max(1, Math.min(60, Math.ceil((latest - now()) / 1000))),
      };
    }
  }
  try {
    const decision = await decide(state, request, config, { othersActing, superseded: lock.superseded });
    await recordIntent(table, state.executionArn, intentOf(request, decision, lock.superseded));
    return decided(state, decision, lock);
  } catch (error) {
    // Refused after taking the lock: nothing of the fleet was changed; give the lock back.
    if (error instanceof InvalidRequestError || error instanceof UnexplainedStateError) {
      await releaseLock(table, state.executionArn);
    }
    throw error;
  }
}

async function decide(
  state: ReleaseState,
  request: ValidatedRequest,
  config: ServiceConfig,
  lock: { readonly othersActing: boolean; readonly superseded?: LockItem['superseded'] },
): Promise<PrepareDecision> {
  const [snapshot, tagged] = await Promise.all([
    readFleetSnapshot(config),
    listServiceGroupNames(config.serviceTag),
  ]);
  if (tagged.length > 2) {
    throw new UnexplainedStateError(
      `refusing to act: ${tagged.length} Auto Scaling groups carry ${TagKeys.service}=${config.serviceTag} (${tagged.join(', ')}); ` +
        `expected only ${config.groupNames.blue} and ${config.groupNames.green}`,
    );
  }
  const classification = classifyService(snapshot);
  if (classification.kind === 'unexplained') {
    throw new UnexplainedStateError(`refusing to act: ${classification.reasons.join('; ')}`);
  }
  const decision = decidePrepare({
    request,
    snapshot,
    classification,
    othersActing: lock.othersActing,
    superseded: lock.superseded,
    recoveries: state.recoveries ?? 0,
    settings: config,
  });
  if (decision.next === 'scaleUp' && decision.plan.action === 'rollback' && config.artifact) {
    // A rollback after finalize launches the previous version again: its artifact must exist.
    await assertArtifactExists(config.artifact, decision.plan.version);
  }
  return decision;
}

/**
 * What the lock item records of this execution: the version it moves the service to, and the one
 * live before. A convergence records the version it keeps (or, for a rollback, the goal it took
 * over), so that a rollback superseding it knows where to stop: never two versions back.
 */
function intentOf(request: ValidatedRequest, decision: PrepareDecision, superseded?: SupersededIntent) {
  if (decision.next === 'scaleUp') {
    return { action: request.action, version: decision.plan.version, fromVersion: decision.plan.fromVersion };
  }
  if (request.action === 'rollback') {
    return { action: request.action, version: rollbackGoal(superseded) ?? decision.restoreVersion };
  }
  // A release recovering first: the last version at rest is what it moves from (if it recovers
  // an interrupted release, the version before that one), so a rollback taking over goes there.
  return {
    action: request.action,
    version: request.version,
    fromVersion: rollbackGoal(superseded) ?? decision.restoreVersion,
  };
}

function decided(state: ReleaseState, decision: PrepareDecision, lock: LockItem): ReleaseState {
  // A Prepare after a recovery starts the release afresh: nothing of the recovery carries over.
  const fresh: ReleaseState = {
    ...state,
    plan: undefined,
    rollback: undefined,
    error: undefined,
    progress: undefined,
    summary: undefined,
    waitSeconds: undefined,
    restoreCapacity: undefined,
    rollbackDeadline: undefined,
    phase: undefined,
    canaryTroubleSince: undefined,
    superseded: lock.superseded,
    timings: recordTiming(state.timings, 'prepared', now()),
  };
  if (decision.next === 'scaleUp') return { ...fresh, plan: decision.plan, next: 'scaleUp' };
  return { ...fresh, next: 'rollback', rollback: decision.rollback, recoveries: decision.recoveries };
}

/** Artifact mode: a release of a version whose artifact is missing could never become healthy. */
async function assertArtifactExists(
  artifact: NonNullable<ServiceConfig['artifact']>,
  version: string,
): Promise<void> {
  const key = artifactKey(artifact, version);
  try {
    await withRetry(() => s3.send(new HeadObjectCommand({ Bucket: artifact.bucket, Key: key })));
  } catch (error) {
    if (errorName(error) !== 'NotFound') throw error;
    throw new InvalidRequestError(
      `artifact s3://${artifact.bucket}/${key} for version (${version}) does not exist`,
    );
  }
}
