/**
 * Rollback on request during the bake, one run per seed: releases v1, v2, starts v3, waits 60 s
 * into the bake, rolls back (docs/aws-model.md, "Bench floors").
 * - Measured: the decision → the moment v2 alone serves: its last instance's first healthy check
 *   or the last v3 instance leaving the target group's routing, whichever is later (from the
 *   region's instance timeline, to the millisecond). The traffic monitor's whole seconds are never
 *   more than one second later (`servedSeconds`, checked).
 * - Floor: the slowest v2 instance's ExitStandby accepted → first healthy (floors.ts), plus the
 *   Lambda invocation latency on the critical path (the Lambda service's scheduling and cold
 *   starts, drawn from the profile) and Auto Scaling's scale-in of the retired group (its
 *   UpdateAutoScalingGroup accepted → its instances leaving routing): AWS-side time too.
 * - Overhead = measured − floor: the workflow's own calls and polls.
 */
import { Rehearsal, type RehearsalOptions } from '../../lib/rehearsal/rehearsal';
import { secondsUntilOnlyVersion } from '../../lib/rehearsal/scenarios';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { lastLeftRouting, rollbackFloor, type Floor } from './floors';

export interface RollbackRun {
  readonly seed: number;
  /** Decision → v2 alone serves (timeline, to the ms), seconds. */
  readonly seconds: number;
  /** Decision → the first whole traffic second in which v2 alone served. */
  readonly servedSeconds: number;
  /** The slowest restored instance's path (ExitStandby → first healthy). */
  readonly floor: Floor;
  /** floor + Lambda invocation latency on the critical path + the retired group's scale-in. */
  readonly floorSeconds: number;
  /** The retired group's UpdateAutoScalingGroup (to zero) accepted → its instances out of routing. */
  readonly scaleInSeconds: number;
  /** seconds − floorSeconds. */
  readonly overheadSeconds: number;
  /** Decision → the first ExitStandby accepted (the workflow's start-up: execution, Prepare, Rollback, lock). */
  readonly toFirstRequestSeconds: number;
  /** Lambda invocation latency on the critical path (LambdaFunctionScheduled → Started, cold starts included). */
  readonly lambdaLatencySeconds: number;
  /** The last v2 instance healthy → v2 alone serves (the rollback noticing it and retiring v3). */
  readonly afterHealthySeconds: number;
  readonly healthCheckIntervalSeconds: number;
}

/** Sum of LambdaFunctionScheduled → LambdaFunctionStarted of invocations scheduled in [from, until). */
export function lambdaLatencySeconds(
  history: readonly { readonly time: number; readonly type: string }[],
  from: number,
  until: number,
): number {
  let total = 0;
  let scheduledAt: number | undefined;
  for (const e of history) {
    if (e.type === 'LambdaFunctionScheduled')
      scheduledAt = e.time >= from && e.time < until ? e.time : undefined;
    if (e.type === 'LambdaFunctionStarted' && scheduledAt !== undefined) {
      total += Math.min(e.time, until) - scheduledAt;
      scheduledAt = undefined;
    }
  }
  return total / 1000;
}

export async function rollbackOnce(
  template: CfnTemplate,
  options: RehearsalOptions & { readonly seed: number },
): Promise<RollbackRun> {
  const r = Rehearsal.fromTemplate(template, options);
  try {
    for (const version of ['v1', 'v2']) {
      const release = await r.execute({ version });
      if (release.status !== 'SUCCEEDED')
        throw new Error(`seed ${options.seed}: release ${version}: ${release.status} ${release.cause ?? ''}`);
    }
    const third = r.start({ version: 'v3' });
    await r.runUntilState(third, 'Bake');
    await r.advance(60);
    const decision = r.clock.now();
    const rollback = await r.execute({ action: 'rollback' });
    await r.run(third.done);
    if (rollback.status !== 'SUCCEEDED')
      throw new Error(`seed ${options.seed}: rollback: ${rollback.status} ${rollback.cause ?? ''}`);
    const until = rollback.stoppedAt ?? r.clock.now();
    const servedSeconds = secondsUntilOnlyVersion(r.monitor.traffic, 'v2', decision, until);
    if (servedSeconds === undefined)
      throw new Error(`seed ${options.seed}: v2 never served every request alone`);
    const violations = r.violations();
    if (violations.length > 0)
      throw new Error(`seed ${options.seed}: invariants broken: ${violations.join('; ')}`);

    const arn = r.service.targetGroups[0].arn;
    const events = r.region.timeline.events();
    const floor = rollbackFloor(events, decision, arn);
    const restored = new Set(
      floor.paths.map((p) => events.find((e) => e.instanceId === p.instanceId)!.groupName),
    );
    const retired = new Set(r.service.groups.map((g) => g.name).filter((name) => !restored.has(name)));
    const firstRequest = Math.min(...floor.paths.map((p) => p.requestedAt));
    const lastHealthy = Math.max(...floor.paths.map((p) => p.healthyAt));
    const end = Math.max(lastHealthy, lastLeftRouting(events, retired, decision, arn) ?? lastHealthy);
    const seconds = (end - decision) / 1000;
    // Requests are discrete: the old version may take none in its last second of routing, so the
    // traffic monitor can see v2 alone earlier, but never more than a second after the timeline.
    if (servedSeconds > seconds + 1)
      throw new Error(`seed ${options.seed}: timeline ${seconds} s and traffic ${servedSeconds} s disagree`);
    const history = rollback.history.list();
    const lambdaSeconds =
      lambdaLatencySeconds(history, decision, firstRequest) + lambdaLatencySeconds(history, lastHealthy, end);
    // The retired group scaled to zero: Auto Scaling's own time from the accepted request to the
    // instances leaving the target group is AWS-side too.
    const retireRequest = r.region.calls
      .history()
      .filter(
        (c) =>
          c.command === 'UpdateAutoScalingGroup' &&
          c.outcome === 'ok' &&
          c.time >= lastHealthy &&
          c.time <= end,
      )
      .pop();
    const scaleInSeconds = end > lastHealthy && retireRequest ? (end - retireRequest.time) / 1000 : 0;
    const floorSeconds = floor.seconds + lambdaSeconds + scaleInSeconds;
    return {
      seed: options.seed,
      seconds,
      servedSeconds,
      floor,
      floorSeconds,
      overheadSeconds: seconds - floorSeconds,
      toFirstRequestSeconds: (firstRequest - decision) / 1000,
      lambdaLatencySeconds: lambdaSeconds,
      scaleInSeconds,
      afterHealthySeconds: (end - lastHealthy) / 1000,
      healthCheckIntervalSeconds: r.service.targetGroups[0].healthCheckIntervalSeconds,
    };
  } finally {
    r.region.dispose();
  }
}

export async function measureRollback(
  template: CfnTemplate,
  seeds: readonly number[],
  options: RehearsalOptions = {},
): Promise<RollbackRun[]> {
  const runs: RollbackRun[] = [];
  for (const seed of seeds) runs.push(await rollbackOnce(template, { ...options, seed }));
  return runs;
}
