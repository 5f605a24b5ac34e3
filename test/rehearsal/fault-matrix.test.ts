import { liveVersion } from '../../lib/rehearsal/invariants';
import { PROFILES, type ProfileName } from '../../lib/rehearsal/region/profile';
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import type { RehearsalOptions } from '../../lib/rehearsal/rehearsal';
import {
  demoTemplate,
  groupOf,
  MUTATING_COMMANDS,
  rehearse as rehearseTypical,
  serviceTemplate,
} from './harness';

/**
 * The fault matrix: each case runs the synthesized state machine with the real handlers against
 * the simulated region, injects one fault, and checks the outcome and every invariant (zero
 * dropped requests, only the old or new version serving, nothing left in Standby, no MinSize
 * pinned, one live group, the lock released). The whole matrix runs under both region profiles,
 * `typical` and `harsh` (docs/aws-model.md): jittered timings at the pessimistic end, rate limits,
 * calls that fail after taking effect, reads that lag writes.
 */

describe.each(Object.keys(PROFILES) as ProfileName[])('%s profile', (profileName) => {
  const PROFILE = PROFILES[profileName];

  /** A rehearsal in this profile (options may override parts of it). */
  function rehearse(options: RehearsalOptions = {}, template = demoTemplate()): Rehearsal {
    return rehearseTypical({ profile: PROFILE, ...options }, template);
  }

  async function withLive(version: string, rehearsal = rehearse()): Promise<Rehearsal> {
    const first = await rehearsal.execute({ version });
    expect(first.status).toBe('SUCCEEDED');
    return rehearsal;
  }

  function live(rehearsal: Rehearsal): string | undefined {
    return liveVersion(rehearsal.monitor.view());
  }

  function mutatingCalls(rehearsal: Rehearsal): number {
    return Object.values(rehearsal.region.calls.mutatingCounts()).reduce((sum, n) => sum + n, 0);
  }

  describe('releases', () => {
    test('first release into an empty service', async () => {
      const r = rehearse();
      const release = await r.execute({ version: 'v1' });
      expect(release.status).toBe('SUCCEEDED');
      expect(live(r)).toBe('v1');
      expect(r.violations()).toEqual([]);
    });

    test('a release swaps the live group into Standby, bakes, then terminates it', async () => {
      const r = await withLive('v1');
      const release = await r.execute({ version: 'v2' });
      expect(release.status).toBe('SUCCEEDED');
      expect(release.events.map((e) => e.state)).toEqual(
        expect.arrayContaining(['Swap', 'Bake', 'Finalize', 'Released']),
      );
      expect(live(r)).toBe('v2');
      expect(r.region.calls.get('AutoScaling', 'EnterStandby').count).toBeGreaterThan(0);
      expect(r.violations()).toEqual([]);
    });

    test('health never passes: automatic rollback, the execution fails with the reason', async () => {
      const r = await withLive('v1');
      r.region.faults.unhealthyVersion('v2');
      const release = await r.execute({ version: 'v2', healthTimeoutSeconds: 180 });
      expect(release.status).toBe('FAILED');
      expect(release.error).toBe('ReleaseRolledBack');
      expect(release.cause).toMatch(/health timeout: 0 of 2 instances healthy/);
      expect(live(r)).toBe('v1');
      expect(r.violations()).toEqual([]);
    });

    test('an instance that dies mid-wait is replaced and followed', async () => {
      const r = await withLive('v1');
      const release = r.start({ version: 'v2' });
      await r.runUntilState(release, 'CheckHealth');
      const green = r.region.observe().groups.find((g) => g.name === groupOf(r, 'green'))!;
      r.region.faults.killInstance(green.instances[0].id);
      await r.run(release.done);
      expect(release.status).toBe('SUCCEEDED');
      expect(live(r)).toBe('v2');
      expect(r.violations()).toEqual([]);
    });

    test.each(['Throttling', 'ResourceContention'])(
      '%s on every mutating call: retried, release succeeds',
      async (error) => {
        const r = await withLive('v1');
        const fault = r.region.faults.failCalls({ commands: MUTATING_COMMANDS, error, probability: 0.5 });
        const release = await r.execute({ version: 'v2' });
        expect(fault.injected).toBeGreaterThan(5);
        expect(release.status).toBe('SUCCEEDED');
        expect(live(r)).toBe('v2');
        expect(r.violations()).toEqual([]);
      },
    );

    test('tag lag on boot: instances read the group tag, not their own late copy', async () => {
      const r = rehearse({ tagLagSeconds: 600 });
      await withLive('v1', r);
      const release = await r.execute({ version: 'v2' });
      expect(release.status).toBe('SUCCEEDED');
      expect(live(r)).toBe('v2');
      expect(r.violations()).toEqual([]);
    });

    test('two releases started at once: exactly one proceeds', async () => {
      const r = await withLive('v1');
      const a = r.start({ version: 'v2' });
      const b = r.start({ version: 'v3' });
      await r.run(Promise.all([a.done, b.done]));
      const outcomes = [a, b].map((e) => `${e.status} ${e.error ?? ''}`.trim()).sort();
      expect(outcomes).toEqual(['FAILED ReleaseInProgress', 'SUCCEEDED']);
      expect(live(r)).toBe(a.status === 'SUCCEEDED' ? 'v2' : 'v3');
      expect(r.violations()).toEqual([]);
    });

    test('scale-out of the live group during a release: the new instances never serve after the swap', async () => {
      const r = await withLive('v1');
      const release = r.start({ version: 'v2' });
      await r.runUntilState(release, 'CheckHealth');
      expect(r.region.faults.scaleOut(groupOf(r, 'blue'), 2)).toBe(true);
      await r.run(release.done);
      expect(release.status).toBe('SUCCEEDED');
      expect(live(r)).toBe('v2');
      expect(r.violations()).toEqual([]);
    });
  });

  describe('rollbacks', () => {
    test('on request during the bake: the release is stopped, the old fleet leaves Standby', async () => {
      const r = await withLive('v1');
      const release = r.start({ version: 'v2' });
      await r.runUntilState(release, 'Bake');
      await r.advance(60);
      const rollback = await r.execute({ action: 'rollback' });
      await r.run(release.done);
      expect(rollback.status).toBe('SUCCEEDED');
      expect(release.status).toBe('ABORTED');
      expect(r.region.calls.get('AutoScaling', 'ExitStandby').count).toBeGreaterThan(0);
      expect(live(r)).toBe('v1');
      expect(r.violations()).toEqual([]);
    });

    test('right after the swap with a long deregistration delay: waits for EnteringStandby to end', async () => {
      // Draining pinned to the full delay (the harsh setting: connections still open when the swap
      // deregisters the old fleet); typical ends it once in-flight requests finish.
      const r = await withLive('v1', rehearse({ profile: { ...PROFILE, drainEarlyWhenIdle: false } }));
      r.region.faults.setDeregistrationDelay(r.service.targetGroups[0].arn, 120);
      const release = r.start({ version: 'v2' });
      await r.runUntilState(release, 'Bake');
      const decided = r.clock.now();
      const rollback = await r.execute({ action: 'rollback' });
      expect(rollback.status).toBe('SUCCEEDED');
      expect((rollback.stoppedAt! - decided) / 1000).toBeGreaterThanOrEqual(115);
      expect(live(r)).toBe('v1');
      expect(r.violations()).toEqual([]);
    });

    test('after finalize: re-releases the previous version recorded on the tags', async () => {
      const r = await withLive('v1');
      expect((await r.execute({ version: 'v2' })).status).toBe('SUCCEEDED');
      const rollback = await r.execute({ action: 'rollback' });
      expect(rollback.status).toBe('SUCCEEDED');
      expect(live(r)).toBe('v1');
      expect(r.violations()).toEqual([]);
    });

    test('with nothing to roll back to: refused, nothing changed', async () => {
      const r = rehearse();
      const rollback = await r.execute({ action: 'rollback' });
      expect(rollback.status).toBe('FAILED');
      expect(rollback.error).toBe('InvalidRequest');
      expect(mutatingCalls(r)).toBe(0);
    });
  });

  describe('an execution stopped at any point is reconciled by the next one', () => {
    test.each(['ScaleUp', 'CheckHealth', 'Swap', 'Bake', 'Finalize'])(
      'stopped on entering %s, then a new release',
      async (state) => {
        const r = await withLive('v1');
        const interrupted = r.start({ version: 'v2' });
        await r.runUntilState(interrupted, state);
        r.stop(interrupted);
        await r.advance(30);
        const next = await r.execute({ version: 'v3' });
        expect(next.status).toBe('SUCCEEDED');
        expect(live(r)).toBe('v3');
        expect(r.violations()).toEqual([]);
      },
    );

    test.each(['CheckHealth', 'Swap', 'Bake'])('stopped on entering %s, then a rollback', async (state) => {
      const r = await withLive('v1');
      const interrupted = r.start({ version: 'v2' });
      await r.runUntilState(interrupted, state);
      r.stop(interrupted);
      await r.advance(30);
      const rollback = await r.execute({ action: 'rollback' });
      expect(rollback.status).toBe('SUCCEEDED');
      expect(live(r)).toBe('v1');
      expect(r.violations()).toEqual([]);
    });
  });

  describe('bad requests fail before any mutating call', () => {
    test.each([['v1; rm -rf /'], ['$(id)'], [''], ['x'.repeat(300)], [undefined]])(
      'version %j',
      async (version) => {
        const r = await withLive('v1');
        const before = mutatingCalls(r);
        const release = await r.execute(version === undefined ? {} : { version });
        expect(release.status).toBe('FAILED');
        expect(release.error).toBe('InvalidRequest');
        expect(release.cause).toMatch(/version/);
        expect(mutatingCalls(r)).toBe(before);
        expect(live(r)).toBe('v1');
      },
    );

    test('a missing artifact (artifact mode)', async () => {
      const { AppSource } = await import('../../lib/blue-green-service');
      const template = serviceTemplate('artifact', {
        application: AppSource.fromArtifactBucket(undefined, {}),
      });
      const r = rehearse({}, template);
      const bucket = r.service.stepFunctions[0].environment.ARTIFACT_BUCKET;
      r.region.putObject(bucket, 'releases/v1.tar.gz');
      expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
      const before = mutatingCalls(r);
      const release = await r.execute({ version: 'v2' });
      expect(release.status).toBe('FAILED');
      expect(release.error).toBe('InvalidRequest');
      expect(release.cause).toMatch(/releases\/v2\.tar\.gz/);
      expect(mutatingCalls(r)).toBe(before);
      expect(r.violations()).toEqual([]);
    });
  });

  describe('1,000 instances per group', () => {
    /**
     * 1,000 instances moved in calls of 20: at most 50 calls answered OK (a call that failed after
     * taking effect is answered with an error), and the retries the region's own rate limits cause
     * (beyond the injected faults) stay under half as many again: the writes are paced once throttled.
     */
    function expectBatchedBy20(calls: {
      count: number;
      errorsInjected: number;
      errorsReturned: number;
    }): void {
      expect(calls.count - calls.errorsReturned).toBeLessThanOrEqual(50);
      expect(calls.count - calls.errorsReturned).toBeGreaterThanOrEqual(40);
      expect(calls.count - calls.errorsInjected).toBeLessThanOrEqual(75);
    }

    const template = () =>
      serviceTemplate('large', {
        minCapacity: 2,
        maxCapacity: 1000,
        defaultCapacity: 1000,
        targetQuota: 2000,
      });

    test('release and rollback succeed under injected throttling, Standby calls batched by 20', async () => {
      // 2 × 1,000 targets: the account's target quotas raised to 2,000, as the template declares.
      const profile = { ...PROFILE, targetsPerTargetGroup: 2000, targetsPerLoadBalancer: 2000 };
      const r = rehearse({ requestsPerSecond: 200, profile }, template());
      expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
      r.region.faults.failCalls({ commands: MUTATING_COMMANDS, error: 'Throttling', probability: 0.2 });
      const release = r.start({ version: 'v2' });
      await r.runUntilState(release, 'Bake');
      expectBatchedBy20(r.region.calls.get('AutoScaling', 'EnterStandby'));
      await r.advance(60);
      const rollback = await r.execute({ action: 'rollback' });
      await r.run(release.done);
      expect(rollback.status).toBe('SUCCEEDED');
      expectBatchedBy20(r.region.calls.get('AutoScaling', 'ExitStandby'));
      expect(live(r)).toBe('v1');
      expect(r.violations()).toEqual([]);
    });
  });
});
