/**
 * The environment variables the constructs set on the step functions and the handlers read: the
 * construct writes them (lib/release-workflow.ts, lib/release-notifications.ts), each handler
 * reads them on every invocation.
 */

/** Environment of every release step function (read by lambda/shared/config.ts). */
export const ENV = {
  serviceTag: 'SERVICE_TAG',
  blueGroupName: 'BLUE_GROUP_NAME',
  greenGroupName: 'GREEN_GROUP_NAME',
  targetGroupArn: 'TARGET_GROUP_ARN',
  lockTableName: 'LOCK_TABLE_NAME',
  minCapacity: 'MIN_CAPACITY',
  maxCapacity: 'MAX_CAPACITY',
  defaultCapacity: 'DEFAULT_CAPACITY',
  healthTimeoutSeconds: 'HEALTH_TIMEOUT_SECONDS',
  bakeSeconds: 'BAKE_SECONDS',
  pollSeconds: 'POLL_SECONDS',
  pollBudgetSeconds: 'POLL_BUDGET_SECONDS',
  rollbackAlarmNames: 'ROLLBACK_ALARM_NAMES',
  artifactBucket: 'ARTIFACT_BUCKET',
  artifactKeyPrefix: 'ARTIFACT_KEY_PREFIX',
  artifactExtension: 'ARTIFACT_EXTENSION',
  /** `on` when new instances are validated before traffic: CheckHealth then reads validation failures. */
  instanceValidation: 'INSTANCE_VALIDATION',
  /** Set with a canary: the instances a release brings up first, and how long it watches them. */
  canaryInstances: 'CANARY_INSTANCES',
  canarySeconds: 'CANARY_SECONDS',
} as const;

/** Environment of the notify function (lambda/notify). */
export const NOTIFY_ENV = {
  topicArn: 'TOPIC_ARN',
  serviceTag: ENV.serviceTag,
} as const;
