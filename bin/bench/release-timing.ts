/**
 * One release v1 → v2 per seed (docs/aws-model.md, "Bench floors").
 *
 * - Measured: StartExecution → the first old instance's EnterStandby accepted (from then on the
 *   old version gets no new requests: the swap took effect on AWS).
 * - Floor: the slowest new instance's launch → first healthy on the traffic target group (boot,
 *   registration delay, app start, health checks), from the region's instance timeline, plus the
 *   Lambda invocation latency on the critical path (before the launch, and after the last new
 *   instance turned healthy): AWS-side time too.
 * - Overhead = measured − floor: the workflow's own calls and its poll lag.
 * - Mixed-version window: the first new instance healthy → the last old instance leaving the
 *   target group's routing (timeline, to the ms; the traffic monitor's inclusive whole seconds are
 *   reported next to it). Its excess over the new fleet's boot spread is the last new instance
 *   healthy → the last old one out, less the Lambda latency in that span.
 */
import { Rehearsal, type RehearsalOptions } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { mixedVersionWindowSeconds } from './figures';
import {
  bootSpreadSeconds,
  lastLeftRouting,
  milestoneSpreadSeconds,
  releaseFloor,
  type Floor,
} from './floors';
import { lambdaLatencySeconds } from './rollback';

export interface ReleaseRun {
  readonly seed: number;
  /** StartExecution → first EnterStandby of the old fleet, seconds. */
  readonly seconds: number;
  /** The slowest new instance's path (launch → first healthy). */
  readonly floor: Floor;
  /** floor + Lambda invocation latency on the critical path. */
  readonly floorSeconds: number;
  /** seconds − floorSeconds. */
  readonly overheadSeconds: number;
  /** Lambda invocation latency on the critical path. */
  readonly lambdaLatencySeconds: number;
  /** StartExecution → the first new instance launched. */
  readonly toLaunchSeconds: number;
  /** The last new instance healthy → the first EnterStandby of the old fleet. */
  readonly afterHealthySeconds: number;
  /** The first new instance healthy → the last old instance out of routing, seconds. */
  readonly mixedWindowSeconds: number;
  /** Inclusive traffic seconds in which both versions served (mixedVersionWindowSeconds). */
  readonly mixedTrafficSeconds: number;
  /** mixedWindowSeconds − bootSpreadSeconds − Lambda latency after the last new instance healthy. */
  readonly mixedExcessSeconds: number;
  /** The last new instance's first healthy − the first's (bootSpreadSeconds). */
  readonly bootSpreadSeconds: number;
  /** How far apart the new fleet's instances reached each step on their way in. */
  readonly spreads: NewFleetSpreads;
  readonly pollSeconds: number;
  readonly healthCheckIntervalSeconds: number;
}

/**
 * The new fleet's spread (last − first, seconds) at each milestone on its way into service: its
 * apps answering (the boot spread a release without validation would show), the lifecycle
 * actions completed (Pending:Proceed; with validation, the pass that lets the fleet in), then
 * AWS's own per-instance steps, InService and registration complete.
 */
export interface NewFleetSpreads {
  readonly appUp: number;
  readonly proceeding: number;
  readonly inService: number;
  readonly registrationComplete: number;
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
    const newIds = floor.paths.map((p) => p.instanceId);
    const spreadAt = (milestone: keyof NewFleetSpreads, targetGroupArn?: string) =>
      milestoneSpreadSeconds(events, newIds, milestone, from, targetGroupArn);
    const seconds = (swapped.time - release.startedAt) / 1000;
    const firstHealthy = Math.min(...floor.paths.map((p) => p.healthyAt));
    const lastHealthy = Math.max(...floor.paths.map((p) => p.healthyAt));
    const oldGroups = new Set(r.service.groups.map((g) => g.name).filter((n) => n !== launched.groupName));
    const lastOldOut = lastLeftRouting(events, oldGroups, lastHealthy, arn);
    if (lastOldOut === undefined)
      throw new Error(`seed ${options.seed}: no old instance left the target group`);
    const history = release.history.list();
    const afterHealthyLambda = lambdaLatencySeconds(history, lastHealthy, swapped.time);
    const lambdaSeconds =
      lambdaLatencySeconds(history, release.startedAt, launched.time) + afterHealthyLambda;
    const floorSeconds = floor.seconds + lambdaSeconds;
    const bootSpread = bootSpreadSeconds(floor);
    const mixedWindow = (lastOldOut - firstHealthy) / 1000;
    return {
      seed: options.seed,
      seconds,
      floor,
      floorSeconds,
      overheadSeconds: seconds - floorSeconds,
      lambdaLatencySeconds: lambdaSeconds,
      toLaunchSeconds: (launched.time - release.startedAt) / 1000,
      afterHealthySeconds: (swapped.time - lastHealthy) / 1000,
      mixedWindowSeconds: mixedWindow,
      mixedTrafficSeconds: mixedVersionWindowSeconds(
        r.monitor.traffic,
        'v1',
        'v2',
        from,
        release.stoppedAt ?? r.clock.now(),
      ),
      mixedExcessSeconds: mixedWindow - bootSpread - lambdaLatencySeconds(history, lastHealthy, lastOldOut),
      bootSpreadSeconds: bootSpread,
      spreads: {
        appUp: spreadAt('appUp'),
        proceeding: spreadAt('proceeding'),
        inService: spreadAt('inService'),
        registrationComplete: spreadAt('registrationComplete', arn),
      },
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
