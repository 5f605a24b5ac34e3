/** Row 1 (and 4): rollback on request during the bake, measured as the tour measures it. */
import { Rehearsal, type RehearsalOptions } from '../../lib/rehearsal/rehearsal';
import { secondsUntilOnlyVersion } from '../../lib/rehearsal/scenarios';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { median, midpoint, rollbackFloorSeconds } from './figures';

export interface RollbackFigure {
  /** Median over the seeds. */
  readonly seconds: number;
  readonly perSeed: readonly number[];
  readonly floorSeconds: number;
  readonly healthCheckIntervalSeconds: number;
  /** The profile's ExitStandby → InService midpoint. */
  readonly exitStandbySeconds: number;
  /** The profile's registration-delay midpoint. */
  readonly registrationSeconds: number;
  readonly profile: string;
}

/** Releases v1, v2, starts v3, waits 60 s into the bake, rolls back; decision → v2 alone. */
export async function rollbackSecondsOnce(template: CfnTemplate, options: RehearsalOptions): Promise<number> {
  const r = Rehearsal.fromTemplate(template, options);
  for (const version of ['v1', 'v2']) {
    const release = await r.execute({ version });
    if (release.status !== 'SUCCEEDED')
      throw new Error(`release ${version}: ${release.status} ${release.cause ?? ''}`);
  }
  const third = r.start({ version: 'v3' });
  await r.runUntilState(third, 'Bake');
  await r.advance(60);
  const decision = r.clock.now();
  const rollback = await r.execute({ action: 'rollback' });
  await r.run(third.done);
  if (rollback.status !== 'SUCCEEDED')
    throw new Error(`rollback: ${rollback.status} ${rollback.cause ?? ''}`);
  const s = secondsUntilOnlyVersion(r.monitor.traffic, 'v2', decision, rollback.stoppedAt ?? r.clock.now());
  if (s === undefined) throw new Error('rollback: v2 never served every request alone');
  const violations = r.violations();
  if (violations.length > 0) throw new Error(`rollback run broke invariants: ${violations.join('; ')}`);
  return s;
}

export async function measureRollback(
  template: CfnTemplate,
  seeds: readonly number[],
  options: RehearsalOptions = {},
): Promise<RollbackFigure> {
  const perSeed: number[] = [];
  for (const seed of seeds) perSeed.push(await rollbackSecondsOnce(template, { ...options, seed }));
  const probe = Rehearsal.fromTemplate(template, options);
  const interval = probe.service.targetGroups[0].healthCheckIntervalSeconds;
  const profile = probe.region.profile;
  probe.region.dispose();
  const exitStandby = midpoint(profile.exitStandbySeconds);
  const registration = midpoint(profile.registrationSeconds);
  return {
    seconds: median(perSeed),
    perSeed,
    floorSeconds: rollbackFloorSeconds(exitStandby, registration, interval),
    healthCheckIntervalSeconds: interval,
    exitStandbySeconds: exitStandby,
    registrationSeconds: registration,
    profile: profile.name,
  };
}
