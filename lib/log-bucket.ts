import { Duration, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * A bucket that receives logs: load balancer access logs and the artifact bucket's server access
 * logs. S3-managed keys because ALB access logs can only be delivered to SSE-S3 buckets; SSL only,
 * private, logs kept a year.
 */
export function createLogBucket(scope: Construct, id: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: false,
    lifecycleRules: [{ id: 'ExpireOldLogs', expiration: Duration.days(365) }],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'This bucket is itself a log destination (load balancer access logs, and the server access logs of ' +
      'the artifact bucket); logging its own accesses to another bucket would only move the finding.',
  });
  return bucket;
}
