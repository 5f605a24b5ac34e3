export { SimulatedRegion, REGION_DEFAULTS, type RegionOptions } from './region';
export { PROFILES, type ProfileName, type Range, type RegionProfile } from './profile';
export {
  SCALING_PROCESSES,
  type AutoScalingGroupSpec,
  type GroupTagSpec,
  type ScalingProcess,
} from './auto-scaling';
export { AutoScalingMessages, MAX_STANDBY_IDS_PER_CALL, MAX_DESCRIBE_INSTANCE_IDS } from './auto-scaling-api';
export type { TargetGroupSpec, TargetState } from './target-group';
export type { LifecycleState, HealthStatus, InstanceTag } from './instances';
export { Faults, type CallFailure, type CallFailureSpec } from './faults';
export {
  API_HARSHNESS,
  resolveApiHarshness,
  type AmbiguousError,
  type ApiHarshness,
  type BucketSpec,
  type RateLimitFamily,
} from './api-harshness';
export { RateLimits, TokenBucket, rateLimitFamily } from './rate-limits';
export { CallLog, type CallStats, type CallRecord } from './call-log';
export type { CallObserver, ObservedCall } from './call-observer';
export { TrafficStats, type TrafficSecond } from './traffic';
export type { ExecutionDirectory } from './executions';
export { ExecutionMessages } from './executions';
export { LockTableMessages, EVENTUAL_CONSISTENCY_MS } from './lock-table';
export { LoadBalancingMessages } from './load-balancing-api';
export {
  LIFECYCLE_ACTION_RESULTS,
  LAUNCHING_TRANSITION,
  type LifecycleActionResult,
  type LifecycleHookSpec,
} from './lifecycle-hooks';
export { LifecycleHookMessages } from './lifecycle-hooks-api';
export { Ec2Messages } from './ec2-api';
export type { BadAnswer, BadAnswerSpec, InstanceCheckAnswer, InstanceCheckRequest } from './instance-checks';
export { unvalidatedServingViolations, type UnvalidatedServing } from './launch-validation';
export { isSimulatedServiceError, type SimulatedServiceError, type ServiceName } from './errors';
export type {
  RegionObservation,
  GroupObservation,
  InstanceObservation,
  TargetGroupObservation,
  TargetObservation,
} from './observation';
