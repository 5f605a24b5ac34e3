/** Row 5: 1,000 instances per group, release and rollback under injected throttling. */
import type { CallStats } from '../../lib/rehearsal/region/call-log';
import { MUTATING_COMMANDS } from '../../lib/rehearsal/region/faults';
import { resolveProfile, type ProfileName } from '../../lib/rehearsal/region/profile';
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';

export interface CallDelta {
  readonly api: string;
  readonly calls: number;
  readonly errorsInjected: number;
  readonly errorsReturned: number;
  readonly successful: number;
}

export interface LargeFleetResult {
  readonly instances: number;
  readonly releaseStatus: string;
  readonly rollbackStatus: string;
  readonly violations: readonly string[];
  /** Mutating calls made by the throttled release + rollback (the first release excluded). */
  readonly mutating: readonly CallDelta[];
  readonly enterStandby: CallDelta;
  readonly exitStandby: CallDelta;
}

function delta(after: readonly CallStats[], before: readonly CallStats[], api: string): CallDelta {
  const key = (s: CallStats) => `${s.service}.${s.command}`;
  const a = after.find((s) => key(s) === api);
  const b = before.find((s) => key(s) === api);
  const calls = (a?.count ?? 0) - (b?.count ?? 0);
  const errorsInjected = (a?.errorsInjected ?? 0) - (b?.errorsInjected ?? 0);
  const errorsReturned = (a?.errorsReturned ?? 0) - (b?.errorsReturned ?? 0);
  return { api, calls, errorsInjected, errorsReturned, successful: calls - errorsReturned };
}

export async function measureLargeFleet(
  template: CfnTemplate,
  instances: number,
  profileName: ProfileName = 'typical',
): Promise<LargeFleetResult> {
  // Both colours registered at once: 2 × instances targets, past the default quota of 1,000, so
  // the account's quotas are raised as the template declares (targetQuota; docs/aws-model.md, "Quotas").
  const base = resolveProfile(profileName);
  const quota = Math.max(base.targetsPerTargetGroup, 2 * instances);
  const profile = { ...base, targetsPerTargetGroup: quota, targetsPerLoadBalancer: quota };
  const r = Rehearsal.fromTemplate(template, { requestsPerSecond: 200, profile });
  const first = await r.execute({ version: 'v1' });
  if (first.status !== 'SUCCEEDED') throw new Error(`release v1: ${first.status} ${first.cause ?? ''}`);
  const before = r.region.calls.all();
  r.region.faults.failCalls({ commands: MUTATING_COMMANDS, error: 'Throttling', probability: 0.2 });
  const release = r.start({ version: 'v2' });
  await r.runUntilState(release, 'Bake');
  await r.advance(60);
  const rollback = await r.execute({ action: 'rollback' });
  await r.run(release.done);
  const after = r.region.calls.all();
  const apis = after.filter((s) => s.mutating).map((s) => `${s.service}.${s.command}`);
  const mutating = apis.map((api) => delta(after, before, api)).filter((d) => d.calls > 0);
  return {
    instances,
    releaseStatus: release.status,
    rollbackStatus: rollback.status,
    violations: r.violations(),
    mutating,
    enterStandby: delta(after, before, 'AutoScaling.EnterStandby'),
    exitStandby: delta(after, before, 'AutoScaling.ExitStandby'),
  };
}
