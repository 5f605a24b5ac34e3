import { loadStepHandler, type StepHandler } from '../../lib/rehearsal/executions';
import type { Rehearsal } from '../../lib/rehearsal/rehearsal';
import { groupOf, rehearse } from './harness';

/**
 * When the monitor checks what: the traffic invariants every second; the settled ones and the
 * reported outcomes only once no execution runs and no Lambda is in flight (a stopped execution's
 * Lambda keeps running), and after a stopped execution only what must always hold.
 */

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Real handlers, except for rollback requests marked `requestedBy`: Prepare sends them straight to
 * Rollback, whose pass does what `strays` names for that mark (after a pause), then ends the rollback.
 */
function withStrayRollbacks(strays: Record<string, (r: Rehearsal) => Promise<void>>): Rehearsal {
  const handler = (step: string): StepHandler => {
    const real = loadStepHandler(step);
    if (step === 'prepare') {
      return async (state: Json) =>
        strays[state.request?.requestedBy] ? { ...state, next: 'rollback' } : real(state);
    }
    if (step === 'rollback') {
      return async (state: Json) => {
        const stray = strays[state.request?.requestedBy];
        if (!stray) return real(state);
        await stray(rehearsal);
        return { ...state, next: 'rolledBack' };
      };
    }
    return real;
  };
  // The handlers only reach for the rehearsal once it runs them.
  const rehearsal = rehearse({ loadHandler: handler });
  return rehearsal;
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

async function suspendLiveGroupAfter(r: Rehearsal, seconds: number): Promise<void> {
  await sleep(seconds);
  await r.region.send('AutoScaling', 'SuspendProcesses', {
    AutoScalingGroupName: groupOf(r, 'blue'),
    ScalingProcesses: ['Launch'],
  });
}

async function emptyLiveGroupAfter(r: Rehearsal, seconds: number): Promise<void> {
  await sleep(seconds);
  const name = groupOf(r, 'blue');
  await r.region.send('AutoScaling', 'UpdateAutoScalingGroup', {
    AutoScalingGroupName: name,
    MinSize: 0,
    DesiredCapacity: 0,
  });
}

async function enteredRollback(r: Rehearsal, name: string): Promise<void> {
  const execution = r.executions().find((e) => e.name === name)!;
  await r.runUntilState(execution, 'Rollback');
  await r.advance(1); // its Lambda now runs
}

describe('settled checks wait for Lambdas still in flight', () => {
  test("a stopped execution's Lambda that breaks the service after the next execution ended is caught", async () => {
    const r = withStrayRollbacks({ slow: (x) => suspendLiveGroupAfter(x, 60), fast: async () => undefined });
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    const stopped = r.start({ action: 'rollback', requestedBy: 'slow' }, 'stopped');
    await enteredRollback(r, 'stopped');
    r.stop(stopped);
    const next = r.start({ action: 'rollback', requestedBy: 'fast' }, 'next');
    await r.run(next.done);
    // The stray still sleeps: nothing settled yet, nothing checked yet.
    expect(next.status).toBe('SUCCEEDED');
    expect(r.inFlight()).toBe(1);
    expect(r.violations()).toEqual([]);
    await r.runUntilIdle();
    expect(r.inFlight()).toBe(0);
    expect(r.violations()).toEqual([
      `after next: the live group ${groupOf(r, 'blue')} has suspended processes: Launch`,
    ]);
  });
});

describe('after a stopped execution, only what must always hold', () => {
  test('the settled invariants are not checked: the service may be mid-way', async () => {
    const r = withStrayRollbacks({ slow: (x) => suspendLiveGroupAfter(x, 60) });
    await r.execute({ version: 'v1' });
    const stopped = r.start({ action: 'rollback', requestedBy: 'slow' }, 'stopped');
    await enteredRollback(r, 'stopped');
    r.stop(stopped);
    await r.runUntilIdle();
    expect(stopped.status).toBe('ABORTED');
    expect(r.monitor.view().groups.find((g) => g.role === 'live')?.suspendedProcesses).toEqual(['Launch']);
    expect(r.violations()).toEqual([]);
  });

  test('dropped requests are still caught, during and after the stray Lambda', async () => {
    const r = withStrayRollbacks({ slow: (x) => emptyLiveGroupAfter(x, 30) });
    await r.execute({ version: 'v1' });
    const stopped = r.start({ action: 'rollback', requestedBy: 'slow' }, 'stopped');
    await enteredRollback(r, 'stopped');
    r.stop(stopped);
    await r.runUntilIdle();
    await r.advance(60);
    expect(r.violations()).toEqual(expect.arrayContaining([expect.stringMatching(/request\(s\) dropped$/)]));
  });
});

describe('the outcome an execution reports is compared with what serves', () => {
  test('a release that reports another version than the one it made live is caught', async () => {
    const r = rehearse({
      loadHandler: (step): StepHandler => {
        const real = loadStepHandler(step);
        if (step !== 'finalize') return real;
        return async (state: Json) => {
          const out = await real(state);
          return out.summary ? { ...out, summary: { ...out.summary, version: 'v3' } } : out;
        };
      },
    });
    expect((await r.execute({ version: 'v1' })).status).toBe('SUCCEEDED');
    expect((await r.execute({ version: 'v2' }, 'lying')).status).toBe('SUCCEEDED');
    expect(r.violations()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^after lying: lying reports released v3, but the live group \S+ runs v2$/),
      ]),
    );
  });

  test('the same releases reporting what they did: nothing to report', async () => {
    const r = rehearse();
    await r.execute({ version: 'v1' });
    await r.execute({ version: 'v2' });
    expect(r.monitor.stableVersions()).toEqual(['v1', 'v2']);
    expect(r.violations()).toEqual([]);
  });
});
