/**
 * Large fleets under the `harsh` profile (its rate limits, ambiguous failures and stale reads;
 * docs/aws-model.md): a first release v1, then a release v2 that is rolled back on request during
 * its bake. Measured on the v2 release and the rollback: task failures in the execution
 * histories, invariant violations, and the mutating calls per API.
 */
import { resolveProfile, type ProfileName } from '../../lib/rehearsal/region/profile';
import type { RehearsalExecution } from '../../lib/rehearsal/executions';
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';

/** Mutating calls of one API over the measured part of the run. */
export interface ApiCalls {
  readonly api: string;
  readonly calls: number;
  /** Answered `ok`. */
  readonly ok: number;
  /** Took effect and still returned an error (the profile's ambiguous failures). */
  readonly ambiguous: number;
  /** Refused by the rate limit (`Throttling`), retried by the caller. */
  readonly throttled: number;
  /** Refused for any other reason (e.g. ValidationError on a retried Standby call). */
  readonly refused: number;
}

export interface FailedTask {
  readonly execution: string;
  readonly type: string;
  readonly error: string;
}

export interface LargeFleetResult {
  readonly instancesPerColour: number;
  readonly targetQuota: number;
  readonly profile: string;
  readonly releaseStatus: string;
  readonly rollbackStatus: string;
  readonly violations: readonly string[];
  /** LambdaFunctionFailed / LambdaFunctionTimedOut / TaskFailed / TaskTimedOut events of the measured executions. */
  readonly failedTasks: readonly FailedTask[];
  readonly mutating: readonly ApiCalls[];
  /** Standby transitions the run made (the release's swap, the rollback's return): each moves every instance once. */
  readonly standbyTransitions: { readonly enter: number; readonly exit: number };
  readonly virtualSeconds: number;
}

const FAILED_TASK_EVENTS = new Set([
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'TaskFailed',
  'TaskTimedOut',
]);

function failedTasks(executions: readonly RehearsalExecution[]): FailedTask[] {
  return executions.flatMap((execution) =>
    execution.history
      .list()
      .filter((e) => FAILED_TASK_EVENTS.has(e.type))
      .map((e) => ({
        execution: execution.name,
        type: e.type,
        error: String((e.details as { error?: string } | undefined)?.error ?? '?'),
      })),
  );
}

export async function measureLargeFleet(
  template: CfnTemplate,
  instancesPerColour: number,
  targetQuota: number,
  profileName: ProfileName = 'harsh',
): Promise<LargeFleetResult> {
  // The account's quota as the template declares it (targetQuota; docs/aws-model.md, "Quotas").
  const base = resolveProfile(profileName);
  const profile = { ...base, targetsPerTargetGroup: targetQuota, targetsPerLoadBalancer: targetQuota };
  const r = Rehearsal.fromTemplate(template, { requestsPerSecond: 200, profile });
  try {
    const first = await r.execute({ version: 'v1' });
    if (first.status !== 'SUCCEEDED') throw new Error(`release v1: ${first.status} ${first.cause ?? ''}`);
    const from = r.clock.now();
    const callsBefore = r.region.calls.history().length;
    const release = r.start({ version: 'v2' });
    await r.runUntilState(release, 'Bake');
    await r.advance(60);
    const rollback = await r.execute({ action: 'rollback' });
    await r.run(release.done);

    const byApi = new Map<
      string,
      { calls: number; ok: number; ambiguous: number; throttled: number; refused: number }
    >();
    for (const call of r.region.calls.history().slice(callsBefore)) {
      if (!call.mutating) continue;
      const api = `${call.service}.${call.command}`;
      const row = byApi.get(api) ?? { calls: 0, ok: 0, ambiguous: 0, throttled: 0, refused: 0 };
      row.calls += 1;
      if (call.outcome === 'ok') row.ok += 1;
      else if (call.injected) row.ambiguous += 1;
      else if (call.outcome === 'Throttling' || call.outcome === 'ThrottlingException') row.throttled += 1;
      else row.refused += 1;
      byApi.set(api, row);
    }
    const events = r.region.timeline.events().filter((e) => e.time >= from);
    const groupsEntering = new Set(
      events.filter((e) => e.milestone === 'enterStandbyRequested').map((e) => e.groupName),
    );
    const groupsExiting = new Set(
      events.filter((e) => e.milestone === 'exitStandbyRequested').map((e) => e.groupName),
    );
    return {
      instancesPerColour,
      targetQuota,
      profile: base.name,
      releaseStatus: release.status,
      rollbackStatus: rollback.status,
      violations: r.violations(),
      failedTasks: failedTasks([release, rollback]),
      mutating: [...byApi.entries()].map(([api, row]) => ({ api, ...row })),
      standbyTransitions: { enter: groupsEntering.size, exit: groupsExiting.size },
      virtualSeconds: (r.clock.now() - from) / 1000,
    };
  } finally {
    r.region.dispose();
  }
}
