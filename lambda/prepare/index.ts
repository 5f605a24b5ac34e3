/**
 * Prepare: validate the request, look at the fleet, decide, and take the lock.
 *
 * Order matters: the request is validated first and every read comes before the first write (the
 * lock), so a request that can never succeed fails without changing anything. An error thrown
 * here fails the execution as it is: nothing was changed, so there is nothing to roll back.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../shared/clients/s3';
import { now } from '../shared/clock';
import { readServiceConfig, type ServiceConfig } from '../shared/config';
import { classifyService, decidePrepare, recordTiming } from '../shared/decisions';
import { errorName, ReleaseInProgressError, UnexplainedStateError } from '../shared/errors';
import { readFleetSnapshot } from '../shared/fleet';
import { acquireLock, inspectLock } from '../shared/lock-takeover';
import { validateRequest } from '../shared/request';
import { withRetry } from '../shared/retry';
import type { ReleaseState } from '../shared/types';
import { InvalidRequestError } from '../shared/version';

export async function handler(state: ReleaseState): Promise<ReleaseState> {
  const config = readServiceConfig();
  const request = validateRequest(state.request, { maxCapacity: config.maxCapacity });

  if (request.action === 'release' && request.version !== undefined && config.artifact) {
    await assertArtifactExists(config.artifact, request.version);
  }

  const lock = await inspectLock(config.lockTableName, state.executionArn);
  if (lock.kind === 'running' && request.action !== 'rollback') {
    throw new ReleaseInProgressError(
      `another execution holds the release lock and is running: ${lock.holder.owner}`,
    );
  }

  const snapshot = await readFleetSnapshot(config);
  const classification = classifyService(snapshot);
  if (classification.kind === 'unexplained') {
    throw new UnexplainedStateError(`refusing to act: ${classification.reasons.join('; ')}`);
  }
  const decision = decidePrepare({
    request,
    snapshot,
    classification,
    lockHeldByRunningExecution: lock.kind === 'running',
    recoveries: state.recoveries ?? 0,
    settings: config,
  });

  // The first change: everything above only read.
  await acquireLock(
    {
      tableName: config.lockTableName,
      executionArn: state.executionArn,
      action: request.action,
      version: decision.next === 'scaleUp' ? decision.plan.version : request.version,
    },
    lock,
  );

  // A Prepare after a recovery starts the release afresh: nothing of the recovery carries over.
  const fresh: ReleaseState = {
    ...state,
    plan: undefined,
    rollback: undefined,
    error: undefined,
    progress: undefined,
    summary: undefined,
    waitSeconds: undefined,
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
  const key = `${artifact.keyPrefix}${version}.${artifact.extension}`;
  try {
    await withRetry(() => s3.send(new HeadObjectCommand({ Bucket: artifact.bucket, Key: key })));
  } catch (error) {
    if (errorName(error) !== 'NotFound') throw error;
    throw new InvalidRequestError(
      `artifact s3://${artifact.bucket}/${key} for version (${version}) does not exist`,
    );
  }
}
