import * as path from 'path';
import { StateMachine } from 'aws-local-stepfunctions';
import { ensurePromiseWithResolvers } from './polyfills';
import type { ServiceTemplateInfo } from './template';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface ExecutionEvent {
  /** Virtual epoch ms. */
  readonly time: number;
  readonly type: string;
  readonly state?: string;
  readonly stateType?: string;
  readonly output?: Json;
}

/** One execution of the synthesized state machine, run by the local interpreter. */
export interface RehearsalExecution {
  readonly arn: string;
  readonly name: string;
  readonly input: Json;
  readonly startedAt: number;
  status: ExecutionStatus;
  stoppedAt?: number;
  output?: Json;
  error?: string;
  cause?: string;
  /** States entered, in order: Step Functions bills one transition per entry. */
  readonly events: ExecutionEvent[];
  /** Settles (never rejects) when the execution ends. */
  readonly done: Promise<RehearsalExecution>;
}

export type StepHandler = (state: Json) => Promise<Json>;

export interface ExecutionRunnerOptions {
  /** Virtual time a Lambda invocation adds before the handler runs. */
  readonly invokeLatencyMs: number;
  /** Observer of every event as it happens (timelines). */
  readonly onEvent?: (execution: RehearsalExecution, event: ExecutionEvent) => void;
  /** Loads a step's handler module; the real `lambda/<step>/index` by default. */
  readonly loadHandler?: (step: string) => StepHandler;
}

/** The real handler module of a step, unchanged: `lambda/<step>/index`. */
export function loadStepHandler(step: string): StepHandler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(__dirname, '..', '..', 'lambda', step, 'index'));
  if (typeof mod.handler !== 'function') throw new Error(`lambda/${step} exports no handler`);
  return mod.handler;
}

/**
 * Starts executions of the synthesized definition with aws-local-stepfunctions. Each Task state
 * runs the real handler of its step function; Wait states, task timeouts and retry pauses use the
 * global timers, which the rehearsal replaces with its virtual clock while it drives executions.
 * Also the execution directory the simulated region's DescribeExecution/StopExecution consult.
 */
export class ExecutionRunner {
  private readonly machine: StateMachine;
  private readonly executions = new Map<string, RehearsalExecution & { abort?: () => void }>();
  private readonly handlers: Record<string, StepHandler> = {};
  private sequence = 0;

  constructor(
    private readonly info: ServiceTemplateInfo,
    private readonly options: ExecutionRunnerOptions,
  ) {
    ensurePromiseWithResolvers();
    this.machine = new StateMachine(info.definition, { validationOptions: { checkPaths: true } });
    const load = options.loadHandler ?? loadStepHandler;
    for (const fn of info.stepFunctions) this.handlers[fn.step] = load(fn.step);
  }

  public start(input: Json, name?: string): RehearsalExecution {
    const executionName = name ?? `rehearsal-${++this.sequence}`;
    const arn = this.info.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${executionName}`;
    if (this.executions.has(arn)) throw new Error(`ExecutionAlreadyExists: ${arn}`);
    const startedAt = Date.now();
    const record = {
      arn,
      name: executionName,
      input,
      startedAt,
      status: 'RUNNING' as ExecutionStatus,
      events: [] as ExecutionEvent[],
    } as RehearsalExecution & { abort?: () => void; done: Promise<RehearsalExecution> };

    const taskResourceLocalHandlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [stateName, fn] of Object.entries(this.info.taskSteps)) {
      const handler = this.handlers[fn.step];
      taskResourceLocalHandlers[stateName] = async (payload) => {
        await sleep(this.options.invokeLatencyMs);
        return handler(structuredClone(payload));
      };
    }
    const run = this.machine.run(input, {
      overrides: { taskResourceLocalHandlers },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: arn,
          Name: executionName,
          Input: input,
          StartTime: new Date(startedAt).toISOString(),
        },
        StateMachine: { Id: this.info.stateMachineArn, Name: this.info.stateMachineArn.split(':').pop() },
      },
    });
    record.abort = () => run.abort();
    this.executions.set(arn, record);

    const consumeEvents = (async () => {
      for await (const event of run.eventLogs as AsyncIterable<Json>) {
        const entry: ExecutionEvent = {
          time: Date.now(),
          type: event.type,
          state: event.state?.name,
          stateType: event.state?.type,
          output: event.type === 'StateExited' ? event.state?.output : undefined,
        };
        record.events.push(entry);
        this.options.onEvent?.(record, entry);
      }
    })();

    record.done = run.result.then(
      (output: Json) => {
        if (record.status === 'RUNNING') {
          record.status = 'SUCCEEDED';
          record.output = output;
        }
        return finish();
      },
      (err: Json) => {
        if (record.status === 'RUNNING') {
          const cause = err?.cause;
          record.status = err?.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
          record.error = cause?.name ?? err?.name;
          record.cause = cause?.message ?? err?.message;
        }
        return finish();
      },
    );
    const finish = async () => {
      record.stoppedAt ??= Date.now();
      delete record.abort;
      await consumeEvents.catch(() => undefined);
      return record as RehearsalExecution;
    };
    return record;
  }

  /** DescribeExecution, as the simulated region answers it. */
  public describe(arn: string): { status: string } | undefined {
    const found = this.executions.get(arn);
    return found && { status: found.status };
  }

  /** StopExecution: the execution ends ABORTED at once; a Lambda already running still finishes. */
  public stop(arn: string, cause?: string): void {
    const found = this.executions.get(arn);
    if (!found || found.status !== 'RUNNING') return;
    found.status = 'ABORTED';
    found.cause = cause;
    found.stoppedAt = Date.now();
    found.abort?.();
  }

  public list(): RehearsalExecution[] {
    return [...this.executions.values()];
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
