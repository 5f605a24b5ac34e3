/**
 * Which invariants hold once nothing runs, decided from how the executions ended. Pure: the
 * executions in start order in, the scope out.
 */

/** How an execution ended, as far as the scope is concerned. */
export interface EndedExecution {
  readonly status: string;
  readonly error?: string;
}

/** Errors of an execution refused before it changed anything: the service is as the one before it left it. */
export const REFUSAL_ERRORS: readonly string[] = ['ReleaseInProgress', 'InvalidRequest', 'UnexplainedState'];

export type SettledScope =
  /** Every settled invariant; `subject` (an index in start order) is the execution the service is left by. */
  | { readonly kind: 'full'; readonly subject: number }
  /** Only what must always hold: the service may be mid-way (stopped or timed out), or nothing ended yet. */
  | { readonly kind: 'always' };

/**
 * The service is left by the last execution started that was not refused. If that one ended
 * SUCCEEDED or FAILED it ran to the end of its workflow and every settled invariant must hold; if
 * it was stopped (ABORTED) or TIMED_OUT it left the service mid-way, for the next one to reconcile.
 */
export function settledScope(executions: readonly EndedExecution[]): SettledScope {
  for (let index = executions.length - 1; index >= 0; index--) {
    const { status, error } = executions[index];
    if (status === 'FAILED' && error !== undefined && REFUSAL_ERRORS.includes(error)) continue;
    return status === 'SUCCEEDED' || status === 'FAILED'
      ? { kind: 'full', subject: index }
      : { kind: 'always' };
  }
  return { kind: 'always' };
}
