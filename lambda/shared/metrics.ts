/**
 * Custom metrics of the release workflow, written as CloudWatch Embedded Metric Format (EMF) log
 * lines: a handler prints the line and CloudWatch Logs extracts the metric, with no PutMetricData
 * call (no extra permission, no latency, no failure mode in the release path).
 */

/** The CloudWatch namespace of every custom metric of this library. */
export const METRICS_NAMESPACE = 'BlueGreen';

/** Count of rollbacks of a service, automatic or requested. */
export const ROLLBACKS_METRIC = 'Rollbacks';

/** The dimension naming the service: the value of its `bluegreen:service` tag. */
export const SERVICE_DIMENSION = 'Service';

/**
 * One EMF log line recording `Rollbacks = 1` for the service, at `atMs` (epoch milliseconds).
 * Print it once per rollback (`console.log`); summing the metric counts rollbacks.
 */
export function rollbackMetricRecord(serviceTag: string, atMs: number): string {
  return JSON.stringify({
    _aws: {
      Timestamp: Math.round(atMs),
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [[SERVICE_DIMENSION]],
          Metrics: [{ Name: ROLLBACKS_METRIC, Unit: 'Count' }],
        },
      ],
    },
    [SERVICE_DIMENSION]: serviceTag,
    [ROLLBACKS_METRIC]: 1,
  });
}
