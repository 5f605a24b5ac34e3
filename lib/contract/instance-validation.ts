/**
 * The pre-traffic validation contract: what the construct (lib/instance-validation.ts) writes
 * into the validator's environment, the lifecycle-action event the validator is given, the
 * request it hands the probe (the one function in the VPC) and the answer it gets back, and the
 * failure record it leaves in the service's lock table for CheckHealth to read. docs/aws-model.md,
 * "Lifecycle hooks".
 */

import { ENV } from './environment';

/** CloudFormation metadata key naming the handler a library function runs (the rehearsal loads it by that). */
export const HANDLER_METADATA_KEY = 'bluegreen:handler';

/**
 * Environment of the validator function (read by lambda/validate-instance/config.ts). The names it
 * shares with the release steps are theirs: the rehearsal runs both with one environment.
 */
export const VALIDATION_ENV = {
  serviceTag: ENV.serviceTag,
  blueGroupName: ENV.blueGroupName,
  greenGroupName: ENV.greenGroupName,
  lockTableName: ENV.lockTableName,
  appPort: 'APP_PORT',
  healthCheckPath: 'HEALTH_CHECK_PATH',
  healthCheckPort: 'HEALTH_CHECK_PORT',
  healthyHttpCodes: 'HEALTHY_HTTP_CODES',
  validationTimeoutSeconds: 'VALIDATION_TIMEOUT_SECONDS',
  heartbeatTimeoutSeconds: 'HEARTBEAT_TIMEOUT_SECONDS',
  /** JSON array of `SmokeCheckSpec`. */
  smokeChecks: 'SMOKE_CHECKS',
  /** The user's validator function, when there is one. */
  userFunctionName: 'USER_VALIDATOR_FUNCTION',
  /** The probe function, which makes the direct requests to the instances (the validator is not in the VPC). */
  probeFunctionName: 'PROBE_FUNCTION_NAME',
} as const;

/**
 * What the validator asks of the probe (lambda/probe-instance): one HTTP GET of
 * `http://<address>:<port><path>`, given up after `timeoutMs`.
 */
export interface InstanceProbeRequest {
  /** The instance's private IPv4 address, dotted quad. */
  readonly address: string;
  /** The port: the application's or the health check's (1–65535). */
  readonly port: number;
  /** Path and query, starting with `/`. */
  readonly path: string;
  /** How long the request may wait for its answer (1 to `PROBE_MAX_TIMEOUT_MS`). */
  readonly timeoutMs: number;
}

/**
 * The longest request the probe makes: a smoke check's longest timeout (60 s). The probe
 * function's own timeout is set a little above it, so a request always ends with an answer.
 */
export const PROBE_MAX_TIMEOUT_MS = 60_000;

/** What one direct request to an instance came back with: the probe's answer. */
export type InstanceAnswer =
  | { readonly kind: 'response'; readonly status: number; readonly body: string }
  /** Nothing answered within the request's timeout. */
  | { readonly kind: 'timeout'; readonly timeoutMs: number }
  /** The instance refused the connection (nothing listens on the port yet). */
  | { readonly kind: 'refused' }
  /** Any other failure (the network's, or the probe's own), in the words of the error. */
  | { readonly kind: 'error'; readonly message: string };

/** The lifecycle transition of a launch hook (and of its events). */
export const LAUNCHING_TRANSITION = 'autoscaling:EC2_INSTANCE_LAUNCHING';

/** The EventBridge `detail-type` of a launch lifecycle action (Auto Scaling, source `aws.autoscaling`). */
export const LAUNCH_LIFECYCLE_ACTION_DETAIL_TYPE = 'EC2 Instance-launch Lifecycle Action';
export const AUTO_SCALING_EVENT_SOURCE = 'aws.autoscaling';

/** The `detail` of a launch lifecycle action event, as Auto Scaling sends it to EventBridge. */
export interface LaunchLifecycleActionDetail {
  readonly LifecycleActionToken: string;
  readonly AutoScalingGroupName: string;
  readonly LifecycleHookName: string;
  readonly EC2InstanceId: string;
  readonly LifecycleTransition: string;
  readonly NotificationMetadata?: string;
}

/** An EventBridge event carrying a launch lifecycle action. */
export interface LaunchLifecycleActionEvent {
  readonly 'detail-type': string;
  readonly source: string;
  /** ISO 8601: when Auto Scaling emitted the event (the lifecycle action had started). */
  readonly time: string;
  readonly detail: LaunchLifecycleActionDetail;
}

/** One direct request the validator makes to a new instance, every default applied. */
export interface SmokeCheckSpec {
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly expectedStatus: number;
  /** @default - the body is not looked at */
  readonly bodyIncludes?: string;
  readonly timeoutMs: number;
}

/** The payload the built-in validator gives the user's validator function. */
export interface UserValidatorPayload {
  /** The service's `bluegreen:service` tag. */
  readonly service: string;
  /** The version the instances run (their group's `bluegreen:version` tag). */
  readonly version: string;
  /** The colour of their group: `blue` or `green`. */
  readonly colour: string;
  /** The Auto Scaling group that launched them. */
  readonly groupName: string;
  /** The instances to validate (one per lifecycle action): ID and private IPv4 address. */
  readonly instances: ReadonlyArray<{ readonly id: string; readonly privateAddress: string }>;
}

/** What the user's validator function may answer; anything but `{ ok: false }` passes. */
export interface UserValidatorAnswer {
  /**
   * `false` abandons the instance.
   * @default true
   */
  readonly ok?: boolean;
  /**
   * Why not, for the release's rollback reason.
   * @default - no reason given
   */
  readonly reason?: string;
}

/** Where a group's latest validation failure is kept in the lock table: never the lock item. */
export const VALIDATION_FAILURE_KEY_PREFIX = 'validation-failure#';

export function validationFailureKey(groupName: string): string {
  return `${VALIDATION_FAILURE_KEY_PREFIX}${groupName}`;
}

/** A failed validation, as the validator records it and CheckHealth reads it. */
export interface ValidationFailureRecord {
  readonly groupName: string;
  readonly instanceId: string;
  /** The version the group launched the instance with (its `bluegreen:version` tag). */
  readonly version: string;
  /** What was checked, e.g. `GET /health` or `the validator function`. */
  readonly check: string;
  /** What came back, e.g. `status 500 (wanted 200), body "oops"`, `timeout after 5000 ms`. */
  readonly answer: string;
  /** Epoch ms at which the validator gave up on the instance. */
  readonly at: number;
}

/** The failure in an operator's words: instance, version, group, check and answer. */
export function describeValidationFailure(record: ValidationFailureRecord): string {
  return (
    `pre-traffic validation failed on ${record.instanceId} (${record.version}, ${record.groupName}): ` +
    `${record.check}: ${record.answer}`
  );
}

/**
 * Where the validator records an instance it validated and holds in `Pending:Wait` for a
 * release, one item per instance (never the lock item): CheckHealth reads these, then lets the
 * release's whole new fleet into the target group at once.
 */
export const VALIDATION_PASS_KEY_PREFIX = 'validation-pass#';

export function validationPassKey(instanceId: string): string {
  return `${VALIDATION_PASS_KEY_PREFIX}${instanceId}`;
}

/** A validated instance held for its release, as the validator records it and CheckHealth reads it. */
export interface ValidationPassRecord {
  readonly groupName: string;
  readonly instanceId: string;
  /** The version the group launched the instance with. */
  readonly version: string;
  /** The lifecycle hook holding it (CompleteLifecycleAction names it). */
  readonly hookName: string;
  /** Epoch ms at which the validator passed it. */
  readonly at: number;
}

/**
 * Whether a validated instance waits for its release instead of joining the target group at
 * once: an instance launched into a group that does not serve (role `idle`) is a release's
 * scale-up, whose whole new fleet CheckHealth lets in together. Anything else (the live group
 * scaling out, a rollback relaunching the group it restores) joins as soon as it passes.
 */
export function holdsForRelease(groupRole: string | undefined): boolean {
  return groupRole === 'idle';
}
