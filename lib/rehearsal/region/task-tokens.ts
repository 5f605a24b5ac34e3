/**
 * Task tokens of the callback pattern (`.waitForTaskToken`): each Task invocation gets a fresh
 * token; SendTaskSuccess / SendTaskFailure settle the one waiting invocation, once. A token whose
 * task has closed (answered, timed out, execution stopped) answers TaskTimedOut, as AWS words it:
 * "The task token has either expired or the task associated with the token has already been closed."
 */
import { serviceError, type SimulatedServiceError } from './errors';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** SendTaskSuccess output and execution input/output: at most 256 KiB. */
export const MAX_PAYLOAD_BYTES = 262_144;
const MAX_TOKEN_LENGTH = 1024;
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;
const TOKEN_PREFIX = 'AQCsim';

export const TaskTokenMessages = {
  /** (the API reference's description of the error) */
  invalidToken: () => 'The provided token is not valid.',
  /** (the API reference's description of the error) */
  doesNotExist: () => 'The activity does not exist.',
  /** (the API reference's description of the error) */
  timedOut: () =>
    'The task token has either expired or the task associated with the token has already been closed.',
  /** (inferred) */
  invalidOutput: (problem: string) => `Invalid output: ${problem}`,
} as const;

/** Who waits on a token. */
export interface TaskTokenOwner {
  readonly executionArn: string;
  readonly stateName: string;
}

/** How a task ended when SendTaskFailure answered it: `name` is the error, `message` the cause. */
export class TaskFailedError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

interface WaitingTask {
  readonly owner: TaskTokenOwner;
  open: boolean;
  resolve(output: Json): void;
  reject(error: Error): void;
}

export class TaskTokens {
  private readonly tasks = new Map<string, WaitingTask>();
  private issued = 0;

  constructor(private readonly accountId: string) {}

  /** A fresh token for one Task invocation, and what SendTaskSuccess / SendTaskFailure settle. */
  public issue(owner: TaskTokenOwner): { token: string; result: Promise<Json> } {
    this.issued += 1;
    const body = Buffer.from(JSON.stringify({ v: 1, a: this.accountId, n: this.issued })).toString(
      'base64url',
    );
    const token = `${TOKEN_PREFIX}${body}`;
    let settle!: Pick<WaitingTask, 'resolve' | 'reject'>;
    const result = new Promise<Json>((resolve, reject) => (settle = { resolve, reject }));
    this.tasks.set(token, { owner, open: true, ...settle });
    return { token, result };
  }

  /** SendTaskSuccess. */
  public succeed(token: unknown, output: unknown): void {
    const task = this.openTask(token);
    if (typeof output !== 'string') throw missing('output');
    if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) throw tooLong('output', MAX_PAYLOAD_BYTES);
    let parsed: Json;
    try {
      parsed = JSON.parse(output);
    } catch (error) {
      throw serviceError('SFN', 'InvalidOutput', TaskTokenMessages.invalidOutput((error as Error).message));
    }
    task.open = false;
    task.resolve(parsed);
  }

  /** SendTaskFailure. */
  public fail(token: unknown, error: unknown, cause: unknown): void {
    if (error !== undefined && (typeof error !== 'string' || error.length > MAX_ERROR_LENGTH)) {
      throw tooLong('error', MAX_ERROR_LENGTH);
    }
    if (cause !== undefined && (typeof cause !== 'string' || cause.length > MAX_CAUSE_LENGTH)) {
      throw tooLong('cause', MAX_CAUSE_LENGTH);
    }
    const task = this.openTask(token);
    task.open = false;
    task.reject(new TaskFailedError(error ?? '', cause ?? ''));
  }

  /** The task timed out or its execution ended: the token answers TaskTimedOut from now on. */
  public close(token: string): void {
    const task = this.tasks.get(token);
    if (task) task.open = false;
  }

  public closeExecution(executionArn: string): void {
    for (const task of this.tasks.values()) if (task.owner.executionArn === executionArn) task.open = false;
  }

  /** Tokens still waiting for an answer. */
  public open(): { token: string; owner: TaskTokenOwner }[] {
    return [...this.tasks.entries()]
      .filter(([, t]) => t.open)
      .map(([token, t]) => ({ token, owner: t.owner }));
  }

  private openTask(token: unknown): WaitingTask {
    if (token === undefined || token === null) throw missing('taskToken');
    if (typeof token !== 'string' || token.length < 1 || token.length > MAX_TOKEN_LENGTH) {
      throw tooLong('taskToken', MAX_TOKEN_LENGTH);
    }
    if (!isWellFormed(token)) throw serviceError('SFN', 'InvalidToken', TaskTokenMessages.invalidToken());
    const task = this.tasks.get(token);
    if (!task) throw serviceError('SFN', 'TaskDoesNotExist', TaskTokenMessages.doesNotExist());
    if (!task.open) throw serviceError('SFN', 'TaskTimedOut', TaskTokenMessages.timedOut());
    return task;
  }
}

function isWellFormed(token: string): boolean {
  if (!token.startsWith(TOKEN_PREFIX)) return false;
  try {
    const body = JSON.parse(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
    return body?.v === 1 && Number.isInteger(body.n);
  } catch {
    return false;
  }
}

function missing(member: string): SimulatedServiceError {
  return serviceError(
    'SFN',
    'ValidationException',
    `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
  );
}

function tooLong(member: string, max: number): SimulatedServiceError {
  return serviceError(
    'SFN',
    'ValidationException',
    `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
  );
}
