/** The service configurations the benchmark rehearses, beyond the demo stack. */
import { Duration } from 'aws-cdk-lib';
import type { BlueGreenServiceProps } from '../../lib/blue-green-service';

/** AWS's own target group defaults: 30 s interval, healthy threshold 5, 5 s timeout. */
export const AWS_DEFAULT_HEALTH: BlueGreenServiceProps = {
  healthCheck: { interval: Duration.seconds(30), healthyThresholdCount: 5, timeout: Duration.seconds(5) },
};

/** 500 instances per colour: both colours fit the default quota of 1,000 targets (no targetQuota). */
export const FLEET_500: BlueGreenServiceProps = {
  minCapacity: 2,
  maxCapacity: 500,
  defaultCapacity: 500,
};

/** 1,000 instances per colour: both are registered at once, so a raised target quota is declared. */
export const FLEET_1000: BlueGreenServiceProps = {
  minCapacity: 2,
  maxCapacity: 1000,
  defaultCapacity: 1000,
  targetQuota: 2000,
};

/** AWS's default targets per target group and per load balancer (docs/aws-model.md, "Quotas"). */
export const DEFAULT_TARGET_QUOTA = 1000;

/** Six instances per colour, not the demo's two: every per-instance AWS delay widens the window with the fleet. */
export const SIX_INSTANCES: BlueGreenServiceProps = { minCapacity: 2, maxCapacity: 12, defaultCapacity: 6 };
/** The same fleet with pre-traffic validation, its defaults: a release's new fleet is let in together. */
export const VALIDATED: BlueGreenServiceProps = { ...SIX_INSTANCES, validation: {} };
