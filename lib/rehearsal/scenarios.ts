import type { RehearsalExecution } from './executions';
import { liveVersion, TrafficSecond } from './invariants';
import { Rehearsal } from './rehearsal';

/** A check a scenario makes: what it expected and whether it held. */
export interface ScenarioCheck {
  readonly description: string;
  readonly passed: boolean;
  readonly detail?: string;
}

export interface ScenarioResult {
  readonly name: string;
  readonly passed: boolean;
  readonly checks: ScenarioCheck[];
  /** Invariants broken at any moment. */
  readonly violations: string[];
  /** Named figures in seconds (or counts), e.g. `rollbackSeconds`. */
  readonly measurements: Record<string, number>;
}

export interface ScenarioOptions {
  /** Versions used in order. @default ['v1', 'v2', 'v3', 'v4'] */
  readonly versions?: readonly string[];
  /** Capacity of each release. @default - the service's default */
  readonly capacity?: number;
}

/** What a scenario uses to act and to record what it saw. */
export class ScenarioContext {
  public readonly checks: ScenarioCheck[] = [];
  public readonly measurements: Record<string, number> = {};

  constructor(
    public readonly rehearsal: Rehearsal,
    public readonly options: ScenarioOptions,
  ) {}

  public version(index: number): string {
    const versions = this.options.versions ?? ['v1', 'v2', 'v3', 'v4'];
    if (!versions[index]) throw new Error(`the scenario needs ${index + 1} versions`);
    return versions[index];
  }

  public request(version: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { version, ...(this.options.capacity ? { capacity: this.options.capacity } : {}), ...extra };
  }

  public check(description: string, passed: boolean, detail?: string): boolean {
    this.checks.push({ description, passed, detail });
    this.rehearsal.monitor.note(
      `${passed ? 'ok  ' : 'FAIL'} ${description}${detail && !passed ? ` (${detail})` : ''}`,
    );
    return passed;
  }

  public expectOutcome(execution: RehearsalExecution, status: string, error?: string): void {
    const actual = `${execution.status}${execution.error ? ` ${execution.error}: ${execution.cause}` : ''}`;
    this.check(
      `${execution.name} ends ${status}${error ? ` (${error})` : ''}`,
      execution.status === status && (error === undefined || execution.error === error),
      actual,
    );
  }

  public expectLive(version: string): void {
    const actual = liveVersion(this.rehearsal.monitor.view());
    this.check(`${version} is live`, actual === version, `live: ${actual ?? 'nothing'}`);
  }
}

export type Scenario = (context: ScenarioContext) => Promise<void>;

/** Runs a scenario on a rehearsal and collects its checks, invariants and measurements. */
export async function runScenario(
  name: string,
  scenario: Scenario,
  rehearsal: Rehearsal,
  options: ScenarioOptions = {},
): Promise<ScenarioResult> {
  const context = new ScenarioContext(rehearsal, options);
  await scenario(context);
  const violations = rehearsal.violations();
  return {
    name,
    passed: violations.length === 0 && context.checks.every((c) => c.passed),
    checks: context.checks,
    violations,
    measurements: context.measurements,
  };
}

/**
 * Seconds from `decision` until `version` serves every request, for good: the first second
 * after which no other version serves and nothing is dropped, up to `until`.
 */
export function secondsUntilOnlyVersion(
  traffic: readonly TrafficSecond[],
  version: string,
  decision: number,
  until: number,
): number | undefined {
  const window = traffic.filter((s) => s.time > decision && s.time <= until);
  let settledFrom: number | undefined;
  for (const second of window) {
    const others = Object.entries(second.servedByVersion).some(([v, n]) => v !== version && n > 0);
    if (others || second.dropped > 0) settledFrom = undefined;
    else settledFrom ??= second.time;
  }
  // A second's counts are taken at its end: the version served alone from the second before.
  return settledFrom === undefined ? undefined : (settledFrom - 1000 - decision) / 1000;
}

/** The default tour: first release, a release, a rollback on request during the bake, a release that never gets healthy. */
export const tour: Scenario = async (s) => {
  const r = s.rehearsal;
  const [v1, v2, v3, v4] = [0, 1, 2, 3].map((i) => s.version(i));

  const first = await r.execute(s.request(v1));
  s.expectOutcome(first, 'SUCCEEDED');
  s.expectLive(v1);

  const second = await r.execute(s.request(v2));
  s.expectOutcome(second, 'SUCCEEDED');
  s.expectLive(v2);

  const third = r.start(s.request(v3));
  await r.runUntilState(third, 'Bake');
  // A minute into the bake: the old fleet has drained into Standby and waits warm.
  await r.advance(60);
  const decision = r.clock.now();
  const rollback = await r.execute({ action: 'rollback' });
  await r.run(third.done);
  s.expectOutcome(rollback, 'SUCCEEDED');
  s.check(`${third.name} was stopped by the rollback`, third.status === 'ABORTED', third.status);
  s.expectLive(v2);
  const rollbackSeconds = secondsUntilOnlyVersion(
    r.monitor.traffic,
    v2,
    decision,
    rollback.stoppedAt ?? r.clock.now(),
  );
  s.check('the old version serves every request after the rollback', rollbackSeconds !== undefined);
  if (rollbackSeconds !== undefined) s.measurements.rollbackSeconds = rollbackSeconds;

  r.region.faults.unhealthyVersion(v4);
  const broken = await r.execute(s.request(v4, { healthTimeoutSeconds: 120 }));
  s.expectOutcome(broken, 'FAILED', 'ReleaseRolledBack');
  s.expectLive(v2);
};

export const SCENARIOS: Record<string, Scenario> = { tour };
