/**
 * `release <version>` and `rollback`: checks the request with the workflow's own validation
 * (against the groups' MaxSize), starts an execution with a readable unique name and
 * `requestedBy`, and with `--follow` shows it to the end. StartExecution is the only change made,
 * and the last call before following.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { validateRequest } from '../../contract/request';
import { InvalidRequestError } from '../../contract/version';
import type { ServiceCommand } from '../args';
import type { CliEnvironment } from '../environment';
import { CommandFailed, ExitCode, refusalLine, UsageError } from '../errors';
import { executionName } from '../execution-name';
import { readGroups } from '../fleet-reader';
import { followExecution, type FollowResult } from '../follow';
import type { PendingApproval } from '../history-events';
import { callerArn } from '../identity';
import type { Printer } from '../io';
import { locateService, type LocatedService } from '../locate';
import { exitCodeFor } from '../outcome';
import { startedLine } from '../progress';
import type { ProgressDisplay } from '../render/display';
import { answerApproval } from './approval';

type StartCommand = Extract<ServiceCommand, { name: 'release' | 'rollback' }>;

/** The release request a command asks for. */
export function releaseRequest(command: StartCommand): Record<string, unknown> {
  if (command.name === 'rollback') return { action: 'rollback' };
  return {
    version: command.version,
    ...(command.capacity !== undefined ? { capacity: command.capacity } : {}),
    ...(command.healthTimeoutSeconds !== undefined
      ? { healthTimeoutSeconds: command.healthTimeoutSeconds }
      : {}),
    ...(command.bakeSeconds !== undefined ? { bakeSeconds: command.bakeSeconds } : {}),
  };
}

export interface StartedExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly service: LocatedService;
  readonly caller: string;
}

/** Locates the service, checks the request, starts the execution. */
export async function startExecution(env: CliEnvironment, command: StartCommand): Promise<StartedExecution> {
  const service = await locateService(env, command.target);
  const groups = await readGroups(env, [service.groupNames.blue, service.groupNames.green]);
  const maxCapacity = Math.max(0, ...groups.map((g) => g.maxSize));
  const caller = await callerArn(env);
  const request = releaseRequest(command);
  try {
    // The workflow's own check (Prepare runs it first), so a refused request starts nothing.
    validateRequest(request, { maxCapacity });
  } catch (error) {
    if (error instanceof InvalidRequestError) throw new UsageError(error.message);
    throw error;
  }
  const name = executionName(
    command.name,
    command.name === 'release' ? command.version : undefined,
    env.now(),
  );
  try {
    const started = await env.call(() =>
      env.clients.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: service.stateMachineArn,
          name,
          // Who started it, for `bluegreen history` and the notifications.
          input: JSON.stringify({ ...request, requestedBy: caller }),
        }),
      ),
    );
    return { executionArn: started.executionArn!, name, service, caller };
  } catch (error) {
    if ((error as Error).name === 'ExecutionAlreadyExists') {
      throw new UsageError(`execution name ${name} is taken (another start in the same second): try again`);
    }
    throw error;
  }
}

export async function runStart(
  env: CliEnvironment,
  command: StartCommand,
  out: Printer,
  display: () => ProgressDisplay,
  terminal = false,
): Promise<number> {
  const started = await startExecution(env, command);
  const version = command.name === 'release' ? command.version : undefined;
  out.line(
    terminal
      ? `started ${started.name}, requested by ${started.caller}`
      : startedLine(env.now(), started.name, command.name, version, started.caller),
  );
  if (!command.follow) return ExitCode.ok;
  const heading = command.name === 'release' ? `release ${command.version}` : 'rollback';
  try {
    const result = await follow(env, started, heading, display());
    return exitCodeFor(result.outcome);
  } catch (error) {
    // It runs on: only following it failed. Not knowing that it succeeded is not success.
    throw new CommandFailed(
      `lost track of ${started.name} (${refusalLine(error)}): its outcome is unknown, see bluegreen status`,
      ExitCode.failed,
    );
  }
}

/** Follows a started execution; in a rehearsal, approval requests are answered as --rehearse-answer says. */
export async function follow(
  env: CliEnvironment,
  started: StartedExecution,
  heading: string,
  display: ProgressDisplay,
  stopAtApproval = false,
): Promise<FollowResult> {
  const standIn = env.approvalStandIn;
  const answer = standIn
    ? async (pending: PendingApproval) => {
        await answerApproval(env, pending, standIn, started.caller, 'answered by the rehearsal');
        display.approvalAnswered(env.now(), pending, standIn, started.caller, true);
      }
    : undefined;
  return followExecution(
    env,
    {
      executionArn: started.executionArn,
      heading,
      service: started.service,
      ...(answer ? { answerApproval: answer } : {}),
      stopAtApproval,
    },
    display,
  );
}
