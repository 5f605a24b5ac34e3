/**
 * The execution's state: the input a release is started with, the plan Prepare makes and what
 * every step hands to the next. The state machine (lib/workflow), the step handlers (lambda/) and
 * the CLI (which reads an execution's input, output and history) share this shape.
 */
import type { Colour } from './tags';

/** What a release request may ask for: the execution input. */
export type ReleaseAction = 'release' | 'rollback';

export interface ReleaseRequest {
  /** @default 'release' */
  readonly action?: ReleaseAction;
  /** Required for a release; refused unless it matches VERSION_PATTERN. */
  readonly version?: string;
  /** Instances to launch in the idle group. @default - the live group's current desired capacity, else the service's default capacity */
  readonly capacity?: number;
  /** @default - the construct's healthTimeout */
  readonly healthTimeoutSeconds?: number;
  /** @default - the construct's bakeTime */
  readonly bakeSeconds?: number;
  /** Who started it, for the history (the CLI records the caller's ARN). */
  readonly requestedBy?: string;
}

/** Where the state machine goes after a step; every Choice state routes on `$.next`. */
export type NextStep =
  | 'scaleUp'
  | 'waitForHealth'
  | 'swap'
  | 'canary'
  | 'bake'
  | 'finalize'
  | 'rollback'
  | 'prepare'
  | 'released'
  /** Finalize kept the lock through the afterFinalize hook: the Finalize function releases it now. */
  | 'releaseLock'
  | 'rolledBack'
  | 'failed';

/** What the previous owner was doing when this one took the lock over. */
export interface SupersededIntent {
  readonly owner: string;
  readonly action?: ReleaseAction;
  /** The version it was moving the service to (undefined for a convergence-only rollback). */
  readonly version?: string;
  /** The version that was live when it started. */
  readonly fromVersion?: string;
}

/** What Prepare decided; carried unchanged through the execution (except `healthDeadline`). */
export interface ReleasePlan {
  /** What was asked; a rollback after finalize becomes a release of the previous version. */
  readonly action: ReleaseAction;
  /** The version being released (or restored). */
  readonly version: string;
  /** The group that is scaled up and becomes live. */
  readonly targetColour: Colour;
  readonly targetGroupName: string;
  /** The group that was live before; absent on the first release into an empty service. */
  readonly fromColour?: Colour;
  readonly fromGroupName?: string;
  readonly fromVersion?: string;
  readonly capacity: number;
  readonly healthTimeoutSeconds: number;
  readonly bakeSeconds: number;
  /** Epoch ms after which the health wait gives up; set by ScaleUp. */
  readonly healthDeadline?: number;
  /**
   * Set when this release runs a canary phase first (a release with a live fleet, never a
   * rollback that relaunches the previous version): see `ReleasePhase`.
   */
  readonly canary?: CanaryPlan;
}

/** The canary phase of a release: a few new instances take their share of traffic first. */
export interface CanaryPlan {
  /** Instances of the new version ScaleUp brings up for the canary (fewer than `capacity`). */
  readonly instances: number;
  /** How long the canary is watched once its instances are healthy. */
  readonly durationSeconds: number;
}

/**
 * Where a release with a canary stands: `canary` from the first ScaleUp until the canary watch
 * passed, `full` from then on (ScaleUp then brings up the planned capacity).
 */
export type ReleasePhase = 'canary' | 'full';

export interface RollbackInfo {
  /** Why the rollback runs, in words an operator understands. */
  readonly reason: string;
  /** True when the workflow decided it (failure, timeout): the execution then ends failed. */
  readonly automatic: boolean;
}

export interface HealthProgress {
  readonly healthy: number;
  readonly wanted: number;
  /** Instance count per lifecycle state in the group being waited on. */
  readonly lifecycle: Record<string, number>;
}

/** The error a Catch stores at `$.error`. */
export interface CaughtError {
  readonly Error: string;
  readonly Cause: string;
  /**
   * Set when the afterFinalize hook's Task timed out: Step Functions does not cancel its function's
   * invocation, which may still run.
   */
  readonly HookMayStillRun?: boolean;
}

/** The state passed from step to step. Each handler takes it and returns the next one. */
export interface ReleaseState {
  readonly request: ReleaseRequest;
  /** `$$.Execution.Id`: the lock owner. */
  readonly executionArn: string;
  readonly plan?: ReleasePlan;
  readonly next?: NextStep;
  /** Seconds the next Wait state waits. */
  readonly waitSeconds?: number;
  readonly progress?: HealthProgress;
  readonly rollback?: RollbackInfo;
  readonly error?: CaughtError;
  /** How often Prepare sent the execution to reconcile an interrupted release first. */
  readonly recoveries?: number;
  /** Epoch ms when each step first completed, by step name. */
  readonly timings?: Record<string, number>;
  readonly summary?: ReleaseSummary;
  /** Instances this execution removed (terminated, or scaled in by a rollback), accumulated over passes. */
  readonly terminatedInstanceIds?: readonly string[];
  /** What the execution this one took the lock from was doing (set by Prepare). */
  readonly superseded?: SupersededIntent;
  /** The capacity the rollback restores, settled on by its first pass and never lowered. */
  readonly restoreCapacity?: number;
  /** Instances the rollback returned from Standby (the only ones it replaces when unhealthy). */
  readonly exitedStandby?: readonly string[];
  /** Epoch ms after which a rollback that cannot restore gives up loudly (RollbackIncomplete). */
  readonly rollbackDeadline?: number;
  /** Epoch ms after which Finalize gives up verifying the new fleet (and rolls back). */
  readonly finalizeDeadline?: number;
  /** The new group as CheckHealth saw it when it cleared the swap (what the release hooks are told). */
  readonly clearedFleet?: ClearedFleet;
  /** The phase of a release with a canary (absent without one). */
  readonly phase?: ReleasePhase;
  /**
   * Set by a state machine whose definition releases the lock after an afterFinalize hook
   * (`ReleaseLock`): only then does Finalize keep it, listing the hook's invocation on the lock
   * for `windowSeconds` (its function's timeout), so a next release waits for it even if this
   * execution stops. Carried in the state, not the function's configuration, so an execution
   * started before a deploy added or removed the hook keeps to its own definition.
   */
  readonly afterFinalizeHook?: { readonly windowSeconds: number };
  /**
   * Epoch ms of the first read of an unbroken run of reads that showed the canary not serving;
   * the canary watch rolls back once such reads span READ_SETTLE_MS (reads lag).
   */
  readonly canaryTroubleSince?: number;
}

/** The new group when the health wait cleared the swap. */
export interface ClearedFleet {
  readonly colour: Colour;
  /** Its instances serving then: InService and healthy on the target group. */
  readonly instanceIds: readonly string[];
  /** The version live before this release; an empty string on the service's first release. */
  readonly previousVersion: string;
}

export interface ReleaseSummary {
  readonly outcome: 'released' | 'rolled-back';
  readonly version: string;
  readonly liveColour?: Colour;
  readonly liveGroupName?: string;
  readonly previousVersion?: string;
  readonly instanceIds: readonly string[];
  readonly terminatedInstanceIds: readonly string[];
  readonly durationSeconds: number;
  readonly timings: Record<string, number>;
  /** The canary this release passed before its full scale-up, if it ran one. */
  readonly canary?: CanaryPlan;
}
