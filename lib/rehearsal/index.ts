/** The release rehearsal: a separate entry point, so the constructs never load the interpreter. */
export { Rehearsal, type RehearsalOptions } from './rehearsal';
export type { RehearsalExecution, ExecutionStatus, ExecutionEvent } from './executions';
export {
  runScenario,
  secondsUntilOnlyVersion,
  tour,
  SCENARIOS,
  type Scenario,
  type ScenarioResult,
  type ScenarioOptions,
} from './scenarios';
export { liveVersion, settledViolations, trafficViolations, type ServiceView } from './invariants';
export { SimulatedRegion, type RegionOptions } from './region';
export { VirtualClock } from './virtual-clock';
