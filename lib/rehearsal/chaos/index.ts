/** The chaos search and the systematic mode: schedules of stops, races and faults, checked against every invariant. */
export {
  describeAction,
  describeSchedule,
  keepActions,
  inScheduleOrder,
  TASK_STATES,
  type Anchor,
  type Timing,
  type ChaosAction,
  type ChaosRequest,
  type ChaosSchedule,
  type Colour,
  type DyingState,
} from './schedule';
export { generateSchedule, MAIN_EXECUTION, type GenerateOptions } from './generate';
export { applyAction, groupNamed, requestInput } from './apply-action';
export { converge, CONVERGENCE_VERSION, type ConvergeOptions } from './converge';
export { runSchedule, type RunScheduleOptions, type ScheduleOutcome } from './run-schedule';
export { shrinkSchedule, type ShrinkResult, type StillViolates } from './shrink';
export { violationKind, violationKinds } from './violation-kind';
export {
  chaosSearch,
  shrinkFinding,
  type ChaosFinding,
  type ChaosSearchOptions,
  type ChaosSearchResult,
} from './search';
export {
  describeCase,
  recordRelease,
  runSystematicCase,
  systematicCases,
  SYSTEMATIC_MODES,
  type CaseOutcome,
  type SystematicCase,
  type SystematicMode,
  type SystematicOptions,
} from './systematic';
export {
  describeFinding,
  describeOutcome,
  describeViolations,
  replayCommand,
  scheduleLiteral,
} from './report';
