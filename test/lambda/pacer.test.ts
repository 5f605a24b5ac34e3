import { isThrottlingError, ThrottlePacer } from '../../lib/contract/pacer';
import { withRetry } from '../../lib/contract/retry';

function awsError(name: string): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: 400 } });
}

describe('ThrottlePacer', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('does not pace until throttled, then doubles the gap per throttled call up to the cap', () => {
    const pacer = new ThrottlePacer({ initialGapMs: 250, maxGapMs: 1000 });
    expect(pacer.currentGapMs).toBe(0);
    pacer.throttled();
    expect(pacer.currentGapMs).toBe(250);
    pacer.throttled();
    pacer.throttled();
    pacer.throttled();
    expect(pacer.currentGapMs).toBe(1000);
  });

  it('narrows the gap by a tenth per call that goes through, and stops pacing below a tenth of the first gap', () => {
    const pacer = new ThrottlePacer({ initialGapMs: 100 });
    pacer.throttled();
    pacer.succeeded();
    expect(pacer.currentGapMs).toBeCloseTo(90);
    for (let i = 0; i < 20; i++) pacer.succeeded();
    expect(pacer.currentGapMs).toBeCloseTo(100 * 0.9 ** 21);
    pacer.succeeded();
    expect(pacer.currentGapMs).toBe(0);
  });

  it('spaces calls that arrive together by the gap, in arrival order', async () => {
    const pacer = new ThrottlePacer({ initialGapMs: 300 });
    pacer.throttled();
    const started: number[] = [];
    const calls = [0, 1, 2].map(async (i) => {
      await pacer.ready();
      started[i] = Date.now() - 1_000_000;
    });
    await jest.advanceTimersByTimeAsync(1000);
    await Promise.all(calls);
    expect(started).toEqual([0, 300, 600]);
  });

  it('knows throttling by error name only', () => {
    expect(isThrottlingError(awsError('Throttling'))).toBe(true);
    expect(isThrottlingError(awsError('ThrottlingException'))).toBe(true);
    expect(isThrottlingError(awsError('ResourceContention'))).toBe(false);
    expect(isThrottlingError('Throttling')).toBe(false);
  });
});

describe('withRetry with a pacer', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('widens the pace on throttling and waits for it before the next call', async () => {
    const pacer = new ThrottlePacer({ initialGapMs: 500 });
    const call = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(awsError('Throttling'))
      .mockResolvedValue('ok');
    const first = withRetry(call, { pacer, random: () => 0 });
    await jest.advanceTimersByTimeAsync(0);
    await expect(first).resolves.toBe('ok');
    expect(pacer.currentGapMs).toBeCloseTo(450); // 500 after the throttle, then one success
    const second = withRetry(call, { pacer });
    await jest.advanceTimersByTimeAsync(0);
    expect(call).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(500);
    await expect(second).resolves.toBe('ok');
    expect(call).toHaveBeenCalledTimes(3);
  });

  it('is not widened by errors that are not throttling', async () => {
    const pacer = new ThrottlePacer();
    const call = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(awsError('ResourceContention'))
      .mockResolvedValue('ok');
    const result = withRetry(call, { pacer, random: () => 0 });
    await jest.advanceTimersByTimeAsync(0);
    await expect(result).resolves.toBe('ok');
    expect(pacer.currentGapMs).toBe(0);
  });
});
