import { Duration, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { readServiceTemplate } from '../../lib/rehearsal/template';
import type { ReleaseWorkflowProps } from '../../lib/release-workflow';
import { workflowStack } from './fixture';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const CANARY = { instances: 1, duration: Duration.minutes(4) };

function synth(props: (stack: Stack) => Partial<ReleaseWorkflowProps> = () => ({})) {
  const { stack } = workflowStack(props);
  const json = Template.fromStack(stack).toJSON();
  const definition = readServiceTemplate(json).definition;
  const states: Record<string, Json> = definition.States;
  return { json, definition, states };
}

/** Where a Choice goes for `$.next == value`. */
const choiceFor = (state: Json, value: string) =>
  state.Choices.find((c: Json) => c.Variable === '$.next' && c.StringEquals === value)?.Next;

function stepFunction(json: Json, step: string): Json {
  return Object.values<Json>(json.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['bluegreen:step'] === step,
  );
}

function actionsOfStep(json: Json, step: string): string[] {
  const roleId = stepFunction(json, step).Properties.Role['Fn::GetAtt'][0];
  return Object.values<Json>(json.Resources)
    .filter(
      (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: Json) => ref.Ref === roleId),
    )
    .flatMap((r) => r.Properties.PolicyDocument.Statement)
    .flatMap((s: Json) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

describe('the canary in the state machine', () => {
  test('GIVEN no canary THEN no canary state, route or setting exists', () => {
    const { json, states } = synth();
    expect(Object.keys(states).filter((name) => /Canary/.test(name))).toEqual([]);
    expect(choiceFor(states.AfterCheckHealth, 'canary')).toBeUndefined();
    expect(choiceFor(states.AfterPrepare, 'scaleUp')).toBe('ScaleUp');
    const env = stepFunction(json, 'prepare').Properties.Environment.Variables;
    expect(env.CANARY_INSTANCES).toBeUndefined();
    expect(env.CANARY_SECONDS).toBeUndefined();
    // The bake watcher reads the lock only.
    expect(actionsOfStep(json, 'watch-bake')).toEqual(['dynamodb:GetItem']);
  });

  describe('GIVEN a canary', () => {
    const { json, definition, states } = synth(() => ({ canary: CANARY }));

    test('THEN CheckHealth leads to the canary watch, which loops, scales up fully or rolls back', () => {
      expect(choiceFor(states.AfterCheckHealth, 'canary')).toBe('WatchCanary');
      expect(choiceFor(states.AfterCheckHealth, 'swap')).toBe('Swap');
      expect(states.WatchCanary.Next).toBe('AfterWatchCanary');
      expect(choiceFor(states.AfterWatchCanary, 'canary')).toBe('WatchCanary');
      expect(choiceFor(states.AfterWatchCanary, 'scaleUp')).toBe('ScaleUp');
      expect(choiceFor(states.AfterWatchCanary, 'rollback')).toBe('Rollback');
      expect(states.AfterWatchCanary.Default).toBe('UnexpectedAfterWatchCanary');
      // Without a beforeTraffic hook, Prepare goes straight to ScaleUp.
      expect(choiceFor(states.AfterPrepare, 'scaleUp')).toBe('ScaleUp');
    });

    test('THEN the watch is the WatchBake function, polling within its budget, its errors caught like the bake', () => {
      expect(states.WatchCanary.Resource).toBe(states.Bake.Resource);
      expect(states.WatchCanary.TimeoutSeconds).toBe(states.Bake.TimeoutSeconds);
      expect(states.WatchCanary.Catch).toEqual(states.Bake.Catch);
    });

    test('THEN every step knows the canary, and the bake watcher may read the fleet', () => {
      for (const step of ['prepare', 'scale-up', 'watch-bake']) {
        const env = stepFunction(json, step).Properties.Environment.Variables;
        expect(env.CANARY_INSTANCES).toBe('1');
        expect(env.CANARY_SECONDS).toBe('240');
      }
      const actions = actionsOfStep(json, 'watch-bake');
      expect(actions).toEqual(
        expect.arrayContaining([
          'autoscaling:DescribeAutoScalingGroups',
          'elasticloadbalancing:DescribeTargetHealth',
          'dynamodb:GetItem',
        ]),
      );
      // Still read-only: no mutating call.
      expect(
        actions.filter(
          (a) => !/^(autoscaling:Describe|elasticloadbalancing:Describe|dynamodb:GetItem)/.test(a),
        ),
      ).toEqual([]);
    });

    test('THEN the execution timeout leaves room for the canary and a second health wait', () => {
      // health 15 min + bake 5 min + 2 h, plus canary 4 min + health 15 min.
      expect(definition.TimeoutSeconds).toBe(900 + 300 + 7200 + 240 + 900);
    });
  });

  test('GIVEN a canary and a beforeTraffic hook THEN the hook runs before the canary scale-up, once', () => {
    const { states } = synth((stack) => ({
      canary: CANARY,
      hooks: {
        beforeTraffic: {
          function: new lambda.Function(stack, 'Expand', {
            runtime: lambda.Runtime.NODEJS_22_X,
            handler: 'index.handler',
            code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
          }),
        },
      },
    }));
    // Prepare → CanaryPlanned: a plan with a canary passes the hook before ScaleUp.
    expect(choiceFor(states.AfterPrepare, 'scaleUp')).toBe('CanaryPlanned');
    expect(states.CanaryPlanned.Choices).toEqual([
      { Variable: '$.plan.canary', IsPresent: true, Next: 'BeforeNewInstances' },
    ]);
    expect(states.CanaryPlanned.Default).toBe('ScaleUp');
    expect(states.BeforeNewInstances.Choices).toEqual([
      { Variable: '$.plan.fromVersion', IsPresent: true, Next: 'NoNewInstanceYet' },
    ]);
    expect(states.NoNewInstanceYet).toMatchObject({
      ResultPath: '$.clearedFleet',
      Next: 'BeforeTrafficHookDue',
    });
    expect(states.NoNewInstanceYet.Parameters).toEqual({
      'colour.$': '$.plan.targetColour',
      instanceIds: [],
      'previousVersion.$': '$.plan.fromVersion',
    });
    // One hook Task: after it, $.next picks ScaleUp (before the canary) or the swap.
    expect(states.BeforeTrafficHook.Next).toBe('AfterBeforeTrafficHook');
    expect(choiceFor(states.AfterBeforeTrafficHook, 'scaleUp')).toBe('ScaleUp');
    expect(states.AfterBeforeTrafficHook.Default).toBe('Swap');
    // The swap entry is the same hook point, skipped by its marker once the hook ran.
    expect(choiceFor(states.AfterCheckHealth, 'swap')).toBe('BeforeTrafficHookDue');
    expect(states.BeforeTrafficHookDue.Choices[0]).toMatchObject({
      Variable: '$.hooks.beforeTraffic',
      IsPresent: true,
      Next: 'AfterBeforeTrafficHook',
    });
  });
});
