/** Synthesized templates the benchmark rehearses (bundling skipped: the rehearsal runs handler sources). */
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DemoStack, ServiceStack } from '../../../bin/example-stacks';
import type { BlueGreenServiceProps } from '../../blue-green-service';
import type { CfnTemplate } from '../template';

function noBundlingApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

export function demoTemplate(): CfnTemplate {
  return Template.fromStack(new DemoStack(noBundlingApp(), 'Demo')).toJSON() as CfnTemplate;
}

export function serviceTemplate(service: BlueGreenServiceProps): CfnTemplate {
  return Template.fromStack(
    new ServiceStack(noBundlingApp(), 'Service', { service }),
  ).toJSON() as CfnTemplate;
}

/** AWS's own target group defaults: 30 s interval, healthy threshold 5, 5 s timeout. */
export const AWS_DEFAULT_HEALTH: BlueGreenServiceProps = {
  healthCheck: { interval: Duration.seconds(30), healthyThresholdCount: 5, timeout: Duration.seconds(5) },
};

export const LARGE_FLEET: BlueGreenServiceProps = {
  minCapacity: 2,
  maxCapacity: 1000,
  defaultCapacity: 1000,
};
