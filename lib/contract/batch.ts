/*
 * Batching of AWS calls, written once for the step handlers and the CLI: chunks of at most the
 * ids one call takes, and a bounded number of calls in flight.
 */

/** Auto Scaling takes at most 20 instance ids per EnterStandby/ExitStandby call (docs/aws-model.md). */
export const MAX_INSTANCES_PER_CALL = 20;

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number = MAX_INSTANCES_PER_CALL): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`chunk size (${size}) must be an integer >= 1`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Runs `task` on every item with at most `limit` in flight, results in input order. After the
 * first failure no new task starts; the ones in flight are awaited, then the first error is thrown
 * (so no call is still running when the caller handles the error).
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let nextIndex = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && nextIndex < items.length) {
      const index = nextIndex++;
      try {
        results[index] = await task(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker());
  await Promise.all(workers);
  if (failure) throw failure.error;
  return results;
}
