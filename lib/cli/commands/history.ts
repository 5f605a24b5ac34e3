/** `history`: recent executions, newest first, with what each asked for, how it ended and who started it. */
import { mapWithConcurrency } from '../../contract/batch';
import type { ServiceCommand } from '../args';
import type { CliEnvironment } from '../environment';
import { describeExecution, listExecutions } from '../execution-reader';
import { formatDuration, formatTime, table, truncate } from '../format';
import type { Printer } from '../io';
import { locateService } from '../locate';
import { executionOutcome, type ExecutionOutcome } from '../outcome';

/** DescribeExecution calls in flight at once. */
const DESCRIBE_CONCURRENCY = 5;
const REASON_WIDTH = 60;

export async function runHistory(
  env: CliEnvironment,
  command: Extract<ServiceCommand, { name: 'history' }>,
  out: Printer,
): Promise<number> {
  const service = await locateService(env, command.target);
  const executions = await listExecutions(env, service.stateMachineArn, command.limit);
  const described = await mapWithConcurrency(executions, DESCRIBE_CONCURRENCY, (e) =>
    describeExecution(env, e.executionArn!),
  );
  out.lines(historyLines(described.map((d) => executionOutcome(d, undefined, env.now()))));
  return 0;
}

/** One row per execution under a header; `who` is `unknown` when the input names nobody. */
export function historyLines(outcomes: readonly ExecutionOutcome[]): string[] {
  if (outcomes.length === 0) return ['no executions yet'];
  const rows = outcomes.map((o) => [
    o.name,
    o.action,
    o.requestedVersion ?? o.version ?? '-',
    o.startedAt !== undefined ? formatTime(o.startedAt) : '-',
    o.durationSeconds !== undefined ? formatDuration(o.durationSeconds) : '-',
    outcomeText(o),
    o.requestedBy ?? 'unknown',
  ]);
  return table([['EXECUTION', 'ACTION', 'VERSION', 'STARTED', 'DURATION', 'OUTCOME', 'WHO'], ...rows]);
}

function outcomeText(o: ExecutionOutcome): string {
  const detail = o.reason ?? (o.outcome === 'failed' ? o.error : undefined);
  return detail ? `${o.outcome}: ${truncate(detail, REASON_WIDTH)}` : o.outcome;
}
