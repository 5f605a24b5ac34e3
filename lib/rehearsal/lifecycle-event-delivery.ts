/**
 * Delivers launch lifecycle actions to the validator as EventBridge and Lambda would: when an
 * instance enters Pending:Wait, the event of its action reaches each matching rule of the
 * template after a delivery latency, and the rule's target (the library's validator) runs
 * in-process, its built bundle by default, as an asynchronous invocation: the function's invoke
 * latency first, stopped at its own timeout, and retried twice on an error, one then two minutes
 * later. docs/aws-model.md, "Lifecycle hooks" and "Lambda".
 */
import {
  AUTO_SCALING_EVENT_SOURCE,
  LAUNCH_LIFECYCLE_ACTION_DETAIL_TYPE,
  LAUNCHING_TRANSITION,
} from '../contract/instance-validation';
import { withFunctionTimeout, type StepHandler } from './executions';
import type { SimulatedRegion } from './region';
import type { LifecycleActionNotice } from './region/lifecycle-hooks';
import type { SeededRandom } from './region/random';
import type { LifecycleActionRuleInfo } from './template-instance-validation';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** EventBridge delivery latency, per event (virtual ms): assumed, see docs/aws-model.md. */
export const EVENT_DELIVERY_MS = { min: 200, max: 1000 } as const;
/** Lambda's asynchronous invocation: two retries after a function error, 1 then 2 minutes later. */
export const ASYNC_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];

/** One invocation of a validator, as the rehearsal saw it. */
export interface ValidatorInvocation {
  readonly instanceId: string;
  readonly groupName: string;
  /** The event as delivered. */
  readonly event: Json;
  /** 1 for the first delivery, 2 and 3 for Lambda's retries. */
  readonly attempt: number;
  /** Virtual ms at which the handler started. */
  readonly startedAt: number;
  /** Virtual ms at which it returned or failed. */
  endedAt?: number;
  /** What the handler returned. */
  output?: Json;
  /** The error it failed with (`name: message`). */
  error?: string;
}

/** A fault: every invocation fails before the handler runs (a broken deployment, a missing permission). */
export interface FailingInvocations {
  remove(): void;
}

export interface LifecycleEventDeliveryOptions {
  readonly region: SimulatedRegion;
  readonly rules: readonly LifecycleActionRuleInfo[];
  /** Loads a handler folder's handler (the bundle by default). */
  readonly loadHandler: (handler: string) => StepHandler;
  /** Virtual ms an invocation adds before its handler runs, for the named function. */
  readonly invokeLatencyMs: (functionName: string) => number;
  /** Its own stream: a rehearsal without validation draws nothing from it. */
  readonly random: SeededRandom;
  readonly now: () => number;
  readonly accountId: string;
  readonly regionName: string;
}

export class LifecycleEventDelivery {
  /** Every invocation so far, in start order. */
  public readonly invocations: ValidatorInvocation[] = [];
  private readonly handlers = new Map<string, StepHandler>();
  private failing = 0;
  private sequence = 0;
  private inFlight = 0;
  private readonly stop: () => void;

  constructor(private readonly options: LifecycleEventDeliveryOptions) {
    for (const rule of options.rules) {
      if (!this.handlers.has(rule.handler))
        this.handlers.set(rule.handler, options.loadHandler(rule.handler));
    }
    this.stop =
      options.rules.length > 0 ? options.region.observeLifecycleActions((n) => this.onAction(n)) : () => {};
  }

  /** Invocations started and not yet returned. */
  public get pending(): number {
    return this.inFlight;
  }

  /** Makes every invocation fail (until removed), as a function that cannot start would. */
  public failInvocations(): FailingInvocations {
    this.failing += 1;
    let removed = false;
    return {
      remove: () => {
        if (removed) return;
        removed = true;
        this.failing -= 1;
      },
    };
  }

  public dispose(): void {
    this.stop();
  }

  private onAction(notice: LifecycleActionNotice): void {
    for (const rule of this.options.rules) {
      if (!rule.groupNames.includes(notice.groupName)) continue;
      const delay =
        EVENT_DELIVERY_MS.min + this.options.random.int(EVENT_DELIVERY_MS.max - EVENT_DELIVERY_MS.min + 1);
      const event = this.eventOf(notice);
      setTimeout(() => void this.invoke(rule, event, notice, 1), delay);
    }
  }

  private async invoke(
    rule: LifecycleActionRuleInfo,
    event: Json,
    notice: LifecycleActionNotice,
    attempt: number,
  ) {
    this.inFlight += 1;
    await sleep(this.options.invokeLatencyMs(rule.functionName));
    const record: ValidatorInvocation = {
      instanceId: notice.instanceId,
      groupName: notice.groupName,
      event,
      attempt,
      startedAt: this.options.now(),
    };
    this.invocations.push(record);
    const deadline = record.startedAt + rule.timeoutSeconds * 1000;
    try {
      if (this.failing > 0) {
        throw Object.assign(new Error('the function failed to start (rehearsal fault)'), {
          name: 'Runtime.ExitError',
        });
      }
      const handler = this.handlers.get(rule.handler) as StepHandler;
      const run = handler(structuredClone(event), {
        awsRequestId: `validator-${++this.sequence}`,
        functionName: rule.functionName,
        getRemainingTimeInMillis: () => Math.max(0, deadline - this.options.now()),
      });
      record.output = await withFunctionTimeout(run, rule.timeoutSeconds);
    } catch (error) {
      record.error = `${(error as Error)?.name}: ${(error as Error)?.message}`;
      const retryIn = ASYNC_RETRY_DELAYS_MS[attempt - 1];
      if (retryIn !== undefined)
        setTimeout(() => void this.invoke(rule, event, notice, attempt + 1), retryIn);
    } finally {
      record.endedAt = this.options.now();
      this.inFlight -= 1;
    }
  }

  /** The event as EventBridge delivers it (Auto Scaling's "EC2 Instance-launch Lifecycle Action"). */
  private eventOf(notice: LifecycleActionNotice): Json {
    const { accountId, regionName } = this.options;
    return {
      version: '0',
      id: `lifecycle-${notice.token}`,
      'detail-type': LAUNCH_LIFECYCLE_ACTION_DETAIL_TYPE,
      source: AUTO_SCALING_EVENT_SOURCE,
      account: accountId,
      time: new Date(notice.startedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: regionName,
      resources: [
        `arn:aws:autoscaling:${regionName}:${accountId}:autoScalingGroup:*:autoScalingGroupName/${notice.groupName}`,
      ],
      detail: {
        LifecycleActionToken: notice.token,
        AutoScalingGroupName: notice.groupName,
        LifecycleHookName: notice.hookName,
        EC2InstanceId: notice.instanceId,
        LifecycleTransition: LAUNCHING_TRANSITION,
        ...(notice.notificationMetadata !== undefined
          ? { NotificationMetadata: notice.notificationMetadata }
          : {}),
        Origin: 'EC2',
        Destination: 'AutoScalingGroup',
      },
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
