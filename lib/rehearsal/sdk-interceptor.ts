import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';

/** Answers one SDK call: the simulated region's `send`. */
export type SdkCallAnswerer = (service: string, command: string, input: unknown) => Promise<unknown>;

/**
 * The SDK clients the release steps, the validator and the `bluegreen` CLI use, by the service
 * name the simulated region (or, for Lambda, the rehearsal) answers.
 */
const CLIENTS = {
  AutoScaling: AutoScalingClient,
  ElasticLoadBalancingV2: ElasticLoadBalancingV2Client,
  DynamoDB: DynamoDBClient,
  S3: S3Client,
  SFN: SFNClient,
  CloudFormation: CloudFormationClient,
  STS: STSClient,
  CloudWatch: CloudWatchClient,
  Lambda: LambdaClient,
  EC2: EC2Client,
} as const;

/**
 * Routes every `client.send(command)` of the release steps' SDK clients to `answer`, in-process.
 * The handlers create their clients at module scope and never know: `send` is replaced on the
 * client classes' prototypes, so no endpoint, credential or network is involved. Returns a
 * function that puts the real `send` back.
 */
export function interceptSdkCalls(answer: SdkCallAnswerer): () => void {
  const originals = Object.entries(CLIENTS).map(([service, client]) => {
    const prototype = client.prototype as { send?: unknown };
    const own = Object.getOwnPropertyDescriptor(prototype, 'send');
    prototype.send = function send(command: { constructor: { name: string }; input: unknown }) {
      return answer(service, command.constructor.name.replace(/Command$/, ''), command.input);
    };
    return () => {
      if (own) Object.defineProperty(prototype, 'send', own);
      else delete prototype.send;
    };
  });
  return () => originals.forEach((restore) => restore());
}
