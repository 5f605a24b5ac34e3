/**
 * The one table of the release steps. Each step is one Lambda handler (`lambda/<name>/index.ts`,
 * bundled to `<name>/index.js`), one function construct and one Task state of the state machine;
 * every other spelling of a step is read from here: the construct ids (lib/release-workflow.ts),
 * the state names (lib/workflow/release-definition.ts), the handler folders the build bundles
 * (scripts/handlers/layout.ts) and the `bluegreen:step` metadata the rehearsal loads a handler by.
 */

/** The release steps, each named after its handler folder under `lambda/`. */
export type ReleaseStepName =
  'prepare' | 'scale-up' | 'check-health' | 'swap' | 'watch-bake' | 'finalize' | 'rollback';

/** How one step appears in the template and the state machine. */
export interface ReleaseStepSpelling {
  /** The name of its Task state (what the execution history, the CLI and the rehearsal show). */
  readonly stateName: string;
  /** The construct id of its function, under the workflow construct (part of its logical id). */
  readonly functionId: string;
}

/** Every step, in the order a release runs them (the rollback last). */
export const RELEASE_STEPS: Readonly<Record<ReleaseStepName, ReleaseStepSpelling>> = {
  prepare: { stateName: 'Prepare', functionId: 'PrepareStep' },
  'scale-up': { stateName: 'ScaleUp', functionId: 'ScaleUpStep' },
  'check-health': { stateName: 'CheckHealth', functionId: 'CheckHealthStep' },
  swap: { stateName: 'Swap', functionId: 'SwapStep' },
  'watch-bake': { stateName: 'Bake', functionId: 'WatchBakeStep' },
  finalize: { stateName: 'Finalize', functionId: 'FinalizeStep' },
  rollback: { stateName: 'Rollback', functionId: 'RollbackStep' },
};

/** The step names, in the table's order. */
export const RELEASE_STEP_NAMES = Object.keys(RELEASE_STEPS) as ReleaseStepName[];

/** The handler of the release notifications (lib/release-notifications.ts): not a step of the workflow. */
export const NOTIFY_HANDLER = 'notify';

/**
 * Where the package ships the prebuilt handler bundles, under its `dist/`: `<path>/<name>/index.js`.
 * The build writes them there (scripts/handlers), the constructs and the rehearsal read them.
 */
export const HANDLER_ASSETS_PATH = ['assets', 'handlers'] as const;

/**
 * The handler of the pre-traffic validation (lib/instance-validation.ts): not a step of the
 * workflow; invoked by EventBridge for each launch lifecycle action.
 */
export const VALIDATE_INSTANCE_HANDLER = 'validate-instance';

/**
 * The handler of the pre-traffic probe (lib/instance-validation.ts): the one function in the VPC,
 * invoked synchronously by the validator for each direct request to a new instance.
 */
export const PROBE_INSTANCE_HANDLER = 'probe-instance';

/** A handler folder under `lambda/`: a step's, the notifications', the validator's or the probe's. */
export type HandlerName =
  ReleaseStepName | typeof NOTIFY_HANDLER | typeof VALIDATE_INSTANCE_HANDLER | typeof PROBE_INSTANCE_HANDLER;

/** Every handler folder under `lambda/`, sorted: what the build bundles and the package ships. */
export const HANDLER_NAMES: readonly HandlerName[] = [
  ...RELEASE_STEP_NAMES,
  NOTIFY_HANDLER as HandlerName,
  VALIDATE_INSTANCE_HANDLER as HandlerName,
  PROBE_INSTANCE_HANDLER as HandlerName,
].sort();
