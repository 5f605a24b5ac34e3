/** The service configurations the benchmark rehearses, beyond the demo stack. */
import { Duration } from 'aws-cdk-lib';
import type { BlueGreenServiceProps } from '../../lib/blue-green-service';

/** AWS's own target group defaults: 30 s interval, healthy threshold 5, 5 s timeout. */
export const AWS_DEFAULT_HEALTH: BlueGreenServiceProps = {
  healthCheck: { interval: Duration.seconds(30), healthyThresholdCount: 5, timeout: Duration.seconds(5) },
};

export const LARGE_FLEET: BlueGreenServiceProps = {
  minCapacity: 2,
  maxCapacity: 1000,
  defaultCapacity: 1000,
};
