/**
 * Routes the global `fetch` of code the rehearsal runs (the probe's direct requests to new
 * instances) to the region's instance checks, in-process: the answer as the instance's app would
 * give it, after its round trip in virtual time, or no answer at all until the caller aborts. The
 * handler never knows: it calls `fetch` as it does in Lambda. docs/aws-model.md, "Lifecycle hooks".
 */
import type { InstanceChecks } from './region/instance-checks';

/** How long a request nobody answers hangs when its caller sets no timeout of its own (virtual ms). */
const UNANSWERED_MS = 120_000;

/** Replaces `globalThis.fetch` until the returned function is called. */
export function interceptInstanceRequests(checks: InstanceChecks): () => void {
  const real = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (url.protocol !== 'http:' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(url.hostname)) {
      throw new Error(
        `not simulated: a request to ${url.href} (only HTTP requests to instance addresses are)`,
      );
    }
    const signal = init?.signal ?? undefined;
    const answer = checks.request({
      address: url.hostname,
      port: Number(url.port || 80),
      path: `${url.pathname}${url.search}`,
      timeoutMs: UNANSWERED_MS,
    });
    await waitUnlessAborted(answer.latencyMs, signal);
    if (answer.kind === 'timeout') {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }),
      });
    }
    if (answer.kind === 'refused') {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error(`connect ECONNREFUSED ${url.host}`), { code: 'ECONNREFUSED' }),
      });
    }
    return new Response(answer.body, { status: answer.status });
  };
  return () => {
    globalThis.fetch = real;
  };
}

/** Waits `ms` on the global timers (the virtual clock in a rehearsal); rejects as `fetch` does when aborted. */
function waitUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () =>
      reject(signal?.reason ?? new DOMException('This operation was aborted', 'AbortError'));
    if (signal?.aborted) return aborted();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      aborted();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
