/**
 * Launch lifecycle actions held by pre-traffic validation: the validator's pass records (items
 * `validation-pass#<instance>` beside the lock item) and completing an action, both shared by the
 * validator and CheckHealth. docs/aws-model.md, "Lifecycle hooks".
 */
import { CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { BatchGetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { validationPassKey, type ValidationPassRecord } from '../../lib/contract/instance-validation';
import { mapWithConcurrency } from '../../lib/contract/batch';
import { ThrottlePacer } from '../../lib/contract/pacer';
import { withRetry } from '../../lib/contract/retry';
import { autoScaling } from './clients/auto-scaling';
import { dynamoDb } from './clients/dynamodb';
import { sleep } from './clock';

/** BatchGetItem's limit of keys per call (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html). */
const BATCH_GET_LIMIT = 100;
/** Reads of one batch at most, the first included, while DynamoDB leaves keys unprocessed. */
const UNPROCESSED_ATTEMPTS = 3;
/** The pause before asking again for unprocessed keys, times the attempt (AWS advises backing off). */
const UNPROCESSED_PAUSE_MS = 50;

/**
 * Auto Scaling refuses to complete (or heartbeat) an action that is no longer active: already
 * completed by an earlier delivery or another step, timed out, or its instance gone. Not an error
 * for an idempotent caller. Only the message tells this refusal from other ValidationErrors.
 */
export function isNoActiveLifecycleAction(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return (
    name === 'ValidationError' &&
    typeof message === 'string' &&
    message.startsWith('No active Lifecycle Action found')
  );
}

export interface LifecycleActionRef {
  readonly groupName: string;
  readonly hookName: string;
  readonly instanceId: string;
  /** @default - identified by the instance */
  readonly token?: string;
}

/** Completes a launch action; false when it was already over (completed, timed out, instance gone). */
export async function completeLifecycleAction(
  action: LifecycleActionRef,
  result: 'CONTINUE' | 'ABANDON',
  options: { readonly guard?: () => Promise<void>; readonly pacer?: ThrottlePacer } = {},
): Promise<boolean> {
  try {
    await withRetry(
      async () => {
        await options.guard?.();
        return autoScaling.send(
          new CompleteLifecycleActionCommand({
            AutoScalingGroupName: action.groupName,
            LifecycleHookName: action.hookName,
            InstanceId: action.instanceId,
            ...(action.token ? { LifecycleActionToken: action.token } : {}),
            LifecycleActionResult: result,
          }),
        );
      },
      { pacer: options.pacer },
    );
    return true;
  } catch (error) {
    if (!isNoActiveLifecycleAction(error)) throw error;
    return false;
  }
}

/** Completions in flight at once when a release lets its validated fleet in (one call per instance). */
const ADMIT_CONCURRENCY = 10;

/**
 * Lets validated instances in (CONTINUE), each call guarded, paced once Auto Scaling throttles
 * (its mutating rate is shared by the account). Returns the instances whose action this call
 * completed; one already over is left out.
 */
export async function admitValidated(
  passes: readonly ValidationPassRecord[],
  guard: () => Promise<void>,
): Promise<string[]> {
  const pacer = new ThrottlePacer();
  const completed = await mapWithConcurrency(passes, ADMIT_CONCURRENCY, (pass) =>
    completeLifecycleAction(
      { groupName: pass.groupName, hookName: pass.hookName, instanceId: pass.instanceId },
      'CONTINUE',
      { guard, pacer },
    ),
  );
  return passes.filter((_, i) => completed[i]).map((p) => p.instanceId);
}

/**
 * The pass records of these instances (strongly consistent); an instance without one is absent.
 * Keys DynamoDB leaves unprocessed (a partial result under load) are asked again after a short
 * pause, a few times; those still unread then count as "no pass yet", and the next poll asks again.
 */
export async function readValidationPasses(
  tableName: string,
  instanceIds: readonly string[],
): Promise<Map<string, ValidationPassRecord>> {
  const passes = new Map<string, ValidationPassRecord>();
  for (let i = 0; i < instanceIds.length; i += BATCH_GET_LIMIT) {
    let keys: Record<string, AttributeValue>[] = instanceIds
      .slice(i, i + BATCH_GET_LIMIT)
      .map((id) => ({ pk: { S: validationPassKey(id) } }));
    for (let attempt = 0; keys.length > 0 && attempt < UNPROCESSED_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(UNPROCESSED_PAUSE_MS * attempt);
      const request = { [tableName]: { Keys: keys, ConsistentRead: true } };
      const output = await withRetry(() => dynamoDb.send(new BatchGetItemCommand({ RequestItems: request })));
      for (const item of output.Responses?.[tableName] ?? []) {
        const record = passRecordOf(item);
        passes.set(record.instanceId, record);
      }
      keys = output.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return passes;
}

function passRecordOf(item: Record<string, AttributeValue>): ValidationPassRecord {
  const text = (name: string) => item[name]?.S ?? '';
  return {
    groupName: text('groupName'),
    instanceId: text('instanceId'),
    version: text('version'),
    hookName: text('hookName'),
    at: Number(item.at?.N ?? 0),
  };
}
