export { APP_DEFAULTS, AppSource, BlueGreenService, maxCommandsBytes } from './blue-green-service';
export type { ArtifactOptions, BlueGreenServiceProps } from './blue-green-service';
export { DATABASE_DEFAULTS, DatabaseSource, ServiceDatabase } from './database';
export type {
  DatabaseConnection,
  ExistingDatabase,
  ServiceDatabaseOptions,
  ServiceDatabaseProps,
} from './database';
export { FLEET_DEFAULTS, Fleet } from './fleet';
export type { FleetApplication, FleetProps } from './fleet';
export { HEALTH_CHECK_DEFAULTS, ReleaseLoadBalancer } from './load-balancer';
export type { HealthCheckOptions, ReleaseLoadBalancerProps } from './load-balancer';
export { GROUP_LIFECYCLE_METRICS, ReleaseDashboard, rollbacksMetric } from './release-dashboard';
export type { ReleaseDashboardProps } from './release-dashboard';
export { ReleaseNotifications } from './release-notifications';
export type { ReleaseNotificationsProps } from './release-notifications';
export { ReleaseWorkflow } from './release-workflow';
export type { ReleaseArtifactLocation, ReleaseWorkflowProps } from './release-workflow';
export { PropsValidationError, WARNING_PREFIX } from './validation';
export { COLOURS, IMDS_TAG_KEY_PATTERN, TagKeys } from '../lambda/shared/tags';
export type { Colour } from '../lambda/shared/tags';
export { VERSION_PATTERN, isValidVersion } from '../lambda/shared/version';
export { METRICS_NAMESPACE, ROLLBACKS_METRIC, SERVICE_DIMENSION } from '../lambda/shared/metrics';
