/** Reads executions and their histories (only reads). */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type DescribeExecutionOutput,
  type ExecutionListItem,
  type ExecutionStatus,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import type { CliEnvironment } from './environment';
import {
  findPendingApproval,
  stateOutput,
  stepEntered,
  type PendingApproval,
  type ReleaseStateView,
  type StepEntered,
} from './history-events';

const PAGE = 100;

/** The events after `afterId`, oldest first (read newest first, so a long history costs one page). */
export async function readEventsAfter(
  env: CliEnvironment,
  executionArn: string,
  afterId: number,
): Promise<HistoryEvent[]> {
  const fresh = new Map<number, HistoryEvent>();
  let nextToken: string | undefined;
  do {
    const page = await env.call(() =>
      env.clients.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: PAGE, nextToken }),
      ),
    );
    for (const event of page.events ?? []) {
      const id = event.id ?? 0;
      if (id <= afterId) return [...fresh.values()].reverse();
      fresh.set(id, event);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return [...fresh.values()].reverse();
}

/** Where a running execution is: its newest step entered, and the release state its last step left. */
export interface ExecutionPosition {
  readonly step?: StepEntered;
  readonly state?: ReleaseStateView;
}

/** The newest step entered and the newest state output, reading the history newest first as far as needed. */
export async function currentPosition(env: CliEnvironment, executionArn: string): Promise<ExecutionPosition> {
  let step: StepEntered | undefined;
  let state: ReleaseStateView | undefined;
  let nextToken: string | undefined;
  do {
    const page = await env.call(() =>
      env.clients.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 20, nextToken }),
      ),
    );
    for (const event of page.events ?? []) {
      step ??= stepEntered(event);
      state ??= stateOutput(event);
      if (step && state) return { step, state };
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return { step, state };
}

/** The approval request an execution waits on, if any (history read newest first, as far as needed). */
export async function pendingApprovalOf(
  env: CliEnvironment,
  executionArn: string,
): Promise<PendingApproval | undefined> {
  const seen: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await env.call(() =>
      env.clients.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: PAGE, nextToken }),
      ),
    );
    seen.push(...(page.events ?? []));
    const search = findPendingApproval(seen, executionArn);
    if (search.found) return search.found;
    if (search.settled) return undefined;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

export async function describeExecution(
  env: CliEnvironment,
  executionArn: string,
): Promise<DescribeExecutionOutput> {
  return env.call(() => env.clients.sfn.send(new DescribeExecutionCommand({ executionArn })));
}

/** Executions of the state machine, newest first, at most `limit`. */
export async function listExecutions(
  env: CliEnvironment,
  stateMachineArn: string,
  limit: number,
  statusFilter?: ExecutionStatus,
): Promise<ExecutionListItem[]> {
  const found: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await env.call(() =>
      env.clients.sfn.send(
        new ListExecutionsCommand({
          stateMachineArn,
          maxResults: Math.min(1000, limit - found.length),
          nextToken,
          ...(statusFilter ? { statusFilter } : {}),
        }),
      ),
    );
    found.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken && found.length < limit);
  return found.slice(0, limit);
}
