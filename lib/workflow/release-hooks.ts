import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  AFTER_FINALIZE_HOOK_FAILED_ERROR,
  RELEASE_HOOK_STATE_NAMES,
  type ReleaseHookPoint,
} from '../contract/release-hooks';

/** One hook of a release workflow, every setting given. */
export interface ReleaseHookSettings {
  readonly function: lambda.IFunction;
  readonly timeout: Duration;
}

/** The hooks of a release workflow, and what their payload names the service. */
export interface ReleaseHookOptions {
  /** The service's `bluegreen:service` tag, passed to every hook. */
  readonly service: string;
  readonly points: Readonly<Partial<Record<ReleaseHookPoint, ReleaseHookSettings>>>;
}

/** How a hook point ends beyond its defaults. */
export interface HookPointEnds {
  /**
   * What runs before the `afterFinalize` hook's failure ends the execution (the lock release).
   * @default - the failure ends it at once
   */
  readonly beforeFailing?: (failed: sfn.State) => sfn.State;
}

/** Where each hook keeps its marker once it succeeded (`$.hooks.<point>`): it runs once per execution. */
const HOOK_RESULTS_PATH = '$.hooks';

/**
 * A hook point of the release graph. Without a hook there, `next` itself (the graph is unchanged).
 * With one, a Choice that runs the hook's Task once per release execution (a second pass, e.g.
 * Swap sending the release back to the health wait, skips it) and never for a rollback request,
 * then `next`. A hook that fails or times out goes to `onFailure`'s handling: before Finalize, the
 * rollback (with the hook and its error as the reason); after it, a Fail state
 * (`AfterFinalizeHookFailed`: the new version stays released, there is nothing to roll back to).
 */
export function hookPoint(
  scope: Construct,
  point: ReleaseHookPoint,
  hooks: ReleaseHookOptions | undefined,
  next: sfn.State,
  rollback: sfn.State,
  ends: HookPointEnds = {},
): sfn.State {
  const hook = hooks?.points[point];
  if (!hooks || !hook) return next;
  const stateName = RELEASE_HOOK_STATE_NAMES[point];
  const instancesPath = point === 'afterFinalize' ? '$.summary.instanceIds' : '$.clearedFleet.instanceIds';
  const task = new tasks.LambdaInvoke(scope, stateName, {
    comment: `The ${point} release hook.`,
    lambdaFunction: hook.function,
    payloadResponseOnly: true,
    payload: sfn.TaskInput.fromObject({
      hook: point,
      service: hooks.service,
      version: sfn.JsonPath.stringAt('$.plan.version'),
      previousVersion: sfn.JsonPath.stringAt('$.clearedFleet.previousVersion'),
      colour: sfn.JsonPath.stringAt('$.plan.targetColour'),
      executionArn: sfn.JsonPath.executionId,
      instances: sfn.JsonPath.listAt(instancesPath),
    }),
    // The hook's answer is not kept (it could be large); a marker says it ran.
    resultSelector: { completed: true },
    resultPath: `${HOOK_RESULTS_PATH}.${point}`,
    taskTimeout: sfn.Timeout.duration(hook.timeout),
    // No retry: a migration must not run twice by accident.
    retryOnServiceExceptions: false,
  });
  const within = hook.timeout.isUnresolved() ? 'its timeout' : `${hook.timeout.toSeconds()} s`;
  if (point === 'afterFinalize') {
    const failed = new sfn.Fail(scope, 'AfterFinalizeHookFailed', {
      comment: 'Finalize succeeded: the new version stays released; nothing to roll back to.',
      error: AFTER_FINALIZE_HOOK_FAILED_ERROR,
      causePath: '$.error.Cause',
    });
    const end = ends.beforeFailing?.(failed) ?? failed;
    const described = (id: string, cause: string, extra: Record<string, boolean> = {}) =>
      new sfn.Pass(scope, id, {
        parameters: { Error: AFTER_FINALIZE_HOOK_FAILED_ERROR, 'Cause.$': cause, ...extra },
        resultPath: '$.error',
      }).next(end);
    task.addCatch(
      described(
        'AfterFinalizeHookTimedOut',
        `States.Format('the afterFinalize hook did not answer within ${within}; {} is released and stays live', $.plan.version)`,
        // Step Functions does not cancel the function's invocation: ReleaseLock waits for it.
        { HookMayStillRun: true },
      ),
      { errors: [sfn.Errors.TIMEOUT], resultPath: '$.error' },
    );
    task.addCatch(
      described(
        'AfterFinalizeHookError',
        "States.Format('the afterFinalize hook failed with {}: {}; {} is released and stays live', $.error.Error, $.error.Cause, $.plan.version)",
      ),
      { errors: [sfn.Errors.ALL], resultPath: '$.error' },
    );
  } else {
    // The error at `$.error` becomes the rollback's reason: it names the hook.
    task.addCatch(
      new sfn.Pass(scope, `${stateName}TimedOut`, {
        parameters: { Error: `${point} hook timed out`, Cause: `no answer within ${within}` },
        resultPath: '$.error',
      }).next(rollback),
      { errors: [sfn.Errors.TIMEOUT], resultPath: '$.error' },
    );
    task.addCatch(
      new sfn.Pass(scope, `${stateName}Failed`, {
        parameters: {
          'Error.$': `States.Format('{} in the ${point} hook', $.error.Error)`,
          'Cause.$': '$.error.Cause',
        },
        resultPath: '$.error',
      }).next(rollback),
      { errors: [sfn.Errors.ALL], resultPath: '$.error' },
    );
  }
  task.next(next);

  return (
    new sfn.Choice(scope, `${stateName}Due`, {
      comment: 'Once per release execution; never for a rollback request.',
    })
      .when(sfn.Condition.isPresent(`${HOOK_RESULTS_PATH}.${point}`), next)
      // The plan's action: a rollback request that re-releases the previous version plans 'rollback'.
      .when(sfn.Condition.stringEquals('$.plan.action', 'release'), task)
      .otherwise(next)
  );
}
