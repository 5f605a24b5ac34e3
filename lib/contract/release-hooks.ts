/**
 * The release hooks: user Lambda functions the release workflow invokes at named points of a
 * release. The state machine (lib/workflow/release-hooks.ts) and the rehearsal (which runs a
 * handler given for each hook function in-process) share these names and the payload's shape.
 */
/** The points of a release where a hook may run, in the order a release reaches them. */
export type ReleaseHookPoint = 'beforeTraffic' | 'afterTraffic' | 'beforeFinalize' | 'afterFinalize';

/** Every hook point, in the order a release reaches them. */
export const RELEASE_HOOK_POINTS: readonly ReleaseHookPoint[] = [
  'beforeTraffic',
  'afterTraffic',
  'beforeFinalize',
  'afterFinalize',
];

/** The name of a hook point's Task state (what the execution history, the CLI and the rehearsal show). */
export const RELEASE_HOOK_STATE_NAMES: Readonly<Record<ReleaseHookPoint, string>> = {
  beforeTraffic: 'BeforeTrafficHook',
  afterTraffic: 'AfterTrafficHook',
  beforeFinalize: 'BeforeFinalizeHook',
  afterFinalize: 'AfterFinalizeHook',
};

/**
 * The Task states that release the lock a release kept through its `afterFinalize` hook: after it
 * answered, and after it failed.
 */
export const RELEASE_LOCK_STATE_NAMES = {
  answered: 'ReleaseLock',
  failed: 'ReleaseLockAfterHookFailed',
} as const;

/** The error an execution fails with when its `afterFinalize` hook fails: the release stands. */
export const AFTER_FINALIZE_HOOK_FAILED_ERROR = 'AfterFinalizeHookFailed';

/** What a hook function is invoked with (its event). */
export interface ReleaseHookPayload {
  /** The hook point this invocation runs at. */
  readonly hook: ReleaseHookPoint;
  /** The service's `bluegreen:service` tag. */
  readonly service: string;
  /** The version being released. */
  readonly version: string;
  /** The version that served before this release; an empty string on the service's first release. */
  readonly previousVersion: string;
  /** The colour of the new version's group (the package's `Colour`). */
  readonly colour: 'blue' | 'green';
  /** The release's Step Functions execution ARN: the same for every hook of one release. */
  readonly executionArn: string;
  /**
   * The new version's instances: for `afterFinalize`, those Finalize verified serving; for the
   * other points, those serving (InService and healthy on the target group) when the health wait
   * cleared the swap.
   */
  readonly instances: readonly string[];
}
