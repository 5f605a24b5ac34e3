/**
 * One release v1 → v2 per seed (docs/aws-model.md, "Bench floors").
 *
 * - Measured: StartExecution → the first old instance's EnterStandby accepted (from then on the
 *   old version gets no new requests: the swap took effect on AWS).
 * - Floor: the slowest new instance's launch → first healthy on the traffic target group (boot,
 *   registration delay, app start, health checks), from the region's instance timeline.
 * - Overhead = measured − floor: the workflow's start-up before the launch, and its lag between
 *   the last new instance turning healthy and the swap.
 * - Mixed-version window (traffic seconds, inclusive) against the new fleet's boot spread.
 */
import { Rehearsal, type RehearsalOptions } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { mixedVersionWindowSeconds } from './figures';
import { bootSpreadSeconds, releaseFloor, type Floor } from './floors';

export interface ReleaseRun {
  readonly seed: number;
  /** StartExecution → first EnterStandby of the old fleet, seconds. */
  readonly seconds: number;
  readonly floor: Floor;
  /** seconds − floor. */
  readonly overheadSeconds: number;
  /** StartExecution → the first new instance launched. */
  readonly toLaunchSeconds: number;
  /** The last new instance healthy → the first EnterStandby of the old fleet. */
  readonly afterHealthySeconds: number;
  /** Inclusive traffic seconds in which both versions served (mixedVersionWindowSeconds). */
  readonly mixedWindowSeconds: number;
  /** The last new instance's first healthy − the first's (bootSpreadSeconds). */
  readonly bootSpreadSeconds: number;
  readonly pollSeconds: number;
  readonly healthCheckIntervalSeconds: number;
}

export async function releaseOnce(
  template: CfnTemplate,
  options: RehearsalOptions & { readonly seed: number },
): Promise<ReleaseRun> {
  const r = Rehearsal.fromTemplate(template, options);
  try {
    const first = await r.execute({ version: 'v1' });
    if (first.status !== 'SUCCEEDED')
      throw new Error(`seed ${options.seed}: release v1: ${first.status} ${first.cause ?? ''}`);
    const from = r.clock.now();
    const release = await r.execute({ version: 'v2' });
    if (release.status !== 'SUCCEEDED')
      throw new Error(`seed ${options.seed}: release v2: ${release.status} ${release.cause ?? ''}`);
    const violations = r.violations();
    if (violations.length > 0)
      throw new Error(`seed ${options.seed}: invariants broken: ${violations.join('; ')}`);

    const events = r.region.timeline.events().filter((e) => e.time >= from);
    const launched = events.find((e) => e.milestone === 'launched');
    if (!launched) throw new Error(`seed ${options.seed}: release v2 launched nothing`);
    const swapped = events.find(
      (e) => e.milestone === 'enterStandbyRequested' && e.groupName !== launched.groupName,
    );
    if (!swapped) throw new Error(`seed ${options.seed}: release v2 put no old instance in Standby`);
    const arn = r.service.targetGroups[0].arn;
    const floor = releaseFloor(events, launched.groupName, from, arn);
    const seconds = (swapped.time - release.startedAt) / 1000;
    const lastHealthy = Math.max(...floor.paths.map((p) => p.healthyAt));
    return {
      seed: options.seed,
      seconds,
      floor,
      overheadSeconds: seconds - floor.seconds,
      toLaunchSeconds: (launched.time - release.startedAt) / 1000,
      afterHealthySeconds: (swapped.time - lastHealthy) / 1000,
      mixedWindowSeconds: mixedVersionWindowSeconds(
        r.monitor.traffic,
        'v1',
        'v2',
        from,
        release.stoppedAt ?? r.clock.now(),
      ),
      bootSpreadSeconds: bootSpreadSeconds(floor),
      pollSeconds: Number(r.service.stepFunctions[0].environment.POLL_SECONDS),
      healthCheckIntervalSeconds: r.service.targetGroups[0].healthCheckIntervalSeconds,
    };
  } finally {
    r.region.dispose();
  }
}

export async function measureReleaseTiming(
  template: CfnTemplate,
  seeds: readonly number[],
  options: RehearsalOptions = {},
): Promise<ReleaseRun[]> {
  const runs: ReleaseRun[] = [];
  for (const seed of seeds) runs.push(await releaseOnce(template, { ...options, seed }));
  return runs;
}
