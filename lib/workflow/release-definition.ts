import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  LOCK_LOST_ERROR,
  ROLLBACK_INCOMPLETE_ERROR,
  ROLLED_BACK_ERROR,
  SUPERSEDED_ERROR,
} from '../contract/errors';
import { RETRYABLE_ERROR_NAMES } from '../contract/retry';
import { CANARY_WATCH_STATE_NAME } from '../contract/canary';
import { RELEASE_LOCK_STATE_NAMES, type ReleaseHookPoint } from '../contract/release-hooks';
import type { NextStep } from '../contract/release-state';
import { RELEASE_STEPS, type ReleaseStepName } from '../contract/steps';
import { hookPoint, type HookPointEnds, type ReleaseHookOptions } from './release-hooks';

/** The functions of the release steps, by step name. */
export type ReleaseStepFunctions = Readonly<Record<ReleaseStepName, lambda.IFunction>>;

/** Where the execution may stop and wait for a person's approval. */
export type ApprovalGate = 'swap' | 'finalize';

/** What an unanswered approval request turns into. */
export type ApprovalOutcome = 'approve' | 'reject';

/** The approval gates of a release workflow, every setting given (see `ApprovalOptions`). */
export interface ApprovalSettings {
  /** Where the execution stops and waits for an answer. */
  readonly gates: readonly ApprovalGate[];
  /** Where approval requests (with their task token) are published. */
  readonly topic: sns.ITopic;
  /** How long a request waits for an answer. */
  readonly timeout: Duration;
  /** What an unanswered request becomes. */
  readonly onTimeout: ApprovalOutcome;
}

export interface ReleaseDefinitionOptions {
  /** Time one invocation of CheckHealth or WatchBake may poll; their task timeout allows for it. */
  readonly pollBudget: Duration;
  /** @default - no approval gate */
  readonly approval?: ApprovalSettings;
  /** @default - no release hook */
  readonly hooks?: ReleaseHookOptions;
  /**
   * Whether releases may run a canary phase (the plan says whether one does): adds the canary
   * watch and its routes.
   * @default false
   */
  readonly canary?: boolean;
  /**
   * Whether new instances are validated and held out of the target group until CheckHealth lets
   * them in: the beforeTraffic hook then runs before ScaleUp, the last moment before which no new
   * instance can serve (with the fleet held until admitted, none serves before CheckHealth).
   * @default false
   */
  readonly instanceValidation?: boolean;
}

/** State names of the approval gates, which the CLI looks for in the execution history. */
export const APPROVAL_STATE_NAMES: Readonly<Record<ApprovalGate, string>> = {
  swap: 'ApproveSwap',
  finalize: 'ApproveFinalize',
};

/**
 * The release state machine. Every Lambda step takes the whole state and returns the next one;
 * every Choice routes on `$.next`, so the decisions live in the handlers' pure functions and this
 * graph is only the routing table. The two long waits (health, bake) poll inside their function
 * for up to `pollBudget` per call; short waits between retries of a step use Wait states.
 */
export function buildReleaseDefinition(
  scope: Construct,
  fns: ReleaseStepFunctions,
  options: ReleaseDefinitionOptions,
): sfn.IChainable {
  // One Task state per step, named in the table of steps (lib/contract/steps.ts).
  const step = (name: ReleaseStepName, timeout: Duration) =>
    new tasks.LambdaInvoke(scope, RELEASE_STEPS[name].stateName, {
      lambdaFunction: fns[name],
      payloadResponseOnly: true,
      taskTimeout: sfn.Timeout.duration(timeout),
      retryOnServiceExceptions: true,
    });
  const waitSeconds = (id: string) =>
    new sfn.Wait(scope, id, { time: sfn.WaitTime.secondsPath('$.waitSeconds') });
  const nextIs = (next: NextStep) => sfn.Condition.stringEquals('$.next', next);
  const unexpected = (id: string) =>
    new sfn.Fail(scope, id, { error: 'UnexpectedStep', causePath: '$.next' });

  const afterFinalizeHook = options.hooks?.points.afterFinalize;
  const start = new sfn.Pass(scope, 'Start', {
    comment: 'Keep the request and the execution id (the lock owner) side by side.',
    parameters: {
      request: sfn.JsonPath.entirePayload,
      executionArn: sfn.JsonPath.executionId,
      // This definition releases the lock after the afterFinalize hook (ReleaseLock): Finalize keeps it.
      ...(afterFinalizeHook
        ? { afterFinalizeHook: { windowSeconds: invocationWindowSeconds(afterFinalizeHook.function) } }
        : {}),
    },
  });
  const pollingTimeout = options.pollBudget.plus(Duration.minutes(1));
  const prepare = step('prepare', Duration.minutes(1));
  const scaleUp = step('scale-up', Duration.minutes(1));
  const checkHealth = step('check-health', pollingTimeout);
  const swap = step('swap', Duration.minutes(10));
  const bake = step('watch-bake', pollingTimeout);
  const finalize = step('finalize', Duration.minutes(10));
  const rollback = step('rollback', Duration.minutes(10));
  // The canary watch is the WatchBake step's function in its canary phase (the state says which).
  const watchCanary = options.canary
    ? new tasks.LambdaInvoke(scope, CANARY_WATCH_STATE_NAME, {
        lambdaFunction: fns['watch-bake'],
        payloadResponseOnly: true,
        taskTimeout: sfn.Timeout.duration(pollingTimeout),
        retryOnServiceExceptions: true,
      })
    : undefined;

  const rejected = new sfn.Fail(scope, 'Rejected', {
    comment: 'Prepare refused the request before changing anything.',
    errorPath: '$.error.Error',
    causePath: '$.error.Cause',
  });
  const superseded = new sfn.Fail(scope, 'Superseded', {
    comment: 'Another execution (a rollback) took over the service; this one stops without touching it.',
    error: SUPERSEDED_ERROR,
    causePath: '$.error.Cause',
  });
  const rollbackFailed = new sfn.Fail(scope, 'RollbackFailed', {
    comment: 'The lock stays held by this execution; the next execution takes it over and reconciles.',
    errorPath: '$.error.Error',
    causePath: '$.error.Cause',
  });
  const rolledBackAutomatically = new sfn.Fail(scope, 'RolledBackAutomatically', {
    error: ROLLED_BACK_ERROR,
    causePath: '$.rollback.reason',
  });

  // A throttle or contention that outlasted the step's own retries is no reason to refuse a
  // release: Prepare is run again (it is idempotent: a lock it took is found to be its own).
  prepare.addRetry({
    errors: [...RETRYABLE_ERROR_NAMES],
    interval: Duration.seconds(5),
    backoffRate: 2,
    maxAttempts: 4,
  });
  prepare.addCatch(rejected, { resultPath: '$.error' });
  for (const task of [scaleUp, checkHealth, swap, bake, finalize, ...(watchCanary ? [watchCanary] : [])]) {
    task.addCatch(superseded, { errors: [LOCK_LOST_ERROR], resultPath: '$.error' });
    task.addCatch(rollback, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
  }
  // Neither gets better by asking again: superseded, or out of time with what serves named.
  rollback.addRetry({ errors: [LOCK_LOST_ERROR, ROLLBACK_INCOMPLETE_ERROR], maxAttempts: 0 });
  rollback.addRetry({
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(5),
    backoffRate: 2,
    maxAttempts: 4,
  });
  rollback.addCatch(superseded, { errors: [LOCK_LOST_ERROR], resultPath: '$.error' });
  rollback.addCatch(rollbackFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

  // An approval gate stands before its step when configured; otherwise the step is entered directly.
  const gated = (gate: ApprovalGate, next: sfn.State): sfn.State =>
    options.approval?.gates.includes(gate)
      ? approvalGate(scope, gate, options.approval, next, rollback)
      : next;
  // A release hook runs at its point when configured (lib/workflow/release-hooks.ts); the hooks
  // after the swap and before Finalize guard the bake, so a first release (no bake) skips them.
  const hook = (point: ReleaseHookPoint, next: sfn.State) =>
    hookPoint(scope, point, options.hooks, next, rollback);
  const { swapEntry, scaleUpEntry } = trafficEntries(scope, {
    canary: watchCanary !== undefined,
    instanceValidation: options.instanceValidation ?? false,
    beforeTrafficHook: options.hooks?.points.beforeTraffic !== undefined,
    scaleUp,
    swap: gated('swap', swap),
    hook: (next) => hook('beforeTraffic', next),
  });
  const finalizeEntry = gated('finalize', hook('beforeFinalize', finalize));
  const bakeEntry = hook('afterTraffic', bake);
  const released = afterFinalize(scope, {
    hooked: options.hooks?.points.afterFinalize !== undefined,
    finalizeFunction: fns.finalize,
    superseded,
    waitSeconds,
    hook: (next, ends) => hookPoint(scope, 'afterFinalize', options.hooks, next, rollback, ends),
  });

  const waitForHealth = waitSeconds('WaitForHealth');
  const waitBeforeSwap = waitSeconds('WaitBeforeSwapAgain');
  const waitBeforeFinalize = waitSeconds('WaitBeforeFinalizeAgain');
  const waitBeforeRollback = waitSeconds('WaitBeforeRollbackAgain');
  const waitBeforePrepare = waitSeconds('WaitBeforePrepareAgain');

  scaleUp.next(waitForHealth);
  waitForHealth.next(checkHealth);
  waitBeforeSwap.next(swap);
  waitBeforeFinalize.next(finalize);
  waitBeforeRollback.next(rollback);
  waitBeforePrepare.next(prepare);

  prepare.next(
    new sfn.Choice(scope, 'AfterPrepare')
      .when(nextIs('scaleUp'), scaleUpEntry)
      .when(nextIs('rollback'), rollback)
      // A stopped execution's step may still be acting: Prepare holds the lock and looks again.
      .when(nextIs('prepare'), waitBeforePrepare)
      .otherwise(unexpected('UnexpectedAfterPrepare')),
  );
  const afterCheckHealth = new sfn.Choice(scope, 'AfterCheckHealth')
    .when(nextIs('swap'), swapEntry)
    .when(nextIs('waitForHealth'), waitForHealth)
    .when(nextIs('rollback'), rollback);
  if (watchCanary) {
    // The canary's instances serve: watch them, then the full scale-up (or roll back).
    afterCheckHealth.when(nextIs('canary'), watchCanary);
    watchCanary.next(
      new sfn.Choice(scope, `After${CANARY_WATCH_STATE_NAME}`)
        .when(nextIs('canary'), watchCanary)
        .when(nextIs('scaleUp'), scaleUp)
        .when(nextIs('rollback'), rollback)
        .otherwise(unexpected(`UnexpectedAfter${CANARY_WATCH_STATE_NAME}`)),
    );
  }
  checkHealth.next(afterCheckHealth.otherwise(unexpected('UnexpectedAfterCheckHealth')));
  swap.next(
    new sfn.Choice(scope, 'AfterSwap')
      .when(nextIs('bake'), bakeEntry)
      // First release: nothing in Standby, so no bake and nothing an approval could roll back to.
      .when(nextIs('finalize'), finalize)
      .when(nextIs('swap'), waitBeforeSwap)
      // The live fleet scaled out during the health wait: the new group grows to match first.
      .when(nextIs('waitForHealth'), waitForHealth)
      .otherwise(unexpected('UnexpectedAfterSwap')),
  );
  bake.next(
    new sfn.Choice(scope, 'AfterBake')
      .when(nextIs('bake'), bake)
      .when(nextIs('finalize'), finalizeEntry)
      .when(nextIs('rollback'), rollback)
      .otherwise(unexpected('UnexpectedAfterBake')),
  );
  finalize.next(
    new sfn.Choice(scope, 'AfterFinalize')
      .when(nextIs('released'), released)
      .when(nextIs('finalize'), waitBeforeFinalize)
      .otherwise(unexpected('UnexpectedAfterFinalize')),
  );
  rollback.next(
    new sfn.Choice(scope, 'AfterRollback')
      .when(nextIs('rollback'), waitBeforeRollback)
      .when(nextIs('prepare'), prepare)
      .when(nextIs('rolledBack'), new sfn.Succeed(scope, 'RolledBackOnRequest'))
      .when(nextIs('failed'), rolledBackAutomatically)
      .otherwise(unexpected('UnexpectedAfterRollback')),
  );
  return start.next(prepare);
}

/** Lambda's longest invocation: the window of a function whose own timeout is not known here. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** Lambda's timeout of a function that sets none. */
const LAMBDA_DEFAULT_TIMEOUT = Duration.seconds(3);

/**
 * How long an invocation of `fn` may run: its own timeout (Lambda's 3 s if it sets none) when this
 * app defines the function, else Lambda's maximum (an imported function, a token).
 */
function invocationWindowSeconds(fn: lambda.IFunction): number {
  if (!(fn instanceof lambda.Function)) return LAMBDA_MAX_TIMEOUT_SECONDS;
  const timeout = fn.timeout ?? LAMBDA_DEFAULT_TIMEOUT;
  if (timeout.isUnresolved()) return LAMBDA_MAX_TIMEOUT_SECONDS;
  return Math.min(LAMBDA_MAX_TIMEOUT_SECONDS, timeout.toSeconds());
}

/** What `afterFinalize` routes between. */
interface AfterFinalizeParts {
  /** Whether an afterFinalize hook is configured. */
  readonly hooked: boolean;
  readonly finalizeFunction: lambda.IFunction;
  /** Where a lock another execution took over meanwhile leads. */
  readonly superseded: sfn.State;
  /** A Wait of `$.waitSeconds`, named `id`. */
  readonly waitSeconds: (id: string) => sfn.Wait;
  /** The afterFinalize hook point in front of `next`. */
  readonly hook: (next: sfn.State, ends: HookPointEnds) => sfn.State;
}

/**
 * What follows a Finalize that succeeded. Without an afterFinalize hook, the end: Finalize
 * released the lock. With one, a release keeps the lock through the hook (lambda/finalize), so no
 * other release starts while it runs; the Finalize function, invoked again with `next:
 * 'releaseLock'`, then releases it, whether the hook answered or failed. Throttling that outlasts
 * the function's retries is waited out (it answers `releaseLock` again, as Finalize answers
 * `finalize`); a lock taken over meanwhile is superseded. If the lock is never released (the
 * execution stopped), the next execution takes it over as from any stopped one.
 */
function afterFinalize(scope: Construct, parts: AfterFinalizeParts): sfn.State {
  const released = new sfn.Succeed(scope, 'Released');
  if (!parts.hooked) return released;
  const releaseLockThen = (id: string, next: sfn.State): sfn.State => {
    const task = new tasks.LambdaInvoke(scope, id, {
      comment: 'The Finalize function releases the lock it kept through the afterFinalize hook.',
      lambdaFunction: parts.finalizeFunction,
      payloadResponseOnly: true,
      taskTimeout: sfn.Timeout.duration(Duration.minutes(10)),
      retryOnServiceExceptions: true,
    });
    task.addRetry({
      errors: [...RETRYABLE_ERROR_NAMES, sfn.Errors.TIMEOUT],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 4,
    });
    task.addCatch(parts.superseded, { errors: [LOCK_LOST_ERROR], resultPath: '$.error' });
    const again = parts.waitSeconds(`${id}Again`);
    again.next(task);
    task.next(
      new sfn.Choice(scope, `After${id}`)
        .when(sfn.Condition.stringEquals('$.next', 'releaseLock'), again)
        .otherwise(next),
    );
    const due = new sfn.Pass(scope, `${id}Due`, {
      result: sfn.Result.fromString('releaseLock'),
      resultPath: '$.next',
    });
    due.next(task);
    return due;
  };
  return parts.hook(releaseLockThen(RELEASE_LOCK_STATE_NAMES.answered, released), {
    beforeFailing: (failed) => releaseLockThen(RELEASE_LOCK_STATE_NAMES.failed, failed),
  });
}

/** What `trafficEntries` routes between. */
interface TrafficEntryParts {
  /** Whether releases may run a canary. */
  readonly canary: boolean;
  /** Whether new instances are held out of the target group until validated and let in. */
  readonly instanceValidation: boolean;
  /** Whether a beforeTraffic hook is configured. */
  readonly beforeTrafficHook: boolean;
  readonly scaleUp: sfn.State;
  /** The swap, behind its approval gate if any. */
  readonly swap: sfn.State;
  /** The beforeTraffic hook point in front of `next`. */
  readonly hook: (next: sfn.State) => sfn.State;
}

/**
 * Where the beforeTraffic hook runs: before the first new instance takes user traffic.
 * - Without a canary or validation, before the swap (as the graph always was), entered from the
 *   health wait. New instances have then served their share for a few seconds (README).
 * - With a canary planned, the canary's instances take user requests through the shared target
 *   group as soon as they are healthy, so the hook runs before the canary's ScaleUp.
 * - With pre-traffic validation, before every release's ScaleUp: its instances are then held out
 *   of the target group until CheckHealth lets them in, so none has served when the hook runs.
 * One hook Task serves both places; its marker skips it before the swap. After it, `$.next` (still
 * what Prepare or CheckHealth decided) picks the way on. Before ScaleUp no new instance exists:
 * the payload's `instances` is empty.
 */
function trafficEntries(
  scope: Construct,
  parts: TrafficEntryParts,
): { readonly swapEntry: sfn.State; readonly scaleUpEntry: sfn.State } {
  if (!parts.beforeTrafficHook || (!parts.canary && !parts.instanceValidation)) {
    return { swapEntry: parts.hook(parts.swap), scaleUpEntry: parts.scaleUp };
  }
  const hookEntry = parts.hook(
    new sfn.Choice(scope, 'AfterBeforeTrafficHook')
      .when(sfn.Condition.stringEquals('$.next', 'scaleUp'), parts.scaleUp)
      .otherwise(parts.swap),
  );
  // What the hook is told before the scale-up: no new instance yet (and no previous version on a
  // first release, which only a validated service sends this way).
  const noInstanceYet = (id: string, previousVersion: Record<string, string>) =>
    new sfn.Pass(scope, id, {
      parameters: { 'colour.$': '$.plan.targetColour', instanceIds: [], ...previousVersion },
      resultPath: '$.clearedFleet',
    }).next(hookEntry);
  const beforeScaleUp = new sfn.Choice(scope, 'BeforeNewInstances')
    .when(
      sfn.Condition.isPresent('$.plan.fromVersion'),
      noInstanceYet('NoNewInstanceYet', { 'previousVersion.$': '$.plan.fromVersion' }),
    )
    .otherwise(noInstanceYet('NoInstanceYet', { previousVersion: '' }));
  const scaleUpEntry = parts.instanceValidation
    ? beforeScaleUp
    : new sfn.Choice(scope, 'CanaryPlanned')
        .when(sfn.Condition.isPresent('$.plan.canary'), beforeScaleUp)
        .otherwise(parts.scaleUp);
  return { swapEntry: hookEntry, scaleUpEntry };
}

/**
 * Publishes an approval request with the task token and waits for `bluegreen approve` or
 * `bluegreen reject` (SendTaskSuccess / SendTaskFailure). A rejection, a failure to publish and,
 * when so configured, a timeout roll the release back; an approval continues with `next`.
 */
function approvalGate(
  scope: Construct,
  gate: ApprovalGate,
  settings: ApprovalSettings,
  next: sfn.State,
  rollback: sfn.State,
): sfn.State {
  const request = new tasks.SnsPublish(scope, APPROVAL_STATE_NAMES[gate], {
    topic: settings.topic,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    subject: `Release waiting for approval before ${gate}`,
    message: sfn.TaskInput.fromObject({
      kind: 'approval-request',
      gate,
      version: sfn.JsonPath.stringAt('$.plan.version'),
      colour: sfn.JsonPath.stringAt('$.plan.targetColour'),
      executionArn: sfn.JsonPath.executionId,
      taskToken: sfn.JsonPath.taskToken,
    }),
    resultPath: '$.approval',
    taskTimeout: sfn.Timeout.duration(settings.timeout),
  });
  if (settings.onTimeout === 'approve') {
    request.addCatch(next, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.approval' });
  }
  request.addCatch(rollback, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
  request.next(next);
  return request;
}
