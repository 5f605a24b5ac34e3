/**
 * Rollback on request during the bake, one run per seed: releases v1, v2, starts v3, waits 60 s
 * into the bake, rolls back. Measured: the decision → the first second from which v2 alone serves
 * every request (as the tour measures it). Floor: the slowest v2 instance's ExitStandby accepted →
 * first healthy (floors.ts, docs/aws-model.md "Bench floors"). Overhead = measured − floor.
 */
import { Rehearsal, type RehearsalOptions } from '../../lib/rehearsal/rehearsal';
import { secondsUntilOnlyVersion } from '../../lib/rehearsal/scenarios';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { rollbackFloor, type Floor } from './floors';

export interface RollbackRun {
  readonly seed: number;
  /** Decision → v2 alone serves every request, seconds. */
  readonly seconds: number;
  readonly floor: Floor;
  /** seconds − floor. */
  readonly overheadSeconds: number;
  /** Decision → the first ExitStandby accepted (the workflow's start-up: execution, Prepare, Rollback, lock). */
  readonly toFirstRequestSeconds: number;
  /** Of which Lambda invocation latency (LambdaFunctionScheduled → Started, cold starts included). */
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
    const seconds = secondsUntilOnlyVersion(r.monitor.traffic, 'v2', decision, until);
    if (seconds === undefined) throw new Error(`seed ${options.seed}: v2 never served every request alone`);
    const violations = r.violations();
    if (violations.length > 0)
      throw new Error(`seed ${options.seed}: invariants broken: ${violations.join('; ')}`);

    const arn = r.service.targetGroups[0].arn;
    const floor = rollbackFloor(r.region.timeline.events(), decision, arn);
    const firstRequest = Math.min(...floor.paths.map((p) => p.requestedAt));
    const lastHealthy = Math.max(...floor.paths.map((p) => p.healthyAt));
    return {
      seed: options.seed,
      seconds,
      floor,
      overheadSeconds: seconds - floor.seconds,
      toFirstRequestSeconds: (firstRequest - decision) / 1000,
      lambdaLatencySeconds: lambdaLatencySeconds(rollback.history.list(), decision, firstRequest),
      afterHealthySeconds: seconds - (lastHealthy - decision) / 1000,
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
