/**
 * A chaos schedule: what happens to a service, and when, after it released its first versions.
 * Plain data, so a schedule can be printed, shrunk, pasted into a test and replayed.
 */

/** What an execution is asked to do: release a version, or roll back. */
export type ChaosRequest = { readonly version: string } | { readonly action: 'rollback' };

/** A group, by its colour tag. */
export type Colour = 'blue' | 'green';

/** The lifecycle states an instance can die in. */
export type DyingState = 'Pending' | 'Pending:Wait' | 'InService' | 'Standby' | 'EnteringStandby';

/** The Task states of the release workflow, where an anchored action may be tied to. */
export const TASK_STATES = [
  'Prepare',
  'ScaleUp',
  'CheckHealth',
  'Swap',
  'Bake',
  'Finalize',
  'Rollback',
] as const;

/** An instant tied to an execution: when it first enters a state. */
export interface Anchor {
  /** The execution (a `start` action's name). */
  readonly name: string;
  readonly state: string;
}

/**
 * When an action happens: `at` virtual ms after instant 0 of the schedule or, with `after`,
 * after the named execution first enters that state (never, if it does not).
 */
export interface Timing {
  readonly at: number;
  readonly after?: Anchor;
}

/** StartExecution named `name`: a release or a rollback. */
export interface StartAction extends Timing {
  readonly do: 'start';
  readonly name: string;
  readonly request: ChaosRequest;
}

/** StopExecution of the execution named `name`, if it still runs. */
export interface StopAction extends Timing {
  readonly do: 'stop';
  readonly name: string;
}

/**
 * An instance of the group in `state` dies (the `pick`-th, modulo how many there are): `impair`
 * stops its app for good, the instance stays; `terminate` ends the instance (as a person or EC2
 * would). Never the last healthy target still answering in its group: no release can help that.
 */
export interface KillAction extends Timing {
  readonly do: 'kill';
  readonly colour: Colour;
  readonly state: DyingState;
  readonly pick: number;
  readonly how: 'impair' | 'terminate';
}

/** A target-tracking alarm: desired capacity + `by` (scale-out), or - `by` (scale-in, never below MinSize). */
export interface ScaleAction extends Timing {
  readonly do: 'scale';
  readonly colour: Colour;
  readonly by: number;
}

/** Mutating calls fail with `error`, each with `probability`, for `forMs`. */
export interface FailCallsAction extends Timing {
  readonly do: 'fail-calls';
  readonly error: 'Throttling' | 'ResourceContention';
  readonly probability: number;
  readonly forMs: number;
}

/** Anything a schedule does. */
export type ChaosAction = StartAction | StopAction | KillAction | ScaleAction | FailCallsAction;

/** A schedule: the releases before it, and what happens after. */
export interface ChaosSchedule {
  /** Seeds the simulated region and `Math.random` (and, for a generated schedule, chose the actions). */
  readonly seed: number;
  /** Versions released (and required to succeed) before instant 0 of the schedule. */
  readonly before: readonly string[];
  /**
   * Instant 0 is when the last release of `before` ended. Those timed from instant 0 first, in
   * order of `at`, then those tied to a state.
   */
  readonly actions: readonly ChaosAction[];
}

/** Instant-0 actions by `at`, then the anchored ones in their given order. */
export function inScheduleOrder(actions: readonly ChaosAction[]): ChaosAction[] {
  const timed = actions.filter((a) => !a.after).sort((a, b) => a.at - b.at);
  return [...timed, ...actions.filter((a) => a.after)];
}

/** `release v2`, `rollback`. */
export function describeRequest(request: ChaosRequest): string {
  return 'version' in request ? `release ${request.version}` : 'rollback';
}

/** One line: `+73.512s stop chaos-a`, `+0.230s after chaos-a enters Swap: stop chaos-a`. */
export function describeAction(action: ChaosAction): string {
  const offset = `+${(action.at / 1000).toFixed(3)}s`;
  const at = action.after ? `${offset} after ${action.after.name} enters ${action.after.state}:` : offset;
  switch (action.do) {
    case 'start':
      return `${at} start ${action.name}: ${describeRequest(action.request)}`;
    case 'stop':
      return `${at} stop ${action.name}`;
    case 'kill':
      return `${at} ${action.how} ${action.colour} ${action.state} instance #${action.pick}`;
    case 'scale':
      return `${at} scale ${action.by > 0 ? 'out' : 'in'} ${action.colour} by ${Math.abs(action.by)}`;
    case 'fail-calls':
      return `${at} ${action.error} on mutating calls, p=${action.probability}, for ${action.forMs / 1000}s`;
  }
}

/** The schedule as numbered lines (the numbers are what `--keep` takes). */
export function describeSchedule(schedule: ChaosSchedule): string[] {
  return [
    `seed ${schedule.seed}, released before: ${schedule.before.join(', ') || 'nothing'}`,
    ...schedule.actions.map((action, index) => `  [${index}] ${describeAction(action)}`),
  ];
}

/** The schedule with only the actions at these indices. */
export function keepActions(schedule: ChaosSchedule, indices: readonly number[]): ChaosSchedule {
  return { ...schedule, actions: schedule.actions.filter((_, index) => indices.includes(index)) };
}
