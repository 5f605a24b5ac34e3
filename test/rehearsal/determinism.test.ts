import { loadStepHandler, type StepHandler } from '../../lib/rehearsal/executions';
import { MUTATING_COMMANDS, rehearse } from './harness';

/**
 * A rehearsal is deterministic per seed: the region is seeded, and so is `Math.random` while the
 * rehearsal runs (the handlers' retry jitter draws from it), with no branch in the handlers.
 */

async function releasesUnderThrottling(seed: number): Promise<{ timeline: string[]; calls: string[] }> {
  const r = rehearse({ seed });
  await r.execute({ version: 'v1' });
  r.region.faults.failCalls({ commands: MUTATING_COMMANDS, error: 'Throttling', probability: 0.5 });
  await r.execute({ version: 'v2' });
  return {
    timeline: r.monitor.timeline.map((e) => e.text),
    calls: r.region.calls.history().map((c) => `${c.time} ${c.service}.${c.command} ${c.outcome}`),
  };
}

/** A rehearsal whose Prepare first records three draws of Math.random. */
async function drawsInAHandler(seed: number): Promise<number[]> {
  const draws: number[] = [];
  const r = rehearse({
    seed,
    loadHandler: (step): StepHandler => {
      const real = loadStepHandler(step);
      return step === 'prepare'
        ? async (state) => (draws.push(Math.random(), Math.random(), Math.random()), real(state))
        : real;
    },
  });
  await r.execute({ version: 'v1' });
  return draws;
}

describe('deterministic per seed', () => {
  test('two runs with the same seed give the identical timeline and calls, retries with jitter included', async () => {
    const first = await releasesUnderThrottling(7);
    const second = await releasesUnderThrottling(7);
    // The handlers did retry (with jitter) for this to mean something.
    expect(first.calls.filter((c) => c.endsWith('Throttling')).length).toBeGreaterThan(5);
    expect(second).toEqual(first);
  });

  test('Math.random in a handler draws from the seed: the same seed, the same draws; another seed, others', async () => {
    const once = await drawsInAHandler(3);
    expect(await drawsInAHandler(3)).toEqual(once);
    expect(await drawsInAHandler(4)).not.toEqual(once);
  });

  test('Math.random is the real one again once the rehearsal stops driving time', async () => {
    const real = Math.random;
    await drawsInAHandler(3);
    expect(Math.random).toBe(real);
  });
});
