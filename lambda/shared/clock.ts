/** Epoch milliseconds. One place to read the time, so tests and the rehearsal's virtual clock agree. */
export function now(): number {
  return Date.now();
}

/** Waits on the global timers, which the rehearsal's virtual clock replaces. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
