/**
 * Reading an execution's history (GetExecutionHistory events), pure: which states were entered,
 * what the steps last output (the ReleaseState: plan, progress, summary, rollback), how the
 * execution ended, and which approval request is still waiting for its answer.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { ReleaseState } from '../contract/release-state';

/** The contract of the approval gates: an SNS publish that waits for a task token. */
export const APPROVAL_RESOURCE_TYPE = 'sns';
export const APPROVAL_RESOURCE = 'publish.waitForTaskToken';

/** States shown as steps; Choice and Pass states only route. */
const STEP_STATE_TYPES = ['Task', 'Wait', 'Succeed', 'Fail', 'Map', 'Parallel'];
const ENTERED = /^(\w+)StateEntered$/;
const EXITED = /^(\w+)StateExited$/;
const EXECUTION_ENDS = ['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut'];
const APPROVAL_CLOSED = [
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
];

/** A step entered, with the time it was entered. */
export interface StepEntered {
  readonly id: number;
  readonly time: number;
  readonly name: string;
  readonly stateType: string;
}

/** The release state as a step left it (any member may be missing). */
export type ReleaseStateView = Partial<ReleaseState>;

export function stepEntered(event: HistoryEvent): StepEntered | undefined {
  const match = ENTERED.exec(event.type ?? '');
  if (!match || !STEP_STATE_TYPES.includes(match[1])) return undefined;
  return {
    id: event.id ?? 0,
    time: event.timestamp?.getTime() ?? 0,
    name: event.stateEnteredEventDetails?.name ?? '?',
    stateType: match[1],
  };
}

/** The output of a state that exited, parsed; undefined for other events. */
export function stateOutput(event: HistoryEvent): ReleaseStateView | undefined {
  if (!EXITED.test(event.type ?? '')) return undefined;
  return parseObject(event.stateExitedEventDetails?.output);
}

export interface ExecutionEnd {
  readonly type: string;
  readonly time: number;
  readonly error?: string;
  readonly cause?: string;
}

export function executionEnd(event: HistoryEvent): ExecutionEnd | undefined {
  if (!EXECUTION_ENDS.includes(event.type ?? '')) return undefined;
  const details =
    event.executionFailedEventDetails ??
    event.executionAbortedEventDetails ??
    event.executionTimedOutEventDetails;
  return {
    type: event.type!,
    time: event.timestamp?.getTime() ?? 0,
    ...(details?.error !== undefined ? { error: details.error } : {}),
    ...(details?.cause !== undefined ? { cause: details.cause } : {}),
  };
}

/** An approval request still waiting for `approve` or `reject`. */
export interface PendingApproval {
  readonly executionArn: string;
  readonly taskToken: string;
  /** `swap` or `finalize`, as the request says. */
  readonly gate?: string;
  readonly version?: string;
  readonly colour?: string;
  /** The gate's state name (ApproveSwap, ApproveFinalize), when the history shows it. */
  readonly stateName?: string;
  /** When it was requested (epoch ms). */
  readonly since: number;
  /** The TaskScheduled event's id. */
  readonly eventId: number;
}

export type ApprovalSearch =
  | { readonly found: PendingApproval }
  /** The newest approval request was answered, or the execution ended: nothing waits. */
  | { readonly found?: undefined; readonly settled: true }
  /** Nothing decisive in these events: read older ones. */
  | { readonly found?: undefined; readonly settled: false };

/**
 * Looks for the newest approval request (TaskScheduled of `sns` / `publish.waitForTaskToken`)
 * with no TaskSucceeded/TaskFailed/TaskTimedOut after it, in events given newest first.
 */
export function findPendingApproval(
  newestFirst: readonly HistoryEvent[],
  executionArn: string,
): ApprovalSearch {
  let answered = false;
  for (let i = 0; i < newestFirst.length; i++) {
    const event = newestFirst[i];
    if (EXECUTION_ENDS.includes(event.type ?? '')) return { settled: true };
    if (APPROVAL_CLOSED.includes(event.type ?? '') && isApprovalResource(taskDetails(event))) {
      answered = true;
      continue;
    }
    if (event.type !== 'TaskScheduled' || !isApprovalResource(event.taskScheduledEventDetails)) continue;
    if (answered) return { settled: true };
    const parameters = parseObject(event.taskScheduledEventDetails?.parameters);
    const message =
      typeof parameters?.Message === 'string' ? parseObject(parameters.Message) : parameters?.Message;
    const taskToken = message?.taskToken;
    if (typeof taskToken !== 'string') return { settled: true };
    const entered = newestFirst.slice(i + 1).find((e) => e.type === 'TaskStateEntered');
    return {
      found: {
        executionArn: typeof message.executionArn === 'string' ? message.executionArn : executionArn,
        taskToken,
        ...stringField('gate', message.gate),
        ...stringField('version', message.version),
        ...stringField('colour', message.colour),
        ...stringField('stateName', entered?.stateEnteredEventDetails?.name),
        since: event.timestamp?.getTime() ?? 0,
        eventId: event.id ?? 0,
      },
    };
  }
  return { settled: false };
}

function taskDetails(event: HistoryEvent): { resourceType?: string; resource?: string } | undefined {
  return (
    event.taskSucceededEventDetails ??
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails
  );
}

function isApprovalResource(details: { resourceType?: string; resource?: string } | undefined): boolean {
  return details?.resourceType === APPROVAL_RESOURCE_TYPE && details.resource === APPROVAL_RESOURCE;
}

function stringField<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === 'string' ? ({ [key]: value } as Record<K, string>) : {};
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parseObject(text: string | undefined): Record<string, any> | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
