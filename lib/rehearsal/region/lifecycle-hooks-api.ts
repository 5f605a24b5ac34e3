/**
 * The Auto Scaling lifecycle-hook calls: CompleteLifecycleAction, RecordLifecycleActionHeartbeat,
 * DescribeLifecycleHooks. They validate with AWS's rules and wordings, then act through the
 * lifecycle actions (lifecycle-hooks.ts). Wordings marked (seen) were found in public reports of
 * real AWS responses; (inferred) ones follow AWS's style. docs/aws-model.md, "Lifecycle hooks".
 */
import type { AutoScaling, AutoScalingGroup } from './auto-scaling';
import { AutoScalingMessages } from './auto-scaling-api';
import type { CommandInput, CommandTable } from './commands';
import { missingMember, validationError } from './errors';
import {
  LIFECYCLE_ACTION_RESULTS,
  LAUNCHING_TRANSITION,
  type LaunchLifecycleActions,
  type LifecycleAction,
  type LifecycleActionResult,
} from './lifecycle-hooks';

export const LifecycleHookMessages = {
  /** (seen) */
  noActionForInstance: (id: string) => `No active Lifecycle Action found with instance ID ${id}`,
  /** (seen) */
  noActionForToken: (token: string) => `No active Lifecycle Action found with token ${token}`,
  /** (inferred) */
  tokenOrInstance: () => 'Either LifecycleActionToken or InstanceId must be specified',
  /** (inferred, after the query-protocol constraint wording) */
  invalidResult: (value: string) =>
    `1 validation error detected: Value '${value}' at 'lifecycleActionResult' failed to satisfy constraint: Member must satisfy enum value set: [CONTINUE, ABANDON]`,
} as const;

export class LifecycleHooksApi {
  constructor(
    private readonly asg: AutoScaling,
    private readonly actions: LaunchLifecycleActions,
  ) {}

  public commands(): CommandTable {
    return {
      CompleteLifecycleAction: {
        mutating: true,
        params: [
          'AutoScalingGroupName',
          'LifecycleHookName',
          'LifecycleActionToken',
          'LifecycleActionResult',
          'InstanceId',
        ],
        run: (input) => this.completeLifecycleAction(input),
      },
      RecordLifecycleActionHeartbeat: {
        mutating: true,
        params: ['AutoScalingGroupName', 'LifecycleHookName', 'LifecycleActionToken', 'InstanceId'],
        run: (input) => this.recordHeartbeat(input),
      },
      DescribeLifecycleHooks: {
        mutating: false,
        params: ['AutoScalingGroupName', 'LifecycleHookNames'],
        run: (input) => this.describeLifecycleHooks(input),
      },
    };
  }

  private completeLifecycleAction(input: CommandInput): Record<string, unknown> {
    const result = requiredResult(input.LifecycleActionResult);
    const action = this.activeAction(input);
    this.actions.complete(action, result);
    return {};
  }

  private recordHeartbeat(input: CommandInput): Record<string, unknown> {
    this.actions.heartbeat(this.activeAction(input));
    return {};
  }

  private describeLifecycleHooks(input: CommandInput): Record<string, unknown> {
    const group = this.group(input);
    const names = input.LifecycleHookNames;
    if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))) {
      throw validationError(
        `1 validation error detected: Value at 'lifecycleHookNames' must be a list of strings`,
      );
    }
    const hooks = group.launchHooks.filter(
      (h) => names === undefined || (names as string[]).includes(h.name),
    );
    return {
      LifecycleHooks: hooks.map((h) => ({
        LifecycleHookName: h.name,
        AutoScalingGroupName: group.name,
        LifecycleTransition: LAUNCHING_TRANSITION,
        HeartbeatTimeout: h.heartbeatTimeoutSeconds,
        GlobalTimeout: h.globalTimeoutSeconds,
        DefaultResult: h.defaultResult,
        NotificationMetadata: h.notificationMetadata,
      })),
    };
  }

  /**
   * The active action the call names: by token, else by instance ID, within the group and hook
   * named. An instance not waiting (never hooked, already completed, timed out, terminated) has none.
   */
  private activeAction(input: CommandInput): LifecycleAction {
    const group = this.group(input);
    const hookName = input.LifecycleHookName;
    if (typeof hookName !== 'string') throw missingMember('lifecycleHookName');
    const token = input.LifecycleActionToken;
    const instanceId = input.InstanceId;
    if (token !== undefined && typeof token !== 'string') throw missingMember('lifecycleActionToken');
    if (instanceId !== undefined && typeof instanceId !== 'string') throw missingMember('instanceId');
    if (token === undefined && instanceId === undefined)
      throw validationError(LifecycleHookMessages.tokenOrInstance());
    if (token !== undefined) {
      const action = this.actions.activeByToken(token);
      if (!action || action.hook.name !== hookName || action.instance.groupName !== group.name) {
        throw validationError(LifecycleHookMessages.noActionForToken(token));
      }
      return action;
    }
    const id = instanceId as string;
    const action = group.instances.has(id) ? this.actions.activeByInstance(id, hookName) : undefined;
    if (!action) throw validationError(LifecycleHookMessages.noActionForInstance(id));
    return action;
  }

  private group(input: CommandInput): AutoScalingGroup {
    const name = input.AutoScalingGroupName;
    if (typeof name !== 'string') throw missingMember('autoScalingGroupName');
    const group = this.asg.groups.get(name);
    if (!group) throw validationError(AutoScalingMessages.groupNotFound(name));
    return group;
  }
}

function requiredResult(raw: unknown): LifecycleActionResult {
  if (raw === undefined || raw === null) throw missingMember('lifecycleActionResult');
  if (typeof raw !== 'string' || !(LIFECYCLE_ACTION_RESULTS as readonly string[]).includes(raw)) {
    throw validationError(LifecycleHookMessages.invalidResult(String(raw)));
  }
  return raw as LifecycleActionResult;
}
