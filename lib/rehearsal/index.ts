/** The release rehearsal: a separate entry point, so the constructs never load the interpreter. */
export { Rehearsal, type RehearsalOptions } from './rehearsal';
export type { RehearsalExecution, ExecutionStatus, ExecutionEvent, ReleaseHookHandler } from './executions';
export type { ReleaseHookHandlers } from './release-hook-handlers';
export type { ReleaseHookPayload, ReleaseHookPoint } from '../contract/release-hooks';
export type { HandlerSource } from './handler-source';
export type {
  FailingInvocations,
  LifecycleEventDelivery,
  ValidatorInvocation,
} from './lifecycle-event-delivery';
export type { UserValidatorAnswer, UserValidatorPayload } from '../contract/instance-validation';
export {
  runScenario,
  secondsUntilOnlyVersion,
  tour,
  SCENARIOS,
  type Scenario,
  type ScenarioResult,
  type ScenarioOptions,
} from './scenarios';
export {
  capacityViolations,
  liveVersion,
  midReleaseReasons,
  outcomeViolations,
  restorableVersions,
  settledViolations,
  stableLiveVersion,
  suspendedProcessViolations,
  trafficViolations,
  type OutcomeClaim,
  type RollbackContext,
  type ServiceView,
} from './invariants';
export { settledScope, type SettledScope } from './settled-scope';
export {
  chaosSearch,
  converge,
  describeFinding,
  describeSchedule,
  generateSchedule,
  recordRelease,
  runSchedule,
  runSystematicCase,
  shrinkSchedule,
  systematicCases,
  type ChaosAction,
  type ChaosFinding,
  type ChaosSchedule,
  type ChaosSearchOptions,
  type ChaosSearchResult,
  type ScheduleOutcome,
  type SystematicCase,
  type SystematicOptions,
} from './chaos';
export { SimulatedRegion, type RegionOptions } from './region';
export { PROFILES, type ProfileName, type Range, type RegionProfile } from './region/profile';
export { VirtualClock } from './virtual-clock';
