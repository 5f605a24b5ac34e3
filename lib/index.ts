/**
 * cdk-blue-green-ec2: zero-downtime blue/green releases of EC2 web applications as one AWS CDK
 * construct, `BlueGreenService`, and the parts it is made of. The release rehearsal and the
 * `bluegreen` CLI have their own entry points: `cdk-blue-green-ec2/rehearsal` and
 * `cdk-blue-green-ec2/cli`.
 */
export { AppSource, BlueGreenService } from './blue-green-service';
export type { ArtifactOptions, BlueGreenServiceProps } from './blue-green-service';
export type { AppMode } from './boot/user-data';
export { DatabaseSource, ServiceDatabase } from './database';
export type {
  DatabaseConnection,
  ExistingDatabase,
  ServiceDatabaseOptions,
  ServiceDatabaseProps,
} from './database';
export { Fleet } from './fleet';
export type { Colour, FleetApplication, FleetProps } from './fleet';
export { InstanceValidation } from './instance-validation';
export type { InstanceValidationOptions, InstanceValidationProps, SmokeCheck } from './instance-validation';
export type { UserValidatorAnswer, UserValidatorPayload } from './contract/instance-validation';
export { ReleaseLoadBalancer } from './load-balancer';
export type { ExistingListenerOptions, HealthCheckOptions, ReleaseLoadBalancerProps } from './load-balancer';
export { ReleaseDashboard } from './release-dashboard';
export type { ReleaseDashboardProps } from './release-dashboard';
export type { ApprovalGate, ApprovalOptions, ApprovalOutcome } from './release-guards';
export { ReleaseNotifications } from './release-notifications';
export type { ReleaseNotificationsProps } from './release-notifications';
export { isValidVersion, VERSION_PATTERN } from './release-version';
export { ServiceMetrics } from './service-metrics';
export type { ServiceMetricsProps } from './service-metrics';
export type { ReleaseHook, ReleaseHooks } from './release-hooks';
export type { CanaryOptions } from './release-canary';
export type { ReleaseHookPayload, ReleaseHookPoint } from './contract/release-hooks';
export { ReleaseWorkflow } from './release-workflow';
export type { ReleaseArtifactLocation, ReleaseWorkflowProps } from './release-workflow';
export { PropsValidationError } from './validation';
export type { ApprovalSettings } from './workflow/release-definition';
export type { ReleaseStepName } from './contract/steps';
