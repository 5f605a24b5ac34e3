/**
 * Launch lifecycle actions held by pre-traffic validation: the validator's pass records (items
 * `validation-pass#<instance>` beside the lock item) and completing an action, both shared by the
 * validator and CheckHealth. docs/aws-model.md, "Lifecycle hooks".
 */
import { CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { validationPassKey, type ValidationPassRecord } from '../../lib/contract/instance-validation';
import { mapWithConcurrency } from '../../lib/contract/batch';
import { ThrottlePacer } from '../../lib/contract/pacer';
import { withRetry } from '../../lib/contract/retry';
import { autoScaling } from './clients/auto-scaling';
import { dynamoDb } from './clients/dynamodb';

/** BatchGetItem's limit of keys per call (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html). */
const BATCH_GET_LIMIT = 100;

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

/** The pass records of these instances (strongly consistent); an instance without one is absent. */
export async function readValidationPasses(
  tableName: string,
  instanceIds: readonly string[],
): Promise<Map<string, ValidationPassRecord>> {
  const passes = new Map<string, ValidationPassRecord>();
  for (let i = 0; i < instanceIds.length; i += BATCH_GET_LIMIT) {
    const keys = instanceIds
      .slice(i, i + BATCH_GET_LIMIT)
      .map((id) => ({ pk: { S: validationPassKey(id) } }));
    const output = await withRetry(() =>
      dynamoDb.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
      ),
    );
    // Keys DynamoDB left unprocessed read as "no pass yet": the next poll asks again.
    for (const item of output.Responses?.[tableName] ?? []) {
      const text = (name: string) => item[name]?.S ?? '';
      passes.set(text('instanceId'), {
        groupName: text('groupName'),
        instanceId: text('instanceId'),
        version: text('version'),
        hookName: text('hookName'),
        at: Number(item.at?.N ?? 0),
      });
    }
  }
  return passes;
}
