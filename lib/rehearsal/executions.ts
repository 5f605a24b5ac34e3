import * as path from 'path';
import { StateMachine } from 'aws-local-stepfunctions';
import { handlerAssetDir } from '../handler-assets';
import { HANDLER_SOURCES, type HandlerSource } from './handler-source';
import { ensurePromiseWithResolvers } from './polyfills';
import { ExecutionHistory, type TaskResource } from './region/execution-history';
import type { ExecutionRecord } from './region/executions';
import type { TaskTokens } from './region/task-tokens';
import type { CallbackTaskInfo, ServiceTemplateInfo, StepFunctionInfo } from './template';
import type { HookTaskInfo } from './template-release-hooks';

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
  /** The input as it was given to StartExecution (JSON). */
  readonly inputText: string;
  readonly startedAt: number;
  status: ExecutionStatus;
  stoppedAt?: number;
  output?: Json;
  error?: string;
  cause?: string;
  /** States entered, in order: Step Functions bills one transition per entry. */
  readonly events: ExecutionEvent[];
  /** The execution's history as GetExecutionHistory answers it. */
  readonly history: ExecutionHistory;
  /** Settles (never rejects) when the execution ends. */
  readonly done: Promise<RehearsalExecution>;
}

/** The part of the Lambda context the steps read. */
export interface StepInvocationContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  getRemainingTimeInMillis(): number;
}

export type StepHandler = (state: Json, context?: StepInvocationContext) => Promise<Json>;

/** A release hook function's code, run in-process: given the hook's payload, its answer is discarded. */
export type ReleaseHookHandler = (payload: Json) => unknown;

export interface ExecutionRunnerOptions {
  /**
   * Virtual ms a Lambda invocation adds before the handler runs: fixed, or drawn per invocation
   * of the named function (warm/cold, docs/aws-model.md, "Lambda").
   */
  readonly invokeLatencyMs: number | ((functionName: string) => number);
  /** Observer of every event as it happens (timelines). */
  readonly onEvent?: (execution: RehearsalExecution, event: ExecutionEvent) => void;
  /** Loads a step's handler; `loadStepHandler(step, handlers)` by default. */
  readonly loadHandler?: (step: string) => StepHandler;
  /** Where the default loader takes the handlers from. @default 'bundles' */
  readonly handlers?: HandlerSource;
  /** Issues the task tokens of callback Tasks (approval gates). @default - callback Tasks fail */
  readonly taskTokens?: TaskTokens;
  /** SNS Publish of a callback Task; returns the MessageId. @default - callback Tasks fail */
  readonly publish?: (topicArn: string, message: string, subject?: string) => string;
  /** Called when an execution ends (its status is final), stopped ones included. @default - nothing */
  readonly onExecutionEnded?: (execution: RehearsalExecution) => void;
  /** Called when a Lambda invocation returns or throws, also one of a stopped execution. @default - nothing */
  readonly onInvocationEnded?: () => void;
  /** The handler of each release hook's Task state, by state name. @default - a hook Task fails */
  readonly hookHandlers?: Readonly<Record<string, ReleaseHookHandler>>;
}

/**
 * What `$$.Task.Token` resolves to while the interpreter applies a Task's Parameters (it has no
 * task tokens); the callback handler swaps in the invocation's real token.
 */
const TASK_TOKEN_PLACEHOLDER = 'rehearsal:task-token-placeholder';

/**
 * AWS lets a Task without TimeoutSeconds run for 99999999 s; the interpreter's default is 60 s.
 * The longest delay a Node timer (and the virtual clock) takes is 2^31-1 ms, so that is the default here.
 */
const NO_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** The file a step's handler is loaded from. */
export function stepHandlerFile(step: string, from: HandlerSource = 'bundles'): string {
  if (from === 'bundles') return path.join(handlerAssetDir(step), 'index.js');
  if (from === 'source') return path.join(__dirname, '..', '..', 'lambda', step, 'index');
  throw new Error(`handlers (${String(from)}) must be one of ${HANDLER_SOURCES.join(', ')}`);
}

/**
 * A step's handler, unchanged: by default from the prebuilt bundle that is deployed. The bundles
 * leave the AWS SDK to the runtime (`require('@aws-sdk/client-…')`), so they share the SDK client
 * classes whose `send` the rehearsal intercepts (sdk-interceptor.ts), and read the global timers,
 * `Date` and `Math.random` the rehearsal replaces.
 */
export function loadStepHandler(step: string, from: HandlerSource = 'bundles'): StepHandler {
  const file = stepHandlerFile(step, from);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file);
  if (typeof mod.handler !== 'function') throw new Error(`${file} exports no handler`);
  return mod.handler;
}

type ExecutionEntry = RehearsalExecution & { abort?: () => void };

/**
 * Starts executions of the synthesized definition with aws-local-stepfunctions. Each Lambda Task
 * runs the real handler of its step function; each SNS callback Task (an approval gate) publishes
 * its message to the region and waits for SendTaskSuccess / SendTaskFailure on a fresh task token.
 * Wait states, task timeouts and retry pauses use the global timers, which the rehearsal replaces
 * with its virtual clock while it drives executions. Keeps each execution's history in the shape
 * GetExecutionHistory returns, and is the execution directory the simulated region consults.
 */
export class ExecutionRunner {
  private readonly machine: StateMachine;
  private readonly executions = new Map<string, ExecutionEntry>();
  private readonly handlers: Record<string, StepHandler> = {};
  private readonly region: string;
  private sequence = 0;
  private invocations = 0;
  /** Lambda invocations started and not yet returned, those of stopped executions included. */
  private invocationsInFlight = 0;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly info: ServiceTemplateInfo,
    private readonly options: ExecutionRunnerOptions,
  ) {
    ensurePromiseWithResolvers();
    this.machine = validatedStateMachine(info.definition);
    const from = options.handlers ?? 'bundles';
    const load = options.loadHandler ?? ((step: string) => loadStepHandler(step, from));
    for (const fn of info.stepFunctions) this.handlers[fn.step] = load(fn.step);
    this.region = info.stateMachineArn.split(':')[3];
  }

  public start(input: Json, name?: string, inputText?: string): RehearsalExecution {
    const executionName = name ?? `rehearsal-${++this.sequence}`;
    const arn = this.info.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${executionName}`;
    if (this.executions.has(arn)) throw new Error(`ExecutionAlreadyExists: ${arn}`);
    const startedAt = Date.now();
    const record = {
      arn,
      name: executionName,
      input,
      inputText: inputText ?? JSON.stringify(input),
      startedAt,
      status: 'RUNNING' as ExecutionStatus,
      events: [] as ExecutionEvent[],
      history: new ExecutionHistory(() => Date.now()),
    } as ExecutionEntry & { done: Promise<RehearsalExecution> };

    const taskResourceLocalHandlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [stateName, fn] of Object.entries(this.info.taskSteps)) {
      taskResourceLocalHandlers[stateName] = this.lambdaTask(record, stateName, fn);
    }
    for (const [stateName, task] of Object.entries(this.info.callbackTasks ?? {})) {
      taskResourceLocalHandlers[stateName] = this.callbackTask(record, stateName, task);
    }
    for (const [stateName, hook] of Object.entries(this.info.hookTasks ?? {})) {
      taskResourceLocalHandlers[stateName] = this.hookTask(record, stateName, hook);
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
          RoleArn: this.info.stateMachineRoleArn,
        },
        StateMachine: { Id: this.info.stateMachineArn, Name: this.info.stateMachineArn.split(':').pop() },
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
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
        this.recordHistory(record, event);
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
      this.ended(record);
      delete record.abort;
      this.options.taskTokens?.closeExecution(arn);
      await consumeEvents.catch(() => undefined);
      return record as RehearsalExecution;
    };
    return record;
  }

  /** DescribeExecution, as the simulated region answers it. */
  public describe(arn: string): (ExecutionRecord & Record<string, unknown>) | undefined {
    const found = this.executions.get(arn);
    if (!found) return undefined;
    const record = this.record(found);
    return {
      ...record,
      inputDetails: { included: true },
      ...(record.output !== undefined ? { outputDetails: { included: true } } : {}),
    };
  }

  /** StopExecution: the execution ends ABORTED at once; a Lambda already running still finishes. */
  public stop(arn: string, cause?: string, error?: string): void {
    const found = this.executions.get(arn);
    if (!found || found.status !== 'RUNNING') return;
    found.status = 'ABORTED';
    found.cause = cause;
    found.error = error;
    found.stoppedAt = Date.now();
    this.options.taskTokens?.closeExecution(arn);
    found.abort?.();
    this.ended(found);
  }

  /**
   * Lambda invocations still running, those of stopped executions included: StopExecution does
   * not stop a Lambda that already runs, so it may still change the fleet after its execution ended.
   */
  public inFlight(): number {
    return this.invocationsInFlight;
  }

  /** True while an execution runs or a Lambda invocation has not returned. */
  public busy(): boolean {
    return this.invocationsInFlight > 0 || this.list().some((e) => e.status === 'RUNNING');
  }

  /** Settles once no execution runs and no Lambda invocation is in flight (at once if so now). */
  public idle(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  public list(): RehearsalExecution[] {
    return [...this.executions.values()];
  }

  /** Every execution as ListExecutions / DescribeExecution report it, in start order. */
  public records(): ExecutionRecord[] {
    return this.list().map((e) => this.record(e));
  }

  private record(e: RehearsalExecution): ExecutionRecord {
    return {
      executionArn: e.arn,
      stateMachineArn: this.info.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: new Date(e.startedAt),
      ...(e.stoppedAt !== undefined && e.status !== 'RUNNING' ? { stopDate: new Date(e.stoppedAt) } : {}),
      input: e.inputText,
      ...(e.status === 'SUCCEEDED' ? { output: JSON.stringify(e.output ?? null) } : {}),
      ...(e.error !== undefined ? { error: e.error } : {}),
      ...(e.cause !== undefined ? { cause: e.cause } : {}),
    };
  }

  /** The interpreter's event, as the execution history names it. */
  private recordHistory(record: ExecutionEntry, event: Json): void {
    const history = record.history;
    const time = typeof event.timestamp === 'number' ? event.timestamp : undefined;
    switch (event.type) {
      case 'ExecutionStarted':
        history.executionStarted(event.input, this.info.stateMachineRoleArn, time);
        break;
      case 'StateEntered':
        history.stateEntered(event.state.type, event.state.name, event.state.input, time);
        break;
      case 'StateExited':
        history.stateExited(event.state.type, event.state.name, event.state.output, time);
        break;
      case 'ExecutionSucceeded':
        history.executionSucceeded(event.output, time);
        break;
      case 'ExecutionFailed':
        history.executionEnded('ExecutionFailed', text(event.Error), text(event.Cause), time);
        break;
      case 'ExecutionAborted':
        history.executionEnded('ExecutionAborted', record.error, record.cause, time);
        break;
      case 'ExecutionTimeout':
        history.executionEnded('ExecutionTimedOut', 'States.Timeout', undefined, time);
        break;
      default:
        // StateFailed, StateRetried, StateCaught: AWS shows these as the Task's own events.
        break;
    }
  }

  /** A Lambda Task: the real handler, with its LambdaFunction* events. */
  private lambdaTask(record: ExecutionEntry, stateName: string, fn: StepFunctionInfo) {
    const handler = this.handlers[fn.step];
    const task: TaskResource = { resourceType: 'lambda', resource: fn.arn, region: this.region };
    const timeoutSeconds = this.timeoutOf(stateName);
    return (payload: Json): Promise<Json> =>
      this.counted(() =>
        this.invokeLambda(record, task, timeoutSeconds, fn.step, payload, (input) =>
          handler(input, this.invocationContext(fn)),
        ),
      );
  }

  /**
   * A release hook's Task: the handler given for its function, in-process, with the function's
   * invoke latency; an invocation ends at the function's own timeout (Lambda stops it), and the
   * Task's timeout runs on the virtual clock like every other.
   */
  private hookTask(record: ExecutionEntry, stateName: string, hook: HookTaskInfo) {
    const handler = this.options.hookHandlers?.[stateName];
    const task: TaskResource = { resourceType: 'lambda', resource: hook.functionArn, region: this.region };
    const timeoutSeconds = this.timeoutOf(stateName);
    return (payload: Json): Promise<Json> => {
      if (!handler) {
        return Promise.reject(
          new Error(`not simulated: no handler for the ${hook.point} hook (${hook.functionName})`),
        );
      }
      return this.counted(() =>
        this.invokeLambda(record, task, timeoutSeconds, hook.functionName, payload, async (input) =>
          withFunctionTimeout(Promise.resolve(handler(input)), hook.functionTimeoutSeconds).then(
            (answer) => answer ?? null,
          ),
        ),
      );
    };
  }

  /** Counts an invocation in flight while it runs (a stopped execution's included). */
  private async counted(invoke: () => Promise<Json>): Promise<Json> {
    this.invocationsInFlight += 1;
    try {
      return await invoke();
    } finally {
      this.invocationsInFlight -= 1;
      this.options.onInvocationEnded?.();
      this.wakeIdleWaiters();
    }
  }

  /**
   * One invocation: scheduled, the invoke latency (drawn for `latencyOf`, the function), then the
   * handler, recorded in the history.
   */
  private async invokeLambda(
    record: ExecutionEntry,
    task: TaskResource,
    timeoutSeconds: number,
    latencyOf: string,
    payload: Json,
    run: (input: Json) => Promise<Json>,
  ): Promise<Json> {
    const watch = watchTimeout(record, timeoutSeconds, () =>
      record.history.taskTimedOut(task, timeoutSeconds),
    );
    await afterQueuedEvents();
    record.history.taskScheduled(task, payload, timeoutSeconds);
    const latency = this.options.invokeLatencyMs;
    await sleep(typeof latency === 'number' ? latency : latency(latencyOf));
    if (watch.open) record.history.taskStarted(task);
    try {
      const output = await run(structuredClone(payload));
      if (watch.close()) record.history.taskSucceeded(task, output);
      return output;
    } catch (error) {
      if (watch.close()) record.history.taskFailed(task, (error as Error)?.name, (error as Error)?.message);
      throw error;
    }
  }

  /** An execution's status became final: the monitor hears of it, and `idle()` may settle. */
  private ended(execution: RehearsalExecution): void {
    this.options.onExecutionEnded?.(execution);
    this.wakeIdleWaiters();
  }

  private wakeIdleWaiters(): void {
    if (this.busy()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** What Lambda hands the handler: a request id, and the time left before the function's timeout. */
  private invocationContext(fn: StepFunctionInfo): StepInvocationContext {
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    return {
      awsRequestId: `request-${++this.invocations}`,
      functionName: fn.arn.split(':').pop() ?? fn.step,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
  }

  /**
   * An SNS publish that waits for a task token: publishes the message (token in place of the
   * placeholder) to the region, then waits for SendTaskSuccess / SendTaskFailure. A failure
   * rejects with an Error whose `name` is the error and `message` the cause, which the interpreter
   * matches against Catch. On timeout the token is closed and the interpreter raises States.Timeout.
   */
  private callbackTask(record: ExecutionEntry, stateName: string, info: CallbackTaskInfo) {
    const task: TaskResource = {
      resourceType: info.resourceType,
      resource: info.resourceAction,
      region: this.region,
    };
    const timeoutSeconds = this.timeoutOf(stateName);
    return async (payload: Json): Promise<Json> => {
      const { taskTokens, publish } = this.options;
      if (
        !taskTokens ||
        !publish ||
        info.resourceType !== 'sns' ||
        info.resourceAction !== 'publish.waitForTaskToken'
      ) {
        throw new Error(`not simulated: Task ${stateName} (${info.resource})`);
      }
      const { token, result } = taskTokens.issue({ executionArn: record.arn, stateName });
      const watch = watchTimeout(record, timeoutSeconds, () => {
        taskTokens.close(token);
        record.history.taskTimedOut(task, timeoutSeconds);
      });
      await afterQueuedEvents();
      const parameters = replaceValue(payload, TASK_TOKEN_PLACEHOLDER, token);
      record.history.taskScheduled(task, parameters, info.timeoutSeconds);
      record.history.taskStarted(task);
      if (typeof parameters?.TopicArn !== 'string' || parameters.Message === undefined) {
        throw new Error(`not simulated: Task ${stateName} publishes without TopicArn or Message`);
      }
      // Step Functions serializes a JSON Message to a string before it publishes.
      const message =
        typeof parameters.Message === 'string' ? parameters.Message : JSON.stringify(parameters.Message);
      const messageId = publish(parameters.TopicArn, message, parameters.Subject);
      record.history.taskSubmitted(task, { MessageId: messageId });
      try {
        const output = await result;
        if (watch.close()) record.history.taskSucceeded(task, output);
        return output;
      } catch (error) {
        if (watch.close()) record.history.taskFailed(task, (error as Error).name, (error as Error).message);
        throw error;
      }
    };
  }

  private timeoutOf(stateName: string): number {
    return Number(this.info.definition.States[stateName]?.TimeoutSeconds ?? NO_TIMEOUT_SECONDS);
  }
}

/**
 * Records a Task's timeout the moment it happens. Created before the interpreter arms its own
 * timer for the same delay, so it fires first; the interpreter then raises States.Timeout.
 */
function watchTimeout(
  execution: RehearsalExecution,
  seconds: number,
  onTimeout: () => void,
): { readonly open: boolean; close(): boolean } {
  let open = true;
  // A task of an execution that has ended (stopped) records nothing more.
  const running = () => execution.status === 'RUNNING';
  const timer = setTimeout(() => {
    if (!open || !running()) return;
    open = false;
    onTimeout();
  }, seconds * 1000);
  return {
    get open() {
      return open && running();
    },
    /** True if the task was still open (it is now closed) and its execution still runs. */
    close() {
      if (!open) return false;
      open = false;
      clearTimeout(timer);
      return running();
    },
  };
}

/**
 * The interpreter calls a Task's handler in the same tick it logs the state's entry; one real
 * macrotask lets the event-log consumer record that entry first, so the history stays in order.
 * No virtual time passes.
 */
function afterQueuedEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Validating a definition takes the interpreter's validator over 100 ms; a definition is
 * validated once per process, and its (stateless) StateMachine shared by every rehearsal of it.
 */
const validatedMachines = new Map<string, StateMachine>();

function validatedStateMachine(definition: Json): StateMachine {
  const key = JSON.stringify(definition);
  let machine = validatedMachines.get(key);
  if (!machine) {
    machine = new StateMachine(withAwsTaskTimeouts(definition), { validationOptions: { checkPaths: true } });
    validatedMachines.set(key, machine);
  }
  return machine;
}

/** The definition with AWS's default Task timeout made explicit (the interpreter's is 60 s). */
function withAwsTaskTimeouts(definition: Json): Json {
  // A JSON copy, not structuredClone: the interpreter resolves nested Parameters only in objects
  // whose prototype is its own realm's Object.prototype (under jest, structuredClone's are not).
  const copy = JSON.parse(JSON.stringify(definition));
  for (const state of Object.values<Json>(copy.States)) {
    if (
      state.Type === 'Task' &&
      state.TimeoutSeconds === undefined &&
      state.TimeoutSecondsPath === undefined
    ) {
      state.TimeoutSeconds = NO_TIMEOUT_SECONDS;
    }
  }
  return copy;
}

function replaceValue(value: Json, from: string, to: string): Json {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((v) => replaceValue(v, from, to));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceValue(v, from, to)]));
  }
  return value;
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Lambda stops a function at its timeout: the invocation fails then, whatever the code does
 * (docs/aws-model.md, "Lambda").
 */
export function withFunctionTimeout<T>(answer: Promise<T>, seconds: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`Task timed out after ${seconds.toFixed(2)} seconds`);
      error.name = 'Sandbox.Timedout';
      reject(error);
    }, seconds * 1000);
  });
  return Promise.race([answer, stopped]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
