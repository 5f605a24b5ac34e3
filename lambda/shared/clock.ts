/** Epoch milliseconds. One place to read the time, so tests and the rehearsal's virtual clock agree. */
export function now(): number {
  return Date.now();
}
