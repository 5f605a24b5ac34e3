/**
 * Names of the metrics the release workflow writes and the dashboard and alarms read. The
 * handlers write custom metrics as CloudWatch Embedded Metric Format log lines
 * (lambda/shared/metrics.ts).
 */

/** The CloudWatch namespace of every custom metric of this library. */
export const METRICS_NAMESPACE = 'BlueGreen';

/** Count of rollbacks of a service, automatic or requested. */
export const ROLLBACKS_METRIC = 'Rollbacks';

/** Instances of the new version serving during a release's canary phase, at each look of its watch. */
export const CANARY_INSTANCES_METRIC = 'CanaryInstances';

/** The dimension naming the service: the value of its `bluegreen:service` tag. */
export const SERVICE_DIMENSION = 'Service';

/**
 * The default rollback alarm's metric math (lib/release-guards.ts), which the rehearsal evaluates
 * too: percent of requests answered 5xx by a target (0 without requests).
 */
export const TARGET_5XX_RATE_EXPRESSION =
  'IF(FILL(requests, 0) > 0, 100 * FILL(errors, 0) / FILL(requests, 1), 0)';
