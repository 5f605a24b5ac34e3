import { generateSchedule, keepActions, runSchedule } from '../../lib/rehearsal/chaos';
import { API_HARSHNESS, type ApiHarshness } from '../../lib/rehearsal/region/api-harshness';
import type { Rehearsal } from '../../lib/rehearsal/rehearsal';
import { demoTemplate, rehearse } from './harness';

/**
 * The release steps against a harsher AWS: calls that took effect and still failed, account-wide
 * throttling, and Describe* / Step Functions reads that lag the writes (api-harshness.ts).
 *
 * Each test marked "Found by this model" was a handler bug this model exposed (the comment says
 * what the handler did wrong and how to replay it); each now passes against the fixed handlers.
 */

type Step = string | 'rollback';

/** Runs the requests one after another, each at once after the previous ended. */
async function runAll(r: Rehearsal, steps: readonly Step[]): Promise<string[]> {
  const outcomes: string[] = [];
  for (const step of steps) {
    const input = step === 'rollback' ? { action: 'rollback' } : { version: step, capacity: 2 };
    const e = await r.execute(input, `run-${step}`);
    outcomes.push(`${step} ${e.status}${e.error ? ` ${e.error}: ${e.cause}` : ''}`);
  }
  return outcomes;
}

/** Every seed's violations, `seed N: ...`; empty when every seed held every invariant. */
async function violationsOver(
  seeds: readonly number[],
  api: Partial<ApiHarshness>,
  steps: readonly Step[],
): Promise<string[]> {
  const found: string[] = [];
  for (const seed of seeds) {
    const r = rehearse({ seed, api });
    const outcomes = await runAll(r, steps);
    for (const v of r.violations()) found.push(`seed ${seed}: ${v} (${outcomes.join(' | ')})`);
  }
  return found;
}

/** The violations of a generated chaos schedule (keeping only some actions) run with `api`. */
async function chaosReplay(
  seed: number,
  keep: readonly number[],
  api: Partial<ApiHarshness>,
): Promise<string[]> {
  const schedule = keepActions(generateSchedule(seed), keep);
  const outcome = await runSchedule(demoTemplate(), schedule, { api });
  return [...outcome.violations];
}

describe('ambiguous failures: a mutating call took effect, then failed', () => {
  test('EnterStandby applied, then HTTP 503: the retry sees a ValidationError, the release still succeeds', async () => {
    const r = rehearse();
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    r.region.faults.failCalls({
      commands: ['EnterStandby'],
      error: 'ServiceUnavailable',
      times: 1,
      tookEffect: true,
    });
    const release = await r.execute({ version: 'v2' });
    expect(release.status).toBe('SUCCEEDED');
    expect(r.violations()).toEqual([]);
  });

  // Found by this model (fixed): lib/contract/retry.ts does not retry `TimeoutError` (the SDK's client-side
  // timeout, no HTTP status): the step fails at once and a healthy release is rolled back.
  test('EnterStandby applied, then the SDK times out: the release still succeeds', async () => {
    const r = rehearse();
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    r.region.faults.failCalls({
      commands: ['EnterStandby'],
      error: 'TimeoutError',
      times: 1,
      tookEffect: true,
    });
    const release = await r.execute({ version: 'v2' });
    expect(release.status).toBe('SUCCEEDED');
    expect(r.violations()).toEqual([]);
  });

  // Found by this model (fixed): lib/contract/retry.ts does not retry DynamoDB's `InternalServerError`
  // (HTTP 500, a modelled name, so the generic-500 rule does not apply either): the lock write
  // that took effect fails the step; the execution ends with the raw error and the lock stays held.
  test('a lock write applied, then DynamoDB InternalServerError: the release still succeeds, the lock is released', async () => {
    const r = rehearse();
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    r.region.faults.failCalls({
      service: 'DynamoDB',
      commands: ['PutItem'],
      error: 'InternalFailure',
      times: 1,
      tookEffect: true,
    });
    const release = await r.execute({ version: 'v2' });
    expect(release.status).toBe('SUCCEEDED');
    expect(r.violations()).toEqual([]);
  });

  // Found by this model (fixed) (the two above, at random): releases rolled back or failing with the raw
  // error, locks left held, a first release "rolled back" with no group tagged live.
  test('harsh ambiguity (5 % of mutating calls, every error kind): four releases and a rollback hold every invariant', async () => {
    const found = await violationsOver([1, 2, 3, 4], { ambiguousFailureProbability: 0.05 }, [
      'v1',
      'v2',
      'v3',
      'rollback',
    ]);
    expect(found).toEqual([]);
  });
});

describe('rate limits shared by the account', () => {
  test('harsh buckets with a quarter of the account: releases are not throttled into failure', async () => {
    const api = {
      rateLimits: API_HARSHNESS.harsh.rateLimits,
      accountShare: API_HARSHNESS.harsh.accountShare,
    };
    expect(await violationsOver([1, 2], api, ['v1', 'v2', 'rollback'])).toEqual([]);
  });

  // Found by this model (fixed): under sustained throttling (2 % of the harsh buckets: one mutating call per
  // 10 s) Finalize's terminations (10 at a time) exhaust their 12 retries; the step fails after the
  // old fleet started terminating, the Catch sends the release to Rollback, which cannot restore
  // it and still reports ReleaseRolledBack while v2 serves ("reports release-rolled-back v2, but 2
  // instance(s) of the live group still run v2"). Replay: seed 4, v1 then v2.
  test('sustained throttling during Finalize: never reported rolled back while the new version serves', async () => {
    const api = { rateLimits: API_HARSHNESS.harsh.rateLimits, accountShare: 0.02 };
    expect(await violationsOver([1, 2, 3, 4], api, ['v1', 'v2'])).toEqual([]);
  });

  // Found by this model (fixed), the same under the chaos search (`npm run chaos -- --replay 18 --keep 0,1,3
  // --throttle-rate harsh --throttle-share 0.03`): v2 stopped 20 s in, blue scaled out by 3; the
  // convergence release's Finalize is throttled into failure and it reports "release-rolled-back v9,
  // but 5 instance(s) of the live group still run v9".
  test('chaos seed 18 under sustained throttling: the convergence release holds every invariant', async () => {
    const api = { rateLimits: API_HARSHNESS.harsh.rateLimits, accountShare: 0.03 };
    expect(await chaosReplay(18, [0, 1, 3], api)).toEqual([]);
  });
});

describe('stale reads: Describe* and Step Functions reads lag the writes', () => {
  test('window 0 (the strictest): four releases and a rollback hold every invariant', async () => {
    expect(await violationsOver([1], { staleReadWindowMs: 0 }, ['v1', 'v2', 'v3', 'rollback'])).toEqual([]);
  });

  // Found by this model (fixed): a release started right after another ended decides from a
  // DescribeAutoScalingGroups view taken before the previous release's Swap/Finalize tag writes.
  // Seed 4: v2's Prepare sees blue still tagged idle, routes to Rollback, which terminates blue's
  // InService instances: the live fleet, serving 100 %; two minutes of total outage follow. Seed 1:
  // a rollback right after v3 reports "rolled back v3" (a no-op) while v2 was live before v3.
  test('reads up to 5 s stale: back-to-back releases and a rollback hold every invariant', async () => {
    const found = await violationsOver([1, 4], { staleReadWindowMs: 5000 }, ['v1', 'v2', 'v3', 'rollback']);
    expect(found).toEqual([]);
  });

  // Found by this model (fixed) (`npm run chaos -- --replay 5 --keep 0,2,3 --stale 5`): v2 stopped, v3
  // started 16 ms later is refused with ReleaseInProgress although nothing runs: the lock takeover
  // (lambda/shared/lock-takeover.ts) decides the holder still runs from DescribeExecution, which is
  // eventually consistent and still shows the stopped execution RUNNING.
  test('chaos seed 5: a release started right after a stop is not refused by a stale DescribeExecution', async () => {
    expect(await chaosReplay(5, [0, 2, 3], { staleReadWindowMs: 5000 })).toEqual([]);
  });

  // Found by this model (fixed) (`npm run chaos -- --replay 6 --keep 0 --stale 5` and `--replay 14 --keep 0
  // --stale 5`): a rollback requested right after v2's release ended decides from a view taken
  // before v2's Finalize wrote its tags. Seed 6: it reports "rolled back v2" (a no-op) while v1 was
  // live before v2. Seed 14: it launches v1 instances in blue, leaves blue tagged idle with MinSize 2
  // and reports success ("both groups have instances").
  test('chaos seeds 6 and 14: a rollback right after a release rolls back to the version before it', async () => {
    const api = { staleReadWindowMs: 5000 };
    expect([...(await chaosReplay(6, [0], api)), ...(await chaosReplay(14, [0], api))]).toEqual([]);
  });

  // Found by this model (fixed) (`npm run chaos -- --replay 3 --keep none --stale 5`): the convergence release
  // started right after v1's release ended: Prepare reads blue still tagged idle (before v1's Swap
  // wrote the tags) and routes to Rollback, which terminates blue's InService instances, the live
  // fleet: about 80 s of total outage, then the release reports SUCCEEDED.
  test('chaos seed 3: a release right after the first one never takes the live fleet down', async () => {
    expect(await chaosReplay(3, [], { staleReadWindowMs: 5000 })).toEqual([]);
  });
});
