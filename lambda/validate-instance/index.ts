/**
 * The pre-traffic validator, invoked by EventBridge for each launch lifecycle action of the
 * service's groups: the new instance waits in Pending:Wait, out of the target group, while this
 * checks it directly at its private address (the health check path until it answers a healthy
 * code, then each smoke check, then the user's validator function), then completes the action
 * with CONTINUE (the instance registers) or ABANDON (Auto Scaling terminates it). A failure is
 * recorded beside the release lock, where CheckHealth reads it, and logged.
 *
 * It is not in the VPC: each direct request is made by the probe (lambda/probe-instance), the one
 * function whose network reaches the instances, invoked synchronously; this one calls the AWS
 * APIs and judges the answers.
 *
 * Idempotent: EventBridge and Lambda may deliver an event twice, and an action that is already
 * completed (or timed out) is refused by Auto Scaling with "No active Lifecycle Action found",
 * which ends the work quietly. docs/aws-model.md, "Lifecycle hooks".
 */
import {
  DescribeAutoScalingGroupsCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  describeValidationFailure,
  validationFailureKey,
  holdsForRelease,
  validationPassKey,
  type InstanceAnswer,
  type InstanceProbeRequest,
  type LaunchLifecycleActionDetail,
  type UserValidatorPayload,
  type ValidationFailureRecord,
  type ValidationPassRecord,
} from '../../lib/contract/instance-validation';
import { TagKeys } from '../../lib/contract/tags';
import { readLock } from '../shared/lock';
import { recordExpiry } from '../../lib/contract/lock-table';
import { completeLifecycleAction, isNoActiveLifecycleAction } from '../shared/lifecycle-actions';
import { withRetry } from '../../lib/contract/retry';
import { autoScaling } from '../shared/clients/auto-scaling';
import { dynamoDb } from '../shared/clients/dynamodb';
import { ec2 } from '../shared/clients/ec2';
import { now, sleep } from '../shared/clock';
import { readValidationConfig, type ValidationConfig } from './config';
import {
  admission,
  describeSmokeCheck,
  groupIdentity,
  heartbeatDue,
  judgeHealthPoll,
  judgeSmokeCheck,
  judgeUserValidator,
  lifecycleActionOf,
  probeAnswer,
  requestBudget,
  type CheckFailure,
} from './decisions';
import { invokeSynchronously } from './invoke';

/** Time between two requests to the health path while the instance's app starts. */
const HEALTH_POLL_MS = 2000;
/** One request to the health path gives up after this long (the target group's default timeout is 5 s). */
const HEALTH_REQUEST_TIMEOUT_MS = 5000;

export type ValidationResult = 'CONTINUE' | 'ABANDON';

export interface ValidationOutcome {
  readonly instanceId: string;
  /** HELD: passed, left in Pending:Wait for its release to let in with the rest of its fleet. */
  readonly result?: ValidationResult | 'HELD';
  /** Why nothing was completed: the event names no action of this service, or the action is over. */
  readonly skipped?: string;
  readonly failure?: ValidationFailureRecord;
}

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

export async function handler(event: unknown, context?: LambdaContext): Promise<ValidationOutcome> {
  const config = readValidationConfig();
  const { action, ignored } = lifecycleActionOf(event, config.groupNames);
  if (!action) {
    console.warn(`validate-instance: event ignored: ${ignored}`);
    return {
      instanceId: String((event as { detail?: { EC2InstanceId?: unknown } })?.detail?.EC2InstanceId),
      skipped: ignored,
    };
  }
  const instanceId = action.EC2InstanceId;
  const startedAt = now();
  const eventTime = Date.parse(String((event as { time?: unknown }).time));
  const lifecycle = new LifecycleAction(action, config, Number.isFinite(eventTime) ? eventTime : startedAt);

  const remaining = context?.getRemainingTimeInMillis() ?? Infinity;
  // The function's own timeout leaves room for the calls after the checks.
  const deadline = Math.min(
    startedAt + config.validationTimeoutSeconds * 1000,
    startedAt + remaining - 30_000,
  );

  const group = await describeGroup(action.AutoScalingGroupName);
  const identity = groupIdentity(group?.Tags ?? []);
  const address = await privateAddressOf(instanceId);
  const failure = address
    ? await validate(config, action, identity, address, deadline, lifecycle)
    : { check: 'DescribeInstances', answer: 'the instance has no private address (terminated?)' };
  if (failure === 'gone') return { instanceId, skipped: 'the lifecycle action is no longer active' };

  if (failure) {
    const record: ValidationFailureRecord = {
      groupName: action.AutoScalingGroupName,
      instanceId,
      version: identity.version,
      check: failure.check,
      answer: failure.answer,
      at: now(),
    };
    console.error(`validate-instance: ${describeValidationFailure(record)}; abandoning ${instanceId}`);
    await recordFailure(config.lockTableName, record);
    const completed = await lifecycle.complete('ABANDON');
    return {
      instanceId,
      result: 'ABANDON',
      failure: record,
      ...(completed ? {} : { skipped: 'already completed' }),
    };
  }
  const groupRole = group?.Tags?.find((t) => t.Key === TagKeys.role)?.Value;
  // Only a group that does not serve can hold an instance: only then is the lock worth a read.
  const lock = holdsForRelease(groupRole) ? await readLock(config.lockTableName) : undefined;
  if (admission({ groupRole, version: identity.version, lock }) === 'hold') {
    // The release lets its whole new fleet in together (CheckHealth): the action stays open.
    await recordPass(config.lockTableName, {
      groupName: action.AutoScalingGroupName,
      instanceId,
      version: identity.version,
      hookName: action.LifecycleHookName,
      at: now(),
    });
    console.log(`validate-instance: ${instanceId} (${identity.version}) passed; held for its release`);
    return { instanceId, result: 'HELD' };
  }
  const completed = await lifecycle.complete('CONTINUE');
  console.log(`validate-instance: ${instanceId} (${identity.version}) passed; CONTINUE`);
  return { instanceId, result: 'CONTINUE', ...(completed ? {} : { skipped: 'already completed' }) };
}

/** The health path until healthy, each smoke check once, then the user's validator. */
async function validate(
  config: ValidationConfig,
  action: LaunchLifecycleActionDetail,
  identity: { readonly version: string; readonly colour: string },
  address: string,
  deadline: number,
  lifecycle: LifecycleAction,
): Promise<CheckFailure | 'gone' | undefined> {
  const pollStartedAt = now();
  for (;;) {
    if (!(await lifecycle.keepAlive())) return 'gone';
    const timeoutMs = Math.max(1, Math.min(HEALTH_REQUEST_TIMEOUT_MS, deadline - now()));
    const answer = await probe(config, {
      address,
      port: config.healthCheckPort,
      path: config.healthCheckPath,
      timeoutMs,
    });
    const verdict = judgeHealthPoll(
      config.healthCheckPath,
      answer,
      config.healthyHttpCodes,
      now(),
      deadline,
      pollStartedAt,
    );
    if (verdict === 'passed') break;
    if (verdict !== 'wait') return verdict;
    await sleep(Math.max(0, Math.min(HEALTH_POLL_MS, deadline - now())));
  }
  for (const check of config.smokeChecks) {
    if (!(await lifecycle.keepAlive())) return 'gone';
    const budget = requestBudget(
      describeSmokeCheck(check),
      check.timeoutMs,
      now(),
      deadline,
      config.validationTimeoutSeconds,
    );
    if (typeof budget !== 'number') return budget;
    const answer = await probe(config, {
      address,
      port: config.appPort,
      path: check.path,
      timeoutMs: budget,
    });
    const failure = judgeSmokeCheck(check, answer);
    if (failure) return failure;
  }
  if (config.userFunctionName) {
    if (!(await lifecycle.keepAlive())) return 'gone';
    const payload: UserValidatorPayload = {
      service: config.serviceTag,
      version: identity.version,
      colour: identity.colour,
      groupName: action.AutoScalingGroupName,
      instances: [{ id: action.EC2InstanceId, privateAddress: address }],
    };
    return judgeUserValidator(
      config.userFunctionName,
      await invokeSynchronously(config.userFunctionName, payload),
    );
  }
  return undefined;
}

/** The lifecycle action being validated: its heartbeats and its completion, both idempotent. */
class LifecycleAction {
  private lastBeat: number;

  constructor(
    private readonly action: LaunchLifecycleActionDetail,
    private readonly config: ValidationConfig,
    startedAt: number,
  ) {
    this.lastBeat = startedAt;
  }

  /** Records a heartbeat when one is due; false once the action is no longer active. */
  public async keepAlive(): Promise<boolean> {
    if (!heartbeatDue(this.lastBeat, now(), this.config.heartbeatTimeoutSeconds)) return true;
    const answered = await this.tolerant(() =>
      autoScaling.send(new RecordLifecycleActionHeartbeatCommand(this.identity())),
    );
    if (answered) this.lastBeat = now();
    return answered;
  }

  /** Completes the action; false when it was already over (completed, timed out, instance gone). */
  public complete(result: ValidationResult): Promise<boolean> {
    return completeLifecycleAction(
      {
        groupName: this.action.AutoScalingGroupName,
        hookName: this.action.LifecycleHookName,
        instanceId: this.action.EC2InstanceId,
        token: this.action.LifecycleActionToken,
      },
      result,
    );
  }

  private identity() {
    return {
      AutoScalingGroupName: this.action.AutoScalingGroupName,
      LifecycleHookName: this.action.LifecycleHookName,
      LifecycleActionToken: this.action.LifecycleActionToken,
      InstanceId: this.action.EC2InstanceId,
    };
  }

  private async tolerant(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await withRetry(call);
      return true;
    } catch (error) {
      if (!isNoActiveLifecycleAction(error)) throw error;
      console.warn(`validate-instance: ${this.action.EC2InstanceId}: ${(error as Error).message}`);
      return false;
    }
  }
}

async function describeGroup(groupName: string) {
  const output = await withRetry(() =>
    autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] })),
  );
  return output.AutoScalingGroups?.[0];
}

async function privateAddressOf(instanceId: string): Promise<string | undefined> {
  const output = await withRetry(() => ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })));
  const instance = output.Reservations?.flatMap((r) => r.Instances ?? []).find(
    (i) => i.InstanceId === instanceId,
  );
  return instance?.PrivateIpAddress;
}

async function recordPass(tableName: string, record: ValidationPassRecord): Promise<void> {
  await putRecord(tableName, validationPassKey(record.instanceId), record);
}

async function recordFailure(tableName: string, record: ValidationFailureRecord): Promise<void> {
  await putRecord(tableName, validationFailureKey(record.groupName), record);
}

/** A record beside the lock item: its text fields as strings, `at` as a number, expiring by TTL. */
async function putRecord(
  tableName: string,
  key: string,
  record: ValidationPassRecord | ValidationFailureRecord,
): Promise<void> {
  const fields = Object.fromEntries(
    Object.entries(record as unknown as Record<string, string | number>).map(([name, value]) => [
      name,
      typeof value === 'number' ? { N: String(value) } : { S: value },
    ]),
  );
  await withRetry(() =>
    dynamoDb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: key }, ...fields, ...recordExpiry(record.at) },
      }),
    ),
  );
}

/** One direct request to the instance, made by the probe in the VPC; a failed invocation is an `error` answer. */
async function probe(config: ValidationConfig, request: InstanceProbeRequest): Promise<InstanceAnswer> {
  return probeAnswer(config.probeFunctionName, await invokeSynchronously(config.probeFunctionName, request));
}
