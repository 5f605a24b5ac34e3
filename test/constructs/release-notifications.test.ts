import { Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DatabaseSource } from '../../lib/database';
import { ReleaseNotifications } from '../../lib/release-notifications';
import { logicalId, synthService, testApp } from './helpers';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** GIVEN a stack with a state machine and a topic WHEN ReleaseNotifications is added. */
function synthNotifications(serviceTag = 'shop') {
  const stack = new Stack(testApp(), 'NotificationsStack');
  const stateMachine = new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')),
  });
  const topic = new sns.Topic(stack, 'Topic');
  const notifications = new ReleaseNotifications(stack, 'Notifications', { stateMachine, topic, serviceTag });
  return { stack, stateMachine, topic, notifications, template: Template.fromStack(stack) };
}

describe('ReleaseNotifications', () => {
  const { stack, stateMachine, topic, notifications, template } = synthNotifications();
  const functionId = logicalId(notifications.notifyFunction, stack);

  test('the rule matches status changes of executions of this state machine only', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: logicalId(stateMachine, stack) }],
          status: STATUSES,
        },
      },
    });
  });

  test('the rule targets the notify function, with retries and a maximum event age', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [logicalId(notifications.rule, stack), 'Arn'] },
    });
  });

  test('the function runs lambda/notify like the release steps, with the topic and service in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 30,
      Environment: { Variables: { TOPIC_ARN: { Ref: logicalId(topic, stack) }, SERVICE_TAG: 'shop' } },
    });
    // Not a release step: the rehearsal must not take it for one.
    const fn = template.findResources('AWS::Lambda::Function')[functionId] as { Metadata?: object };
    expect(fn.Metadata ?? {}).not.toHaveProperty(['bluegreen:step']);
  });

  test('the function may publish to the topic and nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: logicalId(topic, stack) } }],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('NotifyFunctionServiceRole') }],
    });
  });

  test('its logs are kept one month', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('GIVEN an empty serviceTag THEN it throws naming the prop', () => {
    expect(() => synthNotifications('  ')).toThrow(/serviceTag \(" {2}"\) must not be empty/);
  });

  test('GIVEN a Token serviceTag THEN it is accepted', () => {
    expect(() => synthNotifications(Token.asString({ Ref: 'ServiceTag' }))).not.toThrow();
  });
});

describe('BlueGreenService notifications', () => {
  const { stack, service, template } = synthService({ database: DatabaseSource.none(), serviceTag: 'shop' });

  test('GIVEN defaults THEN a topic encrypted with the AWS managed SNS key', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::Join': ['', Match.arrayWith([':alias/aws/sns'])] },
    });
  });

  test('GIVEN defaults THEN the topic policy denies publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: logicalId(service.notificationTopic, stack) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test('GIVEN defaults THEN executions of the release state machine notify the topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: { stateMachineArn: [{ Ref: logicalId(service.stateMachine, stack) }], status: STATUSES },
      }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: { TOPIC_ARN: { Ref: logicalId(service.notificationTopic, stack) }, SERVICE_TAG: 'shop' },
      },
    });
    expect(service.releaseNotifications).toBeDefined();
  });

  test('GIVEN defaults THEN the topic ARN is an output', () => {
    template.hasOutput('*', {
      Value: { Ref: logicalId(service.notificationTopic, stack) },
      Description: Match.stringLikeRegexp('release notifications'),
    });
  });

  test('GIVEN a topic THEN it is used and no topic is created', () => {
    const given = synthService((s) => ({
      database: DatabaseSource.none(),
      notificationTopic: sns.Topic.fromTopicArn(s, 'Ops', 'arn:aws:sns:eu-west-1:111122223333:ops'),
    }));

    given.template.resourceCountIs('AWS::SNS::Topic', 0);
    given.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:ops' }) },
    });
    given.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Action: 'sns:Publish', Resource: 'arn:aws:sns:eu-west-1:111122223333:ops' }),
        ],
      },
    });
    expect(given.service.notificationTopic.topicArn).toBe('arn:aws:sns:eu-west-1:111122223333:ops');
  });

  test('GIVEN notifications false THEN no rule and no notify function, the topic remains', () => {
    const off = synthService({ database: DatabaseSource.none(), notifications: false });

    off.template.resourceCountIs('AWS::Events::Rule', 0);
    off.template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Environment: { Variables: Match.objectLike({ TOPIC_ARN: Match.anyValue() }) } },
      0,
    );
    off.template.resourceCountIs('AWS::SNS::Topic', 1);
    expect(off.service.releaseNotifications).toBeUndefined();
  });
});
