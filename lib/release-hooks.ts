import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RELEASE_HOOK_POINTS } from './contract/release-hooks';
import type { PropsValidator } from './validation';

/** A user Lambda function the release workflow invokes at one point of every release. */
export interface ReleaseHook {
  /**
   * The function to invoke, with a `ReleaseHookPayload` as its event. It is invoked once per
   * release execution and never retried; it must be idempotent all the same (see the README,
   * "Release hooks").
   */
  readonly function: lambda.IFunction;
  /**
   * How long the workflow waits for the function's answer; past it the hook counts as failed.
   * Between 1 second and 15 minutes.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
}

/**
 * The release hooks: a function invoked at each named point of a release. Hooks run only for
 * releases, never for a `bluegreen rollback` request. A hook that fails or times out before
 * Finalize rolls the release back; an `afterFinalize` hook that fails fails the execution
 * (`AfterFinalizeHookFailed`) and the new version stays released.
 */
export interface ReleaseHooks {
  /**
   * Before the new version takes its first request: e.g. an expand migration. Runs on a first
   * release too. Without validation or a canary: after the new group is healthy (its instances
   * have then served their share for a few seconds), before the swap and its approval gate. With
   * pre-traffic validation or a canary: before the ScaleUp, when no new instance exists yet.
   * @default - no hook
   */
  readonly beforeTraffic?: ReleaseHook;
  /**
   * Right after the swap (the old fleet in Standby, the new one serving), before the bake: e.g.
   * smoke tests against the live URL. Not run on a first release (no swap to an old fleet).
   * @default - no hook
   */
  readonly afterTraffic?: ReleaseHook;
  /**
   * After the bake (and the finalize approval, if any), before Finalize. Not run on a first release.
   * @default - no hook
   */
  readonly beforeFinalize?: ReleaseHook;
  /**
   * After Finalize succeeded, once the old version can no longer come back: e.g. a contract
   * migration. The release holds the lock until it answers, so no other release starts meanwhile.
   * Runs on a first release too.
   * @default - no hook
   */
  readonly afterFinalize?: ReleaseHook;
}

/** Defaults of `ReleaseHook`. */
export const RELEASE_HOOK_DEFAULTS = { timeout: Duration.minutes(5) } as const;

/** The task timeout a hook may ask for: Lambda runs a function for 15 minutes at most. */
export const RELEASE_HOOK_TIMEOUT_LIMITS = { minSeconds: 1, maxSeconds: 900 } as const;

/** Records a problem for every hook timeout outside its limits (`hooks.beforeTraffic.timeout (...)`). */
export function validateReleaseHooks(validator: PropsValidator, hooks: ReleaseHooks | undefined): void {
  for (const point of RELEASE_HOOK_POINTS) {
    const hook = hooks?.[point];
    if (!hook) continue;
    validator.secondsBetween(
      `hooks.${point}.timeout`,
      hook.timeout,
      RELEASE_HOOK_TIMEOUT_LIMITS.minSeconds,
      RELEASE_HOOK_TIMEOUT_LIMITS.maxSeconds,
    );
  }
}
