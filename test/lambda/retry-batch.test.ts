import { chunk, mapWithConcurrency } from '../../lib/contract/batch';
import { backoffDelayMs, DEFAULT_ATTEMPTS, isRetryableError, withRetry } from '../../lib/contract/retry';

function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
}

describe('withRetry', () => {
  afterEach(() => jest.useRealTimers());

  it('retries ResourceContention with backoff, then succeeds', async () => {
    jest.useFakeTimers();
    const call = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(awsError('ResourceContention', 500))
      .mockRejectedValueOnce(awsError('Throttling'))
      .mockResolvedValueOnce('done');
    const result = withRetry(call, { random: () => 0.999 });
    await jest.advanceTimersByTimeAsync(198);
    expect(call).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1); // first retry: floor(0.999 * 200) = 199 ms
    expect(call).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(398);
    expect(call).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(1); // second retry: floor(0.999 * 400) = 399 ms
    await expect(result).resolves.toBe('done');
    expect(call).toHaveBeenCalledTimes(3);
  });

  it('rethrows a ValidationError at once, unchanged', async () => {
    const error = awsError('ValidationError');
    const call = jest.fn<Promise<string>, []>().mockRejectedValue(error);
    await expect(withRetry(call)).rejects.toBe(error);
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('gives up after the last attempt and rethrows the last error', async () => {
    const call = jest.fn<Promise<string>, []>().mockRejectedValue(awsError('ThrottlingException'));
    await expect(withRetry(call, { attempts: 3, baseDelayMs: 1 })).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(call).toHaveBeenCalledTimes(3);
  });

  it('GIVEN no attempts option WHEN the error keeps coming THEN it makes 12 calls, then rethrows', async () => {
    const call = jest.fn<Promise<string>, []>().mockRejectedValue(awsError('Throttling'));
    await expect(withRetry(call, { random: () => 0 })).rejects.toMatchObject({ name: 'Throttling' });
    expect(call).toHaveBeenCalledTimes(12);
    expect(DEFAULT_ATTEMPTS).toBe(12);
  });

  it('GIVEN 11 failures WHEN retried with the defaults THEN the 12th call succeeds', async () => {
    const call = jest.fn<Promise<string>, []>();
    for (let i = 0; i < 11; i++) call.mockRejectedValueOnce(awsError('ResourceContention', 500));
    call.mockResolvedValueOnce('done');
    await expect(withRetry(call, { random: () => 0 })).resolves.toBe('done');
    expect(call).toHaveBeenCalledTimes(12);
  });

  it.each([
    'Throttling',
    'ThrottlingException',
    'TooManyRequestsException',
    'RequestLimitExceeded',
    'ResourceContention',
    'ProvisionedThroughputExceededException',
    'ServiceUnavailable',
    'InternalFailure',
  ])('retries %s', (name) => expect(isRetryableError(awsError(name))).toBe(true));

  it.each(['ValidationError', 'ConditionalCheckFailedException', 'AccessDenied', 'NotFound'])(
    'does not retry %s',
    (name) => expect(isRetryableError(awsError(name, 400))).toBe(false),
  );

  it('retries an unnamed 503 but not a named 500 it does not know', () => {
    expect(isRetryableError(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } }))).toBe(
      true,
    );
    expect(isRetryableError(awsError('SomethingDeterministic', 500))).toBe(false);
    expect(isRetryableError('text')).toBe(false);
  });

  it('caps the jittered delay', () => {
    expect(backoffDelayMs(20, { random: () => 0.999 })).toBeLessThan(10_000);
    expect(backoffDelayMs(0, { random: () => 0 })).toBe(0);
  });
});

describe('chunk', () => {
  it('splits 45 ids into 20, 20 and 5', () => {
    const ids = Array.from({ length: 45 }, (_, i) => `i-${i}`);
    expect(chunk(ids).map((c) => c.length)).toEqual([20, 20, 5]);
    expect(chunk(ids).flat()).toEqual(ids);
  });
  it('returns nothing for nothing', () => expect(chunk([])).toEqual([]));
});

describe('mapWithConcurrency', () => {
  it('keeps at most the limit in flight and the results in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3, 1, 1], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n));
      inFlight--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 10, 10]);
    expect(peak).toBe(3);
  });

  it('starts nothing new after a failure, waits for the calls in flight, then throws', async () => {
    const started: number[] = [];
    let finished = 0;
    const run = mapWithConcurrency([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await new Promise((resolve) => setTimeout(resolve, n === 1 ? 1 : 5));
      finished++;
      if (n === 1) throw new Error('boom');
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
    expect(finished).toBe(2);
  });
});
