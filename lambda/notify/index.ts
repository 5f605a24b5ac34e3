/**
 * Notify: publishes each status change of a release execution (started, succeeded, failed, timed
 * out, aborted) to the service's notification topic. Invoked by an EventBridge rule on
 * "Step Functions Execution Status Change" events of the release state machine.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ExecutionStatusChangeEvent, releaseNotification } from './message';
import { NOTIFY_ENV } from '../../lib/contract/environment';

// Created once per Lambda container and reused across invocations.
const sns = new SNSClient({});

export async function handler(event: ExecutionStatusChangeEvent): Promise<void> {
  const topicArn = process.env[NOTIFY_ENV.topicArn];
  if (!topicArn) throw new Error(`environment variable ${NOTIFY_ENV.topicArn} is not set`);
  const serviceTag = process.env[NOTIFY_ENV.serviceTag] || 'unknown service';

  const notification = releaseNotification(event.detail ?? {}, serviceTag);
  // A failed publish throws: EventBridge invokes asynchronously, so Lambda retries the event.
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: notification.subject,
      Message: notification.message,
      MessageAttributes: {
        service: { DataType: 'String', StringValue: serviceTag },
        status: { DataType: 'String', StringValue: notification.status },
      },
    }),
  );
}
