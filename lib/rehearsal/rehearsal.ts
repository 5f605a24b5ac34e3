import { format } from 'util';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { artifactKeys } from './artifacts';
import {
  ExecutionEvent,
  ExecutionRunner,
  loadStepHandler,
  RehearsalExecution,
  StepHandler,
  withFunctionTimeout,
} from './executions';
import type { UserValidatorPayload } from '../contract/instance-validation';
import { interceptInstanceRequests } from './instance-requests';
import { LifecycleEventDelivery } from './lifecycle-event-delivery';
import { releaseHookHandlers, type ReleaseHookHandlers } from './release-hook-handlers';
import type { HandlerSource } from './handler-source';
import { ServiceMonitor } from './monitor';
import { REGION_DEFAULTS, RegionOptions, SimulatedRegion } from './region';
import { SeededRandom } from './region/random';
import { LambdaLatency } from './lambda-latency';
import { interceptSdkCalls } from './sdk-interceptor';
import {
  CfnTemplate,
  readServiceTemplate,
  ServiceTemplateInfo,
  SIMULATED_ACCOUNT,
  SIMULATED_REGION,
} from './template';
import type { ProbeFunctionInfo } from './template-instance-validation';
import { VirtualClock } from './virtual-clock';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * `seed` (@default 1) also seeds `Math.random` while the rehearsal runs, so the handlers' retry
 * jitter, and with it the whole timeline, is the same on every run with the same seed.
 */
export interface RehearsalOptions extends Omit<RegionOptions, 'clock'> {
  /**
   * Virtual ms a Lambda invocation adds before its handler runs, fixed.
   * @default - drawn per invocation from the profile's Lambda warm/cold model (docs/aws-model.md)
   */
  readonly invokeLatencyMs?: number;
  /** Virtual time each AWS API call takes. @default 50 */
  readonly apiLatencyMs?: number;
  /** Virtual time one `run` may cover before it gives up. @default - 6 hours */
  readonly limitMs?: number;
  /** Called with each timeline line as it happens. @default - lines are only kept */
  readonly log?: (line: string) => void;
  /**
   * Replaces the real handlers, the validator's and the probe's included (for testing the
   * rehearsal itself). @default - the handlers `handlers` names
   */
  readonly loadHandler?: (step: string) => StepHandler;
  /**
   * Where the step handlers come from: `bundles`, the prebuilt bundles the construct deploys (what
   * is rehearsed is byte for byte what runs in Lambda); `source`, the modules under `lambda/`,
   * for working on a handler without rebuilding its bundle. @default 'bundles'
   */
  readonly handlers?: HandlerSource;
  /** The name of the stack the template was synthesized from (DescribeStacks, `AWS::StackName`). @default 'RehearsalStack' */
  readonly stackName?: string;
  /**
   * Which service to rehearse when the template holds several: its `bluegreen:service` tag or its
   * construct path. @default - the template's only service
   */
  readonly service?: string;
  /**
   * The code of the release hook functions, run in-process when the workflow invokes them, each
   * keyed by the function's logical id, name, ARN or construct path, or by the hook point
   * (`beforeTraffic`, ...). Every hook function of the template needs one.
   * @default - none: a template with release hooks is refused
   */
  readonly hooks?: ReleaseHookHandlers;
  /**
   * The code of the user's validator function (`validation.function`), run in-process when the
   * built-in validator invokes it; its answer (or error) goes back as Lambda's would.
   * @default - none: a template whose validator invokes a user function is refused
   */
  readonly validationFunction?: (payload: UserValidatorPayload) => unknown;
}

/**
 * A release rehearsal: the synthesized state machine, run by a local ASL interpreter, with the
 * real Lambda handlers, whose AWS calls a simulated region answers, on a virtual clock.
 *
 * ```ts
 * const rehearsal = Rehearsal.fromStack(myStack);
 * const release = await rehearsal.execute({ version: 'v1' });
 * expect(release.status).toBe('SUCCEEDED');
 * expect(rehearsal.violations()).toEqual([]);
 * ```
 */
export class Rehearsal {
  /** Synthesizes the stack and rehearses its release workflow. */
  public static fromStack(stack: Stack, options: RehearsalOptions = {}): Rehearsal {
    return new Rehearsal(Template.fromStack(stack).toJSON() as CfnTemplate, options);
  }

  public static fromTemplate(template: CfnTemplate, options: RehearsalOptions = {}): Rehearsal {
    return new Rehearsal(template, options);
  }

  public readonly clock: VirtualClock;
  public readonly region: SimulatedRegion;
  public readonly service: ServiceTemplateInfo;
  public readonly monitor: ServiceMonitor;
  /**
   * Pre-traffic validation: the launch lifecycle actions delivered to the template's validator,
   * its invocations, and a fault that makes them fail. Undefined without validation in the template.
   */
  public readonly validation?: LifecycleEventDelivery;
  /** Lines the handlers logged while the rehearsal ran, with virtual times. */
  public readonly logs: Array<{ readonly time: number; readonly level: string; readonly text: string }> = [];
  private readonly runner: ExecutionRunner;
  private readonly environment: Record<string, string>;
  /** Virtual ms a Lambda invocation of the named function adds before its handler runs. */
  private readonly invokeLatencyMs: (functionName: string) => number;
  /** The handler of the validator's probe, by the probe function's name (none without validation). */
  private readonly probes = new Map<
    string,
    { readonly info: ProbeFunctionInfo; readonly handler: StepHandler }
  >();
  private probeInvocations = 0;
  /** Decides which synchronous invocations Lambda throttles (the profile's invokeThrottleProbability). */
  private readonly invokeThrottles: SeededRandom;
  /** What `Math.random` answers while the rehearsal runs. */
  private readonly random: SeededRandom;
  /** `installGlobals` calls not yet undone: only the outermost installs and restores. */
  private globalsDepth = 0;
  private restoreGlobals?: () => void;
  private readonly eventListeners: Array<(execution: RehearsalExecution, event: ExecutionEvent) => void> = [];

  private constructor(
    template: CfnTemplate,
    private readonly options: RehearsalOptions,
  ) {
    this.service = readServiceTemplate(template, { stackName: options.stackName, service: options.service });
    this.clock = new VirtualClock();
    this.random = new SeededRandom(options.seed ?? REGION_DEFAULTS.seed).fork(0x6a177e5);
    this.invokeThrottles = new SeededRandom(options.seed ?? REGION_DEFAULTS.seed).fork(0x429);
    this.region = new SimulatedRegion({ ...options, clock: this.clock });
    for (const tg of this.service.targetGroups) this.region.createTargetGroup(tg);
    for (const group of this.service.groups) {
      if (group.desiredCapacity !== undefined) {
        throw new Error(
          `group ${group.logicalId} sets DesiredCapacity in the template: the workflow owns capacity`,
        );
      }
      this.region.createAutoScalingGroup({ ...group, desiredCapacity: 0 });
    }
    for (const table of this.service.tables) this.region.createTable(table.name, table.partitionKey);
    this.region.createStack({
      name: this.service.stackName,
      region: SIMULATED_REGION,
      outputs: this.service.outputs,
    });
    for (const alarm of this.service.targetErrorRateAlarms) this.region.defineTargetErrorRateAlarm(alarm);
    for (const alarm of this.service.alarmNames) this.region.defineAlarm(alarm);
    this.environment = sharedEnvironment(this.service);
    const invokeLatencyMs =
      options.invokeLatencyMs ?? this.lambdaLatency(options.seed ?? REGION_DEFAULTS.seed);
    this.invokeLatencyMs = typeof invokeLatencyMs === 'number' ? () => invokeLatencyMs : invokeLatencyMs;
    this.monitor = new ServiceMonitor(
      this.region,
      this.clock,
      Number(this.environment.MIN_CAPACITY),
      this.service.tables.map((t) => t.name),
      options.log,
    );
    this.runner = new ExecutionRunner(this.service, {
      invokeLatencyMs,
      loadHandler: options.loadHandler,
      handlers: options.handlers,
      onEvent: (execution: RehearsalExecution, event: ExecutionEvent) => {
        this.monitor.onEvent(execution, event);
        for (const listener of [...this.eventListeners]) listener(execution, event);
      },
      taskTokens: this.region.taskTokens,
      publish: (topicArn, message, subject) => this.region.publish(topicArn, message, subject),
      onExecutionEnded: (execution) => this.monitor.onExecutionEnded(execution),
      onInvocationEnded: () => this.monitor.onInvocationEnded(),
      hookHandlers: releaseHookHandlers(this.service.hookTasks ?? {}, options.hooks ?? {}),
    });
    this.monitor.watch(this.runner);
    this.validation = this.validationDelivery();
    this.region.setExecutionDirectory({
      stateMachine: { arn: this.service.stateMachineArn, tags: this.service.stateMachineTags },
      describe: (arn) => this.runner.describe(arn),
      stop: (arn, cause, error) => this.runner.stop(arn, cause, error),
      start: (input, name, inputText) => {
        const execution = this.runner.start(input, name, inputText);
        this.monitor.onStart(execution);
        return this.runner.describe(execution.arn)!;
      },
      list: () => this.runner.records(),
      history: (arn) =>
        this.runner
          .list()
          .find((e) => e.arn === arn)
          ?.history.list(),
    });
  }

  /** Starts an execution; it advances only while `run`, `execute` or `advance` drive the clock. */
  public start(input: Json, name?: string): RehearsalExecution {
    return this.withGlobals(() => {
      const execution = this.runner.start(input, name);
      this.monitor.onStart(execution);
      return execution;
    });
  }

  /** Starts an execution and drives the clock until it ends. */
  public async execute(input: Json, name?: string): Promise<RehearsalExecution> {
    const execution = this.start(input, name);
    await this.run(execution.done);
    return execution;
  }

  /** Drives virtual time until `work` settles. */
  public async run<T>(work: Promise<T>): Promise<T> {
    const restore = this.installGlobals();
    try {
      return await this.clock.run(work, { limitMs: this.options.limitMs ?? 6 * 3600_000 });
    } finally {
      restore();
    }
  }

  /**
   * Drives virtual time until no execution runs and no Lambda invocation is in flight: a stopped
   * execution's Lambda keeps running (and acting) after StopExecution, until it returns.
   */
  public async runUntilIdle(): Promise<void> {
    await this.run(this.idle());
  }

  /**
   * Settles once no execution runs and no Lambda invocation is in flight; it does not drive the
   * clock (`run` does).
   */
  public idle(): Promise<void> {
    return this.runner.idle();
  }

  /** Lambda invocations not returned yet, those of stopped executions included. */
  public inFlight(): number {
    return this.runner.inFlight();
  }

  /**
   * Calls `work` with the rehearsal in place (SDK calls answered by the region, the virtual clock
   * installed) and drives virtual time until it settles: how a client such as the `bluegreen` CLI
   * talks to the rehearsal one call at a time.
   */
  public async perform<T>(work: () => Promise<T>): Promise<T> {
    // Started in a microtask, after `run` has put the rehearsal's globals in place.
    return this.run(Promise.resolve().then(work));
  }

  /** Lets virtual time pass (executions and the region keep going). */
  public async advance(seconds: number): Promise<void> {
    await this.run(new Promise<void>((resolve) => this.clock.setTimeout(resolve, seconds * 1000)));
  }

  /** Drives the clock until the execution enters the named state (or ends). */
  public async runUntilState(execution: RehearsalExecution, stateName: string): Promise<void> {
    const seen = () => execution.events.some((e) => e.type === 'StateEntered' && e.state === stateName);
    await this.run(
      new Promise<void>((resolve) => {
        const poll = this.clock.every(50, () => {
          if (seen() || execution.status !== 'RUNNING') {
            poll.cancel();
            resolve();
          }
        });
      }),
    );
  }

  /**
   * Calls `listener` with every event of every execution as it happens (a state entered, an
   * execution ended), while virtual time is driven; returns the function that stops it.
   */
  public observeEvents(listener: (execution: RehearsalExecution, event: ExecutionEvent) => void): () => void {
    this.eventListeners.push(listener);
    return () => {
      const index = this.eventListeners.indexOf(listener);
      if (index >= 0) this.eventListeners.splice(index, 1);
    };
  }

  /** StopExecution, as an operator (or a CI job being cancelled) would. */
  public stop(execution: RehearsalExecution, cause = 'stopped by the rehearsal'): void {
    this.withGlobals(() => this.runner.stop(execution.arn, cause));
  }

  /**
   * Artifact mode (the service reads `<prefix><version>.<extension>` from its artifact bucket):
   * uploads the artifact of each version to the region's bucket, as a pipeline would before it
   * releases. Returns the `s3://` URLs written; none when the service is not in artifact mode.
   */
  public seedArtifacts(versions: readonly string[]): string[] {
    const keys = artifactKeys(this.environment, versions);
    for (const { bucket, key } of keys) this.region.putObject(bucket, key);
    return keys.map(({ bucket, key }) => `s3://${bucket}/${key}`);
  }

  /** Every invariant broken so far, with virtual times. */
  public violations(): string[] {
    return this.monitor.violations();
  }

  public executions(): RehearsalExecution[] {
    return this.runner.list();
  }

  /**
   * The template's validator, if it has one: its environment joins the rehearsal's (names the
   * steps share must agree), its probe's handler is loaded (run when the validator invokes the
   * probe), its user function needs `validationFunction`.
   */
  private validationDelivery(): LifecycleEventDelivery | undefined {
    const rules = this.service.lifecycleActionRules ?? [];
    if (rules.length === 0) {
      if (this.options.validationFunction) {
        throw new Error('Rehearsal: validationFunction is given but the template validates no launches');
      }
      return undefined;
    }
    for (const rule of rules) {
      mergeEnvironment(this.environment, rule.environment, rule.functionLogicalId);
      if (rule.userFunctionName && !this.options.validationFunction) {
        throw new Error(
          `Rehearsal: the validator ${rule.functionLogicalId} invokes the user function ${rule.userFunctionName}: give its code as validationFunction`,
        );
      }
    }
    const seed = this.options.seed ?? REGION_DEFAULTS.seed;
    const loadHandler =
      this.options.loadHandler ??
      ((name: string) => loadStepHandler(name, this.options.handlers ?? 'bundles'));
    for (const { probe } of rules) {
      if (!this.probes.has(probe.functionName)) {
        this.probes.set(probe.functionName, { info: probe, handler: loadHandler(probe.handler) });
      }
    }
    return new LifecycleEventDelivery({
      region: this.region,
      rules,
      loadHandler,
      invokeLatencyMs: this.invokeLatencyMs,
      random: new SeededRandom(seed).fork(0xeb0de1),
      now: () => this.clock.now(),
      accountId: SIMULATED_ACCOUNT,
      regionName: SIMULATED_REGION,
    });
  }

  /**
   * Lambda Invoke by the validator, answered as Lambda would: the probe's bundle, in-process, after
   * the function's invoke latency and stopped at its own timeout; or the user's validator function.
   */
  private async invokeFunction(command: string, input: Json): Promise<Json> {
    const names = (this.service.lifecycleActionRules ?? []).map((r) => r.userFunctionName);
    const probe = command === 'Invoke' ? this.probes.get(input?.FunctionName) : undefined;
    const user = this.options.validationFunction;
    if (command !== 'Invoke' || (!probe && (!user || !names.includes(input?.FunctionName)))) {
      throw new Error(`not simulated: Lambda ${command} of ${String(input?.FunctionName)}`);
    }
    if (this.invokeThrottles.next() < this.region.api.invokeThrottleProbability) throw invokeThrottled();
    const payload = JSON.parse(new TextDecoder().decode(input.Payload ?? new Uint8Array()) || 'null');
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value ?? null));
    const run = probe ? () => this.runProbe(probe.info, probe.handler, payload) : async () => user!(payload);
    try {
      return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: encode(await run()) };
    } catch (error) {
      return {
        StatusCode: 200,
        FunctionError: 'Unhandled',
        ExecutedVersion: '$LATEST',
        Payload: encode({ errorType: (error as Error)?.name, errorMessage: (error as Error)?.message }),
      };
    }
  }

  /** One invocation of the probe: its invoke latency, then its handler, stopped at its timeout. */
  private async runProbe(info: ProbeFunctionInfo, handler: StepHandler, payload: Json): Promise<Json> {
    await new Promise((resolve) => setTimeout(resolve, this.invokeLatencyMs(info.functionName)));
    const deadline = this.clock.now() + info.timeoutSeconds * 1000;
    const run = handler(payload, {
      awsRequestId: `probe-${++this.probeInvocations}`,
      functionName: info.functionName,
      getRemainingTimeInMillis: () => Math.max(0, deadline - this.clock.now()),
    });
    return withFunctionTimeout(run, info.timeoutSeconds);
  }

  /** Per-invocation Lambda latency from the region's profile, on a seeded stream of its own. */
  private lambdaLatency(seed: number): (functionName: string) => number {
    const latency = new LambdaLatency(this.region.profile.lambda, new SeededRandom(seed).fork(0x1a3bda), () =>
      this.clock.now(),
    );
    return (functionName) => latency.next(functionName);
  }

  private withGlobals<T>(fn: () => T): T {
    const restore = this.installGlobals();
    try {
      return fn();
    } finally {
      restore();
    }
  }

  /**
   * What the handlers log goes to `logs` (CloudWatch Logs, here) instead of the terminal: their
   * warnings and the embedded-metric lines of the rollback count.
   */
  private captureConsole(): () => void {
    const methods = ['log', 'info', 'warn', 'error'] as const;
    const originals = methods.map((method) => console[method]);
    for (const method of methods) {
      console[method] = (...args: unknown[]) => {
        this.logs.push({ time: this.clock.now(), level: method, text: format(...args) });
      };
    }
    return () => methods.forEach((method, i) => (console[method] = originals[i]));
  }

  /**
   * Puts the rehearsal in place: the virtual clock, the SDK answered by the region, the service's
   * environment, the console captured, `Math.random` seeded. Re-entrant: an action taken from a
   * virtual timer while `run` drives the clock (a stop, a start) finds it already in place.
   */
  private installGlobals(): () => void {
    if (this.globalsDepth++ === 0) this.restoreGlobals = this.putGlobalsInPlace();
    let undone = false;
    return () => {
      if (undone) return;
      undone = true;
      if (--this.globalsDepth === 0) this.restoreGlobals?.();
    };
  }

  private putGlobalsInPlace(): () => void {
    const restoreClock = this.clock.install();
    const apiLatencyMs = this.options.apiLatencyMs ?? 50;
    const restoreSdk = interceptSdkCalls(async (service, command, input) => {
      await new Promise((resolve) => setTimeout(resolve, apiLatencyMs));
      if (service === 'Lambda') return this.invokeFunction(command, input);
      return this.region.send(service, command, input);
    });
    const restoreRequests = interceptInstanceRequests(this.region.instanceChecks);
    const previous = Object.fromEntries(Object.keys(this.environment).map((k) => [k, process.env[k]]));
    Object.assign(process.env, this.environment);
    const restoreConsole = this.captureConsole();
    const realRandom = Math.random;
    Math.random = () => this.random.next();
    return () => {
      Math.random = realRandom;
      restoreConsole();
      for (const [key, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      restoreRequests();
      restoreSdk();
      restoreClock();
    };
  }
}

/**
 * Lambda's answer to a synchronous invocation it throttles (HTTP 429), shaped as the SDK's
 * TooManyRequestsException: built here so a rehearsal without validation never loads the Lambda client.
 */
function invokeThrottled(): Error {
  return Object.assign(new Error('Rate Exceeded.'), {
    name: 'TooManyRequestsException',
    Reason: 'ConcurrentInvocationLimitExceeded',
    $fault: 'client',
    $metadata: { httpStatusCode: 429, attempts: 1, totalRetryDelay: 0 },
  });
}

/** Adds a function's environment to the rehearsal's; a name both set must have one value. */
function mergeEnvironment(
  into: Record<string, string>,
  from: Record<string, string>,
  functionId: string,
): void {
  for (const [key, value] of Object.entries(from)) {
    if (into[key] !== undefined && into[key] !== value) {
      throw new Error(`${functionId} and the step functions disagree on ${key}: ${value} vs ${into[key]}`);
    }
    into[key] = value;
  }
}

/** The step functions' environment; the construct gives every step the same one. */
function sharedEnvironment(service: ServiceTemplateInfo): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const fn of service.stepFunctions) {
    for (const [key, value] of Object.entries(fn.environment)) {
      if (merged[key] !== undefined && merged[key] !== value) {
        throw new Error(`step functions disagree on ${key}: ${merged[key]} vs ${value}`);
      }
      merged[key] = value;
    }
  }
  return merged;
}
