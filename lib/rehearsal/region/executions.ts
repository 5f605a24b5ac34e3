/**
 * The Step Functions API of the release state machine: StartExecution, DescribeExecution,
 * StopExecution, ListExecutions, GetExecutionHistory, SendTaskSuccess / SendTaskFailure and
 * ListTagsForResource. The rehearsal runner owns the executions and answers through an
 * ExecutionDirectory; task tokens live in the region (task-tokens.ts).
 *
 * Error wordings marked (seen) were found in public reports of real responses; (inferred) ones
 * follow AWS's style.
 */
import { notSimulated, serviceError } from './errors';
import { pageOf, type CommandInput, type CommandTable } from './commands';
import { historyEventShape, type RecordedHistoryEvent } from './execution-history';
import { MAX_PAYLOAD_BYTES, type TaskTokens } from './task-tokens';
import { ViewHistory, type StaleReads } from './stale-reads';

type Described = { status: string } & Record<string, unknown>;

/** What DescribeExecution and ListExecutions read: every execution, as the directory reported it. */
interface ExecutionsView {
  readonly records: readonly ExecutionRecord[];
  readonly described: ReadonlyMap<string, Described>;
}

/** One execution as the directory reports it. */
export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate: Date;
  readonly stopDate?: Date;
  /** The input as it was given (a JSON string). */
  readonly input: string;
  /** JSON string, once SUCCEEDED. */
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface ExecutionDirectory {
  describe(arn: string): ({ status: string } & Record<string, unknown>) | undefined;
  stop(arn: string, cause?: string, error?: string): void;
  /** The state machine the executions run, with its tags. */
  readonly stateMachine?: { readonly arn: string; readonly tags: readonly { key: string; value: string }[] };
  /** Starts an execution (input already validated). */
  start?(input: unknown, name: string, inputText: string): ExecutionRecord;
  /** Every execution, in start order. */
  list?(): ExecutionRecord[];
  history?(arn: string): readonly RecordedHistoryEvent[] | undefined;
}

export const ExecutionMessages = {
  /** (seen) */
  doesNotExist: (arn: string) => `Execution Does Not Exist: '${arn}'`,
  /** (seen) */
  alreadyExists: (arn: string) => `Execution Already Exists: '${arn}'`,
  /** (seen) */
  stateMachineDoesNotExist: (arn: string) => `State Machine Does Not Exist: '${arn}'`,
  /** (inferred) */
  invalidName: (name: string) => `Invalid Name: '${name}'`,
  /** (inferred) */
  invalidArn: (arn: string) => `Invalid Arn: '${arn}'`,
  /** (inferred) */
  invalidInput: (problem: string) => `Invalid State Machine Execution Input: '${problem}'`,
  /** (inferred) */
  invalidToken: () => 'Invalid Token: the nextToken is not valid',
  /** (inferred) */
  resourceNotFound: (arn: string) => `Resource not found: '${arn}'`,
} as const;

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
/** Execution names: 1-80 characters, none of whitespace, brackets, wildcards, these specials or control characters. */
const INVALID_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:(stateMachine|execution|activity):.+$/;

export class Executions {
  private directory?: ExecutionDirectory;
  private unnamed = 0;
  /** Recent views for the eventually consistent reads; fresh ones when `stale` is absent or off. */
  private readonly views?: ViewHistory<ExecutionsView>;

  constructor(
    private readonly now: () => number,
    private readonly tokens?: TaskTokens,
    stale?: StaleReads,
  ) {
    if (stale) this.views = new ViewHistory(stale, () => this.takeView());
  }

  /** Records the executions as they are now, for later stale reads. */
  public recordView(): void {
    if (this.directory) this.views?.record();
  }

  public setDirectory(directory: ExecutionDirectory): void {
    this.directory = directory;
  }

  public commands(): CommandTable {
    return {
      StartExecution: {
        mutating: true,
        params: ['stateMachineArn', 'name', 'input'],
        run: (input) => this.start(input),
      },
      DescribeExecution: {
        mutating: false,
        params: ['executionArn', 'includedData'],
        run: (input) => this.describe(input),
      },
      StopExecution: {
        mutating: true,
        params: ['executionArn', 'cause', 'error'],
        run: (input) => this.stop(input),
      },
      ListExecutions: {
        mutating: false,
        params: ['stateMachineArn', 'statusFilter', 'maxResults', 'nextToken'],
        run: (input) => this.listExecutions(input),
      },
      GetExecutionHistory: {
        mutating: false,
        params: ['executionArn', 'maxResults', 'reverseOrder', 'nextToken', 'includeExecutionData'],
        run: (input) => this.history(input),
      },
      SendTaskSuccess: {
        mutating: true,
        params: ['taskToken', 'output'],
        run: (input) => {
          this.requireTokens('SendTaskSuccess').succeed(input.taskToken, input.output);
          return {};
        },
      },
      SendTaskFailure: {
        mutating: true,
        params: ['taskToken', 'error', 'cause'],
        run: (input) => {
          this.requireTokens('SendTaskFailure').fail(input.taskToken, input.error, input.cause);
          return {};
        },
      },
      ListTagsForResource: {
        mutating: false,
        params: ['resourceArn'],
        run: (input) => this.listTags(input),
      },
    };
  }

  private start(input: CommandInput): Record<string, unknown> {
    const directory = this.require('StartExecution');
    const start = directory.start?.bind(directory);
    if (!start) throw notSimulated('SFN.StartExecution (the directory cannot start executions)');
    const machineArn = this.stateMachineArn(input.stateMachineArn, 'StartExecution');
    const name = input.name === undefined ? this.generatedName() : String(input.name);
    if (name.length < 1 || name.length > 80 || INVALID_NAME_CHARACTER.test(name)) {
      throw serviceError('SFN', 'InvalidName', ExecutionMessages.invalidName(name));
    }
    const inputText = input.input === undefined ? '{}' : input.input;
    if (typeof inputText !== 'string' || Buffer.byteLength(inputText) > MAX_PAYLOAD_BYTES) {
      throw serviceError(
        'SFN',
        'ValidationException',
        `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(inputText);
    } catch (error) {
      throw serviceError(
        'SFN',
        'InvalidExecutionInput',
        ExecutionMessages.invalidInput((error as Error).message),
      );
    }
    const executionArn = `${machineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = (directory.list?.() ?? []).find((e) => e.executionArn === executionArn);
    if (existing) {
      // Same name and input while it runs: AWS answers as for the original request (idempotent).
      if (existing.status === 'RUNNING' && existing.input === inputText) {
        return { executionArn, startDate: existing.startDate };
      }
      throw serviceError('SFN', 'ExecutionAlreadyExists', ExecutionMessages.alreadyExists(executionArn));
    }
    const started = start(parsed, name, inputText);
    return { executionArn: started.executionArn, startDate: started.startDate };
  }

  private describe(input: CommandInput): Record<string, unknown> {
    const arn = String(input.executionArn);
    const directory = this.require('DescribeExecution');
    // An execution the view predates is read fresh: a stale read shows an older status, it does
    // not make an execution disappear.
    const found = this.readView()?.described.get(arn) ?? directory.describe(arn);
    if (!found) throw serviceError('SFN', 'ExecutionDoesNotExist', ExecutionMessages.doesNotExist(arn), 400);
    const described: Record<string, unknown> = { ...found, executionArn: arn, status: found.status };
    if (input.includedData === 'METADATA_ONLY') {
      for (const member of ['input', 'inputDetails', 'output', 'outputDetails']) delete described[member];
    } else if (input.includedData !== undefined && input.includedData !== 'ALL_DATA') {
      throw enumError('includedData', input.includedData, ['ALL_DATA', 'METADATA_ONLY']);
    }
    return described;
  }

  private stop(input: CommandInput): Record<string, unknown> {
    const arn = String(input.executionArn);
    const directory = this.require('StopExecution');
    if (!directory.describe(arn))
      throw serviceError('SFN', 'ExecutionDoesNotExist', ExecutionMessages.doesNotExist(arn), 400);
    directory.stop(arn, input.cause, input.error);
    this.tokens?.closeExecution(arn);
    return { stopDate: new Date(this.now()) };
  }

  private listExecutions(input: CommandInput): Record<string, unknown> {
    const directory = this.require('ListExecutions');
    if (input.stateMachineArn === undefined) {
      throw serviceError('SFN', 'ValidationException', 'Must provide a StateMachine ARN or MapRun ARN');
    }
    const machineArn = this.stateMachineArn(input.stateMachineArn, 'ListExecutions');
    if (input.statusFilter !== undefined && !STATUSES.includes(input.statusFilter)) {
      throw enumError('statusFilter', input.statusFilter, STATUSES);
    }
    const maxResults = pageSize(input.maxResults);
    const executions = (this.readView()?.records ?? directory.list?.() ?? [])
      .map((e, order) => ({ e, order }))
      .filter(({ e }) => e.stateMachineArn === machineArn)
      .filter(({ e }) => input.statusFilter === undefined || e.status === input.statusFilter)
      // Newest first; of two started in the same millisecond, the later one first.
      .sort((a, b) => b.e.startDate.getTime() - a.e.startDate.getTime() || b.order - a.order)
      .map(({ e }) => e);
    const { page, nextToken } = pageOf(executions, maxResults, input.nextToken, () =>
      serviceError('SFN', 'InvalidToken', ExecutionMessages.invalidToken()),
    );
    return {
      executions: page.map((e) => ({
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        ...(e.stopDate ? { stopDate: e.stopDate } : {}),
      })),
      nextToken,
    };
  }

  /** The view a stale read answers from, or undefined for a fresh read. */
  private readView(): ExecutionsView | undefined {
    return this.views && this.directory && !this.views.fresh ? this.views.read() : undefined;
  }

  private takeView(): ExecutionsView {
    const directory = this.require('DescribeExecution');
    // The directory builds new records at every call: nothing here is shared with the executions.
    const records = directory.list?.() ?? [];
    const described = new Map<string, Described>();
    for (const record of records) {
      const found = directory.describe(record.executionArn);
      if (found) described.set(record.executionArn, found);
    }
    return { records, described };
  }

  private history(input: CommandInput): Record<string, unknown> {
    const arn = String(input.executionArn);
    const directory = this.require('GetExecutionHistory');
    if (!directory.history) throw notSimulated('SFN.GetExecutionHistory (the directory keeps no history)');
    const events = directory.history(arn);
    if (!events) throw serviceError('SFN', 'ExecutionDoesNotExist', ExecutionMessages.doesNotExist(arn), 400);
    const reverse = input.reverseOrder === true;
    // The token names the last event returned, so a page stays right while the execution adds events.
    let ordered = reverse ? [...events].reverse() : [...events];
    if (input.nextToken !== undefined) {
      const match = /^sim-history-(forward|reverse)-(\d+)$/.exec(String(input.nextToken));
      if (!match || (match[1] === 'reverse') !== reverse) {
        throw serviceError('SFN', 'InvalidToken', ExecutionMessages.invalidToken());
      }
      const lastId = Number(match[2]);
      ordered = ordered.filter((e) => (reverse ? e.id < lastId : e.id > lastId));
    }
    const page = ordered.slice(0, pageSize(input.maxResults));
    const more = page.length < ordered.length;
    const includeData = input.includeExecutionData !== false;
    return {
      events: page.map((e) => historyEventShape(e, includeData)),
      ...(more
        ? { nextToken: `sim-history-${reverse ? 'reverse' : 'forward'}-${page[page.length - 1].id}` }
        : {}),
    };
  }

  private listTags(input: CommandInput): Record<string, unknown> {
    const arn = String(input.resourceArn);
    if (!ARN.test(arn)) throw serviceError('SFN', 'InvalidArn', ExecutionMessages.invalidArn(arn));
    const machine = this.require('ListTagsForResource').stateMachine;
    if (!machine || machine.arn !== arn) {
      throw serviceError('SFN', 'ResourceNotFound', ExecutionMessages.resourceNotFound(arn));
    }
    return { tags: machine.tags.map((t) => ({ key: t.key, value: t.value })) };
  }

  private stateMachineArn(raw: unknown, command: string): string {
    const arn = String(raw);
    if (raw === undefined || !ARN.test(arn) || !arn.includes(':stateMachine:')) {
      throw serviceError('SFN', 'InvalidArn', ExecutionMessages.invalidArn(arn));
    }
    const machine = this.require(command).stateMachine;
    if (!machine || machine.arn !== arn) {
      throw serviceError('SFN', 'StateMachineDoesNotExist', ExecutionMessages.stateMachineDoesNotExist(arn));
    }
    return arn;
  }

  /** AWS names an unnamed execution with a UUID. */
  private generatedName(): string {
    this.unnamed += 1;
    return `00000000-0000-4000-8000-${this.unnamed.toString(16).padStart(12, '0')}`;
  }

  private require(command: string): ExecutionDirectory {
    if (!this.directory) throw notSimulated(`SFN.${command} (no execution directory set)`);
    return this.directory;
  }

  private requireTokens(command: string): TaskTokens {
    if (!this.tokens) throw notSimulated(`SFN.${command} (no task tokens)`);
    return this.tokens;
  }
}

/** maxResults: 0 (or absent) means the default page of 100; at most 1000. */
function pageSize(raw: unknown): number {
  if (raw === undefined || raw === 0) return 100;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > 1000) {
    throw serviceError(
      'SFN',
      'ValidationException',
      `1 validation error detected: Value '${String(raw)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  }
  return raw;
}

function enumError(member: string, value: unknown, allowed: readonly string[]) {
  return serviceError(
    'SFN',
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
  );
}
