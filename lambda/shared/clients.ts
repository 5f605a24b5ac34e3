import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';

/*
 * SDK clients, created once per Lambda container (module scope) and reused across invocations.
 * Region and credentials come from the Lambda environment. No custom endpoint or configuration:
 * the rehearsal answers these calls by intercepting `send` on the client prototypes, so the code
 * that runs on AWS and in the rehearsal is the same.
 */
export const autoScaling = new AutoScalingClient({});
export const loadBalancing = new ElasticLoadBalancingV2Client({});
export const dynamoDb = new DynamoDBClient({});
export const stepFunctions = new SFNClient({});
export const s3 = new S3Client({});
