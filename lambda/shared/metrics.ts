/**
 * Custom metrics of the release workflow, written as CloudWatch Embedded Metric Format (EMF) log
 * lines: a handler prints the line and CloudWatch Logs extracts the metric, with no PutMetricData
 * call (no extra permission, no latency, no failure mode in the release path).
 */

import {
  CANARY_INSTANCES_METRIC,
  METRICS_NAMESPACE,
  ROLLBACKS_METRIC,
  SERVICE_DIMENSION,
} from '../../lib/contract/metrics';

/**
 * One EMF log line recording `Rollbacks = 1` for the service, at `atMs` (epoch milliseconds).
 * Print it once per rollback (`console.log`); summing the metric counts rollbacks.
 */
export function rollbackMetricRecord(serviceTag: string, atMs: number): string {
  return metricRecord(serviceTag, atMs, ROLLBACKS_METRIC, 1);
}

/**
 * One EMF log line recording how many canary instances serve (`CanaryInstances`), at `atMs`:
 * printed at each look of the canary watch, so the dashboard shows when a canary ran and how big.
 */
export function canaryMetricRecord(serviceTag: string, atMs: number, serving: number): string {
  return metricRecord(serviceTag, atMs, CANARY_INSTANCES_METRIC, serving);
}

function metricRecord(serviceTag: string, atMs: number, name: string, value: number): string {
  return JSON.stringify({
    _aws: {
      Timestamp: Math.round(atMs),
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [[SERVICE_DIMENSION]],
          Metrics: [{ Name: name, Unit: 'Count' }],
        },
      ],
    },
    [SERVICE_DIMENSION]: serviceTag,
    [name]: value,
  });
}
