/**
 * Launch lifecycle hooks (`autoscaling:EC2_INSTANCE_LAUNCHING`): a launched instance that booted
 * waits in Pending:Wait (booted, its app starting, not registered with any target group, not
 * InService) until every hook's lifecycle action is completed with CONTINUE (then Pending:Proceed,
 * then InService and registered), one is completed with ABANDON (terminated; the group launches a
 * replacement), or a hook times out and its DefaultResult applies. docs/aws-model.md,
 * "Lifecycle hooks".
 *
 * This module owns the lifecycle actions (tokens, deadlines, results); the group engine
 * (auto-scaling.ts) owns the instance's state and what entering service or terminating does.
 */
import type { Instance } from './instances';
import { sample, type Range } from './profile';
import type { SeededRandom } from './random';
import type { TickScheduler } from './scheduler';

export const LAUNCHING_TRANSITION = 'autoscaling:EC2_INSTANCE_LAUNCHING';
export const TERMINATING_TRANSITION = 'autoscaling:EC2_INSTANCE_TERMINATING';
/** PutLifecycleHook: HeartbeatTimeout defaults to one hour, within [30, 7200] seconds. */
export const DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 3600;
export const MIN_HEARTBEAT_TIMEOUT_SECONDS = 30;
export const MAX_HEARTBEAT_TIMEOUT_SECONDS = 7200;
/** An instance waits at most 48 hours or 100 heartbeat timeouts, whichever is smaller. */
export const MAX_GLOBAL_TIMEOUT_SECONDS = 172800;
export const GLOBAL_TIMEOUT_HEARTBEATS = 100;

export type LifecycleActionResult = 'CONTINUE' | 'ABANDON';
export const LIFECYCLE_ACTION_RESULTS: readonly LifecycleActionResult[] = ['CONTINUE', 'ABANDON'];

/** A lifecycle hook as the template declares it (AWS::AutoScaling::LifecycleHook or the group's list). */
export interface LifecycleHookSpec {
  readonly name: string;
  /** Only `autoscaling:EC2_INSTANCE_LAUNCHING` is simulated; a terminating hook is refused. */
  readonly transition: string;
  /** @default 3600 */
  readonly heartbeatTimeoutSeconds?: number;
  /** What applies when the hook times out. @default 'ABANDON' (PutLifecycleHook's documented default) */
  readonly defaultResult?: LifecycleActionResult;
  /** @default - none */
  readonly notificationMetadata?: string;
}

/** A launch hook with its defaults applied. */
export interface LaunchHook {
  readonly name: string;
  readonly heartbeatTimeoutSeconds: number;
  readonly globalTimeoutSeconds: number;
  readonly defaultResult: LifecycleActionResult;
  readonly notificationMetadata?: string;
}

/** The problems of a group's hook specs (names, transitions, timeouts, results), for one error. */
export function lifecycleHookProblems(hooks: readonly LifecycleHookSpec[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const hook of hooks) {
    const label = `lifecycle hook ${hook.name}`;
    if (!/^[A-Za-z0-9\-_/]{1,255}$/.test(hook.name)) {
      problems.push(`lifecycle hook name (${JSON.stringify(hook.name)}) must be 1-255 of A-Z a-z 0-9 - _ /`);
    }
    if (seen.has(hook.name)) problems.push(`${label} is declared twice`);
    seen.add(hook.name);
    if (hook.transition === TERMINATING_TRANSITION) {
      problems.push(`${label}: not simulated: ${TERMINATING_TRANSITION} hooks (Terminating:Wait)`);
    } else if (hook.transition !== LAUNCHING_TRANSITION) {
      problems.push(
        `${label}: transition (${hook.transition}) must be ${LAUNCHING_TRANSITION} or ${TERMINATING_TRANSITION}`,
      );
    }
    const heartbeat = hook.heartbeatTimeoutSeconds;
    if (
      heartbeat !== undefined &&
      !(
        Number.isInteger(heartbeat) &&
        heartbeat >= MIN_HEARTBEAT_TIMEOUT_SECONDS &&
        heartbeat <= MAX_HEARTBEAT_TIMEOUT_SECONDS
      )
    ) {
      problems.push(
        `${label}: heartbeatTimeoutSeconds (${heartbeat}) must be a whole number in [${MIN_HEARTBEAT_TIMEOUT_SECONDS}, ${MAX_HEARTBEAT_TIMEOUT_SECONDS}]`,
      );
    }
    if (hook.defaultResult !== undefined && !LIFECYCLE_ACTION_RESULTS.includes(hook.defaultResult)) {
      problems.push(`${label}: defaultResult (${String(hook.defaultResult)}) must be CONTINUE or ABANDON`);
    }
  }
  return problems;
}

/** The launch hooks of valid specs, defaults applied. */
export function launchHooksOf(hooks: readonly LifecycleHookSpec[]): LaunchHook[] {
  return hooks
    .filter((hook) => hook.transition === LAUNCHING_TRANSITION)
    .map((hook) => {
      const heartbeat = hook.heartbeatTimeoutSeconds ?? DEFAULT_HEARTBEAT_TIMEOUT_SECONDS;
      return {
        name: hook.name,
        heartbeatTimeoutSeconds: heartbeat,
        globalTimeoutSeconds: Math.min(MAX_GLOBAL_TIMEOUT_SECONDS, GLOBAL_TIMEOUT_HEARTBEATS * heartbeat),
        defaultResult: hook.defaultResult ?? 'ABANDON',
        notificationMetadata: hook.notificationMetadata,
      };
    });
}

/** One hook's pending action for one instance. */
export interface LifecycleAction {
  readonly hook: LaunchHook;
  readonly token: string;
  readonly instance: Instance;
  /** Virtual ms. */
  readonly startedAt: number;
  /** Virtual ms at which the hook times out unless a heartbeat pushes it back. */
  deadline: number;
  /** Virtual ms past which no heartbeat helps. */
  readonly globalDeadline: number;
  /** Set once completed, by a caller or by the timeout. */
  result?: LifecycleActionResult;
  /** True when the result came from the hook's DefaultResult (timeout), not a caller. */
  defaulted?: boolean;
}

/** One lifecycle action as the region shows it (region.lifecycleActionsOf). */
export interface LifecycleActionView {
  readonly hookName: string;
  /** What the lifecycle notification would carry. */
  readonly token: string;
  /** Virtual ms at which the hook times out unless a heartbeat pushes it back. */
  readonly deadline: number;
  readonly result?: LifecycleActionResult;
}

/** A lifecycle action as it starts: what Auto Scaling's lifecycle notification carries. */
export interface LifecycleActionNotice {
  readonly groupName: string;
  readonly instanceId: string;
  readonly hookName: string;
  readonly token: string;
  /** Virtual ms. */
  readonly startedAt: number;
  readonly notificationMetadata?: string;
}

/** How an instance left Pending:Wait for service: every hook completed by a caller, or one defaulted. */
export type LaunchValidation = 'continued' | 'defaulted';

/** What the group engine does when the actions decide (auto-scaling.ts implements it). */
export interface LaunchTransitions {
  /** Pending:Wait → Pending:Proceed. */
  proceed(instance: Instance): void;
  /** Pending:Proceed → InService (registration included); ignored if the instance left Pending:Proceed. */
  enterServiceAfterHooks(instance: Instance): void;
  /** Terminates the instance whose launch was abandoned; `reason` goes into the group's activity. */
  abandon(instance: Instance, reason: string): void;
}

export class LaunchLifecycleActions {
  private readonly byInstance = new Map<string, LifecycleAction[]>();
  private readonly byToken = new Map<string, LifecycleAction>();
  /** How each instance of a hooked group left Pending:Wait for service (traffic evidence). */
  public readonly validation = new Map<string, LaunchValidation>();
  private transitions?: LaunchTransitions;
  private readonly startListeners: Array<(action: LifecycleAction) => void> = [];

  /**
   * @param random its own stream (tokens, Pending:Proceed delays): regions without hooks draw nothing
   */
  constructor(
    private readonly scheduler: TickScheduler,
    private readonly random: SeededRandom,
    private readonly pendingProceedSeconds: Range,
  ) {}

  /** @internal Wires the group engine (it is created first). */
  public connect(transitions: LaunchTransitions): void {
    this.transitions = transitions;
  }

  /**
   * Calls `listener` with each lifecycle action as it starts (what a lifecycle notification
   * carries); returns the function that stops it.
   */
  public onStart(listener: (action: LifecycleAction) => void): () => void {
    this.startListeners.push(listener);
    return () => {
      const index = this.startListeners.indexOf(listener);
      if (index >= 0) this.startListeners.splice(index, 1);
    };
  }

  /** The instance entered Pending:Wait: one action per hook, each with its own timeout. */
  public start(instance: Instance, hooks: readonly LaunchHook[]): void {
    const now = this.scheduler.now();
    const actions = hooks.map((hook) => {
      const action: LifecycleAction = {
        hook,
        token: this.newToken(),
        instance,
        startedAt: now,
        deadline: now + hook.heartbeatTimeoutSeconds * 1000,
        globalDeadline: now + hook.globalTimeoutSeconds * 1000,
      };
      this.byToken.set(action.token, action);
      this.scheduleTimeout(action);
      return action;
    });
    this.byInstance.set(instance.id, actions);
    for (const action of actions) for (const listener of [...this.startListeners]) listener(action);
  }

  /** The instance's actions, completed ones included (empty when it is not waiting). */
  public actionsOf(instanceId: string): readonly LifecycleAction[] {
    return this.byInstance.get(instanceId) ?? [];
  }

  /** The action a token names, if it is still active (its instance in Pending:Wait, not completed). */
  public activeByToken(token: string): LifecycleAction | undefined {
    const action = this.byToken.get(token);
    return action && this.isActive(action) ? action : undefined;
  }

  /** The active action of `hookName` for the instance, if any. */
  public activeByInstance(instanceId: string, hookName: string): LifecycleAction | undefined {
    return this.actionsOf(instanceId).find((a) => a.hook.name === hookName && this.isActive(a));
  }

  public isActive(action: LifecycleAction): boolean {
    return action.result === undefined && action.instance.lifecycleState === 'Pending:Wait';
  }

  /** RecordLifecycleActionHeartbeat: the timeout restarts, never past the global timeout. */
  public heartbeat(action: LifecycleAction): void {
    const now = this.scheduler.now();
    action.deadline = Math.min(now + action.hook.heartbeatTimeoutSeconds * 1000, action.globalDeadline);
    this.scheduleTimeout(action);
  }

  /** CompleteLifecycleAction (or a timeout): ABANDON ends the launch at once; the last CONTINUE lets it proceed. */
  public complete(action: LifecycleAction, result: LifecycleActionResult, defaulted = false): void {
    if (!this.isActive(action)) return;
    action.result = result;
    action.defaulted = defaulted;
    const instance = action.instance;
    const transitions = this.requireTransitions();
    if (result === 'ABANDON') {
      const why = defaulted
        ? `Lifecycle Action with token ${action.token} timed out (hook ${action.hook.name}, DefaultResult ABANDON)`
        : `Lifecycle Action with token ${action.token} was abandoned: Lifecycle Action Completed with ABANDON Result`;
      this.forget(instance.id);
      transitions.abandon(instance, `Instance failed to complete user's Lifecycle Action: ${why}`);
      return;
    }
    const actions = this.actionsOf(instance.id);
    if (actions.some((a) => a.result === undefined)) return;
    this.validation.set(instance.id, actions.some((a) => a.defaulted) ? 'defaulted' : 'continued');
    this.forget(instance.id);
    transitions.proceed(instance);
    this.scheduler.after(sample(this.random, this.pendingProceedSeconds), () =>
      transitions.enterServiceAfterHooks(instance),
    );
  }

  /** The instance stops waiting for another reason (terminated): its actions end with it. */
  public cancel(instanceId: string): void {
    this.forget(instanceId);
  }

  private forget(instanceId: string): void {
    for (const action of this.byInstance.get(instanceId) ?? []) this.byToken.delete(action.token);
    this.byInstance.delete(instanceId);
  }

  /** At the deadline (checked again then: a heartbeat may have moved it), the DefaultResult applies. */
  private scheduleTimeout(action: LifecycleAction): void {
    const deadline = action.deadline;
    const seconds = Math.max(0, (deadline - this.scheduler.now()) / 1000);
    this.scheduler.after(seconds, () => {
      if (action.deadline !== deadline || !this.isActive(action)) return;
      this.complete(action, action.hook.defaultResult, true);
    });
  }

  private requireTransitions(): LaunchTransitions {
    if (!this.transitions) throw new Error('LaunchLifecycleActions: not connected to the group engine');
    return this.transitions;
  }

  /** A lifecycle action token: a version-4 UUID, as AWS sends them. */
  private newToken(): string {
    for (;;) {
      const hex = this.random.hex(32);
      const token = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
      if (!this.byToken.has(token)) return token;
    }
  }
}
