import { Duration, Token, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { readServiceTemplate } from '../../lib/rehearsal/template';
import type { ReleaseHooks } from '../../lib/release-hooks';
import type { ReleaseWorkflowProps } from '../../lib/release-workflow';
import { workflowStack } from './fixture';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function hookFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
  });
}

/** The workflow with the hooks `hooks(stack)` makes, synthesized. */
function synth(
  hooks: (stack: Stack) => ReleaseHooks,
  props: (stack: Stack) => Partial<ReleaseWorkflowProps> = () => ({}),
) {
  const { stack } = workflowStack((s) => ({ ...props(s), hooks: hooks(s) }));
  const json = Template.fromStack(stack).toJSON();
  const states: Record<string, Json> = readServiceTemplate(json).definition.States;
  return { stack, json, states };
}

/** One function per hook point, named after it. */
const fourHooks = (stack: Stack): ReleaseHooks => ({
  beforeTraffic: { function: hookFunction(stack, 'BeforeTrafficFn') },
  afterTraffic: { function: hookFunction(stack, 'AfterTrafficFn'), timeout: Duration.seconds(90) },
  beforeFinalize: { function: hookFunction(stack, 'BeforeFinalizeFn') },
  afterFinalize: { function: hookFunction(stack, 'AfterFinalizeFn'), timeout: Duration.minutes(15) },
});

const arnOf = (json: Json, prefix: string) => {
  const id = Object.keys(json.Resources).find(
    (key) => key.startsWith(prefix) && json.Resources[key].Type === 'AWS::Lambda::Function',
  )!;
  return `arn:aws:lambda:sim-east-1:123456789012:function:${id}`;
};

/** Where a Choice goes for `$.next == value`. */
const choiceFor = (state: Json, value: string) =>
  state.Choices.find((c: Json) => c.Variable === '$.next' && c.StringEquals === value)?.Next;

describe('release hooks in the state machine', () => {
  const { states, json } = synth(fourHooks);

  test('GIVEN four hooks THEN each Task sits at its point, behind a Choice that runs it once and only for a release', () => {
    expect(choiceFor(states.AfterCheckHealth, 'swap')).toBe('BeforeTrafficHookDue');
    expect(states.BeforeTrafficHook.Next).toBe('Swap');
    expect(choiceFor(states.AfterSwap, 'bake')).toBe('AfterTrafficHookDue');
    expect(states.AfterTrafficHook.Next).toBe('Bake');
    // A first release goes from the swap straight to Finalize: no bake to guard.
    expect(choiceFor(states.AfterSwap, 'finalize')).toBe('Finalize');
    expect(choiceFor(states.AfterBake, 'finalize')).toBe('BeforeFinalizeHookDue');
    expect(states.BeforeFinalizeHook.Next).toBe('Finalize');
    expect(choiceFor(states.AfterFinalize, 'released')).toBe('AfterFinalizeHookDue');
    // A release keeps the lock through the afterFinalize hook; the Finalize function releases it after.
    expect(states.AfterFinalizeHook.Next).toBe('ReleaseLockDue');
    expect(states.ReleaseLockDue).toMatchObject({
      Type: 'Pass',
      Result: 'releaseLock',
      ResultPath: '$.next',
    });
    expect(states.ReleaseLockDue.Next).toBe('ReleaseLock');
    expect(states.ReleaseLock.Resource).toBe(states.Finalize.Resource);
    // Throttling that outlasted the function's retries is waited out, as for Finalize.
    expect(states.ReleaseLock.Next).toBe('AfterReleaseLock');
    expect(choiceFor(states.AfterReleaseLock, 'releaseLock')).toBe('ReleaseLockAgain');
    expect(states.ReleaseLockAgain).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.waitSeconds',
      Next: 'ReleaseLock',
    });
    expect(states.AfterReleaseLock.Default).toBe('Released');
    // The definition tells Finalize to keep the lock (in the state, not the function's configuration).
    // With the hook function's own timeout (the fourHooks' functions set none: Lambda's 3 s), the
    // window for which its invocation is listed on the lock.
    expect(states.Start.Parameters).toMatchObject({ afterFinalizeHook: { windowSeconds: 3 } });
    // The bake's own loop does not pass the afterTraffic hook again.
    expect(choiceFor(states.AfterBake, 'bake')).toBe('Bake');

    expect(states.BeforeTrafficHookDue).toEqual({
      Type: 'Choice',
      Comment: expect.any(String),
      Choices: [
        { Variable: '$.hooks.beforeTraffic', IsPresent: true, Next: 'Swap' },
        { Variable: '$.plan.action', StringEquals: 'release', Next: 'BeforeTrafficHook' },
      ],
      Default: 'Swap',
    });
  });

  test('GIVEN a hook THEN its Task invokes its function with the release in the payload, within its timeout, never retried', () => {
    expect(states.BeforeTrafficHook).toMatchObject({
      Type: 'Task',
      Resource: arnOf(json, 'BeforeTrafficFn'),
      Parameters: {
        hook: 'beforeTraffic',
        service: 'svc',
        'version.$': '$.plan.version',
        'previousVersion.$': '$.clearedFleet.previousVersion',
        'colour.$': '$.plan.targetColour',
        'executionArn.$': '$$.Execution.Id',
        'instances.$': '$.clearedFleet.instanceIds',
      },
      ResultSelector: { completed: true },
      ResultPath: '$.hooks.beforeTraffic',
      TimeoutSeconds: 300,
    });
    expect(states.AfterTrafficHook.TimeoutSeconds).toBe(90);
    expect(states.AfterTrafficHook.Resource).toBe(arnOf(json, 'AfterTrafficFn'));
    expect(states.BeforeFinalizeHook.Resource).toBe(arnOf(json, 'BeforeFinalizeFn'));
    // After Finalize, the instances Finalize verified.
    expect(states.AfterFinalizeHook.Parameters['instances.$']).toBe('$.summary.instanceIds');
    expect(states.AfterFinalizeHook.TimeoutSeconds).toBe(900);
    for (const name of ['BeforeTrafficHook', 'AfterTrafficHook', 'BeforeFinalizeHook', 'AfterFinalizeHook']) {
      expect(states[name].Retry).toBeUndefined();
    }
  });

  test('GIVEN a hook before Finalize that fails or times out THEN the release rolls back with the hook named in the error', () => {
    for (const [name, point] of [
      ['BeforeTrafficHook', 'beforeTraffic'],
      ['AfterTrafficHook', 'afterTraffic'],
      ['BeforeFinalizeHook', 'beforeFinalize'],
    ]) {
      expect(states[name].Catch).toEqual([
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: `${name}TimedOut` },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: `${name}Failed` },
      ]);
      expect(states[`${name}TimedOut`]).toMatchObject({
        Type: 'Pass',
        Parameters: {
          Error: `${point} hook timed out`,
          Cause: expect.stringMatching(/^no answer within \d+ s$/),
        },
        ResultPath: '$.error',
        Next: 'Rollback',
      });
      expect(states[`${name}Failed`]).toMatchObject({
        Type: 'Pass',
        Parameters: {
          'Error.$': `States.Format('{} in the ${point} hook', $.error.Error)`,
          'Cause.$': '$.error.Cause',
        },
        ResultPath: '$.error',
        Next: 'Rollback',
      });
    }
  });

  test('GIVEN an afterFinalize hook that fails or times out THEN the execution fails with AfterFinalizeHookFailed, never a rollback', () => {
    expect(states.AfterFinalizeHook.Catch).toEqual([
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'AfterFinalizeHookTimedOut' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'AfterFinalizeHookError' },
    ]);
    for (const name of ['AfterFinalizeHookTimedOut', 'AfterFinalizeHookError']) {
      expect(states[name]).toMatchObject({
        Type: 'Pass',
        Parameters: {
          Error: 'AfterFinalizeHookFailed',
          'Cause.$': expect.stringContaining('is released and stays live'),
        },
        Next: 'ReleaseLockAfterHookFailedDue',
      });
    }
    // A timed-out Task's invocation may still run: ReleaseLock waits for it (HookMayStillRun).
    expect(states.AfterFinalizeHookTimedOut.Parameters).toMatchObject({ HookMayStillRun: true });
    expect(states.AfterFinalizeHookError.Parameters).not.toHaveProperty('HookMayStillRun');
    // The lock is released before the execution fails.
    expect(states.ReleaseLockAfterHookFailedDue).toMatchObject({
      Result: 'releaseLock',
      ResultPath: '$.next',
    });
    expect(states.ReleaseLockAfterHookFailedDue.Next).toBe('ReleaseLockAfterHookFailed');
    expect(states.ReleaseLockAfterHookFailed.Next).toBe('AfterReleaseLockAfterHookFailed');
    expect(states.AfterReleaseLockAfterHookFailed.Default).toBe('AfterFinalizeHookFailed');
    for (const name of ['ReleaseLock', 'ReleaseLockAfterHookFailed']) {
      expect(states[name].Catch).toEqual([
        { ErrorEquals: ['LockLost'], ResultPath: '$.error', Next: 'Superseded' },
      ]);
      expect(states[name].Retry).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            ErrorEquals: expect.arrayContaining(['ThrottlingException', 'States.Timeout']),
          }),
        ]),
      );
    }
    expect(states.AfterFinalizeHookFailed).toMatchObject({
      Type: 'Fail',
      Error: 'AfterFinalizeHookFailed',
      CausePath: '$.error.Cause',
    });
  });

  test('GIVEN approval gates THEN beforeTraffic runs before the swap approval, beforeFinalize after the finalize approval', () => {
    const { states: gated } = synth(fourHooks, (stack) => ({
      approval: {
        gates: ['swap', 'finalize'],
        topic: new sns.Topic(stack, 'Approvals'),
        timeout: Duration.hours(1),
        onTimeout: 'reject',
      },
    }));
    expect(choiceFor(gated.AfterCheckHealth, 'swap')).toBe('BeforeTrafficHookDue');
    expect(gated.BeforeTrafficHook.Next).toBe('ApproveSwap');
    expect(choiceFor(gated.AfterBake, 'finalize')).toBe('ApproveFinalize');
    expect(gated.ApproveFinalize.Next).toBe('BeforeFinalizeHookDue');
    expect(gated.BeforeFinalizeHook.Next).toBe('Finalize');
  });

  test('GIVEN pre-traffic validation THEN beforeTraffic runs before every ScaleUp (no new instance serves before CheckHealth lets it in), a first release told previousVersion ""', () => {
    const validated = synth(fourHooks, () => ({
      instanceValidation: { heartbeatTimeout: Duration.minutes(7) },
    })).states;
    expect(choiceFor(validated.AfterPrepare, 'scaleUp')).toBe('BeforeNewInstances');
    expect(validated.BeforeNewInstances.Choices).toEqual([
      { Variable: '$.plan.fromVersion', IsPresent: true, Next: 'NoNewInstanceYet' },
    ]);
    expect(validated.BeforeNewInstances.Default).toBe('NoInstanceYet');
    expect(validated.NoNewInstanceYet.Parameters).toEqual({
      'colour.$': '$.plan.targetColour',
      instanceIds: [],
      'previousVersion.$': '$.plan.fromVersion',
    });
    expect(validated.NoInstanceYet.Parameters).toEqual({
      'colour.$': '$.plan.targetColour',
      instanceIds: [],
      previousVersion: '',
    });
    for (const pass of ['NoNewInstanceYet', 'NoInstanceYet']) {
      expect(validated[pass]).toMatchObject({ ResultPath: '$.clearedFleet', Next: 'BeforeTrafficHookDue' });
    }
    expect(validated.BeforeTrafficHook.Next).toBe('AfterBeforeTrafficHook');
    expect(choiceFor(validated.AfterBeforeTrafficHook, 'scaleUp')).toBe('ScaleUp');
    // The swap entry is the same hook point: its marker skips it there.
    expect(choiceFor(validated.AfterCheckHealth, 'swap')).toBe('BeforeTrafficHookDue');
    expect(validated.AfterBeforeTrafficHook.Default).toBe('Swap');
  });

  test('GIVEN hooks THEN the state machine may invoke exactly the hook functions besides its steps', () => {
    const invoked = (template: Json) => {
      const machine = Object.values<Json>(template.Resources).find(
        (r) => r.Type === 'AWS::StepFunctions::StateMachine',
      );
      const roleId = machine.Properties.RoleArn['Fn::GetAtt'][0];
      return Object.values<Json>(template.Resources)
        .filter(
          (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: Json) => ref.Ref === roleId),
        )
        .flatMap((r) => r.Properties.PolicyDocument.Statement)
        .filter((s: Json) => [s.Action].flat().includes('lambda:InvokeFunction'))
        .flatMap((s: Json) => [s.Resource].flat())
        .map((resource: Json) => JSON.stringify(resource));
    };
    const { json: plain } = synth(() => ({}));
    const { json: hooked } = synth((stack) => {
      hookFunction(stack, 'Unrelated');
      return fourHooks(stack);
    });
    const added = invoked(hooked).filter((r) => !invoked(plain).includes(r));
    const fnIds = Object.keys(hooked.Resources).filter(
      (id) => hooked.Resources[id].Type === 'AWS::Lambda::Function' && /^(Before|After)\w+Fn/.test(id),
    );
    expect(fnIds).toHaveLength(4);
    const expected = fnIds.flatMap((id) => [
      JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }),
      JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, ':*']] }),
    ]);
    expect(added.sort()).toEqual(expected.sort());
    expect(added.some((r) => r.includes('Unrelated'))).toBe(false);
  });

  test('GIVEN hooks THEN the execution timeout allows for each hook timeout', () => {
    const { json: plain } = synth(() => ({}));
    const timeoutOf = (template: Json) => readServiceTemplate(template).definition.TimeoutSeconds;
    expect(timeoutOf(json) - timeoutOf(plain)).toBe(300 + 90 + 300 + 900);
  });

  test('GIVEN no hooks THEN no hook state exists', () => {
    const { states: plain } = synth(() => ({}));
    expect(Object.keys(plain).filter((name) => /Hook/.test(name))).toEqual([]);
    expect(choiceFor(plain.AfterFinalize, 'released')).toBe('Released');
    // Finalize releases the lock itself: the state never asks it to keep it.
    expect(plain.Start.Parameters).not.toHaveProperty('afterFinalizeHook');
    expect(Object.keys(plain).filter((name) => /ReleaseLock/.test(name))).toEqual([]);
  });

  test('GIVEN an afterFinalize function THEN its invocation window is its own timeout, or 15 minutes when it is imported', () => {
    const windowOf = (fn: (stack: Stack) => lambda.IFunction) =>
      synth((stack) => ({ afterFinalize: { function: fn(stack) } })).states.Start.Parameters
        .afterFinalizeHook;
    expect(
      windowOf(
        (stack) =>
          new lambda.Function(stack, 'Contract', {
            runtime: lambda.Runtime.NODEJS_22_X,
            handler: 'index.handler',
            code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
            timeout: Duration.minutes(10),
          }),
      ),
    ).toEqual({ windowSeconds: 600 });
    expect(
      windowOf((stack) =>
        lambda.Function.fromFunctionArn(
          stack,
          'Imported',
          'arn:aws:lambda:eu-west-1:123456789012:function:contract',
        ),
      ),
    ).toEqual({ windowSeconds: 900 });
  });

  test('GIVEN a hook timeout outside 1 s..15 min THEN the error names the field and the value; a Token passes', () => {
    expect(() =>
      synth((stack) => ({
        beforeTraffic: { function: hookFunction(stack, 'A'), timeout: Duration.minutes(16) },
        afterFinalize: { function: hookFunction(stack, 'B'), timeout: Duration.millis(500) },
      })),
    ).toThrow(
      /hooks\.beforeTraffic\.timeout \(960 s\) must be .* between 1 and 900 seconds[\s\S]*hooks\.afterFinalize\.timeout \(0\.5 s\)/,
    );
    expect(() =>
      workflowStack((stack) => ({
        hooks: {
          beforeTraffic: {
            function: hookFunction(stack, 'A'),
            timeout: Duration.seconds(Token.asNumber({ Ref: 'T' })),
          },
        },
      })),
    ).not.toThrow();
  });
});
