import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IntrinsicResolver, readServiceTemplate } from '../../lib/rehearsal/template';
import type { ApprovalSettings } from '../../lib/workflow/release-definition';
import { workflowStack } from './fixture';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const MUTATING_AUTOSCALING = [
  'autoscaling:CreateOrUpdateTags',
  'autoscaling:UpdateAutoScalingGroup',
  'autoscaling:SuspendProcesses',
  'autoscaling:ResumeProcesses',
  'autoscaling:EnterStandby',
  'autoscaling:ExitStandby',
  'autoscaling:TerminateInstanceInAutoScalingGroup',
];

function synth(props = {}) {
  const { stack, workflow } = workflowStack(props);
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const states: Record<string, Json> = readServiceTemplate(json).definition.States;
  return { stack, workflow, template, json, states };
}

/** Every policy statement attached to the role of the step function with that `bluegreen:step`. */
function statementsOfStep(json: Json, step: string): Json[] {
  const [, fn] = Object.entries<Json>(json.Resources).find(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['bluegreen:step'] === step,
  )!;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values<Json>(json.Resources)
    .filter(
      (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: Json) => ref.Ref === roleId),
    )
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
}

function actionsOf(statements: Json[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

describe('the release state machine', () => {
  const { states, template } = synth();

  test('runs the release steps in order; the health wait and the bake poll inside their step', () => {
    expect(Object.keys(states)).toEqual(
      expect.arrayContaining([
        'Start',
        'Prepare',
        'ScaleUp',
        'WaitForHealth',
        'CheckHealth',
        'Swap',
        'Bake',
        'Finalize',
        'Rollback',
      ]),
    );
    expect(states.Start.Next).toBe('Prepare');
    expect(states.ScaleUp.Next).toBe('WaitForHealth');
    expect(states.WaitForHealth).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.waitSeconds',
      Next: 'CheckHealth',
    });
    expect(states.Bake).toMatchObject({ Type: 'Task', Next: 'AfterBake' });
    const choices = (name: string) =>
      Object.fromEntries(states[name].Choices.map((c: Json) => [c.StringEquals, c.Next]));
    expect(choices('AfterPrepare')).toEqual({
      scaleUp: 'ScaleUp',
      rollback: 'Rollback',
      prepare: 'WaitBeforePrepareAgain',
    });
    expect(states.WaitBeforePrepareAgain).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.waitSeconds',
      Next: 'Prepare',
    });
    expect(choices('AfterCheckHealth')).toEqual({
      swap: 'Swap',
      waitForHealth: 'WaitForHealth',
      rollback: 'Rollback',
    });
    expect(choices('AfterSwap')).toEqual({
      bake: 'Bake',
      finalize: 'Finalize',
      swap: 'WaitBeforeSwapAgain',
      waitForHealth: 'WaitForHealth',
    });
    expect(choices('AfterBake')).toEqual({ bake: 'Bake', finalize: 'Finalize', rollback: 'Rollback' });
    expect(choices('AfterFinalize')).toEqual({ released: 'Released', finalize: 'WaitBeforeFinalizeAgain' });
    expect(choices('AfterRollback')).toEqual({
      rollback: 'WaitBeforeRollbackAgain',
      prepare: 'Prepare',
      rolledBack: 'RolledBackOnRequest',
      failed: 'RolledBackAutomatically',
    });
  });

  test('routes any error after Prepare to Rollback, and a lost lock to Superseded', () => {
    for (const name of ['ScaleUp', 'CheckHealth', 'Swap', 'Bake', 'Finalize']) {
      expect(states[name].Catch).toEqual([
        { ErrorEquals: ['LockLost'], ResultPath: '$.error', Next: 'Superseded' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Rollback' },
      ]);
    }
  });

  test('a refused request fails without rolling anything back', () => {
    expect(states.Prepare.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Rejected' },
    ]);
    expect(states.Rejected).toMatchObject({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    });
  });

  test('an automatic rollback ends the execution failed with its reason', () => {
    expect(states.RolledBackAutomatically).toEqual({
      Type: 'Fail',
      Error: 'ReleaseRolledBack',
      CausePath: '$.rollback.reason',
    });
  });

  test('Prepare is retried on throttling and contention that outlast its own retries; anything else rejects', () => {
    expect(states.Prepare.Retry).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          ErrorEquals: expect.arrayContaining([
            'Throttling',
            'ResourceContentionFault',
            'ThrottlingException',
          ]),
          MaxAttempts: 4,
          IntervalSeconds: 5,
          BackoffRate: 2,
        }),
      ]),
    );
    expect(states.Prepare.Catch.map((c: Json) => c.Next)).toEqual(['Rejected']);
  });

  test('Rollback is retried with backoff, except when the lock was lost or its deadline passed', () => {
    expect(states.Rollback.Retry).toEqual(
      expect.arrayContaining([
        { ErrorEquals: ['LockLost', 'RollbackIncomplete'], MaxAttempts: 0 },
        expect.objectContaining({
          ErrorEquals: ['States.ALL'],
          MaxAttempts: 4,
          BackoffRate: 2,
          IntervalSeconds: 5,
        }),
      ]),
    );
    expect(states.Rollback.Catch.map((c: Json) => c.Next)).toEqual(['Superseded', 'RollbackFailed']);
  });

  test('every Task has a timeout and invokes its function directly', () => {
    const tasks = Object.values<Json>(states).filter((s) => s.Type === 'Task');
    expect(tasks).toHaveLength(7);
    for (const task of tasks) {
      expect(task.TimeoutSeconds).toBeGreaterThan(0);
      expect(task.Resource).toMatch(/^arn:aws:lambda:/);
    }
  });

  test('a polling step may poll for its budget and its task outlives that budget', () => {
    const { states: s, json: j } = synth({ pollBudget: Duration.seconds(45) });
    for (const name of ['CheckHealth', 'Bake']) expect(s[name].TimeoutSeconds).toBe(45 + 60);
    const fns = Object.values<Json>(j.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    for (const fn of fns) expect(fn.Properties.Environment.Variables.POLL_BUDGET_SECONDS).toBe('45');
    const polling = fns.filter((f) => ['check-health', 'watch-bake'].includes(f.Metadata['bluegreen:step']));
    for (const fn of polling) expect(fn.Properties.Timeout).toBe(45 + 30);
  });

  test('the whole execution is bounded by health timeout + bake + 2 h', () => {
    const { template: t } = synth({ healthTimeout: Duration.minutes(10), bakeTime: Duration.minutes(3) });
    const definition = readServiceTemplate(t.toJSON()).definition;
    expect(definition.TimeoutSeconds).toBe(600 + 180 + 7200);
  });

  test('is a Standard workflow with tracing and logging', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });
});

describe('the step functions', () => {
  const { template, json } = synth();

  test('seven Node.js 24 functions on arm64, each tagged with its step', () => {
    const fns = Object.values<Json>(json.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(fns.map((f) => f.Metadata['bluegreen:step']).sort()).toEqual(
      ['check-health', 'finalize', 'prepare', 'rollback', 'scale-up', 'swap', 'watch-bake'].sort(),
    );
    for (const fn of fns) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
  });

  test('share one environment naming the groups, the target group and the lock table', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          BLUE_GROUP_NAME: { Ref: Match.stringLikeRegexp('^Blue') },
          GREEN_GROUP_NAME: { Ref: Match.stringLikeRegexp('^Green') },
          TARGET_GROUP_ARN: { Ref: Match.stringLikeRegexp('^Targets') },
          LOCK_TABLE_NAME: { Ref: Match.stringLikeRegexp('LockTable') },
          MIN_CAPACITY: '2',
          MAX_CAPACITY: '6',
          HEALTH_TIMEOUT_SECONDS: '900',
          BAKE_SECONDS: '300',
          POLL_SECONDS: '5',
        }),
      },
    });
  });

  test('the lock table is encrypted, on demand, with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

describe('least privilege', () => {
  const { json } = synth();
  const steps = ['prepare', 'scale-up', 'check-health', 'swap', 'watch-bake', 'finalize', 'rollback'];

  test('no step has a wildcard action', () => {
    for (const step of steps) {
      for (const action of actionsOf(statementsOfStep(json, step))) expect(action).not.toMatch(/\*/);
    }
  });

  test('mutating Auto Scaling actions name only the two groups', () => {
    for (const step of steps) {
      for (const statement of statementsOfStep(json, step)) {
        const actions = actionsOf([statement]);
        if (!actions.some((a) => MUTATING_AUTOSCALING.includes(a))) continue;
        const resources = JSON.stringify(statement.Resource);
        expect(statement.Resource).toHaveLength(2);
        expect(resources).toContain('autoScalingGroupName/');
        expect(resources).toMatch(/"Ref":"Blue/);
        expect(resources).toMatch(/"Ref":"Green/);
      }
    }
  });

  test('check-health only reads', () => {
    const actions = actionsOf(statementsOfStep(json, 'check-health'));
    expect(actions.filter((a) => MUTATING_AUTOSCALING.includes(a))).toEqual([]);
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions).not.toContain('dynamodb:DeleteItem');
  });

  test('each step gets only the mutations it makes', () => {
    const mutations = (step: string) =>
      [
        ...new Set(actionsOf(statementsOfStep(json, step)).filter((a) => MUTATING_AUTOSCALING.includes(a))),
      ].sort();
    expect(mutations('prepare')).toEqual([]);
    expect(mutations('scale-up')).toEqual(
      [
        'autoscaling:CreateOrUpdateTags',
        'autoscaling:ResumeProcesses',
        'autoscaling:UpdateAutoScalingGroup',
      ].sort(),
    );
    expect(mutations('swap')).not.toContain('autoscaling:ExitStandby');
    expect(mutations('swap')).toContain('autoscaling:EnterStandby');
    expect(mutations('rollback')).toContain('autoscaling:ExitStandby');
    expect(mutations('rollback')).not.toContain('autoscaling:EnterStandby');
  });

  test('tags may be written only under the workflow keys', () => {
    const tagging = statementsOfStep(json, 'swap').find((s) =>
      actionsOf([s]).includes('autoscaling:CreateOrUpdateTags'),
    );
    expect(tagging.Condition).toEqual({
      'ForAllValues:StringEquals': {
        'aws:TagKeys': ['bluegreen:version', 'bluegreen:role', 'bluegreen:previous-version'],
      },
    });
  });

  test('the lock: read-only steps only read it; only steps that change the fleet list themselves on it; only prepare, finalize and rollback delete it', () => {
    const has = (step: string, action: string) => actionsOf(statementsOfStep(json, step)).includes(action);
    expect(steps.filter((s) => has(s, 'dynamodb:GetItem'))).toEqual(steps);
    expect(steps.filter((s) => has(s, 'dynamodb:PutItem'))).toEqual([
      'prepare',
      'scale-up',
      'swap',
      'finalize',
      'rollback',
    ]);
    expect(steps.filter((s) => has(s, 'dynamodb:DeleteItem'))).toEqual(['prepare', 'finalize', 'rollback']);
  });

  test('prepare may describe and stop executions of its own state machine only', () => {
    const statement = statementsOfStep(json, 'prepare').find((s) =>
      actionsOf([s]).includes('states:StopExecution'),
    );
    expect(statement.Action).toEqual(['states:DescribeExecution', 'states:StopExecution']);
    const resource = JSON.stringify(statement.Resource);
    expect(resource).toContain(':execution:');
    expect(resource).toMatch(/StateMachine[0-9A-F]*","Name"/);
  });

  test('grantStartRelease lets a CI role start and follow executions', () => {
    const { stack, workflow } = workflowStack();
    const role = new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });
    workflow.grantStartRelease(role);
    const statements = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^Ci') }] },
    });
    const actions = actionsOf(
      Object.values<Json>(statements).flatMap((p) => p.Properties.PolicyDocument.Statement),
    );
    expect(actions).toEqual(expect.arrayContaining(['states:StartExecution', 'states:DescribeExecution']));
  });

  test('grantOperate adds what the bluegreen CLI calls, and answers to approval gates', () => {
    const { stack, workflow } = workflowStack();
    const role = new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });
    workflow.grantOperate(role);
    const statements = Object.values<Json>(
      Template.fromStack(stack).findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^Ci') }] },
      }),
    ).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(actionsOf(statements)).toEqual(
      expect.arrayContaining([
        'states:StartExecution',
        'states:GetExecutionHistory',
        'states:ListExecutions',
        'states:SendTaskSuccess',
        'states:SendTaskFailure',
        'states:ListTagsForResource',
        'cloudformation:DescribeStacks',
        'autoscaling:DescribeAutoScalingGroups',
        'elasticloadbalancing:DescribeTargetHealth',
      ]),
    );
    const taskResponse = statements.find((s) => actionsOf([s]).includes('states:SendTaskSuccess'));
    expect(JSON.stringify(taskResponse.Resource)).toMatch(/StateMachine/);
  });
});

describe('rollback alarms', () => {
  test('without alarms the bake watcher may only read the lock (beyond its logs)', () => {
    const { json } = synth();
    expect(actionsOf(statementsOfStep(json, 'watch-bake'))).toEqual(['dynamodb:GetItem']);
  });

  test('the bake watcher may describe the given alarms only, and knows their names', () => {
    const { stack, workflow } = workflowStack({
      rollbackAlarms: [
        cloudwatch.Alarm.fromAlarmArn(
          new Stack(),
          'Errors',
          'arn:aws:cloudwatch:us-east-1:123456789012:alarm:app-errors',
        ),
      ],
    });
    const json = Template.fromStack(stack).toJSON();
    expect(statementsOfStep(json, 'watch-bake')).toEqual([
      {
        Action: 'cloudwatch:DescribeAlarms',
        Effect: 'Allow',
        Resource: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:app-errors',
      },
      expect.objectContaining({ Action: 'dynamodb:GetItem' }),
    ]);
    const fn = workflow.steps['watch-bake'].node.defaultChild as lambda.CfnFunction;
    const variables = stack.resolve(fn.environment) as Json;
    expect(variables.variables.ROLLBACK_ALARM_NAMES).toBe('["app-errors"]');
  });
});

describe('approval gates', () => {
  function withApproval(approval: Partial<ApprovalSettings>) {
    const { stack } = workflowStack({
      approval: {
        gates: ['swap', 'finalize'],
        timeout: Duration.minutes(30),
        onTimeout: 'reject',
        topic: sns.Topic.fromTopicArn(new Stack(), 'Topic', 'arn:aws:sns:us-east-1:123456789012:releases'),
        ...approval,
      },
    });
    const json = Template.fromStack(stack).toJSON();
    const [machine] = Object.values<Json>(json.Resources).filter(
      (r) => r.Type === 'AWS::StepFunctions::StateMachine',
    );
    const definition = JSON.parse(new IntrinsicResolver(json).resolve(machine.Properties.DefinitionString));
    return { definition, states: definition.States as Record<string, Json> };
  }

  test('an approval request with the task token stands before the swap and before finalize', () => {
    const { states } = withApproval({});
    const choices = (name: string) =>
      Object.fromEntries(states[name].Choices.map((c: Json) => [c.StringEquals, c.Next]));
    expect(choices('AfterCheckHealth').swap).toBe('ApproveSwap');
    expect(choices('AfterBake').finalize).toBe('ApproveFinalize');
    expect(states.ApproveSwap).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
      TimeoutSeconds: 1800,
      ResultPath: '$.approval',
      Next: 'Swap',
      Parameters: {
        Message: {
          kind: 'approval-request',
          gate: 'swap',
          'version.$': '$.plan.version',
          'colour.$': '$.plan.targetColour',
          'taskToken.$': '$$.Task.Token',
        },
      },
    });
    expect(states.ApproveFinalize.Next).toBe('Finalize');
    // A rejection (SendTaskFailure), a timeout or a failed publish: back to the old group.
    expect(states.ApproveSwap.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Rollback' },
    ]);
  });

  test('onTimeout approve goes on when nobody answers', () => {
    const { states } = withApproval({ gates: ['swap'], onTimeout: 'approve' });
    expect(states.ApproveSwap.Catch).toEqual([
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.approval', Next: 'Swap' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Rollback' },
    ]);
    expect(states.ApproveFinalize).toBeUndefined();
  });

  test('the execution timeout leaves room for every gate', () => {
    const { definition } = withApproval({ timeout: Duration.hours(1) });
    expect(definition.TimeoutSeconds).toBe(15 * 60 + 5 * 60 + 2 * 3600 + 7200);
  });
});

test('the state machine carries the service tag, so the CLI can find its groups', () => {
  const { template } = synth();
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
    Tags: Match.arrayWith([{ Key: 'bluegreen:service', Value: 'svc' }]),
  });
});
