/** How an execution ended, in the operator's words, and the exit code that follows from it. */
import { describePassedCanary } from '../contract/canary';
import type { DescribeExecutionOutput } from '@aws-sdk/client-sfn';
import { ROLLED_BACK_ERROR } from '../contract/errors';
import type { ReleaseStateView } from './history-events';
import { ExitCode } from './errors';

export type Outcome = 'released' | 'rolled-back' | 'failed' | 'timed-out' | 'aborted' | 'running';

export interface ExecutionOutcome {
  readonly name: string;
  readonly status: string;
  readonly outcome: Outcome;
  /** `release` or `rollback`, as requested. */
  readonly action: string;
  /** The version asked for (a release's input). */
  readonly requestedVersion?: string;
  /** The version the execution released or kept: what serves after it (else what it planned). */
  readonly version?: string;
  readonly liveColour?: string;
  readonly startedAt?: number;
  readonly durationSeconds?: number;
  /** Why it was rolled back or failed. */
  readonly reason?: string;
  readonly error?: string;
  readonly requestedBy?: string;
  /** The canary a release passed before its full scale-up (`1 instance for 5 min`). */
  readonly canary?: string;
}

type Described = Pick<
  DescribeExecutionOutput,
  'name' | 'status' | 'startDate' | 'stopDate' | 'input' | 'output' | 'error' | 'cause'
>;

export function executionOutcome(
  described: Described,
  lastOutput?: ReleaseStateView,
  nowMs?: number,
): ExecutionOutcome {
  const input = parse(described.input);
  const output = parse(described.output) as ReleaseStateView | undefined;
  const state = output ?? lastOutput;
  const action = typeof input?.action === 'string' ? input.action : 'release';
  const status = described.status ?? 'UNKNOWN';
  const summary = state?.summary;
  const rolledBack = status === 'FAILED' && described.error === ROLLED_BACK_ERROR;
  const outcome: Outcome =
    status === 'SUCCEEDED'
      ? (summary?.outcome ?? (action === 'rollback' ? 'rolled-back' : 'released'))
      : status === 'RUNNING'
        ? 'running'
        : status === 'TIMED_OUT'
          ? 'timed-out'
          : status === 'ABORTED'
            ? 'aborted'
            : rolledBack
              ? 'rolled-back'
              : 'failed';
  const reason = rolledBack
    ? described.cause
    : status === 'SUCCEEDED'
      ? undefined
      : (state?.rollback?.reason ?? described.cause);
  const version =
    summary?.version ||
    state?.plan?.version ||
    (typeof input?.version === 'string' ? input.version : undefined);
  const startedAt = described.startDate?.getTime();
  const endedAt = described.stopDate?.getTime() ?? nowMs;
  return {
    name: described.name ?? '?',
    status,
    outcome,
    action,
    ...(typeof input?.version === 'string' ? { requestedVersion: input.version } : {}),
    ...(version ? { version } : {}),
    ...(summary?.liveColour ? { liveColour: summary.liveColour } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(startedAt !== undefined && endedAt !== undefined
      ? { durationSeconds: (endedAt - startedAt) / 1000 }
      : {}),
    ...(reason ? { reason } : {}),
    ...(described.error ? { error: described.error } : {}),
    ...(typeof input?.requestedBy === 'string' ? { requestedBy: input.requestedBy } : {}),
    ...(summary?.canary ? { canary: describePassedCanary(summary.canary) } : {}),
  };
}

/** 0 when the command did what it was asked: a release released, a rollback rolled back. */
export function exitCodeFor(result: ExecutionOutcome): number {
  if (result.status !== 'SUCCEEDED') return ExitCode.failed;
  if (result.action === 'rollback') return ExitCode.ok;
  return result.outcome === 'released' ? ExitCode.ok : ExitCode.failed;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parse(text: string | undefined): Record<string, any> | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}
