import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenService } from '../../lib/blue-green-service';
import type { ReleaseHookPayload } from '../../lib/contract/release-hooks';
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';
import { stubFunction } from './harness';

/**
 * Regressions (found by an adversarial review): the lock a release keeps through its afterFinalize
 * hook once covered only the hook's Task, not its function's invocation, which Step Functions does
 * not cancel. When the Task timed out (a Task timeout shorter than the function's own) the lock was
 * released while the contract migration still ran; when the execution was stopped, the next
 * release took the lock over at once. Either way the next release's beforeTraffic (expand) ran
 * beside the contract. Finalize now lists the hook's invocation on the lock for its function's
 * timeout: a stopped holder's lock is taken over only after it, and after a Task timeout
 * ReleaseLock waits it out before releasing.
 */
function template(afterFinalizeTimeout?: Duration): CfnTemplate {
  const stack = new Stack(new App(), 'HookOverlap');
  new BlueGreenService(stack, 'Service', {
    hooks: {
      beforeTraffic: { function: stubFunction(stack, 'Expand') },
      // stubFunction: a 15-minute function.
      afterFinalize: { function: stubFunction(stack, 'Contract'), timeout: afterFinalizeTimeout },
    },
  });
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

/** Hooks that record the beforeTraffic calls made while an afterFinalize (contract) invocation still runs. */
function overlapRecorder(contractMs: number) {
  let running: string[] = [];
  const overlaps: string[] = [];
  return {
    overlaps,
    hooks: {
      beforeTraffic: (payload: ReleaseHookPayload) => {
        if (running.length > 0)
          overlaps.push(`beforeTraffic of ${payload.version} beside the contract of ${running.join(', ')}`);
      },
      afterFinalize: async (payload: ReleaseHookPayload) => {
        running.push(payload.version);
        await new Promise((resolve) => setTimeout(resolve, contractMs));
        running = running.filter((v) => v !== payload.version);
      },
    },
  };
}

test('an afterFinalize hook whose Task timed out: no release runs its beforeTraffic while the contract migration still runs', async () => {
  const rec = overlapRecorder(180_000);
  const r = Rehearsal.fromTemplate(template(Duration.minutes(1)), { seed: 1, hooks: rec.hooks });
  await r.execute({ version: 'v1', capacity: 2 });
  await r.runUntilIdle();
  const v2 = await r.execute({ version: 'v2', capacity: 2 });
  expect(v2.error).toBe('AfterFinalizeHookFailed');
  // Started right after v2's execution ended: the lock is free, v2's contract still runs.
  await r.execute({ version: 'v3', capacity: 2 });
  await r.runUntilIdle();
  expect(rec.overlaps).toEqual([]);
}, 120_000);

test('a release stopped during its afterFinalize hook: the next release does not run its beforeTraffic beside the contract migration', async () => {
  const rec = overlapRecorder(240_000);
  const r = Rehearsal.fromTemplate(template(), { seed: 1, hooks: rec.hooks });
  await r.execute({ version: 'v1', capacity: 2 });
  await r.runUntilIdle();
  const v2 = r.start({ version: 'v2', capacity: 2 }, 'v2');
  await r.runUntilState(v2, 'AfterFinalizeHook');
  await r.advance(5);
  r.stop(v2, 'the CI job was cancelled');
  const v3 = await r.execute({ version: 'v3', capacity: 2 });
  await r.runUntilIdle();
  expect(v3.status).toBe('SUCCEEDED');
  expect(rec.overlaps).toEqual([]);
}, 120_000);
