/**
 * The statuses of a Step Functions "Execution Status Change" event: the notifications construct
 * subscribes to them, the notify handler words each one.
 */
export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
