/**
 * `approve` / `reject`: finds the running execution's approval request that has no answer yet
 * and answers it with its task token: SendTaskSuccess `{"approvedBy", "reason"?}`, or
 * SendTaskFailure with error ReleaseRejected (the workflow then rolls the release back).
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { REJECTED_ERROR } from '../../contract/errors';
import type { ApprovalAnswer } from '../args';
import type { CliEnvironment } from '../environment';
import { UsageError } from '../errors';
import { listExecutions, pendingApprovalOf } from '../execution-reader';
import type { PendingApproval } from '../history-events';
import { callerArn } from '../identity';
import type { Printer } from '../io';
import { locateService } from '../locate';
import type { ServiceCommand } from '../args';
import { approvalAnsweredLine } from '../progress';

/** What SendTaskSuccess / SendTaskFailure carry for an answer. */
export function approvalAnswerPayload(
  answer: ApprovalAnswer,
  caller: string,
  reason?: string,
): { output: string } | { error: string; cause: string } {
  if (answer === 'approve')
    return { output: JSON.stringify({ approvedBy: caller, ...(reason ? { reason } : {}) }) };
  return { error: REJECTED_ERROR, cause: `rejected by ${caller}${reason ? `: ${reason}` : ''}` };
}

/** Sends the answer; an answer that comes too late is a UsageError (nothing was changed). */
export async function answerApproval(
  env: CliEnvironment,
  pending: PendingApproval,
  answer: ApprovalAnswer,
  caller: string,
  reason?: string,
): Promise<void> {
  const payload = approvalAnswerPayload(answer, caller, reason);
  try {
    await env.call(() =>
      'output' in payload
        ? env.clients.sfn.send(
            new SendTaskSuccessCommand({ taskToken: pending.taskToken, output: payload.output }),
          )
        : env.clients.sfn.send(
            new SendTaskFailureCommand({
              taskToken: pending.taskToken,
              error: payload.error,
              cause: payload.cause,
            }),
          ),
    );
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist' || name === 'InvalidToken') {
      throw new UsageError(
        `nothing waiting for approval: the request of ${executionName(pending.executionArn)} (${pending.gate ?? '?'}) is closed: ${name}: ${(error as Error).message}`,
      );
    }
    throw error;
  }
}

export async function runApproval(
  env: CliEnvironment,
  command: Extract<ServiceCommand, { name: 'approve' | 'reject' }>,
  out: Printer,
): Promise<number> {
  const service = await locateService(env, command.target);
  const running = await listExecutions(env, service.stateMachineArn, 100, 'RUNNING');
  if (running.length === 0) {
    throw new UsageError(
      `nothing waiting for approval: no execution of ${service.stateMachineArn} is running`,
    );
  }
  let pending: PendingApproval | undefined;
  for (const execution of running) {
    pending = await pendingApprovalOf(env, execution.executionArn!);
    if (pending) break;
  }
  if (!pending) {
    throw new UsageError(
      `nothing waiting for approval: ${running.map((e) => e.name).join(', ')} ${running.length === 1 ? 'is' : 'are'} not at an approval gate`,
    );
  }
  const caller = await callerArn(env);
  await answerApproval(env, pending, command.name, caller, command.reason);
  out.line(approvalAnsweredLine(env.now(), pending, command.name, caller, false));
  return 0;
}

function executionName(executionArn: string): string {
  return executionArn.split(':').pop() ?? executionArn;
}
