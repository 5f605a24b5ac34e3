import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenService } from '../../lib/blue-green-service';
import { stableLiveVersion } from '../../lib/rehearsal/invariants';
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { stubFunction } from './harness';

/**
 * Regression (found by an adversarial review): the lock a release keeps through its afterFinalize
 * hook is released by the ReleaseLock Task. It once had a 60 s Task timeout and retried only the
 * retryable error names, so DynamoDB writes throttled hard for a minute and a half made one
 * attempt run past the timeout: the execution FAILED (States.Timeout) although v3 was live, and
 * the lock was left held. ReleaseLock now waits throttling out as Finalize does (it answers
 * `releaseLock` again and the state machine waits and retries; States.Timeout is retried too).
 */
function template(): CfnTemplate {
  const stack = new Stack(new App(), 'AdversaryLock');
  new BlueGreenService(stack, 'Service', {
    hooks: { afterFinalize: { function: stubFunction(stack, 'Contract') } },
  });
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

test('throttled lock release after the afterFinalize hook: the release still reports success and leaves no lock', async () => {
  const r = Rehearsal.fromTemplate(template(), {
    seed: 1,
    hooks: { afterFinalize: () => new Promise((resolve) => setTimeout(resolve, 30_000)) },
  });
  expect((await r.execute({ version: 'v1', capacity: 2 })).status).toBe('SUCCEEDED');
  expect((await r.execute({ version: 'v2', capacity: 2 })).status).toBe('SUCCEEDED');
  const release = r.start({ version: 'v3', capacity: 2 }, 'release-v3');
  await r.runUntilState(release, 'ReleaseLockDue');
  // DynamoDB lock writes throttled 9 times in 10 for two minutes.
  const rule = r.region.faults.failCalls({
    commands: ['PutItem', 'DeleteItem'],
    error: 'Throttling',
    probability: 0.9,
  });
  r.clock.setTimeout(() => rule.remove(), 120_000);
  await r.runUntilIdle();

  expect(stableLiveVersion(r.monitor.view())).toBe('v3');
  expect({ status: release.status, error: release.error }).toEqual({
    status: 'SUCCEEDED',
    error: undefined,
  });
  expect(r.monitor.view().lockHeld).toBe(false);
  expect(r.violations()).toEqual([]);
}, 120_000);
