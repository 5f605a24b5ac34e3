/**
 * One direct HTTP request to an instance at its private address, from inside the VPC. The
 * timeout runs on the global timers (an AbortController aborted by `setTimeout`), so a caller's
 * clock decides it: `AbortSignal.timeout` would not.
 */
import type { InstanceAnswer } from '../../lib/contract/instance-validation';

export async function requestInstance(
  address: string,
  port: number,
  path: string,
  timeoutMs: number,
): Promise<InstanceAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(`http://${address}:${port}${path}`, {
      signal: controller.signal,
      redirect: 'manual',
    });
    const body = await response.text();
    return { kind: 'response', status: response.status, body };
  } catch (error) {
    if (controller.signal.aborted) return { kind: 'timeout', timeoutMs };
    const cause = (error as { cause?: { code?: unknown } }).cause;
    if (cause?.code === 'ECONNREFUSED') return { kind: 'refused' };
    return { kind: 'error', message: (error as Error).message ?? String(error) };
  } finally {
    clearTimeout(timer);
  }
}
