/**
 * A small hand-written template whose state machine waits at an approval gate (an SNS publish
 * with a task token), for testing the callback mechanics apart from the release workflow.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { Rehearsal } from '../../lib/rehearsal/rehearsal';
import type { CfnTemplate } from '../../lib/rehearsal/template';

export const GATE_TIMEOUT_SECONDS = 600;

const definition = {
  StartAt: 'Plan',
  States: {
    Plan: {
      Type: 'Pass',
      Result: { version: '2.0.0', targetColour: 'green' },
      ResultPath: '$.plan',
      Next: 'ApproveSwap',
    },
    ApproveSwap: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
      Parameters: {
        TopicArn: '@TOPIC@',
        Subject: 'Release waiting for approval before swap',
        Message: {
          kind: 'approval-request',
          gate: 'swap',
          'version.$': '$.plan.version',
          'colour.$': '$.plan.targetColour',
          'executionArn.$': '$$.Execution.Id',
          'taskToken.$': '$$.Task.Token',
        },
      },
      ResultPath: '$.approval',
      TimeoutSeconds: GATE_TIMEOUT_SECONDS,
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' },
        { ErrorEquals: ['ReleaseRejected'], ResultPath: '$.error', Next: 'Rejected' },
      ],
      Next: 'Approved',
    },
    Approved: { Type: 'Succeed' },
    Rejected: { Type: 'Pass', End: true },
    TimedOut: { Type: 'Fail', Error: 'ApprovalTimedOut', Cause: 'nobody answered' },
  },
};

/** The definition as CDK writes it: a Fn::Join that puts the topic's ARN (Ref) in place. */
export function approvalFixtureTemplate(options: { timeoutSeconds?: number | null } = {}): CfnTemplate {
  const gate: Record<string, unknown> = { ...definition.States.ApproveSwap };
  if (options.timeoutSeconds === null) delete gate.TimeoutSeconds;
  else if (options.timeoutSeconds !== undefined) gate.TimeoutSeconds = options.timeoutSeconds;
  const states = { ...definition.States, ApproveSwap: gate };
  const [before, after] = JSON.stringify({ ...definition, States: states }).split('@TOPIC@');
  return {
    Resources: {
      Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          DefinitionString: { 'Fn::Join': ['', [before, { Ref: 'Topic' }, after]] },
          RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
          Tags: [{ Key: 'bluegreen:service', Value: 'fixture' }],
        },
      },
    },
    Outputs: {
      GateStateMachineArnA1B2C3D4: { Value: { Ref: 'Machine' }, Description: 'the machine' },
      GateTopicArn0F0F0F0F: { Value: { Ref: 'Topic' } },
    },
  };
}

/** @param timeoutSeconds the gate's TimeoutSeconds; null leaves it out */
export function approvalFixture(timeoutSeconds?: number | null): { r: Rehearsal; sfn: SFNClient } {
  const r = Rehearsal.fromTemplate(approvalFixtureTemplate({ timeoutSeconds }), { stackName: 'Gate' });
  return { r, sfn: new SFNClient({ region: 'sim-east-1' }) };
}
