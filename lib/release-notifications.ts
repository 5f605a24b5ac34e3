import { Duration, Token, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EXECUTION_STATUSES } from './contract/execution-status';
import { NOTIFY_ENV } from './contract/environment';
import { NOTIFY_HANDLER } from './contract/steps';
import { HandlerFunction } from './handler-function';
import { PropsValidator } from './validation';

/** Props of `ReleaseNotifications`. */
export interface ReleaseNotificationsProps {
  /** The release state machine whose executions are reported. */
  readonly stateMachine: sfn.IStateMachine;
  /** Where the notifications are published; subscribe email, chat or a queue to it. */
  readonly topic: sns.ITopic;
  /** Value of the `bluegreen:service` tag: names the service in every notification. */
  readonly serviceTag: string;
}

/**
 * Release notifications: an EventBridge rule on the status changes of the release state machine's
 * executions (started, succeeded, failed, timed out, aborted) invokes a function that publishes
 * one readable message per change to the topic: service, version, live colour, outcome, duration,
 * error and cause.
 */
export class ReleaseNotifications extends Construct {
  /** Formats and publishes the notification of each status change. */
  public readonly notifyFunction: lambda.Function;
  /** Matches "Step Functions Execution Status Change" events of the release state machine. */
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ReleaseNotificationsProps) {
    super(scope, id);
    const validator = new PropsValidator(this);
    if (!Token.isUnresolved(props.serviceTag) && props.serviceTag.trim() === '') {
      validator.addProblem(`serviceTag (${JSON.stringify(props.serviceTag)}) must not be empty`);
    }
    validator.throwIfInvalid();

    this.notifyFunction = new HandlerFunction(this, 'NotifyFunction', {
      handlerName: NOTIFY_HANDLER,
      description: 'Publish each status change of a release execution to the notification topic.',
      environment: {
        [NOTIFY_ENV.topicArn]: props.topic.topicArn,
        [NOTIFY_ENV.serviceTag]: props.serviceTag,
      },
      timeout: Duration.seconds(30),
    });
    props.topic.grantPublish(this.notifyFunction);

    this.rule = new events.Rule(this, 'ExecutionStatusRule', {
      description: 'Status changes of release executions: notify the release topic',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [props.stateMachine.stateMachineArn],
          status: [...EXECUTION_STATUSES],
        },
      },
      // Asynchronous invocation: a failed publish is retried, a stale status is not worth sending.
      targets: [
        new targets.LambdaFunction(this.notifyFunction, { retryAttempts: 2, maxEventAge: Duration.hours(1) }),
      ],
    });

    Validations.of(this.notifyFunction).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole only lets the notify function write its own logs.',
    });
  }
}
