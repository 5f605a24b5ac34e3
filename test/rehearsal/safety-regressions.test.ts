import type { RehearsalExecution } from '../../lib/rehearsal/executions';
import { activeInstances, liveVersion, settledViolations } from '../../lib/rehearsal/invariants';
import { SeededRandom } from '../../lib/rehearsal/region/random';
import { Rehearsal, RehearsalOptions } from '../../lib/rehearsal/rehearsal';
import { demoTemplate, groupOf, MUTATING_COMMANDS, rehearse } from './harness';

/**
 * Safety regressions: one named test per case an adversarial review found. Each one runs the
 * synthesized state machine with the real handlers against the simulated region, acts at a precise
 * virtual instant (often while a step's Lambda is still running, which StopExecution does not
 * stop), and asserts what a safe release workflow guarantees, not what it does today.
 *
 * The demo template: minCapacity 2, maxCapacity 6, health-check interval 5 s, deregistration
 * delay 30 s, bake 5 min. Invocations take 100 ms before the handler runs, each AWS call 50 ms.
 */

const MIN_CAPACITY = 2;
/** Long enough for any Lambda of a stopped execution to finish and the fleet to settle. */
const SETTLE_SECONDS = 120;

/**
 * The retry backoff of the handlers draws its jitter from Math.random, which the rehearsal (as of
 * commit b25eac1) does not seed: seeded here, so a failing case replays the same way.
 */
beforeAll(() => demoTemplate()); // synthesized once, before any test seeds Math.random
beforeEach(() => seedJitter(1));
afterEach(() => jest.restoreAllMocks());

function seedJitter(seed: number): void {
  jest.restoreAllMocks();
  const random = new SeededRandom(seed * 7919 + 17);
  jest.spyOn(Math, 'random').mockImplementation(() => random.next());
}

/** Invocations pinned at 100 ms (the cases act at ms offsets into a step); the rest is the default profile's. */
function rehearsal(options: RehearsalOptions = {}): Rehearsal {
  const r = rehearse({ invokeLatencyMs: 100, ...options });
  seedJitter(options.seed ?? 1);
  return r;
}

async function withLive(r: Rehearsal, ...versions: string[]): Promise<Rehearsal> {
  for (const version of versions) {
    const release = await r.execute({ version });
    expect(outcome(release)).toBe('SUCCEEDED');
  }
  return r;
}

/** `STATUS Error: cause`, for assertions whose failure message should say what happened. */
function outcome(execution: RehearsalExecution): string {
  return [execution.status, execution.error, execution.cause].filter(Boolean).join(' ');
}

function enteredAt(execution: RehearsalExecution, state: string): number | undefined {
  return execution.events.find((e) => e.type === 'StateEntered' && e.state === state)?.time;
}

/** Drives the clock until `offsetMs` after the execution entered `state` (the first time). */
async function runUntilAfterEntering(
  r: Rehearsal,
  execution: RehearsalExecution,
  state: string,
  offsetMs: number,
): Promise<void> {
  await r.runUntilState(execution, state);
  const entered = enteredAt(execution, state);
  if (entered === undefined) {
    throw new Error(`${execution.name} never entered ${state}: ${outcome(execution)}`);
  }
  const waitMs = entered + offsetMs - r.clock.now();
  if (waitMs < 0) throw new Error(`already ${-waitMs} ms past ${offsetMs} ms into ${state}`);
  await r.advance(waitMs / 1000);
}

/** Runs until every execution ended, then lets stray Lambdas of stopped executions finish. */
async function settle(r: Rehearsal, ...executions: RehearsalExecution[]): Promise<void> {
  await r.run(Promise.all(executions.map((e) => e.done)));
  await r.advance(SETTLE_SECONDS);
}

function live(r: Rehearsal): string | undefined {
  return liveVersion(r.monitor.view());
}

/** Versions that answered requests in the last `seconds` virtual seconds, and what was dropped. */
function recentTraffic(r: Rehearsal, seconds = 10): { versions: string[]; dropped: number } {
  const recent = r.monitor.traffic.slice(-seconds);
  const versions = new Set<string>();
  for (const second of recent) for (const v of Object.keys(second.servedByVersion)) versions.add(v);
  return { versions: [...versions].sort(), dropped: recent.reduce((sum, s) => sum + s.dropped, 0) };
}

/** Healthy targets, by the version their instance runs. */
function healthyTargetsByVersion(r: Rehearsal): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const target of r.region.observe().targetGroups[0].targets) {
    if (target.state === 'healthy') counts[target.version ?? '?'] = (counts[target.version ?? '?'] ?? 0) + 1;
  }
  return counts;
}

/** The live group as the region shows it: its version tag and what its instances run. */
function liveFleet(r: Rehearsal): { tag?: string; running: string[]; inService: number } {
  const group = r.monitor.view().groups.find((g) => g.role === 'live');
  if (!group) return { running: [], inService: 0 };
  const active = activeInstances(group);
  return {
    tag: group.version,
    running: [...new Set(active.map((i) => i.version ?? 'booting'))].sort(),
    inService: active.filter((i) => i.lifecycleState === 'InService').length,
  };
}

/** Only `version` answers, from at least `atLeast` healthy targets. */
function expectServing(r: Rehearsal, version: string, atLeast: number): void {
  const healthy = healthyTargetsByVersion(r);
  expect(healthy).toEqual({ [version]: expect.any(Number) });
  expect(healthy[version]).toBeGreaterThanOrEqual(atLeast);
}

function inServiceOf(r: Rehearsal, colour: string): number {
  const group = r.region.observe().groups.find((g) => g.name === groupOf(r, colour))!;
  return group.instances.filter((i) => i.lifecycleState === 'InService').length;
}

function standbyIdsOf(r: Rehearsal, colour: string): string[] {
  const group = r.region.observe().groups.find((g) => g.name === groupOf(r, colour))!;
  return group.instances.filter((i) => i.lifecycleState === 'Standby').map((i) => i.id);
}

describe('1. stop during Swap, then a rollback at once: never a full outage', () => {
  const cases = [200, 400, 600].flatMap((offsetMs) =>
    [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => [offsetMs, seed] as const),
  );

  test.each(cases)(
    'stopped %i ms into Swap (seed %i) under throttling and ResourceContention: no request dropped, v1 serves every request',
    async (offsetMs, seed) => {
      // GIVEN v1 live, and mutating calls failing often (retried with backoff)
      const r = await withLive(rehearsal({ seed }), 'v1');
      r.region.faults.failCalls({ commands: MUTATING_COMMANDS, error: 'Throttling', probability: 0.3 });
      r.region.faults.failCalls({
        commands: MUTATING_COMMANDS,
        error: 'ResourceContention',
        probability: 0.2,
      });
      // WHEN release v2 is stopped while its Swap Lambda runs, and a rollback starts at once
      const release = r.start({ version: 'v2' });
      await runUntilAfterEntering(r, release, 'Swap', offsetMs);
      r.stop(release);
      const rollback = r.start({ action: 'rollback' });
      await settle(r, release, rollback);
      // THEN no second of dropped requests, and v1 is what serves
      expect(r.violations()).toEqual([]);
      expect(live(r)).toBe('v1');
      expectServing(r, 'v1', MIN_CAPACITY);
      if (rollback.status === 'SUCCEEDED') expect(recentTraffic(r)).toEqual({ versions: ['v1'], dropped: 0 });
    },
  );
});

describe('2. stop during ScaleUp, then another release: the version reported is the version running', () => {
  const cases = [0, 100, 200, 300, 400, 600, 800].flatMap((offsetMs) =>
    [1, 2, 3, 4].map((seed) => [offsetMs, seed] as const),
  );

  test.each(cases)(
    'v3 stopped %i ms into ScaleUp (seed %i) while its tag writes are throttled, then v4: if v4 succeeds, v4 is what runs',
    async (offsetMs, seed) => {
      // GIVEN v1 live, tag writes throttled most of the time
      const r = await withLive(rehearsal({ seed }), 'v1');
      const throttling = r.region.faults.failCalls({
        commands: ['CreateOrUpdateTags'],
        error: 'Throttling',
        probability: 0.7,
      });
      // WHEN v3 is stopped mid-ScaleUp and v4 is started at once
      const v3 = r.start({ version: 'v3' });
      await runUntilAfterEntering(r, v3, 'ScaleUp', offsetMs);
      r.stop(v3);
      const v4 = r.start({ version: 'v4' });
      // ... and the throttling ends once v4 has scaled up (v3's stray retries then land)
      await r.runUntilState(v4, 'WaitForHealth');
      throttling.remove();
      await settle(r, v3, v4);
      // THEN a release reported SUCCEEDED runs what it says, on every instance of the live group
      expect(r.violations()).toEqual([]);
      if (v4.status === 'SUCCEEDED') {
        expect(liveFleet(r)).toMatchObject({ tag: 'v4', running: ['v4'] });
        expect(recentTraffic(r)).toEqual({ versions: ['v4'], dropped: 0 });
      }
    },
  );
});

describe('3. stop during Finalize, then at once another execution: no false ReleaseInProgress', () => {
  // Finalize took 350 ms at commit 96fa807 (100 ms invocation, then one AWS call after another).
  const offsets = [0, 50, 100, 150, 200, 250, 300];

  test.each(offsets)(
    'release v2 stopped %i ms into Finalize, then release v3: v3 is not refused, it succeeds',
    async (offsetMs) => {
      const r = await withLive(rehearsal(), 'v1');
      const v2 = r.start({ version: 'v2' });
      await runUntilAfterEntering(r, v2, 'Finalize', offsetMs);
      r.stop(v2);
      const v3 = r.start({ version: 'v3' });
      await settle(r, v2, v3);
      expect(outcome(v3)).not.toMatch(/ReleaseInProgress/);
      expect(outcome(v3)).toBe('SUCCEEDED');
      expect(live(r)).toBe('v3');
      expect(r.violations()).toEqual([]);
    },
  );

  test.each(offsets)(
    'release v2 stopped %i ms into Finalize, then a rollback: the rollback is not refused, it succeeds',
    async (offsetMs) => {
      const r = await withLive(rehearsal(), 'v1');
      const v2 = r.start({ version: 'v2' });
      await runUntilAfterEntering(r, v2, 'Finalize', offsetMs);
      r.stop(v2);
      const rollback = r.start({ action: 'rollback' });
      await settle(r, v2, rollback);
      expect(outcome(rollback)).not.toMatch(/ReleaseInProgress/);
      expect(outcome(rollback)).toBe('SUCCEEDED');
      expect(r.violations()).toEqual([]);
    },
  );
});

describe('4. stop during ScaleUp, then a rollback: the interrupted release is reconciled, not refused', () => {
  // ScaleUp took 350 ms at commit 96fa807 (100 ms invocation, then one AWS call after another).
  test.each([0, 50, 100, 150, 250])(
    'release v2 stopped %i ms into ScaleUp, then a rollback: not InvalidRequest, the idle group is emptied, v3 then succeeds',
    async (offsetMs) => {
      // GIVEN v1 live (a first release: no previous version to re-release)
      const r = await withLive(rehearsal(), 'v1');
      const v2 = r.start({ version: 'v2' });
      await runUntilAfterEntering(r, v2, 'ScaleUp', offsetMs);
      // WHEN v2 is stopped and a rollback requested at once
      r.stop(v2);
      const rollback = r.start({ action: 'rollback' });
      await settle(r, v2, rollback);
      // THEN the rollback reconciles what v2 started, and leaves nothing behind
      expect(outcome(rollback)).not.toMatch(/InvalidRequest/);
      expect(outcome(rollback)).toBe('SUCCEEDED');
      expect(settledViolations(r.monitor.view(), MIN_CAPACITY)).toEqual([]);
      expect(live(r)).toBe('v1');
      expectServing(r, 'v1', MIN_CAPACITY);
      // ... and the next release finds an empty idle group
      const v3 = await r.execute({ version: 'v3' });
      expect(outcome(v3)).not.toMatch(/IdleGroupNotEmpty/);
      expect(outcome(v3)).toBe('SUCCEEDED');
      expect(live(r)).toBe('v3');
      expect(r.monitor.view().lockHeld).toBe(false);
      expect(r.violations()).toEqual([]);
    },
  );
});

describe('5. two rollbacks in a row never undo each other', () => {
  test.each([0.5, 30, 90])(
    'after v1 then v2, rollback B started %d s into rollback A: v1 is live at the end',
    async (secondsIntoA) => {
      // GIVEN v2 live, v1 before it
      const r = await withLive(rehearsal(), 'v1', 'v2');
      // WHEN rollback A (re-releases v1) and, a little later, rollback B
      const a = r.start({ action: 'rollback' });
      await r.advance(secondsIntoA);
      const b = r.start({ action: 'rollback' });
      await settle(r, a, b);
      // THEN whatever the outcomes, the service is back on v1
      expect(live(r)).toBe('v1');
      expectServing(r, 'v1', MIN_CAPACITY);
      for (const rollback of [a, b]) {
        if (rollback.status === 'SUCCEEDED') expect(rollback.output?.summary?.version).toBe('v1');
      }
      expect(r.violations()).toEqual([]);
    },
  );
});

describe('6. the new fleet matches the capacity of the fleet it replaces', () => {
  test('live group scaled out 2 → 5 during the health wait: after the swap the new live group runs at least 5', async () => {
    // GIVEN v1 live at capacity 2, and release v2 waiting for health
    const r = await withLive(rehearsal(), 'v1');
    const release = r.start({ version: 'v2' });
    await r.runUntilState(release, 'CheckHealth');
    // WHEN a CPU alarm scales the live (blue) group out by 3
    expect(r.region.faults.scaleOut(groupOf(r, 'blue'), 3)).toBe(true);
    await r.runUntilState(release, 'Bake');
    // THEN the new live group took over with the capacity the old one had at the swap
    const atBake = inServiceOf(r, 'green');
    await settle(r, release);
    expect(outcome(release)).toBe('SUCCEEDED');
    expect(atBake).toBeGreaterThanOrEqual(5);
    expect(inServiceOf(r, 'green')).toBeGreaterThanOrEqual(5);
    expect(r.violations()).toEqual([]);
  });

  test('new group scaled out 2 → 5 during the bake, then a rollback: at least 5 instances of v1 are restored', async () => {
    // GIVEN v2 swapped in and baking
    const r = await withLive(rehearsal(), 'v1');
    const release = r.start({ version: 'v2' });
    await r.runUntilState(release, 'Bake');
    // WHEN the new live (green) group is scaled out by 3 and a rollback is requested
    expect(r.region.faults.scaleOut(groupOf(r, 'green'), 3)).toBe(true);
    await r.advance(90);
    expect(inServiceOf(r, 'green')).toBe(5);
    const rollback = r.start({ action: 'rollback' });
    await settle(r, release, rollback);
    // THEN v1 is back with the capacity the service needed when it was rolled back
    expect(outcome(rollback)).toBe('SUCCEEDED');
    expect(live(r)).toBe('v1');
    expectServing(r, 'v1', 5);
    expect(r.violations()).toEqual([]);
  });
});

describe("7. the old fleet's Standby instances lost or impaired during the bake, then a rollback", () => {
  /** v1 live, v2 swapped in; `seconds` into the bake, the old fleet (blue) is in Standby. */
  async function baking(seconds = 60): Promise<{ r: Rehearsal; release: RehearsalExecution }> {
    const r = await withLive(rehearsal(), 'v1');
    const release = r.start({ version: 'v2' });
    await r.runUntilState(release, 'Bake');
    await r.advance(seconds);
    expect(standbyIdsOf(r, 'blue')).toHaveLength(2);
    return { r, release };
  }

  /**
   * Never a SUCCEEDED "rolled back" with v2 serving: either v1 serves every request at MinSize
   * healthy instances and the rollback says v1, or the rollback failed and says what is live.
   */
  function expectHonestRollback(r: Rehearsal, rollback: RehearsalExecution, atEnd: Record<string, number>) {
    if (rollback.status === 'SUCCEEDED') {
      expect(rollback.output?.summary?.version).toBe('v1');
      expect(atEnd).toEqual({ v1: expect.any(Number) });
      expect(atEnd.v1).toBeGreaterThanOrEqual(MIN_CAPACITY);
      expect(recentTraffic(r)).toEqual({ versions: ['v1'], dropped: 0 });
    } else {
      expect(rollback.status).toBe('FAILED');
      expect(rollback.cause ?? '').toMatch(/v2.*live|live.*v2/);
    }
  }

  test.each([
    ['both', 2],
    ['one of the two', 1],
  ])(
    '%s Standby instance(s) terminated by a person during the bake, then a rollback: never reported rolled back with v2 serving',
    async (_which, count) => {
      // GIVEN the old fleet in Standby during the bake
      const { r, release } = await baking();
      // WHEN a person terminates Standby instances, then a rollback is requested
      for (const id of standbyIdsOf(r, 'blue').slice(0, count)) r.region.faults.terminateInstance(id);
      await r.advance(10);
      const rollback = r.start({ action: 'rollback' });
      await r.run(rollback.done);
      const atEnd = healthyTargetsByVersion(r);
      await settle(r, release, rollback);
      // THEN the rollback outcome tells the truth about what serves
      expectHonestRollback(r, rollback, atEnd);
      expect(r.violations()).toEqual([]);
    },
  );

  // Virtual time the rollback took (no timing assertion): 370 s at commit 96fa807 (it exits both
  // instances from Standby and waits until every one is healthy; the group replaces the impaired
  // one only after its health-check grace period, 5 min counted again from its return to
  // InService, then the replacement boots, starts and passes a check); 69 s at commit b25eac1.
  test('an impaired (not terminated) Standby instance, then a rollback: v1 serves at MinSize healthy instances at the end', async () => {
    // GIVEN the old fleet in Standby during the bake, one of its instances impaired
    const { r, release } = await baking();
    r.region.faults.killInstance(standbyIdsOf(r, 'blue')[0]);
    await r.advance(10);
    // WHEN a rollback is requested
    const rollback = r.start({ action: 'rollback' });
    await r.run(rollback.done);
    const atEnd = healthyTargetsByVersion(r);
    await settle(r, release, rollback);
    // THEN it ends with v1 serving at MinSize healthy instances (or fails saying what is live)
    expectHonestRollback(r, rollback, atEnd);
    expect(live(r)).toBe('v1');
    expect(r.violations()).toEqual([]);
  });
});
